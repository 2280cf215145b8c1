//! The command line: no arguments opens the window; `train gan …` runs the same training
//! headless and writes its results for scripts, benchmarks and tests.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

pub mod gan;
pub mod lines;
pub mod optimal_d;
pub mod output;
pub mod runner;
pub mod vae;

pub use gan::{train_gan, GanArgs, GanSettings, GanSummary};
pub use lines::{lines, LinesArgs, LinesSummary};
pub use optimal_d::{train_optimal_d, OptimalDArgs, OptimalDSummary};
pub use output::OutputArgs;
pub use vae::{train_vae, VaeArgs, VaeSettings, VaeSummary};

use crate::kernels::Isa;
use crate::train::gan::GanTrainer;
use crate::train::lines::{Constraint, LinesConfig, LinesTrainer};
use crate::train::optimal_d::{OptimalDConfig, OptimalDTrainer};
use crate::train::vae::VaeTrainer;

/// Latent Lab: watch autoencoders, VAEs and GANs learn, live.
#[derive(Debug, Parser)]
#[command(name = "latent-lab", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run; nothing opens the window.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The window's first tab: gan, ae-vae, optimal-d or js-w1.
    #[arg(long)]
    pub tab: Option<String>,
    /// Start training the first tab's lab at once.
    #[arg(long)]
    pub play: bool,
    /// Write every frame's UI time, the previous frame's CPU time and the snapshot's age to
    /// FILE (CSV); the frame-time readout is shown too.
    #[arg(long, value_name = "FILE")]
    pub frame_stats: Option<PathBuf>,
    /// Show the frame-time readout from the start.
    #[arg(long)]
    pub show_frame_times: bool,
}

impl Cli {
    /// Parses the process's arguments, exiting with clap's message on an error, as
    /// [`Parser::parse`] does but with negative numbers accepted as values everywhere
    /// (`--lr-d -0.1` reaches the range check, which names the flag's setting).
    pub fn parse_args() -> Self {
        Self::parse_from_args(std::env::args_os())
    }

    /// [`Self::parse_args`] on the given arguments (the first is the program's name).
    pub fn parse_from_args<I, T>(args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory as _, FromArgMatches as _};
        fn allow_negative(command: clap::Command) -> clap::Command {
            command.allow_negative_numbers(true).mut_subcommands(allow_negative)
        }
        let matches = allow_negative(Self::command()).get_matches_from(args);
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

impl Cli {
    /// Runs what the command line asks for: a headless command, or the window.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            None => self.app_options().and_then(crate::ui::run_app),
            Some(Command::Train { lab: TrainLab::Gan(args) }) => train_gan(&args).map(|_| ()),
            Some(Command::Train { lab: TrainLab::Vae(args) }) => train_vae(&args).map(|_| ()),
            Some(Command::Train { lab: TrainLab::OptimalD(args) }) => train_optimal_d(&args).map(|_| ()),
            Some(Command::Lines(args)) => lines(&args).map(|_| ()),
            Some(Command::Bench { lab }) => bench(&lab).map(|_| ()),
        }
    }

    /// The window's options, checked.
    pub fn app_options(&self) -> anyhow::Result<crate::ui::AppOptions> {
        use crate::ui::Tab;
        let tab = match &self.tab {
            Some(name) => Some(parse_named("tab", name, Tab::parse, &Tab::ALL.map(Tab::name))?),
            None => None,
        };
        Ok(crate::ui::AppOptions {
            tab,
            play: self.play,
            frame_stats: self.frame_stats.clone(),
            show_frame_stats: self.show_frame_times,
        })
    }
}

/// Headless commands (parsed once at start-up, so their size does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a lab's models without a window and write metrics, a summary and a checkpoint.
    Train {
        /// Which lab.
        #[command(subcommand)]
        lab: TrainLab,
    },
    /// Time a lab's training step: median steps per second over a few repeats after a
    /// warm-up (prints JSON with --json).
    Bench {
        /// Which lab.
        #[command(subcommand)]
        lab: BenchLab,
    },
    /// The JS vs W1 lab: the parallel lines (0, Y) and (θ, Y); closed forms, learned estimates
    /// and their gradients in θ, or (with --race) gradient descent on θ under each objective.
    Lines(LinesArgs),
}

