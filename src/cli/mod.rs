//! The command line: no arguments opens the window; `train gan …` runs the same training
//! headless and writes its results for scripts, benchmarks and tests.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

pub mod output;

pub use output::OutputArgs;
use output::{check_steps, create_file, create_out_dir, readable_by_all, write_atomically, write_json};

use crate::data::csv2d::write_points;
use crate::data::toy2d::Toy2d;
use crate::kernels::Isa;
use crate::model::autoencoder::Likelihood;
use crate::model::mlp::Activation;
use crate::model::optim::OptimizerKind;
use crate::theory::optimal_d::Mixture1d;
use crate::train::gan::{GanConfig, GanLoss, GanTrainer, NetConfig, NoiseKind};
use crate::train::lines::{Constraint, LinesConfig, LinesTrainer};
use crate::train::optimal_d::{Generator1d, OptimalDConfig, OptimalDMetrics, OptimalDTrainer};
use crate::train::vae::{ImageSource, VaeConfig, VaeTrainer};

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

/// A critic constraint by name: gp (with λ), clip (with c) or sn.
fn parse_constraint(name: &str, lambda: f64, c: f64) -> anyhow::Result<Constraint> {
    Ok(match name {
        "gp" => Constraint::GradientPenalty { lambda },
        "clip" => Constraint::Clip { c },
        "sn" => Constraint::SpectralNorm,
        other => bail!("unknown constraint '{other}' (expected one of: gp, clip, sn)"),
    })
}

/// A number or the string "inf", as `summary.json` writes divergences that can be infinite.
fn finite_or_inf(v: f64) -> serde_json::Value {
    if v.is_infinite() {
        serde_json::Value::from("inf")
    } else {
        serde_json::Value::from(v)
    }
}

