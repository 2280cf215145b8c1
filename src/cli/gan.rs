//! `latent-lab train gan`: the GAN lab headless. Writes `metrics.csv` (a row per evaluation),
//! and at the end `samples.csv`, `checkpoint.safetensors`, the saved run (`run.json` and its
//! files, which `--resume` and the window open) and `summary.json`.

use std::path::Path;

use anyhow::{bail, Context as _};
use clap::Args;

use super::choices::toy2d_spec;
use super::flags::{count_in, name_the_flag, SettingFlag};
use super::output::{readable_by_all, write_atomically, OutputArgs};
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::data::csv2d::write_points;
use crate::data::toy2d::Toy2d;
use crate::model::mlp::Activation;
use crate::model::optim::OptimizerKind;
use crate::objective::gan::GanLoss;
use crate::train::gan::{limits, EvalMetrics, GanConfig, GanTrainer, NetConfig, NoiseKind};
use crate::train::run::RunWriter;

/// Every setting of the GAN lab's side panel, as flags.
#[derive(Debug, Args)]
pub struct GanArgs {
    /// The lab's settings.
    #[command(flatten)]
    pub settings: GanSettings,
    /// Go on training the run saved in this folder (an earlier run's --out, or a run saved in
    /// the window), with its settings, weights and optimisers' state: no setting may be given
    /// with it. --steps counts the run's steps in all, so a run saved at step N trains on from
    /// N + 1 and ends exactly where a run trained straight to --steps would.
    #[arg(long, value_name = "DIR", conflicts_with = "GanSettings")]
    pub resume: Option<std::path::PathBuf>,
    /// Generator steps (iterations) to run.
    #[arg(long, default_value_t = 5000)]
    pub steps: u64,
    /// Where the run's files go, and how.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Evaluate (and write a metrics row) every this many steps.
    #[arg(long, default_value_t = 100)]
    pub eval_every: u64,
}

/// The GAN lab's model, data and optimiser settings, as flags (shared by `train` and `bench`).
#[derive(Debug, Args)]
pub struct GanSettings {
    /// Data: ring8, grid25, spiral, moons, gaussian, or csv:PATH (x,y per row).
    #[arg(long, default_value = "ring8", value_parser = toy2d_spec)]
    pub data: String,
    /// Standard deviation of each mode, for ring8 and grid25 (defaults 0.02 and 0.05).
    #[arg(long)]
    pub data_sigma: Option<f32>,
    /// Objective (ns: non-saturating; lsgan: least squares; wgan-clip and wgan-gp: Wasserstein
    /// with weight clipping or a gradient penalty).
    #[arg(long, value_enum, default_value_t = GanLoss::NonSaturating)]
    pub loss: GanLoss,
    /// Seed of weights, data and noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hidden width of both networks (4–256).
    #[arg(long, default_value_t = 64, value_parser = count_in(limits::HIDDEN))]
    pub hidden: usize,
    /// Hidden layers of both networks (1–4).
    #[arg(long, default_value_t = 3, value_parser = count_in(limits::LAYERS))]
    pub layers: usize,
    /// Hidden width of the generator, overriding --hidden.
    #[arg(long, value_parser = count_in(limits::HIDDEN))]
    pub hidden_g: Option<usize>,
    /// Hidden width of the discriminator, overriding --hidden.
    #[arg(long, value_parser = count_in(limits::HIDDEN))]
    pub hidden_d: Option<usize>,
    /// Hidden layers of the generator, overriding --layers.
    #[arg(long, value_parser = count_in(limits::LAYERS))]
    pub layers_g: Option<usize>,
    /// Hidden layers of the discriminator, overriding --layers.
    #[arg(long, value_parser = count_in(limits::LAYERS))]
    pub layers_d: Option<usize>,
    /// Activation of both networks.
    #[arg(long, value_enum, default_value_t = Activation::Relu)]
    pub activation: Activation,
    /// Noise dimension (1–8).
    #[arg(long, default_value_t = 2, value_parser = count_in(limits::NOISE_DIM))]
    pub noise_dim: usize,
    /// Noise distribution.
    #[arg(long, value_enum, default_value_t = NoiseKind::Gaussian)]
    pub noise: NoiseKind,
    /// Discriminator optimiser (default: the objective's customary one: Adam for minimax, ns,
    /// lsgan, wgan-gp and hinge, RMSProp for wgan-clip).
    #[arg(long, value_enum)]
    pub optimizer_d: Option<OptimizerKind>,
    /// Generator optimiser (default: as --optimizer-d's default).
    #[arg(long, value_enum)]
    pub optimizer_g: Option<OptimizerKind>,
    /// Discriminator learning rate (default: 1e-3; wgan-clip 5e-5, wgan-gp 1e-4, hinge 2e-4).
    #[arg(long)]
    pub lr_d: Option<f64>,
    /// Generator learning rate (default: as --lr-d's default).
    #[arg(long)]
    pub lr_g: Option<f64>,
    /// Adam β1 of both optimisers (default: 0.5; hinge 0).
    #[arg(long)]
    pub beta1: Option<f64>,
    /// Adam β2 (RMSProp α) of both optimisers (default: 0.999; wgan-gp and hinge 0.9, wgan-clip 0.99).
    #[arg(long)]
    pub beta2: Option<f64>,
    /// Discriminator steps per generator step, 1–10 (default: 1; 5 for the critics).
    #[arg(long, value_parser = count_in(limits::D_STEPS))]
    pub d_steps: Option<usize>,
    /// Divide D's weights by their spectral norms (one power iteration per step).
    #[arg(long)]
    pub spectral_norm: bool,
    /// Weight-clipping bound c of wgan-clip.
    #[arg(long, default_value_t = 0.01)]
    pub clip: f64,
    /// Gradient-penalty weight λ of wgan-gp.
    #[arg(long, default_value_t = 10.0)]
    pub gp_lambda: f64,
    /// Minibatch size.
    #[arg(long, default_value_t = 128, value_parser = count_in(limits::BATCH))]
    pub batch: usize,
}

