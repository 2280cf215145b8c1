//! `latent-lab train optimal-d`: the optimal-discriminator lab headless. Writes `metrics.csv`
//! (a row per evaluation) and `summary.json`.

use std::path::Path;

use anyhow::Context as _;
use clap::Args;

use super::choices::{self, one_of};
use super::flags::{name_the_flag, SettingFlag};
use super::output::OutputArgs;
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::model::mlp::Activation;
use crate::objective::gan::GanLoss;
use crate::theory::optimal_d::Mixture1d;
use crate::train::gan::NetConfig;
use crate::train::optimal_d::{Generator1d, OptimalDConfig, OptimalDMetrics, OptimalDSnapshot, OptimalDTrainer};

/// The objectives this lab plays: the minimax game and its non-saturating variant (the others
/// are the GAN lab's).
const LOSSES: [GanLoss; 2] = [GanLoss::Minimax, GanLoss::NonSaturating];

/// Every setting of the optimal-discriminator lab, as flags.
#[derive(Debug, Args)]
pub struct OptimalDArgs {
    /// p_data: gaussian, mix2, mix3, or mix:w,m,s;w,m,s (1–3 Gaussian modes).
    #[arg(long, default_value = "mix2", value_parser = Mixture1d::parse)]
    pub data: Mixture1d,
    /// Hold the generator fixed and train only D.
    #[arg(long)]
    pub freeze_g: bool,
    /// Generator: affine (x = a·z + b, p_g exact) or mlp (p_g by KDE; --hidden-g, --layers-g).
    #[arg(long, value_enum, default_value_t = Generator1d::Affine)]
    pub generator: Generator1d,
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
    /// Discriminator activation.
    #[arg(long, value_enum, default_value_t = Activation::Relu)]
    pub activation: Activation,
    /// Generator objective (ns: non-saturating).
    #[arg(long, value_enum, default_value_t = GanLoss::NonSaturating, value_parser = one_of(&LOSSES))]
    pub loss: GanLoss,
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
    /// Go on training the run saved in this folder (an earlier run's --out, or a run saved in
    /// the window), with its settings, weights and optimisers' state: no setting may be given
    /// with it. --steps counts the run's iterations in all.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["data", "freeze_g", "generator", "hidden_g", "layers_g", "hidden_d", "layers_d",
            "activation", "loss", "lr_d", "lr_g", "batch", "d_steps", "seed"]
    )]
    pub resume: Option<std::path::PathBuf>,
}

impl OptimalDArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<OptimalDConfig> {
        let config = OptimalDConfig {
            data: self.data.clone(),
            generator: choices::generator(self.generator, self.hidden_g, self.layers_g),
            discriminator: NetConfig { hidden: self.hidden_d, layers: self.layers_d, activation: self.activation },
            loss: self.loss,
            lr_d: self.lr_d,
            lr_g: self.lr_g,
            batch: self.batch,
            d_steps: self.d_steps,
            freeze_g: self.freeze_g,
            seed: self.seed,
        };
        config.validate().map_err(|e| name_the_flag(e, &FLAGS))?;
        runner::check_eval_every(self.eval_every)?;
        Ok(config)
    }
}

/// The settings `train` checks, as its messages begin, and their flags (a network's width and
/// depth are checked together).
pub(super) const FLAGS: [SettingFlag; 6] = [
    ("discriminator: width", "--hidden-d, --layers-d: width"),
    ("generator: width", "--hidden-g, --layers-g: width"),
    ("discriminator: learning rate", "--lr-d"),
    ("generator: learning rate", "--lr-g"),
    ("batch size must", "--batch must"),
    ("D steps per G step must", "--d-steps must"),
];

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
        runner::check_eval_every(args.eval_every)?;
        let (trainer, earlier) = runner::resumed_or_new(
            args.resume.as_deref(),
            OptimalDTrainer::open_run,
            OptimalDTrainer::iterations,
            || Ok(OptimalDTrainer::new(args.config()?)?),
        )?;
        let config = trainer.config().clone();
        Ok(OptimalDRun { config, trainer, eval_every: args.eval_every, last: None, earlier })
    })
}

/// An optimal-discriminator run under way.
struct OptimalDRun {
    config: OptimalDConfig,
    trainer: OptimalDTrainer,
    eval_every: u64,
    /// The last evaluation's snapshot.
    last: Option<OptimalDSnapshot>,
    /// A resumed run's log rows up to its saved step.
    earlier: Vec<String>,
}

impl HeadlessLab for OptimalDRun {
    type Summary = OptimalDSummary;