/// Runs the JS vs W1 lab headless: estimates at θ (`summary.json`), or the race
/// (`race.csv` and `summary.json`).
pub fn lines(args: &LinesArgs) -> anyhow::Result<serde_json::Value> {
    let config = args.config()?;
    let out = &args.output.out;
    let mut trainer = LinesTrainer::new(config.clone())?;
    create_out_dir(&args.output, args.steps)?;
    let summary = if args.race {
        let path = out.join("race.csv");
        let mut race = create_file(&path)?;
        writeln!(race, "step,theta_gan,theta_wgan")?;
        writeln!(race, "0,{},{}", config.theta0, config.theta0)?;
        for step in 1..=args.steps {
            trainer.race_step()?;
            let (g, w) = trainer.race_theta()?;
            writeln!(race, "{step},{g},{w}")?;
            if !args.output.quiet && (step % 200 == 0 || step == args.steps) {
                eprintln!("race step {step:>6}/{}  θ_GAN {g:+.4}  θ_WGAN {w:+.4}", args.steps);
            }
        }
        race.flush()?;
        let (g, w) = trainer.race_theta()?;
        serde_json::json!({
            "theta0": config.theta0,
            "final_theta_gan": g,
            "final_theta_wgan": w,
            "steps": args.steps,
            "seed": config.seed,
            "constraint": config.constraint.label(),
        })
    } else {
        for step in 1..=args.steps {
            trainer.estimator_step()?;
            if !args.output.quiet && (step % 500 == 0 || step == args.steps) {
                let e = trainer.estimates()?;
                eprintln!(
                    "step {step:>6}/{}  JS ≈ {:.4} (closed form {:.4})  W1 ≈ {:.4} (closed form {:.4})",
                    args.steps, e.js_estimate, e.js, e.w1_estimate, e.w1
                );
            }
        }
        let e = trainer.estimates()?;
        serde_json::json!({
            "theta": e.theta,
            "js": e.js,
            "kl": finite_or_inf(e.kl),
            "kl_reverse": finite_or_inf(e.kl_reverse),
            "tv": e.tv,
            "w1": e.w1,
            "js_estimate": e.js_estimate,
            "w1_estimate": e.w1_estimate,
            "js_grad_theta": e.js_grad_theta,
            "w1_grad_theta": e.w1_grad_theta,
            "lipschitz_estimate": e.lipschitz_estimate,
            "steps": args.steps,
            "seed": config.seed,
            "constraint": config.constraint.label(),
        })
    };
    write_json(&out.join("summary.json"), &summary)?;
    if !args.output.quiet {
        eprintln!("wrote {}", out.display());
    }
    Ok(summary)
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
        if self.eval_every == 0 {
            bail!("--eval-every must be at least 1");
        }
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
    let config = args.config()?;
    let out = &args.output.out;
    create_out_dir(&args.output, args.steps)?;
    let metrics_path = out.join("metrics.csv");
    let mut metrics = create_file(&metrics_path)?;
    writeln!(metrics, "step,d_steps,g_steps,max_abs_d_minus_dstar,v_d_g,v_dstar_g,minus_log4_plus_2jsd,jsd,d_loss")?;
    let started = Instant::now();
    let mut trainer = OptimalDTrainer::new(config.clone())?;
    if !args.output.quiet {
        eprintln!(
            "optimal discriminator: {} steps{}, seed {}",
            args.steps,
            if config.freeze_g { " with G frozen" } else { "" },
            config.seed
        );
    }
    let mut last = None;
    for step in 1..=args.steps {
        if let Err(e) = trainer.iteration() {
            metrics.flush()?;
            bail!("{e} (metrics up to here are in {})", metrics_path.display());
        }
        if step % args.eval_every == 0 || step == args.steps {
            let s = trainer.build_snapshot()?;
            let m = &s.metrics;
            writeln!(
                metrics,
                "{step},{},{},{},{},{},{},{},{}",
                s.d_steps,
                s.g_steps,
                m.max_abs_d_minus_dstar,
                m.v_d_g,
                m.v_dstar_g,
                m.minus_log4_plus_2jsd,
                m.jsd,
                m.d_loss
            )?;
            metrics.flush()?;
            if !args.output.quiet {
                eprintln!(
                    "step {step:>6}/{}  sup|D − D*| {:.4}  V(D,G) {:.4}  −log 4 + 2·JSD {:.4}  JSD {:.4}",
                    args.steps, m.max_abs_d_minus_dstar, m.v_d_g, m.minus_log4_plus_2jsd, m.jsd
                );
            }
            last = Some(s);
        }
    }
    let Some(s) = last else { bail!("--steps must be at least 1") };
    let summary = OptimalDSummary {
        metrics: s.metrics,
        generator_a: s.affine.map(|a| a.0),
        generator_b: s.affine.map(|a| a.1),
        freeze_g: config.freeze_g,
        steps: args.steps,
        d_steps: s.d_steps,
        g_steps: s.g_steps,
        seed: config.seed,
        elapsed_secs: started.elapsed().as_secs_f64(),
    };
    write_json(&out.join("summary.json"), &summary)?;
    if !args.output.quiet {
        eprintln!("wrote {}", out.display());
    }
    Ok(summary)
}

