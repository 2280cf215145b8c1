//! `latent-lab lines`: the JS vs W1 lab headless, as two labs of the runner. At θ, the
//! discriminator and the critic train against the lines (0, Y) and (θ, Y) and `summary.json`
//! holds the closed forms, the learned estimates and their gradients in θ (no log: the
//! estimates are printed every 500 steps). With `--race`, θ descends under each objective,
//! `race.csv` logs both θs at every step, `summary.json` holds where they ended and the saved
//! run (`run.json` and its files) lets `--race --resume DIR`, or the window, go on from there.

use std::path::Path;

use clap::Args;

use super::choices;
use super::flags::{name_the_flag, SettingFlag};
use super::output::OutputArgs;
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::train::lines::{Constraint, LinesConfig, LinesTrainer};
use crate::train::run::RunWriter;

/// λ of the gradient penalty unless `--gp-lambda` says otherwise.
pub const GP_LAMBDA: f64 = 10.0;

/// c of weight clipping unless `--clip` says otherwise.
pub const CLIP: f64 = 0.01;

/// Settings of the JS vs W1 lab.
#[derive(Debug, Args)]
pub struct LinesArgs {
    /// The offset θ of the second line, in [−2, 2].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub theta: f64,
    /// Run the race: θ from θ0 by gradient descent against a GAN discriminator and a critic.
    #[arg(long)]
    pub race: bool,
    /// θ's start in the race.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub theta0: f64,
    /// Training steps: of the estimators at θ, or race steps with --race.
    #[arg(long, default_value_t = 2000)]
    pub steps: u64,
    /// The critic's constraint: a gradient penalty (gp, with --gp-lambda), weight clipping
    /// (clip, with --clip) or spectral normalisation (sn).
    #[arg(long, value_enum, default_value = "gp")]
    pub constraint: Constraint,
    /// λ of the gradient penalty.
    #[arg(long, default_value_t = GP_LAMBDA)]
    pub gp_lambda: f64,
    /// c of weight clipping.
    #[arg(long, default_value_t = CLIP)]
    pub clip: f64,
    /// Learning rate of the discriminator and the critic.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// θ's learning rate in the race.
    #[arg(long, default_value_t = 0.02)]
    pub lr_theta: f64,
    /// Discriminator and critic steps per θ step in the race.
    #[arg(long, default_value_t = 5)]
    pub inner_steps: usize,
    /// Samples per line per step.
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// With --race: go on with the race saved in this folder (an earlier race's --out, or a run
    /// saved in the window), with its settings, networks, optimisers' state and both θs: no
    /// setting may be given with it. --steps counts the race's steps in all.
    #[arg(
        long,
        value_name = "DIR",
        requires = "race",
        conflicts_with_all = ["theta", "theta0", "constraint", "gp_lambda", "clip", "lr", "lr_theta", "inner_steps",
            "batch", "seed"]
    )]
    pub resume: Option<std::path::PathBuf>,
    /// Where the run's files go, and how.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl LinesArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<LinesConfig> {
        let config = LinesConfig {
            theta: self.theta,
            constraint: choices::constraint(self.constraint, self.gp_lambda, self.clip),
            batch: self.batch,
            lr: self.lr,
            theta0: self.theta0,
            lr_theta: self.lr_theta,
            inner_steps: self.inner_steps,
            seed: self.seed,
        };
        config.validate().map_err(|e| name_the_flag(e, &FLAGS))?;
        Ok(config)
    }
}

/// The settings `train` checks, as its messages begin, and their flags.
const FLAGS: [SettingFlag; 8] = [
    ("θ must", "--theta must"),
    ("θ0 must", "--theta0 must"),
    ("the clipping bound must", "--clip must"),
    ("λ must", "--gp-lambda must"),
    ("batch must", "--batch must"),
    ("inner steps must", "--inner-steps must"),
    ("learning rate must", "--lr must"),
    ("θ's learning rate must", "--lr-theta must"),
];

/// Serialises a divergence that can be infinite as a number, or as the string "inf" (JSON
/// has no infinity).
fn finite_or_inf<S: serde::Serializer>(v: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if v.is_infinite() {
        serializer.serialize_str("inf")
    } else {
        serializer.serialize_f64(*v)
    }
}

/// `summary.json` of a `lines` run: the estimates at θ, or the end of the race.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum LinesSummary {
    /// Without `--race`.
    Estimates(EstimatesSummary),
    /// With `--race`.
    Race(RaceSummary),
}

