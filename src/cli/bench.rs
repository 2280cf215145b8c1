//! `latent-lab bench …`: times a lab's training step (median steps per second over a few
//! repeats after a warm-up) and says on which instructions it ran.

use std::time::Instant;

use anyhow::bail;
use clap::{Args, Subcommand};

use super::choices::{self, name_of};
use super::flags::name_the_flag;
use super::{lines, optimal_d, GanSettings, VaeSettings};
use crate::fast::Isa;
use crate::train::gan::GanTrainer;
use crate::train::lines::{Constraint, LinesConfig, LinesTrainer};
use crate::train::optimal_d::{OptimalDConfig, OptimalDTrainer};
use crate::train::vae::{Models, VaeTrainer};

/// Labs with a step to time.
#[derive(Debug, Subcommand)]
pub enum BenchLab {
    /// The GAN lab's iteration (D steps, then a G step), with the same flags as `train gan`.
    Gan {
        /// The lab's settings.
        #[command(flatten)]
        settings: GanSettings,
        /// Iterations per timed repeat.
        #[arg(long, default_value_t = 2000)]
        steps: u64,
        /// How to time.
        #[command(flatten)]
        bench: BenchOptions,
    },
    /// The AE vs VAE lab's step (one update of each model on one minibatch), with the same
    /// flags as `train vae`.
    Vae {
        /// The lab's settings.
        #[command(flatten)]
        settings: VaeSettings,
        /// Steps per timed repeat.
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        /// Which models to step: both (the lab's step), vae or ae.
        #[arg(long, value_enum, default_value_t = Models::Both)]
        models: Models,
        /// How to time.
        #[command(flatten)]
        bench: BenchOptions,
    },
    /// The final importance-weighted log p(x) estimate of `train vae` (k = --iw-samples
    /// samples of z for each of --iw-images test images) on an untrained VAE: one repeat is
    /// one whole estimate, on --threads threads.
    #[command(name = "log-px")]
    LogPx {
        /// The lab's settings.
        #[command(flatten)]
        settings: VaeSettings,
        /// How to time.
        #[command(flatten)]
        bench: BenchOptions,
    },
    /// The optimal-discriminator lab's iteration (a D step, then a G step), default settings.
    #[command(name = "optimal-d")]
    OptimalD {
        /// Iterations per timed repeat.
        #[arg(long, default_value_t = 2000)]
        steps: u64,
        /// Batch size.
        #[arg(long, default_value_t = 1024)]
        batch: usize,
        /// How to time.
        #[command(flatten)]
        bench: BenchOptions,
    },
    /// The JS vs W1 lab's step (a discriminator step and a critic step at θ), default
    /// settings (a spectrally normalised critic always trains through candle).
    Lines {
        /// Steps per timed repeat.
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        /// The critic's constraint: a gradient penalty (gp), weight clipping (clip) or spectral
        /// normalisation (sn), with `lines`'s default λ and c.
        #[arg(long, value_enum, default_value = "gp")]
        constraint: Constraint,
        /// How to time.
        #[command(flatten)]
        bench: BenchOptions,
    },
}

/// How `bench` times.
#[derive(Clone, Debug, Args)]
pub struct BenchOptions {
    /// Untimed steps first (caches, allocations, the optimiser's state).
    #[arg(long, default_value_t = 100)]
    pub warmup: u64,
    /// Timed repeats; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Compute threads for the matrix products.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Train through candle's autodiff instead of the fast path (the unoptimised reference).
    #[arg(long)]
    pub reference: bool,
    /// Print one JSON object instead of a line of text.
    #[arg(long)]
    pub json: bool,
}

impl BenchOptions {
    /// The path to train through: candle's autodiff with `--reference`, else the fast path.
    fn path(&self) -> crate::fast::Path {
        if self.reference {
            crate::fast::Path::Reference
        } else {
            crate::fast::Path::Fast
        }
    }
}

/// What `bench` measured.
#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    /// The lab.
    pub lab: &'static str,
    /// Median steps per second over the repeats.
    pub steps_per_sec: f64,
    /// Median milliseconds per step.
    pub ms_per_step: f64,
    /// Compute threads.
    pub threads: usize,
    /// "fast" or "reference" (candle's autodiff).
    pub path: &'static str,
    /// Steps per repeat.
    pub steps: u64,
    /// Steps per second of each repeat.
    pub repeats: Vec<f64>,
    /// Steps per second over the first third of all timed steps (repeats back to back).
    pub first_third_steps_per_sec: f64,
    /// Steps per second over the last third: a step that slows down as training goes on
    /// (say, on subnormal numbers) shows here.
    pub last_third_steps_per_sec: f64,
    /// The model, in words.
    pub model: String,
    /// The processor's model name (from /proc/cpuinfo where there is one).
    pub cpu: String,
    /// The instruction sets used: the hand-written loops' and `gemm`'s kernels'.
    pub isa: BenchIsa,
}