    fn log(&self) -> Option<Log> {
        Some(Log {
            name: "metrics.csv",
            head: std::iter::once(
                "step,d_steps,g_steps,max_abs_d_minus_dstar,v_d_g,v_dstar_g,minus_log4_plus_2jsd,jsd,d_loss".to_owned(),
            )
            .chain(self.earlier.iter().cloned())
            .collect(),
        })
    }

    fn first_step(&self) -> u64 {
        self.trainer.iterations()
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

    fn finish(self, out: &Path, run: &Run) -> anyhow::Result<OptimalDSummary> {
        let s = self.last.context("the run ended without its final evaluation")?;
        // The saved run: --resume, or Open run in the window, goes on from here.
        self.trainer.write_run(crate::train::run::RunWriter::in_place(out)?)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::{Command, TrainLab};

    /// `train optimal-d --out x ARGS`, parsed.
    fn optimal_d_args(args: &[&str]) -> Result<OptimalDArgs, clap::Error> {
        let all: Vec<&str> = ["train", "optimal-d", "--out", "x"].iter().chain(args).copied().collect();
        match parse(&all)?.command {
            Some(Command::Train { lab: TrainLab::OptimalD(args) }) => Ok(args),
            other => panic!("not train optimal-d: {other:?}"),
        }
    }

    /// The choices keep their names and defaults; an MLP generator takes --hidden-g and
    /// --layers-g.
    #[test]
    fn choices_are_taken_by_name_with_the_same_defaults() {
        let c = optimal_d_args(&[]).unwrap().config().unwrap();
        assert_eq!(c, OptimalDConfig::default());
        let c = optimal_d_args(&[
            "--data",
            "mix3",
            "--generator",
            "mlp",
            "--hidden-g",
            "16",
            "--layers-g",
            "3",
            "--loss",
            "minimax",
            "--activation",
            "tanh",
        ])
        .unwrap()
        .config()
        .unwrap();
        assert_eq!(c.data, Mixture1d::mix3());
        assert_eq!(c.generator, Generator1d::Mlp { hidden: 16, layers: 3 });
        assert_eq!((c.loss, c.discriminator.activation), (GanLoss::Minimax, Activation::Tanh));
        let c = optimal_d_args(&["--data", "mix:1,0,0.5"]).unwrap().config().unwrap();
        assert_eq!(c.data, Mixture1d::parse("mix:1,0,0.5").unwrap());
    }

    /// This lab's objectives are two: the others are refused by clap, which lists these two;
    /// a bad mixture names --data and says what is wrong.
    #[test]
    fn a_bad_choice_names_the_flag_and_the_choices() {
        for (args, needles) in [
            (["--loss", "lsgan"], ["invalid value 'lsgan' for '--loss <LOSS>'", "[possible values: minimax, ns]"]),
            (["--loss", "wgan-gp"], ["invalid value 'wgan-gp' for '--loss <LOSS>'", "[possible values: minimax, ns]"]),
            (
                ["--generator", "conv"],
                ["invalid value 'conv' for '--generator <GENERATOR>'", "[possible values: affine, mlp]"],
            ),
            (
                ["--data", "mix:0.5,0,0"],
                ["invalid value 'mix:0.5,0,0' for '--data <DATA>'", "component 1: standard deviation must be positive"],
            ),
        ] {
            let err = optimal_d_args(&args).unwrap_err().to_string();
            assert!(needles.iter().all(|n| err.contains(n)), "{args:?}: {err}");
        }
    }

    /// A setting out of range names its flag instead of the setting `train` names.
    #[test]
    fn a_refused_setting_names_its_flag() {
        for (args, expected) in [
            (&["--hidden-d", "0"][..], "--hidden-d, --layers-d: width 2–256 and 1–4 layers, got 0×2"),
            (
                &["--generator", "mlp", "--layers-g", "9"],
                "--hidden-g, --layers-g: width 2–256 and 1–4 layers, got 32×9",
            ),
            (&["--lr-d", "-1"], "--lr-d must be a positive number, got -1"),
            (&["--lr-g", "0"], "--lr-g must be a positive number, got 0"),
            (&["--batch", "0"], "--batch must be in 2..=8192, got 0"),
            (&["--d-steps", "11"], "--d-steps must be in 1..=10, got 11"),
            (&["--eval-every", "0"], "--eval-every must be at least 1"),
        ] {
            assert_eq!(optimal_d_args(args).unwrap().config().unwrap_err().to_string(), expected, "{args:?}");
        }
    }
}