impl GanSettings {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<GanConfig> {
        let mut data = Toy2d::parse(&self.data)?;
        if let Some(sigma) = self.data_sigma {
            if !(sigma.is_finite() && sigma > 0.0) {
                bail!("--data-sigma must be a positive number, got {sigma}");
            }
            match &mut data {
                Toy2d::Ring8 { sigma: s, .. } | Toy2d::Grid25 { sigma: s, .. } => *s = sigma,
                _ => bail!("--data-sigma applies to ring8 and grid25 only"),
            }
        }
        let activation = self.activation;
        let mut config = GanConfig {
            data,
            generator: NetConfig {
                hidden: self.hidden_g.unwrap_or(self.hidden),
                layers: self.layers_g.unwrap_or(self.layers),
                activation,
            },
            discriminator: NetConfig {
                hidden: self.hidden_d.unwrap_or(self.hidden),
                layers: self.layers_d.unwrap_or(self.layers),
                activation,
            },
            noise_dim: self.noise_dim,
            noise: self.noise,
            batch: self.batch,
            seed: self.seed,
            spectral_norm: self.spectral_norm,
            clip: self.clip,
            gp_lambda: self.gp_lambda,
            ..GanConfig::default()
        };
        // The objective's customary optimisers and step ratio, then whatever flags say.
        self.loss.apply_defaults(&mut config);
        config.opt_d.kind = self.optimizer_d.unwrap_or(config.opt_d.kind);
        config.opt_g.kind = self.optimizer_g.unwrap_or(config.opt_g.kind);
        for opt in [&mut config.opt_d, &mut config.opt_g] {
            opt.beta1 = self.beta1.unwrap_or(opt.beta1);
            opt.beta2 = self.beta2.unwrap_or(opt.beta2);
        }
        config.opt_d.lr = self.lr_d.unwrap_or(config.opt_d.lr);
        config.opt_g.lr = self.lr_g.unwrap_or(config.opt_g.lr);
        config.d_steps = self.d_steps.unwrap_or(config.d_steps);
        config.validate().map_err(|e| name_the_flag(e, &FLAGS))?;
        Ok(config)
    }
}

