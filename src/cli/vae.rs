//! `latent-lab train vae`: the AE vs VAE lab headless. Writes `metrics.csv` (a row per
//! evaluation), and at the end `latents.csv`, `ae.safetensors`, `vae.safetensors`, the saved
//! run (`run.json` and its files, which `--resume` and the window open) and `summary.json`.
//!
//! The periodic evaluations estimate log p(x) cheaply (k ≤ 100 on 200 test images) and are the
//! curves' points; the last step's evaluation makes the estimate the flags ask for, for the last
//! row and the summary, and is shown but not drawn among the curves. So a run saved at a step
//! of the evaluation schedule and resumed is, curves and log included, the run trained straight
//! through.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use super::choices;
use super::flags::{count_in, name_the_flag, SettingFlag};
use super::output::{create_file, readable_by_all, write_atomically, OutputArgs};
use super::runner::{self, At, Evaluation, HeadlessLab, Log, Run};
use crate::data::source::ImageSource;
use crate::model::mlp::Activation;
use crate::objective::vae::Likelihood;
use crate::train::run::RunWriter;
use crate::train::vae::{limits, VaeConfig, VaeEval, VaeTrainer};

/// Every setting of the AE vs VAE lab, as flags.
#[derive(Debug, Args)]
pub struct VaeArgs {
    /// The lab's settings.
    #[command(flatten)]
    pub settings: VaeSettings,
    /// Go on training the run saved in this folder (an earlier run's --out, or a run saved in
    /// the window), with its settings, weights and optimisers' state, on the data its settings
    /// name: no setting may be given with it. --steps counts the run's steps in all, so a run
    /// saved at step N trains on from N + 1 and ends exactly where a run trained straight to
    /// --steps would.
    #[arg(long, value_name = "DIR", conflicts_with = "VaeSettings")]
    pub resume: Option<std::path::PathBuf>,
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
    #[arg(long, default_value = "mnist5k", value_parser = ImageSource::parse)]
    pub data: ImageSource,
    /// Latent dimension K (1–32).
    #[arg(long, default_value_t = 2, value_parser = count_in(limits::LATENT))]
    pub latent_dim: usize,
    /// Hidden width of encoders and decoders.
    #[arg(long, default_value_t = 256, value_parser = count_in(limits::HIDDEN))]
    pub hidden: usize,
    /// Hidden layers of encoders and decoders (1–4).
    #[arg(long, default_value_t = 2, value_parser = count_in(limits::LAYERS))]
    pub layers: usize,
    /// Activation.
    #[arg(long, value_enum, default_value_t = Activation::Relu)]
    pub activation: Activation,
    /// Likelihood of a pixel: bernoulli, or gaussian (with --sigma).
    #[arg(long, value_enum, default_value_t = Likelihood::Bernoulli)]
    pub likelihood: Likelihood,
    /// Pixel standard deviation of the Gaussian likelihood.
    #[arg(long, default_value_t = 0.1)]
    pub sigma: f32,
    /// Weight of the KL term (0 drops it, 1 is the ELBO; 0–4).
    #[arg(long, default_value_t = 1.0)]
    pub beta: f64,
    /// Monte-Carlo samples of z per input.
    #[arg(long, default_value_t = 1, value_parser = count_in(limits::MC_SAMPLES))]
    pub mc_samples: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Minibatch size.
    #[arg(long, default_value_t = 128, value_parser = count_in(limits::BATCH))]
    pub batch: usize,
    /// Seed of weights, minibatches and noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Importance samples k for the final log p(x) estimate.
    #[arg(long, default_value_t = 1000, value_parser = count_in(limits::IW_SAMPLES))]
    pub iw_samples: usize,
    /// Test images for the final log p(x) estimate (default: the whole test set, at most
    /// 2000 images; give a larger number to use more)
    #[arg(long)]
    pub iw_images: Option<usize>,
}

impl VaeSettings {
    /// Turns the flags into a validated configuration (the data is loaded later).
    pub fn config(&self) -> anyhow::Result<VaeConfig> {
        let config = VaeConfig {
            data: self.data.clone(),
            latent_dim: self.latent_dim,
            hidden: self.hidden,
            layers: self.layers,
            activation: self.activation,
            likelihood: choices::likelihood(self.likelihood, self.sigma),
            beta: self.beta,
            mc_samples: self.mc_samples,
            lr: self.lr,
            batch: self.batch,
            seed: self.seed,
            iw_samples: self.iw_samples,
            iw_images: self.iw_images.unwrap_or(DEFAULT_IW_IMAGES),
        };
        config.validate().map_err(|e| name_the_flag(e, &FLAGS))?;
        Ok(config)
    }
}

