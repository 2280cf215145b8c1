//! `latent-lab train optimal-d`: the optimal-discriminator lab headless. Writes `metrics.csv`
//! (a row per evaluation) and `summary.json`.

use std::path::Path;

use anyhow::{bail, Context as _};
use clap::Args;

use super::output::OutputArgs;
use super::parse_named;
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::model::mlp::Activation;
use crate::theory::optimal_d::Mixture1d;
use crate::train::gan::{GanLoss, NetConfig};
use crate::train::optimal_d::{Generator1d, OptimalDConfig, OptimalDMetrics, OptimalDSnapshot, OptimalDTrainer};

/// Every setting of the optimal-discriminator lab, as flags.
#[derive(Debug, Args)]
pub struct OptimalDArgs {
    /// p_data: gaussian, mix2, mix3, or mix:w,m,s;w,m,s (1–3 Gaussian modes).
    #[arg(long, default_value = "mix2")]
    pub data: String,
    /// Hold the generator fixed and train only D.
    #[arg(long)]
    pub freeze_g: bool,
    /// Generator: affine (x = a·z + b, p_g exact) or mlp (p_g by KDE).
    #[arg(long, default_value = "affine")]
    pub generator: String,
    /// Hidden width of an MLP generator.
    #[arg(long, default_value_t = 32)]
    pub hidden_g: usize,
    /// Hidden layers of an MLP generator.
    #[arg(long, default_value_t = 2)]
    pub layers_g: usize,
    /// Discriminator hidden width.
    #[arg(long, default_value_t = 64)]
    pub hidden_d: usize,
    /// Discriminator hidden layers.
    #[arg(long, default_value_t = 2)]
    pub layers_d: usize,
    /// Discriminator activation: relu, leaky-relu or tanh.
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// Generator objective: minimax or ns.
    #[arg(long, default_value = "ns")]
    pub loss: String,
    /// Discriminator learning rate (Adam, β1 = 0.5).
    #[arg(long, default_value_t = 1e-3)]
    pub lr_d: f64,
    /// Generator learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr_g: f64,
    /// Minibatch size.
    #[arg(long, default_value_t = 1024)]
    pub batch: usize,
    /// Discriminator steps per generator step.
    #[arg(long, default_value_t = 1)]
    pub d_steps: usize,
    /// Iterations (each: --d-steps D steps, then a G step unless --freeze-g).
    #[arg(long, default_value_t = 3000)]
    pub steps: u64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write a metrics row every this many iterations.
    #[arg(long, default_value_t = 100)]
    pub eval_every: u64,
    /// Where the run's files go, and how.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl OptimalDArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<OptimalDConfig> {
        let data = Mixture1d::parse(&self.data).map_err(|e| anyhow::anyhow!("--data: {e}"))?;
        let generator = match self.generator.as_str() {
            "affine" => Generator1d::Affine,
            "mlp" => Generator1d::Mlp { hidden: self.hidden_g, layers: self.layers_g },
            other => bail!("unknown generator '{other}' (expected one of: affine, mlp)"),
        };
        let activation =
            parse_named("activation", &self.activation, Activation::parse, &Activation::ALL.map(Activation::name))?;
        let loss = match self.loss.as_str() {
            "minimax" => GanLoss::Minimax,
            "ns" => GanLoss::NonSaturating,
            other => bail!("unknown loss '{other}' (expected one of: minimax, ns)"),
        };
        let config = OptimalDConfig {
            data,
            generator,
            discriminator: NetConfig { hidden: self.hidden_d, layers: self.layers_d, activation },
            loss,
            lr_d: self.lr_d,
            lr_g: self.lr_g,
            batch: self.batch,
            d_steps: self.d_steps,
            freeze_g: self.freeze_g,
            seed: self.seed,
        };
        config.validate()?;
        runner::check_eval_every(self.eval_every)?;
        Ok(config)
    }
}

/// The final numbers of a headless optimal-discriminator run (`summary.json`).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct OptimalDSummary {
    /// The lab's measurements at the end, under their own names.
    #[serde(flatten)]
    pub metrics: OptimalDMetrics,
    /// The affine generator's a, if affine.
    pub generator_a: Option<f64>,
    /// The affine generator's b, if affine.
    pub generator_b: Option<f64>,
    /// Whether G was frozen.
    pub freeze_g: bool,
    /// Iterations run.
    pub steps: u64,
    /// D steps run.
    pub d_steps: u64,
    /// G steps run.
    pub g_steps: u64,
    /// The seed.
    pub seed: u64,
    /// Wall time.
    pub elapsed_secs: f64,
}

/// Runs the optimal-discriminator lab headless; writes `metrics.csv` and `summary.json`.
pub fn train_optimal_d(args: &OptimalDArgs) -> anyhow::Result<OptimalDSummary> {
    runner::run(&args.output, args.steps, || {
        let config = args.config()?;
        let trainer = OptimalDTrainer::new(config.clone())?;
        Ok(OptimalDRun { config, trainer, eval_every: args.eval_every, last: None })
    })
}

/// An optimal-discriminator run under way.
struct OptimalDRun {
    config: OptimalDConfig,
    trainer: OptimalDTrainer,
    eval_every: u64,
    /// The last evaluation's snapshot.
    last: Option<OptimalDSnapshot>,
}

impl HeadlessLab for OptimalDRun {
    type Summary = OptimalDSummary;

    fn log(&self) -> Option<Log> {
        Some(Log {
            name: "metrics.csv",
            head: vec![
                "step,d_steps,g_steps,max_abs_d_minus_dstar,v_d_g,v_dstar_g,minus_log4_plus_2jsd,jsd,d_loss".to_owned()
            ],
        })
    }

    fn start_message(&self, steps: u64) -> Option<String> {
        let frozen = if self.config.freeze_g { " with G frozen" } else { "" };
        Some(format!("optimal discriminator: {steps} steps{frozen}, seed {}", self.config.seed))
    }

    fn eval_every(&self) -> u64 {
        self.eval_every
    }

    fn step(&mut self) -> anyhow::Result<()> {
        Ok(self.trainer.iteration()?)
    }

    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
        let s = self.trainer.build_snapshot()?;
        let m = &s.metrics;
        let row = format!(
            "{},{},{},{},{},{},{},{},{}",
            at.step,
            s.d_steps,
            s.g_steps,
            m.max_abs_d_minus_dstar,
            m.v_d_g,
            m.v_dstar_g,
            m.minus_log4_plus_2jsd,
            m.jsd,
            m.d_loss
        );
        let progress = format!(
            "step {:>6}/{}  sup|D − D*| {:.4}  V(D,G) {:.4}  −log 4 + 2·JSD {:.4}  JSD {:.4}",
            at.step, at.steps, m.max_abs_d_minus_dstar, m.v_d_g, m.minus_log4_plus_2jsd, m.jsd
        );
        self.last = Some(s);
        Ok(Evaluation { row: Some(row), progress: vec![progress] })
    }

    fn finish(self, _out: &Path, run: &Run) -> anyhow::Result<OptimalDSummary> {
        let s = self.last.context("the run ended without its final evaluation")?;
        Ok(OptimalDSummary {
            metrics: s.metrics,
            generator_a: s.affine.map(|a| a.0),
            generator_b: s.affine.map(|a| a.1),
            freeze_g: self.config.freeze_g,
            steps: run.steps,
            d_steps: s.d_steps,
            g_steps: s.g_steps,
            seed: self.config.seed,
            elapsed_secs: run.elapsed_secs(),
        })
    }
}