/// The settings `train` checks (beyond the counts clap checks), as its messages begin, and
/// their flags. β1 and β2 are checked for G's optimiser first; both come from one flag.
const FLAGS: [SettingFlag; 8] = [
    ("generator optimiser: learning rate", "--lr-g"),
    ("discriminator optimiser: learning rate", "--lr-d"),
    ("generator optimiser: β1", "--beta1"),
    ("discriminator optimiser: β1", "--beta1"),
    ("generator optimiser: β2", "--beta2"),
    ("discriminator optimiser: β2", "--beta2"),
    ("the clipping bound c", "--clip"),
    ("the penalty weight λ", "--gp-lambda"),
];

impl GanArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<GanConfig> {
        runner::check_eval_every(self.eval_every)?;
        self.settings.config()
    }
}

/// The final values a headless GAN run writes to `summary.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct GanSummary {
    /// Mean discriminator loss over the last evaluation interval.
    pub d_loss: f64,
    /// Mean generator loss over the last evaluation interval.
    pub g_loss: f64,
    /// Mean D(x) on 2500 real samples.
    pub d_real: f64,
    /// Mean D(G(z)) on 2500 generated samples.
    pub d_fake: f64,
    /// Histogram JS estimate, nats.
    pub js_grid: f64,
    /// Modes covered (null for data without known modes).
    pub modes_covered: Option<usize>,
    /// Modes in the data (null for data without known modes).
    pub modes_total: Option<usize>,
    /// Fraction of high-quality samples (null for data without known modes).
    pub high_quality_fraction: Option<f64>,
    /// Generator steps run.
    pub steps: u64,
    /// The seed.
    pub seed: u64,
    /// Training steps per second, evaluation time excluded.
    pub steps_per_sec: f64,
    /// Wall time of the whole run.
    pub elapsed_secs: f64,
    /// The objective's name.
    pub loss: String,
    /// The data set's name.
    pub data: String,
    /// The largest ‖∇ₓD‖ over real and generated samples and interpolates.
    pub lipschitz_estimate: f64,
    /// Whether D was spectrally normalised.
    pub spectral_norm: bool,
}

/// Runs a headless GAN training and writes `metrics.csv`, `summary.json`, `samples.csv`
/// and `checkpoint.safetensors` into `--out`. A diverging run stops at the first
/// non-finite value with an error naming the step; the metrics written so far stay.
pub fn train_gan(args: &GanArgs) -> anyhow::Result<GanSummary> {
    runner::run(&args.output, args.steps, || {
        runner::check_eval_every(args.eval_every)?;
        let (trainer, earlier) =
            runner::resumed_or_new(args.resume.as_deref(), GanTrainer::open_run, GanTrainer::iterations, || {
                Ok(GanTrainer::new(args.config()?)?)
            })?;
        let config = trainer.config().clone();
        Ok(GanRun { config, trainer, eval_every: args.eval_every, sums: (0.0, 0.0, 0), last: None, earlier })
    })
}

/// A GAN run under way.
struct GanRun {
    config: GanConfig,
    trainer: GanTrainer,
    eval_every: u64,
    /// D's and G's losses summed since the last evaluation, and how many steps they sum.
    sums: (f64, f64, u64),
    /// The last evaluation: the mean D and G losses over its interval, and its metrics.
    last: Option<(f64, f64, EvalMetrics)>,
    /// A resumed run's log rows up to its saved step.
    earlier: Vec<String>,
}