/// A critic constraint by name: gp (with λ), clip (with c) or sn.
fn parse_constraint(name: &str, lambda: f64, c: f64) -> anyhow::Result<Constraint> {
    Ok(match name {
        "gp" => Constraint::GradientPenalty { lambda },
        "clip" => Constraint::Clip { c },
        "sn" => Constraint::SpectralNorm,
        other => bail!("unknown constraint '{other}' (expected one of: gp, clip, sn)"),
    })
}

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
        #[arg(long, default_value = "both")]
        models: String,
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
        /// The critic's constraint: gp, clip or sn.
        #[arg(long, default_value = "gp")]
        constraint: String,
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
            cpu: crate::kernels::processor_name(),
            isa: BenchIsa { kernels: Isa::best().name(), gemm: crate::kernels::gemm_isa().name() },
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

/// Sets the compute threads of both paths: candle's matmul reads `RAYON_NUM_THREADS` at each
/// call, the fast path reads [`crate::model::native::threads`]. Call before any training.
fn set_compute_threads(n: usize) -> anyhow::Result<()> {
    if !(1..=256).contains(&n) {
        bail!("--threads must be between 1 and 256, got {n}");
    }
    std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    crate::model::native::set_threads(n);
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
            trainer.set_reference_path(bench.reference);
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
            let which = match models.as_str() {
                "both" => crate::train::vae::Models::Both,
                "vae" => crate::train::vae::Models::Vae,
                "ae" => crate::train::vae::Models::Ae,
                other => bail!("unknown --models '{other}' (expected one of: both, vae, ae)"),
            };
            let mut trainer = VaeTrainer::new(config.clone())?;
            trainer.set_reference_path(bench.reference);
            trainer.set_compute_threads(bench.threads);
            trainer.set_models(which);
            let timing = time_steps(bench, *steps, || Ok(trainer.step().map(|_| ())?))?;
            BenchReport::new(
                "vae",
                timing,
                bench,
                *steps,
                if bench.reference { "reference" } else { "fast" },
                format!(
                    "{models} on {}: {}x{} hidden, K = {}, batch {}, {} sample(s) of z",
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
            config.validate()?;
            let mut trainer = OptimalDTrainer::new(config.clone())?;
            trainer.set_reference_path(bench.reference);
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
            let constraint_value = parse_constraint(constraint, 10.0, 0.01)?;
            let config = LinesConfig { constraint: constraint_value, ..defaults };
            config.validate()?;
            let mut trainer = LinesTrainer::new(config.clone())?;
            trainer.set_reference_path(bench.reference);
            let timing = time_steps(bench, *steps, || Ok(trainer.estimator_step()?))?;
            BenchReport::new(
                "js-w1",
                timing,
                bench,
                *steps,
                if bench.reference { "reference" } else { "fast" },
                format!(
                    "D and critic 64x2 leaky-relu, batch {} per line, critic constraint {constraint}",
                    config.batch
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

/// Labs that train headless.
#[derive(Debug, Subcommand)]
pub enum TrainLab {
    /// The GAN lab: 2-D toy data, MLP generator and discriminator.
    Gan(GanArgs),
    /// The AE vs VAE lab: an autoencoder and a VAE trained side by side on real images.
    Vae(VaeArgs),
    /// The optimal-discriminator lab: a GAN on a line, D against D* = p_data/(p_data + p_g).
    #[command(name = "optimal-d")]
    OptimalD(OptimalDArgs),
}

/// A choice by name, or an error naming the choices.
fn parse_named<T>(what: &str, name: &str, parse: impl Fn(&str) -> Option<T>, all: &[&str]) -> anyhow::Result<T> {
    parse(name).with_context(|| format!("unknown {what} '{name}' (expected one of: {})", all.join(", ")))
}