/// Which instructions a benchmark ran on.
#[derive(Debug, serde::Serialize)]
pub struct BenchIsa {
    /// The hand-written loops (optimiser update, likelihood, sparse first layer).
    pub kernels: &'static str,
    /// `gemm`'s matrix-product kernels.
    pub gemm: &'static str,
}

impl BenchReport {
    /// A report of what `timing` measured.
    fn new(
        lab: &'static str,
        timing: Timing,
        opts: &BenchOptions,
        steps: u64,
        path: &'static str,
        model: String,
    ) -> Self {
        Self {
            lab,
            steps_per_sec: timing.median,
            ms_per_step: 1e3 / timing.median,
            threads: opts.threads,
            path,
            steps,
            repeats: timing.repeats,
            first_third_steps_per_sec: timing.first_third,
            last_third_steps_per_sec: timing.last_third,
            model,
            cpu: crate::fast::processor_name(),
            isa: BenchIsa { kernels: Isa::best().name(), gemm: crate::fast::gemm_isa().name() },
        }
    }
}

/// Rates measured by [`time_steps`], in steps per second.
struct Timing {
    /// The median repeat's.
    median: f64,
    /// Each repeat's.
    repeats: Vec<f64>,
    /// Over the first third of all timed steps.
    first_third: f64,
    /// Over the last third.
    last_third: f64,
}