/// The closed forms at θ and what the trained discriminator and critic estimate (fields in
/// alphabetical order, as the file has always listed them).
#[derive(Debug, serde::Serialize)]
pub struct EstimatesSummary {
    /// The critic's constraint, in words.
    pub constraint: String,
    /// JS(μ0, μθ), closed form.
    pub js: f64,
    /// (V(D, G) + log 4)/2 with the trained discriminator.
    pub js_estimate: f64,
    /// d/dθ of the JS estimate, D held fixed.
    pub js_grad_theta: f64,
    /// KL(μ0 ‖ μθ) ("inf", as ∞ is written, for θ ≠ 0).
    #[serde(serialize_with = "finite_or_inf")]
    pub kl: f64,
    /// KL(μθ ‖ μ0) (likewise).
    #[serde(serialize_with = "finite_or_inf")]
    pub kl_reverse: f64,
    /// Largest ‖∇ₓf‖ over samples and interpolates.
    pub lipschitz_estimate: f64,
    /// The seed.
    pub seed: u64,
    /// Training steps run.
    pub steps: u64,
    /// The offset θ.
    pub theta: f64,
    /// Total variation.
    pub tv: f64,
    /// W1 = |θ|.
    pub w1: f64,
    /// E f(μθ) − E f(μ0) with the trained critic.
    pub w1_estimate: f64,
    /// d/dθ of the W1 estimate, f held fixed.
    pub w1_grad_theta: f64,
}

/// Where the race ended (fields in alphabetical order, as the file has always listed them).
#[derive(Debug, serde::Serialize)]
pub struct RaceSummary {
    /// The critic's constraint, in words.
    pub constraint: String,
    /// θ after descending the GAN's objective (JS).
    pub final_theta_gan: f64,
    /// θ after descending the WGAN's objective (W1).
    pub final_theta_wgan: f64,
    /// The seed.
    pub seed: u64,
    /// Race steps run.
    pub steps: u64,
    /// θ's start.
    pub theta0: f64,
}

/// Print the estimates every this many steps (they are not logged).
const ESTIMATES_EVERY: u64 = 500;

/// Print the race's θs every this many steps (every step is logged).
const RACE_PRINT_EVERY: u64 = 200;

/// Runs the JS vs W1 lab headless: estimates at θ (`summary.json`), or the race
/// (`race.csv` and `summary.json`).
pub fn lines(args: &LinesArgs) -> anyhow::Result<LinesSummary> {
    let build = || -> anyhow::Result<(LinesConfig, LinesTrainer)> {
        let config = args.config()?;
        let trainer = LinesTrainer::new(config.clone())?;
        Ok((config, trainer))
    };
    if args.race {
        runner::run(&args.output, args.steps, || {
            let (config, trainer, earlier) = match &args.resume {
                Some(dir) => {
                    let trainer = LinesTrainer::open_run(dir)?;
                    let earlier = runner::earlier_rows(dir, RACE_LOG, trainer.race_steps())?;
                    (trainer.config().clone(), trainer, earlier)
                }
                None => {
                    let (config, trainer) = build()?;
                    let theta0 = config.theta0;
                    (config, trainer, vec![format!("0,{theta0},{theta0}")])
                }
            };
            Ok(RaceRun { config, trainer, earlier })
        })
        .map(LinesSummary::Race)
    } else {
        runner::run(&args.output, args.steps, || build().map(|(config, trainer)| EstimatesRun { config, trainer }))
            .map(LinesSummary::Estimates)
    }
}

/// Training the discriminator and the critic at θ.
struct EstimatesRun {
    config: LinesConfig,
    trainer: LinesTrainer,
}

impl HeadlessLab for EstimatesRun {
    type Summary = EstimatesSummary;

    fn log(&self) -> Option<Log> {
        None
    }

    fn start_message(&self, _steps: u64) -> Option<String> {
        None
    }

    fn eval_every(&self) -> u64 {
        ESTIMATES_EVERY
    }

    fn step(&mut self) -> anyhow::Result<()> {
        Ok(self.trainer.estimator_step()?)
    }

    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
        if !at.printing {
            // Nothing is logged: the estimates are computed only to be printed.
            return Ok(Evaluation::default());
        }
        let e = self.trainer.estimates()?;
        let progress = format!(
            "step {:>6}/{}  JS ≈ {:.4} (closed form {:.4})  W1 ≈ {:.4} (closed form {:.4})",
            at.step, at.steps, e.js_estimate, e.js, e.w1_estimate, e.w1
        );
        Ok(Evaluation { row: None, progress: vec![progress] })
    }

    fn finish(self, _out: &Path, run: &Run) -> anyhow::Result<EstimatesSummary> {
        let e = self.trainer.estimates()?;
        Ok(EstimatesSummary {
            constraint: self.config.constraint.label(),
            js: e.js,
            js_estimate: e.js_estimate,
            js_grad_theta: e.js_grad_theta,
            kl: e.kl,
            kl_reverse: e.kl_reverse,
            lipschitz_estimate: e.lipschitz_estimate,
            seed: self.config.seed,
            steps: run.steps,
            theta: e.theta,
            tv: e.tv,
            w1: e.w1,
            w1_estimate: e.w1_estimate,
            w1_grad_theta: e.w1_grad_theta,
        })
    }
}