/// The settings `train` checks (beyond the counts clap checks), as its messages begin, and
/// their flags.
const FLAGS: [SettingFlag; 4] = [
    ("β must", "--beta must"),
    ("learning rate must", "--lr must"),
    ("the Gaussian likelihood's σ must", "--sigma must"),
    ("the importance-weighted estimate needs at least one test image", "--iw-images must be at least 1"),
];

impl VaeArgs {
    /// Turns the flags into a validated configuration.
    pub fn config(&self) -> anyhow::Result<VaeConfig> {
        runner::check_eval_every(self.eval_every)?;
        self.settings.config()
    }
}

/// Test images of the final log p(x) estimate when `--iw-images` is not given (or the whole
/// test set, if smaller): with k = 1000 about 7 s on two cores of an AMD EPYC. Fashion-MNIST's
/// 10 000 test images took minutes before the estimate ran on the fast path, printing nothing.
pub const DEFAULT_IW_IMAGES: usize = 2000;

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

/// Runs a headless AE vs VAE training (or goes on with a saved one, `--resume`); writes
/// `metrics.csv`, `latents.csv`, `ae.safetensors`, `vae.safetensors`, the saved run and
/// `summary.json` into `--out`.
pub fn train_vae(args: &VaeArgs) -> anyhow::Result<VaeSummary> {
    runner::run(&args.output, args.steps, || {
        runner::check_eval_every(args.eval_every)?;
        // The data is loaded (and can fail) before the output folder is touched.
        let (mut trainer, mut earlier) =
            runner::resumed_or_new(args.resume.as_deref(), VaeTrainer::open_run, VaeTrainer::steps, || {
                Ok(VaeTrainer::new(args.config()?)?)
            })?;
        let final_config = trainer.config().clone();
        // The test set's log p(x) estimate runs on every core (training keeps its one thread).
        trainer.set_eval_threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
        trainer.set_config(periodic_config(&final_config, trainer.split().test.len()))?;
        let first = trainer.steps();
        if first > 0 && first % args.eval_every == 0 && earlier.last().is_some_and(|r| row_step(r) == Some(first)) {
            // The saved run's last row holds its final evaluation; a run going straight on has
            // the periodic one there (with the same training columns).
            let last = earlier.pop().unwrap_or_default();
            let train_columns: Vec<&str> = last.split(',').take(5).collect();
            let e = trainer.evaluate_unrecorded()?;
            earlier.push(format!("{},{}", train_columns.join(","), test_columns(&e)));
        }
        Ok(VaeRun {
            final_config,
            trainer,
            eval_every: args.eval_every,
            sums: [0.0; 3],
            summed: 0,
            final_eval: None,
            earlier,
        })
    })
}

/// The settings of the periodic evaluations: a cheaper log p(x) estimate than the final one
/// (k at most 100, on at most 200 test images); everything else as `config`.
fn periodic_config(config: &VaeConfig, test_images: usize) -> VaeConfig {
    VaeConfig { iw_samples: config.iw_samples.min(100), iw_images: 200.min(test_images), ..config.clone() }
}

/// The step a log row starts with.
fn row_step(row: &str) -> Option<u64> {
    row.split(',').next()?.parse().ok()
}

/// The test columns of a log row, from `vae_test_recon` on.
fn test_columns(e: &VaeEval) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{}",
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
    )
}

/// Prints how far the final log p(x) estimate is, at most every two seconds (the estimate
/// can run for minutes on a large test set).
fn log_px_progress_printer(started: Instant) -> crate::train::vae::LogPxProgress {
    let last = std::sync::Mutex::new(Instant::now());
    std::sync::Arc::new(move |done: usize, all: usize| {
        let Ok(mut last) = last.lock() else { return };
        if last.elapsed().as_secs_f64() >= 2.0 && done < all {
            *last = Instant::now();
            eprintln!("  log p(x): {done} of {all} test images, {:.0} s", started.elapsed().as_secs_f64());
        }
    })
}

/// An AE vs VAE run under way.
struct VaeRun {
    /// The settings of the flags, whose log p(x) estimate the last evaluation makes.
    final_config: VaeConfig,
    trainer: VaeTrainer,
    eval_every: u64,
    /// The VAE's reconstruction and KL terms and the AE's reconstruction loss, summed since
    /// the last evaluation.
    sums: [f64; 3],
    /// Steps in `sums`.
    summed: u64,
    /// The last step's evaluation, with the final log p(x) estimate.
    final_eval: Option<VaeEval>,
    /// A resumed run's log rows up to its saved step.
    earlier: Vec<String>,
}