/// Times `steps` calls of `step`, `repeats` times after `warmup` calls: each repeat's rate,
/// their median, and the rates of the first and last thirds of all the timed steps.
fn time_steps(opts: &BenchOptions, steps: u64, mut step: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Timing> {
    if steps == 0 || opts.repeats == 0 {
        bail!("--steps and --repeats must be at least 1");
    }
    for _ in 0..opts.warmup {
        step()?;
    }
    let total = steps as usize * opts.repeats;
    // The clock after every step (a read costs tens of nanoseconds, a step tens of microseconds
    // or more).
    let mut ends = Vec::with_capacity(total);
    let started = Instant::now();
    for _ in 0..total {
        step()?;
        ends.push(started.elapsed().as_secs_f64());
    }
    let at = |i: usize| if i == 0 { 0.0 } else { ends[i - 1] };
    let rate = |from: usize, to: usize| (to - from) as f64 / (at(to) - at(from)).max(1e-12);
    let steps = steps as usize;
    let repeats: Vec<f64> = (0..opts.repeats).map(|r| rate(r * steps, (r + 1) * steps)).collect();
    let mut sorted = repeats.clone();
    sorted.sort_by(f64::total_cmp);
    let third = (total / 3).max(1);
    Ok(Timing {
        median: sorted[sorted.len() / 2],
        repeats,
        first_third: rate(0, third),
        last_third: rate(total - third, total),
    })
}

/// Checks `--threads` and gives candle's own matrix products (the reference path's) that many
/// threads: candle reads `RAYON_NUM_THREADS` at each call, and nothing else does. The fast
/// path's threads are each trainer's setting (`set_compute_threads`), passed below. Call
/// before any training.
fn set_compute_threads(n: usize) -> anyhow::Result<()> {
    if !(1..=256).contains(&n) {
        bail!("--threads must be between 1 and 256, got {n}");
    }
    std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    Ok(())
}

/// Runs `latent-lab bench …`, prints the report and returns it.
pub fn bench(lab: &BenchLab) -> anyhow::Result<BenchReport> {
    let (BenchLab::Gan { bench: opts, .. }
    | BenchLab::Vae { bench: opts, .. }
    | BenchLab::LogPx { bench: opts, .. }
    | BenchLab::OptimalD { bench: opts, .. }
    | BenchLab::Lines { bench: opts, .. }) = lab;
    let report = match lab {
        BenchLab::Gan { settings, steps, bench } => {
            set_compute_threads(bench.threads)?;
            let config = settings.config()?;
            let mut trainer = GanTrainer::new(config.clone())?;
            trainer.set_path(bench.path());
            trainer.set_compute_threads(bench.threads);
            let fast = trainer.uses_fast_path();
            let timing = time_steps(bench, *steps, || Ok(trainer.iteration().map(|_| ())?))?;
            let (g, d) = (config.generator, config.discriminator);
            BenchReport::new(
                "gan",
                timing,
                bench,
                *steps,
                if fast { "fast" } else { "reference" },
                format!(
                    "{}: G {}x{}, D {}x{}, {}, batch {}, {} D step(s) per G step",
                    config.loss.name(),
                    g.hidden,
                    g.layers,
                    d.hidden,
                    d.layers,
                    g.activation.name(),
                    config.batch,
                    config.d_steps
                ),
            )
        }
        BenchLab::Vae { settings, steps, models, bench } => {
            set_compute_threads(bench.threads)?;
            let config = settings.config()?;
            let mut trainer = VaeTrainer::new(config.clone())?;
            trainer.set_path(bench.path());
            trainer.set_compute_threads(bench.threads);
            trainer.set_models(*models);
            let timing = time_steps(bench, *steps, || Ok(trainer.step().map(|_| ())?))?;
            BenchReport::new(
                "vae",
                timing,
                bench,
                *steps,
                if bench.reference { "reference" } else { "fast" },
                format!(
                    "{} on {}: {}x{} hidden, K = {}, batch {}, {} sample(s) of z",
                    name_of(models),
                    config.data.label(),
                    config.hidden,
                    config.layers,
                    config.latent_dim,
                    config.batch,
                    config.mc_samples
                ),
            )
        }
        BenchLab::LogPx { settings, bench } => {
            set_compute_threads(bench.threads)?;
            let mut config = settings.config()?;
            let mut trainer = VaeTrainer::new(config.clone())?;
            config.iw_images = config.iw_images.min(trainer.split().test.len());
            trainer.set_config(config.clone())?;
            trainer.set_eval_threads(bench.threads);
            let warm = BenchOptions { warmup: bench.warmup.min(1), ..bench.clone() };
            let timing = time_steps(&warm, 1, || Ok(trainer.estimate_log_px().map(|_| ())?))?;
            BenchReport::new(
                "log-px",
                timing,
                bench,
                1,
                "fast",
                format!(
                    "log p(x) with k = {} on {} test images of {}: {}x{} hidden, K = {} (one step = one whole estimate)",
                    config.iw_samples,
                    config.iw_images,
                    config.data.label(),
                    config.hidden,
                    config.layers,
                    config.latent_dim
                ),
            )
        }
        BenchLab::OptimalD { steps, batch, bench } => {
            set_compute_threads(bench.threads)?;
            let config = OptimalDConfig { batch: *batch, ..OptimalDConfig::default() };
            config.validate().map_err(|e| name_the_flag(e, &optimal_d::FLAGS))?;
            let mut trainer = OptimalDTrainer::new(config.clone())?;
            trainer.set_path(bench.path());
            trainer.set_compute_threads(bench.threads);
            let timing = time_steps(bench, *steps, || Ok(trainer.iteration()?))?;
            let d = config.discriminator;
            BenchReport::new(
                "optimal-d",
                timing,
                bench,
                *steps,
                if bench.reference { "reference" } else { "fast" },
                format!(
                    "D {}x{} {}, affine G, batch {}, {}",
                    d.hidden,
                    d.layers,
                    d.activation.name(),
                    config.batch,
                    config.loss.name()
                ),
            )
        }
        BenchLab::Lines { steps, constraint, bench } => {
            set_compute_threads(bench.threads)?;
            let defaults = LinesConfig::default();
            let config =
                LinesConfig { constraint: choices::constraint(*constraint, lines::GP_LAMBDA, lines::CLIP), ..defaults };
            config.validate()?;
            let mut trainer = LinesTrainer::new(config.clone())?;
            trainer.set_path(bench.path());
            let timing = time_steps(bench, *steps, || Ok(trainer.estimator_step()?))?;
            BenchReport::new(
                "js-w1",
                timing,
                bench,
                *steps,
                if bench.reference { "reference" } else { "fast" },
                format!(
                    "D and critic 64x2 leaky-relu, batch {} per line, critic constraint {}",
                    config.batch,
                    name_of(constraint)
                ),
            )
        }
    };
    if opts.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{}: {:.1} steps/s, {:.3} ms/step ({} path, {} thread(s), median of {:?}; first third {:.1}, last third {:.1} steps/s) — {}",
            report.lab,
            report.steps_per_sec,
            report.ms_per_step,
            report.path,
            report.threads,
            report.repeats.iter().map(|r| (r * 10.0).round() / 10.0).collect::<Vec<_>>(),
            report.first_third_steps_per_sec,
            report.last_third_steps_per_sec,
            report.model
        );
        println!("on {} (hand-written loops: {}, gemm: {})", report.cpu, report.isa.kernels, report.isa.gemm);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::Command;

    /// `bench vae --models` and `bench lines --constraint` take their choices by name.
    #[test]
    fn bench_choices_are_taken_by_name() {
        let models = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Bench { lab: BenchLab::Vae { models, .. } }) => models,
            other => panic!("not bench vae: {other:?}"),
        };
        assert_eq!(models(&["bench", "vae"]), Models::Both);
        assert_eq!(models(&["bench", "vae", "--models", "ae"]), Models::Ae);
        let constraint = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Bench { lab: BenchLab::Lines { constraint, .. } }) => constraint,
            other => panic!("not bench lines: {other:?}"),
        };
        assert_eq!(name_of(&constraint(&["bench", "lines"])), "gp");
        assert_eq!(name_of(&constraint(&["bench", "lines", "--constraint", "sn"])), "sn");
        let err = parse(&["bench", "vae", "--models", "both2"]).unwrap_err().to_string();
        assert!(err.contains("'--models <MODELS>'") && err.contains("[possible values: both, vae, ae]"), "{err}");
    }
}
