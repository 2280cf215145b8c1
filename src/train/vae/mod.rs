//! The AE vs VAE lab: an autoencoder and a variational autoencoder of the same shape train
//! side by side on the same minibatches of real images (sheet tasks 1 and 2).

use std::sync::Arc;
use std::time::{Duration, Instant};

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};

use super::rng::{self as train_rng, TrainRng};
use super::series::Series;
use super::worker::{Interrupt, Lab};
use super::{check_range as check, TrainError};
use crate::data::images::{ImageSet, Split};
use crate::fast::vae::{NativeVae, VaeStep};
use crate::fast::Path;
use crate::model::autoencoder::{AeShape, Autoencoder, Likelihood, Vae, VaeNets};
use crate::model::frozen::FrozenMlp;
use crate::model::mlp::Activation;
use crate::model::optim::{Optimizer, OptimizerConfig};
use crate::theory::gaussian::importance_weighted_log_px;
use crate::theory::neighbors::{prior_sample_report, PriorSampleReport};
use crate::theory::normal::manifold_grid_coords;
use crate::theory::pca::{pca2, Projection2};

mod eval;
pub mod plot_range;
mod saved;
mod settings;
mod snapshot;
mod trainer;

pub use crate::data::source::{ImageSource, SPLIT_SEED};
pub use eval::{latent_blow_ups, MAX_CODE, MAX_LOGVAR};
pub use saved::LAB;
pub use settings::{limits, VaeConfig, MEMORY_COPIES, MODEL_MEMORY_BUDGET};
pub use snapshot::*;

/// Time between test evaluations while the window trains.
const EVAL_INTERVAL: Duration = Duration::from_secs(5);
/// Multiply-adds of the test-set evaluation between two looks at the worker's [`Interrupt`]:
/// about a tenth of a second on one core (a decoder of 256×2 on 28×28 images did 16 384 rows,
/// 4.4·10⁹ multiply-adds, in 0.11 s; one of 1024×4, 83 µs a row, on an AMD EPYC).
pub const EVAL_PIECE_MACS: u64 = 5_000_000_000;
const INIT_STREAM: u64 = 0x5851_f42d_4c95_7f2d;
const EVAL_STREAM: u64 = 0x1405_7b7e_f767_814f;

/// The AE vs VAE trainer.
pub struct VaeTrainer {
    config: VaeConfig,
    device: Device,
    split: Arc<Split>,
    train_x: Tensor,
    test_x: Tensor,
    ae: Autoencoder,
    vae: Vae,
    opt_ae: Optimizer,
    opt_vae: Optimizer,
    /// The training generator (minibatches and noise), saved with a run ([`train_rng`]).
    rng: TrainRng,
    steps: u64,
    last: TrainTerms,
    eval: Option<VaeEval>,
    eval_due: bool,
    last_eval_at: Option<Instant>,
    prior_z: Vec<f32>,
    scatter_labels: Arc<Vec<u8>>,
    scatter_images: Arc<Vec<f32>>,
    history: VaeHistory,
    /// Buffers of the fast path, built on its first step.
    native: Option<NativeVae>,
    /// The fast path or candle's autodiff (see [`Self::set_path`]).
    path: Path,
    /// Which models a step trains (both in the lab; one alone for benchmarks).
    models: Models,
    /// Threads of the test set's log p(x) estimate.
    eval_threads: usize,
    /// Told (images done, images in all) as the log p(x) estimate goes (see
    /// [`VaeTrainer::set_log_px_progress`]).
    log_px_progress: Option<LogPxProgress>,
    /// Raised by the window's worker when a command waits: the test-set evaluation then stops
    /// (see [`VaeTrainer::build_snapshot`]). Never raised in headless runs.
    interrupt: Interrupt,
}

/// A report of how far the log p(x) estimate is: (test images done, test images in all).
pub type LogPxProgress = Arc<dyn Fn(usize, usize) + Send + Sync>;

pub use crate::fast::vae::Models;

fn images_tensor(set: &ImageSet, device: &Device) -> Result<Tensor, TrainError> {
    Ok(Tensor::from_slice(&set.pixels, (set.len(), set.dim()), device)?)
}