impl HeadlessLab for VaeRun {
    type Summary = VaeSummary;

    fn log(&self) -> Option<Log> {
        Some(Log {
            name: "metrics.csv",
            head: vec![
                "step,vae_train_recon,vae_train_kl,vae_train_elbo,ae_train_recon,vae_test_recon,vae_test_kl,vae_test_elbo,ae_test_recon,vae_test_log_px_iw,iw_samples,vae_prior_nn_dist,ae_prior_nn_dist,vae_prior_class_entropy,ae_prior_class_entropy"
                    .to_owned(),
            ]
            .into_iter()
            .chain(self.earlier.iter().cloned())
            .collect(),
        })
    }

    fn first_step(&self) -> u64 {
        self.trainer.steps()
    }

    fn start_message(&self, steps: u64) -> Option<String> {
        let (c, split) = (&self.final_config, self.trainer.split());
        Some(format!(
            "training AE and VAE on {} ({} train, {} test images), K = {}, β = {}, {steps} steps, seed {}",
            c.data.label(),
            split.train.len(),
            split.test.len(),
            c.latent_dim,
            c.beta,
            c.seed
        ))
    }

    fn eval_every(&self) -> u64 {
        self.eval_every
    }

    fn step(&mut self) -> anyhow::Result<()> {
        let terms = self.trainer.step()?;
        self.sums[0] += terms.vae_recon;
        self.sums[1] += terms.vae_kl;
        self.sums[2] += terms.ae_recon;
        self.summed += 1;
        Ok(())
    }

    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
        let mut progress = Vec::new();
        if at.is_last() {
            // The periodic evaluation, for the curves (as a run going on past this step has
            // it), then the final estimate, shown and logged but not drawn.
            self.trainer.evaluate()?;
            let iw_images = self.final_config.iw_images.min(self.trainer.split().test.len());
            self.trainer.set_config(VaeConfig { iw_images, ..self.final_config.clone() })?;
        }
        let eval_started = Instant::now();
        if at.is_last() && at.printing {
            let images = self.final_config.iw_images.min(self.trainer.split().test.len());
            eprintln!("final evaluation: log p(x) with k = {} on {images} test images …", self.final_config.iw_samples);
            self.trainer.set_log_px_progress(Some(log_px_progress_printer(eval_started)));
        }
        let e = if at.is_last() { self.trainer.evaluate_unrecorded() } else { self.trainer.evaluate() };
        self.trainer.set_log_px_progress(None);
        let e = e?;
        if at.is_last() {
            progress.push(format!(
                "final evaluation, log p(x) with k = {} on {} test images: {:.1} s",
                e.iw_samples,
                e.iw_images,
                eval_started.elapsed().as_secs_f64()
            ));
        }
        let n = self.summed as f64;
        let (recon, kl, ae) = (self.sums[0] / n, self.sums[1] / n, self.sums[2] / n);
        (self.sums, self.summed) = ([0.0; 3], 0);
        let row = format!("{},{recon},{kl},{},{ae},{}", at.step, -(recon + kl), test_columns(&e));
        progress.push(format!(
            "step {:>6}/{}  test ELBO {:.2}  (recon {:.2}, KL {:.2})  log p(x) ≥ {:.2} (k = {})  AE recon {:.2}  {:.0} steps/s",
            at.step,
            at.steps,
            e.vae_test_elbo,
            e.vae_test_recon,
            e.vae_test_kl,
            e.log_px_iw,
            e.iw_samples,
            e.ae_test_recon,
            at.steps_per_sec()
        ));
        if at.is_last() {
            self.final_eval = Some(e);
        }
        Ok(Evaluation { row: Some(row), progress })
    }

    fn finish(self, out: &Path, run: &Run) -> anyhow::Result<VaeSummary> {
        // The last step's evaluation (with the final log p(x) estimate) is the summary's.
        let e = self.final_eval.context("the run ended without its final evaluation")?;
        write_atomically(&out.join("latents.csv"), |tmp| write_latents(tmp, &self.trainer))?;
        save_checkpoints(&self.trainer, out)?;
        // The saved run (settings, weights, optimisers, position, curves): --resume, or Open
        // run in the window, goes on from here.
        self.trainer.write_run(RunWriter::in_place(out)?)?;
        let (c, split) = (&self.final_config, self.trainer.split());
        Ok(VaeSummary {
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
            beta: c.beta,
            latent_dim: c.latent_dim,
            steps: run.steps,
            seed: c.seed,
            steps_per_sec: run.steps_per_sec(),
            elapsed_secs: run.elapsed_secs(),
            train_images: split.train.len(),
            test_images: split.test.len(),
        })
    }
}