/// Every setting of the AE vs VAE lab, as flags.
#[derive(Debug, Args)]
pub struct VaeArgs {
    /// The lab's settings.
    #[command(flatten)]
    pub settings: VaeSettings,
    /// Training steps.
    #[arg(long, default_value_t = 3000)]
    pub steps: u64,
    /// Measure the test set every this many steps (a metrics row each time).
    #[arg(long, default_value_t = 500)]
    pub eval_every: u64,
    /// Where the run's files go, and how.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The AE vs VAE lab's model, data and optimiser settings, as flags (shared by `train` and `bench`).
#[derive(Debug, Args)]
pub struct VaeSettings {
    /// Images: mnist5k (bundled, 28x28), digits (bundled, 8x8) or idx:DIR (MNIST-format IDX files).
    #[arg(long, default_value = "mnist5k")]
    pub data: String,
    /// Latent dimension K (1–32).
    #[arg(long, default_value_t = 2)]
    pub latent_dim: usize,
    /// Hidden width of encoders and decoders.
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    /// Hidden layers of encoders and decoders (1–4).
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    /// Activation: relu, leaky-relu or tanh.
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// Likelihood: bernoulli, or gaussian (with --sigma).
    #[arg(long, default_value = "bernoulli")]
    pub likelihood: String,
    /// Pixel standard deviation of the Gaussian likelihood.
    #[arg(long, default_value_t = 0.1)]
    pub sigma: f32,
    /// Weight of the KL term (0 drops it, 1 is the ELBO; 0–4).
    #[arg(long, default_value_t = 1.0)]
    pub beta: f64,
    /// Monte-Carlo samples of z per input.
    #[arg(long, default_value_t = 1)]
    pub mc_samples: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Minibatch size.
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Seed of weights, minibatches and noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Importance samples k for the final log p(x) estimate.
    #[arg(long, default_value_t = 1000)]
    pub iw_samples: usize,
    /// Test images for the final log p(x) estimate (default: the whole test set).
    #[arg(long)]
    pub iw_images: Option<usize>,
}

impl VaeSettings {
    /// Turns the flags into a validated configuration (the data is loaded later).
    pub fn config(&self) -> anyhow::Result<VaeConfig> {
        let data = ImageSource::parse(&self.data)?;
        let activation =
            parse_named("activation", &self.activation, Activation::parse, &Activation::ALL.map(Activation::name))?;
        let likelihood = match self.likelihood.as_str() {
            "bernoulli" => Likelihood::Bernoulli,
            "gaussian" => Likelihood::Gaussian { sigma: self.sigma },
            other => bail!("unknown likelihood '{other}' (expected one of: bernoulli, gaussian)"),
        };
        let config = VaeConfig {
            data,
            latent_dim: self.latent_dim,
            hidden: self.hidden,
            layers: self.layers,
            activation,
            likelihood,
            beta: self.beta,
            mc_samples: self.mc_samples,
            lr: self.lr,
            batch: self.batch,
            seed: self.seed,
            iw_samples: self.iw_samples,
            iw_images: self.iw_images.unwrap_or(usize::MAX),
        };
        config.validate()?;
        Ok(config)
    }
}

impl VaeArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<VaeConfig> {
        if self.eval_every == 0 {
            bail!("--eval-every must be at least 1");
        }
        self.settings.config()
    }
}

/// The final numbers of a headless AE vs VAE run (`summary.json`), nats per image.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct VaeSummary {
    /// Test ELBO (one sample of z per image).
    pub vae_test_elbo: f64,
    /// Test reconstruction term.
    pub vae_test_recon: f64,
    /// Test KL term.
    pub vae_test_kl: f64,
    /// Importance-weighted log p(x) on `iw_images` test images.
    pub vae_test_log_px_iw: f64,
    /// The ELBO on the same images, for the gap.
    pub vae_test_elbo_iw_images: f64,
    /// log p̂(x) − ELBO ≈ KL(q(z|x) ‖ p(z|x)).
    pub gap: f64,
    /// k.
    pub iw_samples: usize,
    /// Test images of the estimate.
    pub iw_images: usize,
    /// The AE's test reconstruction loss.
    pub ae_test_recon: f64,
    /// Mean distance from a decoded prior sample (VAE) to its nearest training image.
    pub vae_prior_nn_dist: f64,
    /// The same for the AE.
    pub ae_prior_nn_dist: f64,
    /// Entropy (nats) of the classes a 1-NN classifier gives the VAE's prior samples.
    pub vae_prior_class_entropy: f64,
    /// The same for the AE.
    pub ae_prior_class_entropy: f64,
    /// KL weight used.
    pub beta: f64,
    /// Latent dimension.
    pub latent_dim: usize,
    /// Steps run.
    pub steps: u64,
    /// The seed.
    pub seed: u64,
    /// Training steps per second (both models; evaluation excluded).
    pub steps_per_sec: f64,
    /// Wall time of the whole run.
    pub elapsed_secs: f64,
    /// Training and test images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
}