fn normal_tensor(rng: &mut StdRng, n: usize, k: usize, device: &Device) -> Result<Tensor, TrainError> {
    let v: Vec<f32> = (0..n * k).map(|_| StandardNormal.sample(rng)).collect();
    Ok(Tensor::from_vec(v, (n, k), device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// After thousands of steps on MNIST, where many pixels are blank in most images (their
    /// first-layer weights see a gradient of 0 for long stretches), no number of Adam's state
    /// is subnormal: the update sets tiny moments to 0 (`kernels::update`). Without that, some
    /// thousands of m's of rarely-inked pixels sink below 10⁻³⁸ within 3000 steps.
    #[test]
    fn optimizer_state_stays_out_of_the_subnormal_range() {
        let mut t = VaeTrainer::new(VaeConfig { seed: 4, ..VaeConfig::default() }).unwrap();
        assert_eq!(t.config.data, ImageSource::Mnist5k);
        t.set_models(Models::Vae);
        for step in 1..=3000 {
            t.step().unwrap();
            if step % 500 == 0 {
                let (subnormal, total) = t.subnormal_optimizer_state();
                assert!(total > 400_000, "both moments of the VAE's {total} numbers");
                assert_eq!(subnormal, 0, "step {step}: {subnormal} of {total} subnormal");
            }
        }
    }

    /// The log p(x) estimate is the same on one thread and on three (each image's estimate
    /// depends only on its own noise; the sums are formed in chunk order).
    #[test]
    fn log_px_estimate_does_not_depend_on_threads() {
        let config = VaeConfig { data: ImageSource::Digits, iw_samples: 50, iw_images: 200, ..VaeConfig::default() };
        let mut t = VaeTrainer::new(config).unwrap();
        for _ in 0..50 {
            t.step().unwrap();
        }
        let one = t.estimate_log_px().unwrap();
        t.set_eval_threads(3);
        let three = t.estimate_log_px().unwrap();
        assert_eq!(one, three);
        assert_eq!(one.2, 200);
        assert!(one.0 > one.1, "log p̂ {} above the ELBO {} on the same samples", one.0, one.1);
    }

    /// Issue 13, defect 2: the models' memory is estimated from the image size before any
    /// weight exists; 512×512 images (which aborted the process) are refused with the size and
    /// the budget, 256×256 and MNIST are not.
    #[test]
    fn models_over_the_memory_budget_are_refused_before_allocation() {
        let tiny = VaeConfig { hidden: 8, layers: 1, latent_dim: 2, ..VaeConfig::default() };
        // Encoders 4→8→4 and 4→8→2, two decoders 2→8→4: 76 + 58 + 2·60 weights and biases.
        assert_eq!(tiny.model_bytes(4), 254 * 4 * MEMORY_COPIES);
        let config = VaeConfig::default();
        assert!(config.check_memory(28 * 28).is_ok());
        assert!(config.check_memory(256 * 256).is_ok(), "{:?}", config.model_bytes(256 * 256));
        let err = config.check_memory(512 * 512).unwrap_err().to_string();
        assert!(err.contains("262144 pixels") && err.contains("6.0 GiB") && err.contains("budget of 2 GiB"), "{err}");
        // Through the trainer, on two 512×512 images: refused, and nothing the size of the
        // models was allocated (the test would take gigabytes otherwise).
        let image = |n: usize| ImageSet {
            name: "big".to_owned(),
            width: 512,
            height: 512,
            pixels: vec![0.5; n * 512 * 512],
            labels: vec![0; n],
        };
        let split = Arc::new(Split { train: image(2), test: image(1) });
        let err = VaeTrainer::with_split(config, split).err().expect("refused").to_string();
        assert!(err.contains("budget"), "{err}");
    }

    /// The log p(x) estimate reports its progress: counts that never go down and stay within
    /// the images, from 0, ending with (n, n), on one thread and on three; and none once the
    /// report is removed.
    #[test]
    fn log_px_estimate_reports_its_progress() {
        use std::sync::Mutex;
        let config = VaeConfig { data: ImageSource::Digits, iw_samples: 500, iw_images: 200, ..VaeConfig::default() };
        let mut t = VaeTrainer::new(config).unwrap();
        for threads in [1, 3] {
            t.set_eval_threads(threads);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&seen);
            t.set_log_px_progress(Some(Arc::new(move |done, all| sink.lock().unwrap().push((done, all)))));
            let (_, _, n) = t.estimate_log_px().unwrap();
            let seen = seen.lock().unwrap().clone();
            assert_eq!(n, 200);
            assert!(seen.len() >= 3, "{threads} threads: {seen:?}");
            assert_eq!(seen.last(), Some(&(200, 200)), "{seen:?}");
            assert!(seen.iter().any(|&(done, _)| done == 0), "{seen:?}");
            assert!(seen.iter().all(|&(done, all)| all == 200 && done <= 200), "{seen:?}");
            if threads == 1 {
                assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            }
        }
        let seen = Arc::new(Mutex::new(0));
        let sink = Arc::clone(&seen);
        t.set_log_px_progress(Some(Arc::new(move |_, _| *sink.lock().unwrap() += 1)));
        t.set_log_px_progress(None);
        t.estimate_log_px().unwrap();
        assert_eq!(*seen.lock().unwrap(), 0);
    }

    /// The fast path's gradients are candle's, on the same minibatch and the same ε, for
    /// both likelihoods, one or several samples of z, and every activation.
    #[test]
    fn fast_gradients_are_candles() {
        // The UCI digits are half zeros (their first layer goes to gemm); MNIST's are four
        // fifths zeros (its first layer skips them: `model::sparse`).
        let cases = [
            (ImageSource::Digits, Likelihood::Bernoulli, 1, Activation::Relu, 1, Models::Both, 0.7),
            (ImageSource::Digits, Likelihood::Bernoulli, 3, Activation::Tanh, 3, Models::Both, 1.0),
            (ImageSource::Digits, Likelihood::Gaussian { sigma: 0.2 }, 2, Activation::LeakyRelu, 2, Models::Both, 0.0),
            (ImageSource::Digits, Likelihood::Bernoulli, 2, Activation::Relu, 2, Models::Vae, 2.5),
            (ImageSource::Digits, Likelihood::Bernoulli, 1, Activation::LeakyRelu, 2, Models::Ae, 1.0),
            (ImageSource::Mnist5k, Likelihood::Bernoulli, 1, Activation::Relu, 1, Models::Both, 0.7),
            (ImageSource::Mnist5k, Likelihood::Gaussian { sigma: 0.3 }, 2, Activation::LeakyRelu, 2, Models::Both, 4.0),
            (ImageSource::Mnist5k, Likelihood::Bernoulli, 1, Activation::Relu, 1, Models::Ae, 1.0),
        ];
        for (data, likelihood, mc_samples, activation, parts, models, beta) in cases {
            let config = VaeConfig {
                data: data.clone(),
                // A whole tile of the sparse kernel and a tail (`kernels::sparse`).
                hidden: 72,
                latent_dim: 3,
                batch: 16,
                beta,
                likelihood,
                mc_samples,
                activation,
                ..VaeConfig::default()
            };
            let mut t = VaeTrainer::new(config).unwrap();
            t.set_compute_threads(parts);
            t.set_models(models);
            t.rng = train_rng::seeded(11);
            let fast = t.fast_gradients(false).unwrap().0;
            let (fast_vae, fast_ae) = t.native.as_ref().unwrap().gradients();
            // The parts' gradients add up to the batch's.
            let sum = |parts: &[Vec<&[f32]>]| -> Vec<Vec<f32>> {
                (0..parts.first().map_or(0, Vec::len))
                    .map(|i| {
                        let mut g = parts[0][i].to_vec();
                        for p in &parts[1..] {
                            g.iter_mut().zip(p[i]).for_each(|(a, b)| *a += b);
                        }
                        g
                    })
                    .collect()
            };
            let (fast_vae, fast_ae) = (sum(&fast_vae), sum(&fast_ae));
            t.rng = train_rng::seeded(11);
            let (vae, ae, reference) = t.candle_gradients().unwrap();
            let case = format!(
                "{}, {likelihood:?}, L = {mc_samples}, {activation:?}, {parts} part(s), {models:?}, β = {beta}",
                data.label()
            );
            assert_eq!(fast.ae_recon == 0.0, models == Models::Vae, "{case}");
            assert_eq!(fast.vae_recon == 0.0, models == Models::Ae, "{case}");
            assert_eq!((vae.is_some(), ae.is_some()), (models.vae(), models.ae()), "{case}: the models that stepped");
            for (a, b, what) in [
                (fast.vae_recon, reference.vae_recon, "recon"),
                (fast.vae_kl, reference.vae_kl, "KL"),
                (fast.ae_recon, reference.ae_recon, "AE recon"),
            ] {
                assert!((a - b).abs() < 1e-4 * (1.0 + b.abs()), "{case}: {what} {a} vs {b}");
            }
            for (grads, store, vars, model) in
                [(&fast_vae, vae.as_ref(), t.vae.vars(), "VAE"), (&fast_ae, ae.as_ref(), t.ae.vars(), "AE")]
            {
                let Some(store) = store else {
                    continue;
                };
                assert_eq!(grads.len(), vars.len());
                for (i, (g, var)) in grads.iter().zip(&vars).enumerate() {
                    let want = flat(store.get(var.as_tensor()).unwrap());
                    let scale = want.iter().fold(1.0f32, |m, x| m.max(x.abs()));
                    let worst = g.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
                    assert!(worst < 1e-4 * scale, "{case}: {model} variable {i} differs by {worst} (scale {scale})");
                }
            }
        }
    }
}