/// Writes `ae.safetensors` and `vae.safetensors` into `out`: both into a temporary folder
/// beside them, then each renamed into place (so neither is ever seen half written).
fn save_checkpoints(trainer: &VaeTrainer, out: &Path) -> anyhow::Result<()> {
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
    saved
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::{Command, TrainLab};

    /// `train vae --out x ARGS`, parsed.
    fn vae_args(args: &[&str]) -> Result<VaeArgs, clap::Error> {
        let all: Vec<&str> = ["train", "vae", "--out", "x"].iter().chain(args).copied().collect();
        match parse(&all)?.command {
            Some(Command::Train { lab: TrainLab::Vae(args) }) => Ok(args),
            other => panic!("not train vae: {other:?}"),
        }
    }

    /// The choices keep their names and defaults; a Gaussian likelihood takes --sigma's σ.
    #[test]
    fn choices_are_taken_by_name_with_the_same_defaults() {
        let c = vae_args(&[]).unwrap().config().unwrap();
        assert_eq!(
            (c.data, c.activation, c.likelihood),
            (ImageSource::Mnist5k, Activation::Relu, Likelihood::Bernoulli)
        );
        let c = vae_args(&["--data", "digits", "--activation", "tanh", "--likelihood", "gaussian", "--sigma", "0.2"])
            .unwrap()
            .config()
            .unwrap();
        assert_eq!((c.data, c.activation), (ImageSource::Digits, Activation::Tanh));
        assert_eq!(c.likelihood, Likelihood::Gaussian { sigma: 0.2 });
        let c = vae_args(&["--likelihood", "gaussian"]).unwrap().config().unwrap();
        assert_eq!(c.likelihood, Likelihood::Gaussian { sigma: 0.1 }, "--sigma's default");
        let c = vae_args(&["--data", "idx:/some/dir"]).unwrap().config().unwrap();
        assert_eq!(c.data, ImageSource::Idx("/some/dir".into()), "an IDX folder is read when the run starts");
    }

    /// A bad choice is clap's error, naming the flag and listing the choices.
    #[test]
    fn a_bad_choice_names_the_flag_and_the_choices() {
        for (args, needles) in [
            (
                ["--likelihood", "poisson"],
                ["invalid value 'poisson' for '--likelihood <LIKELIHOOD>'", "[possible values: bernoulli, gaussian]"],
            ),
            (["--data", "cifar"], ["invalid value 'cifar' for '--data <DATA>'", "mnist5k, digits, idx:DIR"]),
        ] {
            let err = vae_args(&args).unwrap_err().to_string();
            assert!(needles.iter().all(|n| err.contains(n)), "{args:?}: {err}");
        }
    }

    /// A setting out of range names its flag: clap checks the counts against the lab's own
    /// limits, and `train`'s other checks say the flag instead of the setting.
    #[test]
    fn a_refused_setting_names_its_flag() {
        for (args, expected) in [
            (&["--beta", "5"][..], "--beta must be in [0, 4], got 5"),
            (&["--lr", "0"], "--lr must be a positive number, got 0"),
            (&["--likelihood", "gaussian", "--sigma", "0"], "--sigma must be positive, got 0"),
            (&["--iw-images", "0"], "--iw-images must be at least 1"),
        ] {
            assert_eq!(vae_args(args).unwrap().config().unwrap_err().to_string(), expected, "{args:?}");
        }
        let range = |r: std::ops::RangeInclusive<usize>| format!("{}..={}", r.start(), r.end());
        for (flag, value, limit) in [
            ("--latent-dim", "0", limits::LATENT),
            ("--hidden", "0", limits::HIDDEN),
            ("--layers", "5", limits::LAYERS),
            ("--mc-samples", "0", limits::MC_SAMPLES),
            ("--batch", "0", limits::BATCH),
            ("--iw-samples", "0", limits::IW_SAMPLES),
        ] {
            let err = vae_args(&[flag, value]).unwrap_err().to_string();
            let expected = format!("invalid value '{value}' for '{flag} <");
            assert!(err.contains(&expected) && err.contains(&format!("{value} is not in {}", range(limit))), "{err}");
        }
    }
}
