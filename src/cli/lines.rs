//! `latent-lab lines`: the JS vs W1 lab headless, as two labs of the runner. At θ, the
//! discriminator and the critic train against the lines (0, Y) and (θ, Y) and `summary.json`
//! holds the closed forms, the learned estimates and their gradients in θ (no log: the
//! estimates are printed every 500 steps). With `--race`, θ descends under each objective,
//! `race.csv` logs both θs at every step and `summary.json` holds where they ended.

use std::path::Path;

use clap::Args;

use super::output::OutputArgs;
use super::parse_constraint;
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::train::lines::{LinesConfig, LinesTrainer};

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
    /// The critic's constraint: gp, clip or sn.
    #[arg(long, default_value = "gp")]
    pub constraint: String,
    /// λ of the gradient penalty.
    #[arg(long, default_value_t = 10.0)]
    pub gp_lambda: f64,
    /// c of weight clipping.
    #[arg(long, default_value_t = 0.01)]
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
    /// Where the run's files go, and how.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl LinesArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<LinesConfig> {
        let constraint = parse_constraint(&self.constraint, self.gp_lambda, self.clip)?;
        let config = LinesConfig {
            theta: self.theta,
            constraint,
            batch: self.batch,
            lr: self.lr,
            theta0: self.theta0,
            lr_theta: self.lr_theta,
            inner_steps: self.inner_steps,
            seed: self.seed,
        };
        config.validate()?;
        Ok(config)
    }
}

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
        runner::run(&args.output, args.steps, || build().map(|(config, trainer)| RaceRun { config, trainer }))
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

/// The race: θ by gradient descent under each objective.
struct RaceRun {
    config: LinesConfig,
    trainer: LinesTrainer,
}

impl HeadlessLab for RaceRun {
    type Summary = RaceSummary;

    fn log(&self) -> Option<Log> {
        let theta0 = self.config.theta0;
        Some(Log {
            name: "race.csv",
            head: vec!["step,theta_gan,theta_wgan".to_owned(), format!("0,{theta0},{theta0}")],
        })
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
        if at.step % RACE_PRINT_EVERY == 0 || at.is_last() {
            progress.push(format!("race step {:>6}/{}  θ_GAN {g:+.4}  θ_WGAN {w:+.4}", at.step, at.steps));
        }
        Ok(Evaluation { row: Some(format!("{},{g},{w}", at.step)), progress })
    }

    fn finish(self, _out: &Path, run: &Run) -> anyhow::Result<RaceSummary> {
        let (g, w) = self.trainer.race_theta()?;
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