/// Runs a headless AE vs VAE training; writes `metrics.csv`, `latents.csv`, `summary.json`,
/// `ae.safetensors` and `vae.safetensors` into `--out`.
pub fn train_vae(args: &VaeArgs) -> anyhow::Result<VaeSummary> {
    let final_config = args.config()?;
    // Intermediate rows use a cheap estimate of log p(x); the final one uses the flags.
    let mut config = VaeConfig { iw_samples: final_config.iw_samples.min(100), iw_images: 200, ..final_config.clone() };
    let out = &args.output.out;
    check_steps(args.steps)?;
    let started = Instant::now();
    // The data is loaded (and can fail) before the output folder is touched.
    let mut trainer = VaeTrainer::new(config.clone())?;
    create_out_dir(&args.output, args.steps)?;
    // The test set's log p(x) estimate runs on every core (training keeps its one thread).
    trainer.set_eval_threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let split = std::sync::Arc::clone(trainer.split());
    config.iw_images = config.iw_images.min(split.test.len());
    trainer.set_config(config)?;
    let metrics_path = out.join("metrics.csv");
    let mut metrics = create_file(&metrics_path)?;
    writeln!(
        metrics,
        "step,vae_train_recon,vae_train_kl,vae_train_elbo,ae_train_recon,vae_test_recon,vae_test_kl,vae_test_elbo,ae_test_recon,vae_test_log_px_iw,iw_samples,vae_prior_nn_dist,ae_prior_nn_dist,vae_prior_class_entropy,ae_prior_class_entropy"
    )?;
    if !args.output.quiet {
        eprintln!(
            "training AE and VAE on {} ({} train, {} test images), K = {}, β = {}, {} steps, seed {}",
            final_config.data.label(),
            split.train.len(),
            split.test.len(),
            final_config.latent_dim,
            final_config.beta,
            args.steps,
            final_config.seed
        );
    }
    let mut train_secs = 0.0;
    let mut final_eval = None;
    let (mut sums, mut n_sum) = ([0.0; 3], 0u64);
    for step in 1..=args.steps {
        let t = Instant::now();
        let terms = trainer.step();
        train_secs += t.elapsed().as_secs_f64();
        let terms = match terms {
            Ok(t) => t,
            Err(e) => {
                metrics.flush()?;
                bail!("{e} (metrics up to here are in {})", metrics_path.display());
            }
        };
        sums[0] += terms.vae_recon;
        sums[1] += terms.vae_kl;
        sums[2] += terms.ae_recon;
        n_sum += 1;
        let last = step == args.steps;
        if step % args.eval_every == 0 || last {
            if last {
                let iw_images = final_config.iw_images.min(split.test.len());
                trainer.set_config(VaeConfig { iw_images, ..final_config.clone() })?;
            }
            let eval_started = Instant::now();
            let e = trainer.evaluate()?;
            if last {
                final_eval = Some(e.clone());
            }
            if last && !args.output.quiet {
                eprintln!(
                    "final evaluation, log p(x) with k = {} on {} test images: {:.1} s",
                    e.iw_samples,
                    e.iw_images,
                    eval_started.elapsed().as_secs_f64()
                );
            }
            let n = n_sum as f64;
            let (recon, kl, ae) = (sums[0] / n, sums[1] / n, sums[2] / n);
            (sums, n_sum) = ([0.0; 3], 0);
            writeln!(
                metrics,
                "{step},{recon},{kl},{},{ae},{},{},{},{},{},{},{},{},{},{}",
                -(recon + kl),
                e.vae_test_recon,
                e.vae_test_kl,
                e.vae_test_elbo,
                e.ae_test_recon,
                e.log_px_iw,
                e.iw_samples,
                e.vae_prior.mean_nn_distance,
                e.ae_prior.mean_nn_distance,
                e.vae_prior.class_entropy,
                e.ae_prior.class_entropy
            )?;
            metrics.flush()?;
            if !args.output.quiet {
                eprintln!(
                    "step {step:>6}/{}  test ELBO {:.2}  (recon {:.2}, KL {:.2})  log p(x) ≥ {:.2} (k = {})  AE recon {:.2}  {:.0} steps/s",
                    args.steps,
                    e.vae_test_elbo,
                    e.vae_test_recon,
                    e.vae_test_kl,
                    e.log_px_iw,
                    e.iw_samples,
                    e.ae_test_recon,
                    step as f64 / train_secs.max(1e-9)
                );
            }
        }
    }
    // The last step's evaluation (with the final log p(x) estimate) is the summary's.
    let e = final_eval.context("the run ended without its final evaluation")?;
    write_atomically(&out.join("latents.csv"), |tmp| write_latents(tmp, &trainer))?;
    // Both checkpoints into a temporary folder beside them, then each renamed into place.
    let staging = out.join(format!(".checkpoints.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let saved = trainer.save(&staging).map_err(anyhow::Error::from).and_then(|()| {
        for name in ["ae.safetensors", "vae.safetensors"] {
            readable_by_all(&staging.join(name))?;
            std::fs::rename(staging.join(name), out.join(name))
                .with_context(|| format!("cannot write {}", out.join(name).display()))?;
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&staging);
    saved?;
    let summary = VaeSummary {
        vae_test_elbo: e.vae_test_elbo,
        vae_test_recon: e.vae_test_recon,
        vae_test_kl: e.vae_test_kl,
        vae_test_log_px_iw: e.log_px_iw,
        vae_test_elbo_iw_images: e.elbo_iw_images,
        gap: e.gap(),
        iw_samples: e.iw_samples,
        iw_images: e.iw_images,
        ae_test_recon: e.ae_test_recon,
        vae_prior_nn_dist: e.vae_prior.mean_nn_distance,
        ae_prior_nn_dist: e.ae_prior.mean_nn_distance,
        vae_prior_class_entropy: e.vae_prior.class_entropy,
        ae_prior_class_entropy: e.ae_prior.class_entropy,
        beta: final_config.beta,
        latent_dim: final_config.latent_dim,
        steps: args.steps,
        seed: final_config.seed,
        steps_per_sec: args.steps as f64 / train_secs.max(1e-9),
        elapsed_secs: started.elapsed().as_secs_f64(),
        train_images: split.train.len(),
        test_images: split.test.len(),
    };
    write_json(&out.join("summary.json"), &summary)?;
    if !args.output.quiet {
        eprintln!("wrote {}", out.display());
    }
    Ok(summary)
}

/// `latents.csv`: model, label, z1…zK for every test image (the VAE's posterior means).
fn write_latents(path: &Path, trainer: &VaeTrainer) -> anyhow::Result<()> {
    let split = trainer.split();
    let k = trainer.config().latent_dim;
    let x = candle_core::Tensor::from_slice(
        &split.test.pixels,
        (split.test.len(), split.test.dim()),
        &candle_core::Device::Cpu,
    )?;
    let ae = trainer.ae().encoder.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
    let vae = trainer.vae().encode(&x)?.0.flatten_all()?.to_vec1::<f32>()?;
    let mut w = create_file(path)?;
    let header: Vec<String> = (1..=k).map(|i| format!("z{i}")).collect();
    writeln!(w, "model,label,{}", header.join(","))?;
    for (model, codes) in [("ae", &ae), ("vae", &vae)] {
        for (z, label) in codes.chunks_exact(k).zip(&split.test.labels) {
            let z: Vec<String> = z.iter().map(f32::to_string).collect();
            writeln!(w, "{model},{label},{}", z.join(","))?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Every setting of the GAN lab's side panel, as flags.
#[derive(Debug, Args)]
pub struct GanArgs {
    /// The lab's settings.
    #[command(flatten)]
    pub settings: GanSettings,
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
    #[arg(long, default_value = "ring8")]
    pub data: String,
    /// Standard deviation of each mode, for ring8 and grid25 (defaults 0.02 and 0.05).
    #[arg(long)]
    pub data_sigma: Option<f32>,
    /// Objective: minimax, ns (non-saturating), lsgan, wgan-clip, wgan-gp or hinge.
    #[arg(long, default_value = "ns")]
    pub loss: String,
    /// Seed of weights, data and noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hidden width of both networks (4–256).
    #[arg(long, default_value_t = 64)]
    pub hidden: usize,
    /// Hidden layers of both networks (1–4).
    #[arg(long, default_value_t = 3)]
    pub layers: usize,
    /// Hidden width of the generator, overriding --hidden.
    #[arg(long)]
    pub hidden_g: Option<usize>,
    /// Hidden width of the discriminator, overriding --hidden.
    #[arg(long)]
    pub hidden_d: Option<usize>,
    /// Hidden layers of the generator, overriding --layers.
    #[arg(long)]
    pub layers_g: Option<usize>,
    /// Hidden layers of the discriminator, overriding --layers.
    #[arg(long)]
    pub layers_d: Option<usize>,
    /// Activation of both networks: relu, leaky-relu or tanh.
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// Noise dimension (1–8).
    #[arg(long, default_value_t = 2)]
    pub noise_dim: usize,
    /// Noise distribution: gaussian or uniform.
    #[arg(long, default_value = "gaussian")]
    pub noise: String,
    /// Discriminator optimiser: sgd, adam or rmsprop (default: the objective's customary one:
    /// Adam for minimax, ns, lsgan, wgan-gp and hinge, RMSProp for wgan-clip).
    #[arg(long)]
    pub optimizer_d: Option<String>,
    /// Generator optimiser: sgd, adam or rmsprop (default: as --optimizer-d's default).
    #[arg(long)]
    pub optimizer_g: Option<String>,
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
    #[arg(long)]
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
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
}

fn parse_named<T>(what: &str, name: &str, parse: impl Fn(&str) -> Option<T>, all: &[&str]) -> anyhow::Result<T> {
    parse(name).with_context(|| format!("unknown {what} '{name}' (expected one of: {})", all.join(", ")))
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
        let names = |v: Vec<&'static str>| v;
        let loss = parse_named("loss", &self.loss, GanLoss::parse, &names(GanLoss::ALL.map(GanLoss::name).to_vec()))?;
        let activation =
            parse_named("activation", &self.activation, Activation::parse, &Activation::ALL.map(Activation::name))?;
        let noise = parse_named("noise", &self.noise, NoiseKind::parse, &NoiseKind::ALL.map(NoiseKind::name))?;
        let opt_names = OptimizerKind::ALL.map(OptimizerKind::name);
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
            noise,
            batch: self.batch,
            seed: self.seed,
            spectral_norm: self.spectral_norm,
            clip: self.clip,
            gp_lambda: self.gp_lambda,
            ..GanConfig::default()
        };
        // The objective's customary optimisers and step ratio, then whatever flags say.
        loss.apply_defaults(&mut config);
        if let Some(name) = &self.optimizer_d {
            config.opt_d.kind = parse_named("optimizer", name, OptimizerKind::parse, &opt_names)?;
        }
        if let Some(name) = &self.optimizer_g {
            config.opt_g.kind = parse_named("optimizer", name, OptimizerKind::parse, &opt_names)?;
        }
        for opt in [&mut config.opt_d, &mut config.opt_g] {
            opt.beta1 = self.beta1.unwrap_or(opt.beta1);
            opt.beta2 = self.beta2.unwrap_or(opt.beta2);
        }
        config.opt_d.lr = self.lr_d.unwrap_or(config.opt_d.lr);
        config.opt_g.lr = self.lr_g.unwrap_or(config.opt_g.lr);
        config.d_steps = self.d_steps.unwrap_or(config.d_steps);
        config.validate()?;
        Ok(config)
    }
}

impl GanArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<GanConfig> {
        if self.eval_every == 0 {
            bail!("--eval-every must be at least 1");
        }
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
    let config = args.config()?;
    let out = &args.output.out;
    create_out_dir(&args.output, args.steps)?;
    let metrics_path = out.join("metrics.csv");
    let mut metrics = create_file(&metrics_path)?;
    writeln!(metrics, "step,d_loss,g_loss,d_real,d_fake,js_grid,modes_covered,high_quality_fraction")?;
    metrics.flush()?;

    let started = Instant::now();
    let mut train_secs = 0.0;
    let mut trainer = GanTrainer::new(config.clone())?;
    let (mut d_sum, mut g_sum, mut n_sum) = (0.0, 0.0, 0u64);
    let mut last_row = None;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    if !args.output.quiet {
        eprintln!(
            "training GAN: {} on {}, {} steps, seed {}",
            config.loss.label(),
            config.data.label(),
            args.steps,
            config.seed
        );
    }
    for step in 1..=args.steps {
        let t = Instant::now();
        let losses = trainer.iteration();
        train_secs += t.elapsed().as_secs_f64();
        let losses = match losses {
            Ok(l) => l,
            Err(e) => {
                metrics.flush()?;
                bail!("{e} (metrics up to here are in {})", metrics_path.display());
            }
        };
        d_sum += losses.d_loss;
        g_sum += losses.g_loss;
        n_sum += 1;
        if step % args.eval_every == 0 || step == args.steps {
            let (m, _) = trainer.evaluate()?;
            let (d_loss, g_loss) = (d_sum / n_sum as f64, g_sum / n_sum as f64);
            (d_sum, g_sum, n_sum) = (0.0, 0.0, 0);
            let cov = m.coverage.as_ref();
            writeln!(
                metrics,
                "{step},{d_loss},{g_loss},{},{},{},{},{}",
                m.d_real,
                m.d_fake,
                m.js_grid,
                opt(cov.map(|c| c.modes_covered as f64)),
                opt(cov.map(|c| c.high_quality_fraction))
            )?;
            metrics.flush()?;
            if !args.output.quiet {
                let modes = cov.map_or(String::new(), |c| {
                    format!("  modes {}/{}  hq {:.3}", c.modes_covered, c.modes_total, c.high_quality_fraction)
                });
                eprintln!(
                    "step {step:>7}/{}  d_loss {d_loss:.4}  g_loss {g_loss:.4}  js {:.4}{modes}  {:.0} steps/s",
                    args.steps,
                    m.js_grid,
                    step as f64 / train_secs.max(1e-9)
                );
            }
            last_row = Some((d_loss, g_loss, m));
        }
    }
    let Some((d_loss, g_loss, m)) = last_row else { bail!("--steps must be at least 1") };
    // The points the summary's coverage was measured on: G at the fixed evaluation noise.
    let samples = trainer.eval_fakes()?;
    write_atomically(&out.join("samples.csv"), |tmp| {
        write_points(tmp, &samples).with_context(|| format!("cannot write {}", out.join("samples.csv").display()))
    })?;
    write_atomically(&out.join("checkpoint.safetensors"), |tmp| {
        trainer.save(tmp)?;
        readable_by_all(tmp)
    })?;
    let cov = m.coverage.as_ref();
    let summary = GanSummary {
        d_loss,
        g_loss,
        d_real: m.d_real,
        d_fake: m.d_fake,
        js_grid: m.js_grid,
        modes_covered: cov.map(|c| c.modes_covered),
        modes_total: cov.map(|c| c.modes_total),
        high_quality_fraction: cov.map(|c| c.high_quality_fraction),
        steps: args.steps,
        seed: config.seed,
        steps_per_sec: args.steps as f64 / train_secs.max(1e-9),
        elapsed_secs: started.elapsed().as_secs_f64(),
        loss: config.loss.name().to_owned(),
        data: config.data.label(),
        lipschitz_estimate: m.lipschitz,
        spectral_norm: config.spectral_norm,
    };
    write_json(&out.join("summary.json"), &summary)?;
    if !args.output.quiet {
        eprintln!("wrote {}", out.display());
    }
    Ok(summary)
}