/// An optional number as a CSV field: empty when there is none.
fn optional(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

impl HeadlessLab for GanRun {
    type Summary = GanSummary;

    fn log(&self) -> Option<Log> {
        Some(Log {
            name: "metrics.csv",
            head: std::iter::once(
                "step,d_loss,g_loss,d_real,d_fake,js_grid,modes_covered,high_quality_fraction".to_owned(),
            )
            .chain(self.earlier.iter().cloned())
            .collect(),
        })
    }

    fn first_step(&self) -> u64 {
        self.trainer.iterations()
    }

    fn start_message(&self, steps: u64) -> Option<String> {
        let c = &self.config;
        Some(format!("training GAN: {} on {}, {steps} steps, seed {}", c.loss.label(), c.data.label(), c.seed))
    }

    fn eval_every(&self) -> u64 {
        self.eval_every
    }

    fn step(&mut self) -> anyhow::Result<()> {
        let losses = self.trainer.iteration()?;
        self.sums.0 += losses.d_loss;
        self.sums.1 += losses.g_loss;
        self.sums.2 += 1;
        Ok(())
    }

    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
        let (m, _) = self.trainer.evaluate()?;
        let (d_sum, g_sum, n) = std::mem::take(&mut self.sums);
        let (d_loss, g_loss) = (d_sum / n as f64, g_sum / n as f64);
        let cov = m.coverage.as_ref();
        let row = format!(
            "{},{d_loss},{g_loss},{},{},{},{},{}",
            at.step,
            m.d_real,
            m.d_fake,
            m.js_grid,
            optional(cov.map(|c| c.modes_covered as f64)),
            optional(cov.map(|c| c.high_quality_fraction))
        );
        let modes = cov.map_or(String::new(), |c| {
            format!("  modes {}/{}  hq {:.3}", c.modes_covered, c.modes_total, c.high_quality_fraction)
        });
        let progress = format!(
            "step {:>7}/{}  d_loss {d_loss:.4}  g_loss {g_loss:.4}  js {:.4}{modes}  {:.0} steps/s",
            at.step,
            at.steps,
            m.js_grid,
            at.steps_per_sec()
        );
        self.last = Some((d_loss, g_loss, m));
        Ok(Evaluation { row: Some(row), progress: vec![progress] })
    }

    fn finish(mut self, out: &Path, run: &Run) -> anyhow::Result<GanSummary> {
        let (d_loss, g_loss, m) = self.last.take().context("the run ended without its final evaluation")?;
        // The points the summary's coverage was measured on: G at the fixed evaluation noise.
        let samples = self.trainer.eval_fakes()?;
        write_atomically(&out.join("samples.csv"), |tmp| {
            write_points(tmp, &samples).with_context(|| format!("cannot write {}", out.join("samples.csv").display()))
        })?;
        write_atomically(&out.join("checkpoint.safetensors"), |tmp| {
            self.trainer.save(tmp)?;
            readable_by_all(tmp)
        })?;
        // The saved run (settings, weights, optimisers, position, curves): --resume, or Open
        // run in the window, goes on from here.
        self.trainer.write_run(RunWriter::in_place(out)?)?;
        let cov = m.coverage.as_ref();
        Ok(GanSummary {
            d_loss,
            g_loss,
            d_real: m.d_real,
            d_fake: m.d_fake,
            js_grid: m.js_grid,
            modes_covered: cov.map(|c| c.modes_covered),
            modes_total: cov.map(|c| c.modes_total),
            high_quality_fraction: cov.map(|c| c.high_quality_fraction),
            steps: run.steps,
            seed: self.config.seed,
            steps_per_sec: run.steps_per_sec(),
            elapsed_secs: run.elapsed_secs(),
            loss: self.config.loss.name().to_owned(),
            data: self.config.data.label(),
            lipschitz_estimate: m.lipschitz,
            spectral_norm: self.config.spectral_norm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::{Command, TrainLab};

    /// `train gan --out x ARGS`, parsed.
    fn gan_args(args: &[&str]) -> Result<GanArgs, clap::Error> {
        let all: Vec<&str> = ["train", "gan", "--out", "x"].iter().chain(args).copied().collect();
        match parse(&all)?.command {
            Some(Command::Train { lab: TrainLab::Gan(args) }) => Ok(args),
            other => panic!("not train gan: {other:?}"),
        }
    }

    /// The choices keep their names and defaults; an optimiser not given is the objective's
    /// customary one.
    #[test]
    fn choices_are_taken_by_name_with_the_same_defaults() {
        let c = gan_args(&[]).unwrap().config().unwrap();
        assert_eq!(c.loss, GanLoss::NonSaturating);
        assert_eq!((c.generator.activation, c.discriminator.activation), (Activation::Relu, Activation::Relu));
        assert_eq!(c.noise, NoiseKind::Gaussian);
        assert_eq!((c.opt_d.kind, c.opt_g.kind), (OptimizerKind::Adam, OptimizerKind::Adam));
        assert_eq!(c.data, Toy2d::ring8());
        let c = gan_args(&[
            "--loss",
            "wgan-clip",
            "--activation",
            "leaky-relu",
            "--noise",
            "uniform",
            "--optimizer-g",
            "sgd",
            "--data",
            "moons",
        ])
        .unwrap()
        .config()
        .unwrap();
        assert_eq!(c.loss, GanLoss::WganClip);
        assert_eq!(c.discriminator.activation, Activation::LeakyRelu);
        assert_eq!(c.noise, NoiseKind::Uniform);
        assert_eq!(c.opt_d.kind, OptimizerKind::RmsProp, "wgan-clip's customary optimiser");
        assert_eq!(c.opt_g.kind, OptimizerKind::Sgd);
        assert_eq!(c.data, Toy2d::moons());
    }

    /// A bad choice is clap's error, naming the flag and listing the choices; an unknown data
    /// set too, while a CSV file is read (and its errors reported) when the run starts.
    #[test]
    fn a_bad_choice_names_the_flag_and_the_choices() {
        for (args, needles) in [
            (
                ["--noise", "cauchy"],
                ["invalid value 'cauchy' for '--noise <NOISE>'", "[possible values: gaussian, uniform]"],
            ),
            (
                ["--optimizer-g", "lbfgs"],
                ["invalid value 'lbfgs' for '--optimizer-g <OPTIMIZER_G>'", "[possible values: sgd, adam, rmsprop]"],
            ),
            (
                ["--activation", "gelu"],
                ["invalid value 'gelu' for '--activation <ACTIVATION>'", "[possible values: relu, leaky-relu, tanh]"],
            ),
            (["--data", "circle"], ["invalid value 'circle' for '--data <DATA>'", "ring8, grid25, spiral"]),
        ] {
            let err = gan_args(&args).unwrap_err().to_string();
            assert!(needles.iter().all(|n| err.contains(n)), "{args:?}: {err}");
        }
        let args = gan_args(&["--data", "csv:/no/such/file.csv"]).unwrap();
        let err = args.config().unwrap_err().to_string();
        assert!(err.contains("cannot read /no/such/file.csv"), "{err}");
    }

    /// A setting out of range names its flag: clap checks the counts against the lab's own
    /// limits, and `train`'s other checks say the flag instead of the setting.
    #[test]
    fn a_refused_setting_names_its_flag() {
        for (args, expected) in [
            (&["--lr-d", "-0.1"][..], "--lr-d must be a positive number, got -0.1"),
            (&["--lr-g", "0"], "--lr-g must be a positive number, got 0"),
            (&["--beta1", "1"], "--beta1 must be in [0, 1), got 1"),
            (&["--beta2", "-0.5"], "--beta2 must be in [0, 1), got -0.5"),
            (&["--clip", "0"], "--clip must be positive, got 0"),
            (&["--gp-lambda", "-1"], "--gp-lambda must be ≥ 0, got -1"),
        ] {
            assert_eq!(gan_args(args).unwrap().config().unwrap_err().to_string(), expected, "{args:?}");
        }
        let range = |r: std::ops::RangeInclusive<usize>| format!("{}..={}", r.start(), r.end());
        for (flag, value, limit) in [
            ("--hidden", "1000", limits::HIDDEN),
            ("--hidden-d", "2", limits::HIDDEN),
            ("--layers", "5", limits::LAYERS),
            ("--layers-g", "0", limits::LAYERS),
            ("--noise-dim", "9", limits::NOISE_DIM),
            ("--d-steps", "0", limits::D_STEPS),
            ("--batch", "1", limits::BATCH),
        ] {
            let err = gan_args(&[flag, value]).unwrap_err().to_string();
            let expected = format!("invalid value '{value}' for '{flag} <");
            assert!(err.contains(&expected) && err.contains(&format!("{value} is not in {}", range(limit))), "{err}");
        }
    }
}