/// The race's log.
const RACE_LOG: &str = "race.csv";

/// The race: θ by gradient descent under each objective.
struct RaceRun {
    config: LinesConfig,
    trainer: LinesTrainer,
    /// The log's rows before the first step: θ0, and a resumed race's rows up to its step.
    earlier: Vec<String>,
}

impl HeadlessLab for RaceRun {
    type Summary = RaceSummary;

    fn log(&self) -> Option<Log> {
        Some(Log {
            name: RACE_LOG,
            head: std::iter::once("step,theta_gan,theta_wgan".to_owned()).chain(self.earlier.iter().cloned()).collect(),
        })
    }

    fn first_step(&self) -> u64 {
        self.trainer.race_steps()
    }

    fn start_message(&self, _steps: u64) -> Option<String> {
        None
    }

    fn eval_every(&self) -> u64 {
        1
    }

    fn step(&mut self) -> anyhow::Result<()> {
        Ok(self.trainer.race_step()?)
    }

    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
        let (g, w) = self.trainer.race_theta()?;
        let mut progress = Vec::new();
        if at.step.is_multiple_of(RACE_PRINT_EVERY) || at.is_last() {
            progress.push(format!("race step {:>6}/{}  θ_GAN {g:+.4}  θ_WGAN {w:+.4}", at.step, at.steps));
        }
        Ok(Evaluation { row: Some(format!("{},{g},{w}", at.step)), progress })
    }

    fn finish(self, out: &Path, run: &Run) -> anyhow::Result<RaceSummary> {
        let (g, w) = self.trainer.race_theta()?;
        // The saved run: --race --resume, or Open run in the window, goes on from here.
        self.trainer.write_run(RunWriter::in_place(out)?)?;
        Ok(RaceSummary {
            constraint: self.config.constraint.label(),
            final_theta_gan: g,
            final_theta_wgan: w,
            seed: self.config.seed,
            steps: run.steps,
            theta0: self.config.theta0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::Command;
    use crate::train::lines::Constraint;

    /// `lines --out x ARGS`, parsed.
    fn lines_args(args: &[&str]) -> Result<LinesArgs, clap::Error> {
        let all: Vec<&str> = ["lines", "--out", "x"].iter().chain(args).copied().collect();
        match parse(&all)?.command {
            Some(Command::Lines(args)) => Ok(args),
            other => panic!("not lines: {other:?}"),
        }
    }

    /// The constraint is chosen by name and takes its number from --gp-lambda or --clip.
    #[test]
    fn the_constraint_takes_its_number_from_its_flag() {
        let constraint = |args: &[&str]| lines_args(args).unwrap().config().unwrap().constraint;
        assert_eq!(constraint(&[]), Constraint::GradientPenalty { lambda: 10.0 });
        assert_eq!(constraint(&["--gp-lambda", "3"]), Constraint::GradientPenalty { lambda: 3.0 });
        assert_eq!(constraint(&["--constraint", "clip", "--clip", "0.05"]), Constraint::Clip { c: 0.05 });
        assert_eq!(constraint(&["--constraint", "clip"]), Constraint::Clip { c: 0.01 });
        assert_eq!(constraint(&["--constraint", "sn", "--clip", "0.05"]), Constraint::SpectralNorm);
        let err = lines_args(&["--constraint", "none"]).unwrap_err().to_string();
        assert!(
            err.contains("invalid value 'none' for '--constraint <CONSTRAINT>'")
                && err.contains("[possible values: gp, clip, sn]"),
            "{err}"
        );
    }

    /// A setting out of range names its flag instead of the setting `train` names.
    #[test]
    fn a_refused_setting_names_its_flag() {
        for (args, expected) in [
            (&["--theta", "3"][..], "--theta must be in [−2, 2], got 3"),
            (&["--theta0", "-3"], "--theta0 must be in [−2, 2], got -3"),
            (&["--constraint", "clip", "--clip", "0"], "--clip must be positive, got 0"),
            (&["--gp-lambda", "-1"], "--gp-lambda must be ≥ 0, got -1"),
            (&["--batch", "1"], "--batch must be in 2..=8192, got 1"),
            (&["--inner-steps", "0"], "--inner-steps must be in 1..=20, got 0"),
            (&["--lr", "0"], "--lr must be positive, got 0"),
            (&["--lr-theta", "-1"], "--lr-theta must be positive, got -1"),
        ] {
            assert_eq!(lines_args(args).unwrap().config().unwrap_err().to_string(), expected, "{args:?}");
        }
    }
}
