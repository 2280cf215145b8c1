//! The AE vs VAE lab: an autoencoder and a variational autoencoder of the same shape train
//! side by side on the same minibatches of real images (sheet tasks 1 and 2).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};

use super::series::Series;
use super::worker::Lab;
use super::{check_range as check, TrainError};
use crate::data::images::{self, ImageSet, Split};
use crate::data::DataError;
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

/// MNIST-5k, bundled (see assets/ATTRIBUTION.md).
const MNIST5K_GZ: &[u8] = include_bytes!("../../assets/mnist_5k.csv.gz");
/// The UCI 8×8 digits, bundled.
const DIGITS_GZ: &[u8] = include_bytes!("../../assets/digits.csv.gz");
/// Seed of the fixed train/test split of the CSV sets (the same for every run seed, so test
/// numbers of different runs compare).
pub const SPLIT_SEED: u64 = 0;

/// Where the images come from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImageSource {
    /// 5000 MNIST digits, 28×28, bundled.
    Mnist5k,
    /// 1797 UCI digits, 8×8, bundled.
    Digits,
    /// A folder of MNIST-format IDX files (train and t10k, gzipped or not).
    Idx(PathBuf),
}

impl ImageSource {
    /// Parses `mnist5k`, `digits` or `idx:DIR`.
    pub fn parse(spec: &str) -> Result<Self, DataError> {
        match spec.trim() {
            "mnist5k" => Ok(Self::Mnist5k),
            "digits" => Ok(Self::Digits),
            s if s.starts_with("idx:") => Ok(Self::Idx(PathBuf::from(&s[4..]))),
            s => Err(DataError::UnknownDataset { name: s.to_owned(), expected: "mnist5k, digits, idx:DIR" }),
        }
    }

    /// A name for titles.
    pub fn label(&self) -> String {
        match self {
            Self::Mnist5k => "MNIST-5k (28×28)".to_owned(),
            Self::Digits => "UCI digits (8×8)".to_owned(),
            Self::Idx(dir) => format!("IDX folder {}", dir.display()),
        }
    }

    /// Loads the images with the fixed split; an IDX folder keeps its own train/test files.
    pub fn load(&self) -> Result<Split, DataError> {
        match self {
            Self::Mnist5k => Ok(images::split(&images::mnist5k_from_bytes(MNIST5K_GZ)?, SPLIT_SEED)),
            Self::Digits => Ok(images::split(&images::digits_from_bytes(DIGITS_GZ)?, SPLIT_SEED)),
            Self::Idx(dir) => images::load_idx_dir(dir),
        }
    }
}

/// Every setting of the AE vs VAE lab.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VaeConfig {
    /// The images.
    pub data: ImageSource,
    /// Latent dimension K (1–32).
    pub latent_dim: usize,
    /// Hidden width of encoders and decoders.
    pub hidden: usize,
    /// Hidden layers of encoders and decoders (1–4).
    pub layers: usize,
    /// Non-linearity.
    pub activation: Activation,
    /// log p(x|z).
    pub likelihood: Likelihood,
    /// Weight β of the KL term (0 drops it: task 1.4; 1 is the ELBO).
    pub beta: f64,
    /// Monte-Carlo samples L of z per input.
    pub mc_samples: usize,
    /// Adam's learning rate, for both models.
    pub lr: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Seed of weights, minibatches and noise.
    pub seed: u64,
    /// Samples k of the importance-weighted estimate of log p(x).
    pub iw_samples: usize,
    /// Test images the importance-weighted estimate averages over.
    pub iw_images: usize,
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            data: ImageSource::Mnist5k,
            latent_dim: 2,
            hidden: 256,
            layers: 2,
            activation: Activation::Relu,
            likelihood: Likelihood::Bernoulli,
            beta: 1.0,
            mc_samples: 1,
            lr: 1e-3,
            batch: 128,
            seed: 0,
            iw_samples: 50,
            iw_images: 100,
        }
    }
}

/// Ranges of the settings, shared by the sliders and the validation.
pub mod limits {
    use std::ops::RangeInclusive;
    /// Latent dimension.
    pub const LATENT: RangeInclusive<usize> = 1..=32;
    /// Hidden width.
    pub const HIDDEN: RangeInclusive<usize> = 8..=1024;
    /// Hidden layers.
    pub const LAYERS: RangeInclusive<usize> = 1..=4;
    /// KL weight.
    pub const BETA: RangeInclusive<f64> = 0.0..=4.0;
    /// Monte-Carlo samples per input.
    pub const MC_SAMPLES: RangeInclusive<usize> = 1..=64;
    /// Batch size.
    pub const BATCH: RangeInclusive<usize> = 1..=4096;
    /// Importance samples.
    pub const IW_SAMPLES: RangeInclusive<usize> = 1..=5000;
}

impl VaeConfig {
    /// Checks every setting, naming the first out of range.
    pub fn validate(&self) -> Result<(), TrainError> {
        check("latent dimension", self.latent_dim, limits::LATENT)?;
        check("hidden width", self.hidden, limits::HIDDEN)?;
        check("hidden layers", self.layers, limits::LAYERS)?;
        check("Monte-Carlo samples", self.mc_samples, limits::MC_SAMPLES)?;
        check("batch size", self.batch, limits::BATCH)?;
        check("importance samples", self.iw_samples, limits::IW_SAMPLES)?;
        if self.iw_images == 0 {
            return Err(TrainError::Invalid(
                "the importance-weighted estimate needs at least one test image".to_owned(),
            ));
        }
        if !(self.beta.is_finite() && limits::BETA.contains(&self.beta)) {
            return Err(TrainError::Invalid(format!("β must be in [0, 4], got {}", self.beta)));
        }
        OptimizerConfig::adam(self.lr).validate().map_err(TrainError::Invalid)?;
        if let Likelihood::Gaussian { sigma } = self.likelihood {
            if !(sigma.is_finite() && sigma > 0.0) {
                return Err(TrainError::Invalid(format!("the Gaussian likelihood's σ must be positive, got {sigma}")));
            }
        }
        Ok(())
    }

    fn shape(&self, input: usize) -> AeShape {
        AeShape {
            input,
            hidden: self.hidden,
            layers: self.layers,
            latent: self.latent_dim,
            activation: self.activation,
        }
    }

    /// Whether going from `self` to `other` needs new models (a fresh run).
    pub fn needs_restart(&self, other: &Self) -> bool {
        self.data != other.data
            || self.seed != other.seed
            || self.latent_dim != other.latent_dim
            || self.hidden != other.hidden
            || self.layers != other.layers
            || self.activation != other.activation
    }
}

/// Minibatch terms of the last step, in nats per image.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TrainTerms {
    /// VAE reconstruction term E_q[−log p(x|z)].
    pub vae_recon: f64,
    /// VAE KL(q(z|x) ‖ p(z)).
    pub vae_kl: f64,
    /// The AE's reconstruction loss −log p(x | g(x)).
    pub ae_recon: f64,
    /// The β the step used.
    pub beta: f64,
}

/// Test-set numbers, in nats per image.
#[derive(Clone, Debug, PartialEq)]
pub struct VaeEval {
    /// Generator steps at which this was measured.
    pub step: u64,
    /// VAE reconstruction term on the test set (one sample of z per image).
    pub vae_test_recon: f64,
    /// VAE KL term on the test set.
    pub vae_test_kl: f64,
    /// Test ELBO = −(recon + KL) (β does not enter it).
    pub vae_test_elbo: f64,
    /// The AE's reconstruction loss on the test set.
    pub ae_test_recon: f64,
    /// Importance-weighted log p(x) on the first `iw_images` test images.
    pub log_px_iw: f64,
    /// The ELBO on the same images (one sample), for the gap.
    pub elbo_iw_images: f64,
    /// k of the importance-weighted estimate.
    pub iw_samples: usize,
    /// Images it averaged over.
    pub iw_images: usize,
    /// Prior samples decoded by the VAE, measured against the training set.
    pub vae_prior: PriorSampleReport,
    /// Prior samples decoded by the AE, measured against the training set.
    pub ae_prior: PriorSampleReport,
}

impl VaeEval {
    /// log p̂(x) − ELBO on the same images: an estimate of KL(q(z|x) ‖ p(z|x)) ≥ 0 (task 2.1).
    pub fn gap(&self) -> f64 {
        self.log_px_iw - self.elbo_iw_images
    }
}

/// Curves of the lab.
#[derive(Clone, Debug, Default)]
pub struct VaeHistory {
    /// VAE reconstruction term, training minibatches.
    pub train_recon: Series,
    /// VAE KL term, training minibatches.
    pub train_kl: Series,
    /// −ELBO on training minibatches.
    pub train_neg_elbo: Series,
    /// AE reconstruction loss, training minibatches.
    pub ae_train_recon: Series,
    /// VAE reconstruction term, test set.
    pub test_recon: Series,
    /// VAE KL term, test set.
    pub test_kl: Series,
    /// −ELBO, test set.
    pub test_neg_elbo: Series,
    /// AE reconstruction loss, test set.
    pub ae_test_recon: Series,
    /// −log p̂(x), importance weighted.
    pub test_neg_log_px: Series,
    /// log p̂(x) − ELBO.
    pub gap: Series,
}

/// A model's latent codes of the test points, and how they are drawn in 2-D.
#[derive(Clone, Debug, Default)]
pub struct LatentView {
    /// Codes, n × K (the VAE's means μ; the AE's z).
    pub codes: Vec<f32>,
    /// log σ² per code (VAE only; empty for the AE).
    pub logvar: Vec<f32>,
    /// The 2-D points drawn (K = 2: the codes; K = 1: (z, label); K > 2: PCA).
    pub points: Vec<[f32; 2]>,
    /// The PCA projection used when K > 2.
    pub projection: Option<Projection2>,
}

impl LatentView {
    /// The latent vector (length K) drawn at plot position `p`, or None for K = 1 (where the
    /// vertical axis is the label).
    pub fn latent_at(&self, p: [f32; 2], k: usize) -> Vec<f32> {
        match (k, &self.projection) {
            (1, _) => vec![p[0]],
            (2, _) => vec![p[0], p[1]],
            (_, Some(proj)) => proj.unproject(p),
            (_, None) => {
                let mut z = vec![0.0; k];
                z[0] = p[0];
                z[1] = p[1];
                z
            }
        }
    }

    /// Where latent vector `z` is drawn.
    pub fn plot_of(&self, z: &[f32], k: usize) -> [f32; 2] {
        match (k, &self.projection) {
            (1, _) => [z.first().copied().unwrap_or(0.0), 0.0],
            (2, _) => [z[0], z[1]],
            (_, Some(proj)) => proj.project(z),
            (_, None) => [z[0], z[1]],
        }
    }
}

/// What the AE vs VAE panels draw.
#[derive(Clone, Debug)]
pub struct VaeSnapshot {
    /// Steps done.
    pub steps: u64,
    /// The settings in force.
    pub config: VaeConfig,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Labels of the test points drawn.
    pub labels: Arc<Vec<u8>>,
    /// The AE's latent codes.
    pub ae_latents: LatentView,
    /// The VAE's latent codes.
    pub vae_latents: LatentView,
    /// The AE's decoder, frozen, for decoding under the mouse (outputs logits).
    pub ae_decoder: Arc<FrozenMlp>,
    /// The VAE's decoder, frozen.
    pub vae_decoder: Arc<FrozenMlp>,
    /// Coordinates of the manifold grid (each axis).
    pub grid_coords: Vec<f32>,
    /// 15×15 decodings by the AE, row-major from the top row (largest z₂), each `width×height`.
    pub ae_manifold: Vec<f32>,
    /// The same for the VAE.
    pub vae_manifold: Vec<f32>,
    /// 64 decodings of z ~ N(0, I) by the AE (the same z for both models).
    pub ae_prior: Vec<f32>,
    /// The same z decoded by the VAE.
    pub vae_prior: Vec<f32>,
    /// Fixed test images.
    pub originals: Vec<f32>,
    /// Their AE reconstructions.
    pub ae_recons: Vec<f32>,
    /// Their VAE reconstructions (decoding the posterior mean).
    pub vae_recons: Vec<f32>,
    /// The test images whose codes are drawn (for the posterior panel), `width×height` each.
    pub test_images: Arc<Vec<f32>>,
    /// Last minibatch terms.
    pub last: TrainTerms,
    /// Last test evaluation.
    pub eval: Option<VaeEval>,
    /// Curves.
    pub history: VaeHistory,
}

/// A command to the AE vs VAE trainer.
#[derive(Clone, Debug)]
pub enum VaeCommand {
    /// One training step of both models.
    Step,
    /// New settings.
    SetConfig(Box<VaeConfig>),
    /// Measure the test set now (at the next snapshot).
    EvaluateNow,
}

/// Side of the manifold grid.
pub const GRID_SIDE: usize = 15;
/// Prior samples per model.
pub const PRIOR_SAMPLES: usize = 64;
/// Reconstructed test images.
pub const RECON_IMAGES: usize = 8;
/// Test points drawn on the latent scatter at most.
pub const SCATTER_POINTS: usize = 2000;
/// Time between test evaluations while the window trains.
const EVAL_INTERVAL: Duration = Duration::from_secs(5);
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
    rng: StdRng,
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
    /// Train through candle's autodiff (the reference the fast path is tested against).
    /// The fast path or candle's autodiff (see [`Self::set_path`]).
    path: Path,
    /// Which models a step trains (both in the lab; one alone for benchmarks).
    models: Models,
    /// Threads of the test set's log p(x) estimate.
    eval_threads: usize,
}

pub use crate::fast::vae::Models;

fn images_tensor(set: &ImageSet, device: &Device) -> Result<Tensor, TrainError> {
    Ok(Tensor::from_slice(&set.pixels, (set.len(), set.dim()), device)?)
}

impl VaeTrainer {
    /// Loads the data and builds a fresh run.
    pub fn new(config: VaeConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let split = config.data.load()?;
        Self::with_split(config, Arc::new(split))
    }

    /// Builds a fresh run on data already loaded.
    pub fn with_split(config: VaeConfig, split: Arc<Split>) -> Result<Self, TrainError> {
        config.validate()?;
        if split.train.is_empty() || split.test.is_empty() {
            return Err(TrainError::Invalid("the data set needs both training and test images".to_owned()));
        }
        let device = Device::Cpu;
        let dim = split.train.dim();
        let mut init = StdRng::seed_from_u64(config.seed ^ INIT_STREAM);
        let ae = Autoencoder::new(config.shape(dim), &mut init, &device)?;
        let vae = Vae::new(config.shape(dim), &mut init, &device)?;
        let adam = OptimizerConfig::adam(config.lr);
        let opt_ae = Optimizer::new(ae.vars(), adam);
        let opt_vae = Optimizer::new(vae.vars(), adam);
        let mut eval_rng = StdRng::seed_from_u64(config.seed ^ EVAL_STREAM);
        let prior_z = (0..PRIOR_SAMPLES * config.latent_dim).map(|_| StandardNormal.sample(&mut eval_rng)).collect();
        let shown = split.test.len().min(SCATTER_POINTS);
        let shown_set = split.test.subset(&(0..shown).collect::<Vec<_>>());
        Ok(Self {
            train_x: images_tensor(&split.train, &device)?,
            test_x: images_tensor(&split.test, &device)?,
            scatter_labels: Arc::new(shown_set.labels.clone()),
            scatter_images: Arc::new(shown_set.pixels),
            rng: StdRng::seed_from_u64(config.seed),
            config,
            device,
            split,
            ae,
            vae,
            opt_ae,
            opt_vae,
            steps: 0,
            last: TrainTerms::default(),
            eval: None,
            eval_due: true,
            last_eval_at: None,
            prior_z,
            history: VaeHistory::default(),
            native: None,
            path: Path::Fast,
            models: Models::Both,
            eval_threads: 1,
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    /// The data.
    pub fn split(&self) -> &Arc<Split> {
        &self.split
    }

    /// Steps done.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The autoencoder.
    pub fn ae(&self) -> &Autoencoder {
        &self.ae
    }

    /// The VAE.
    pub fn vae(&self) -> &Vae {
        &self.vae
    }

    /// The last minibatch terms.
    pub fn last(&self) -> TrainTerms {
        self.last
    }

    /// The curves.
    pub fn history(&self) -> &VaeHistory {
        &self.history
    }

    /// Applies new settings: data, seed and shapes restart the run, the rest applies live.
    pub fn set_config(&mut self, config: VaeConfig) -> Result<(), TrainError> {
        config.validate()?;
        if self.config.data != config.data {
            *self = Self::new(config)?;
        } else if self.config.needs_restart(&config) {
            *self = Self::with_split(config, Arc::clone(&self.split))?;
        } else {
            let adam = OptimizerConfig::adam(config.lr);
            self.opt_ae.set_config(adam);
            self.opt_vae.set_config(adam);
            if config.iw_samples != self.config.iw_samples || config.iw_images != self.config.iw_images {
                self.eval_due = true;
            }
            self.config = config;
        }
        Ok(())
    }

    fn normal(&mut self, n: usize) -> Result<Tensor, TrainError> {
        let v: Vec<f32> = (0..n * self.config.latent_dim).map(|_| StandardNormal.sample(&mut self.rng)).collect();
        Ok(Tensor::from_vec(v, (n, self.config.latent_dim), &self.device)?)
    }

    /// Trains through the fast path where it applies ([`Path::Fast`], the default) or
    /// through candle's autodiff ([`Path::Reference`]). Both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.path = path;
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::fast::set_threads`]); 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        let nat = self.native.get_or_insert_with(|| NativeVae::new(&self.ae, &self.vae));
        nat.threads = threads.max(1);
    }

    /// Which models [`Self::step`] trains: both in the lab; benchmarks time one alone.
    pub fn set_models(&mut self, models: Models) {
        self.models = models;
    }

    /// One step of both models on the same minibatch (drawn with replacement).
    pub fn step(&mut self) -> Result<TrainTerms, TrainError> {
        let last = if self.path == Path::Reference { self.candle_step()? } else { self.fast_step()? };
        self.steps += 1;
        for (what, v) in [
            ("the VAE's reconstruction term", last.vae_recon),
            ("the VAE's KL term", last.vae_kl),
            ("the AE's loss", last.ae_recon),
        ] {
            if let Some(why) = super::loss_blow_up(v) {
                return Err(TrainError::Diverged { step: self.steps, what: format!("{what} is {why}") });
            }
        }
        self.last = last;
        let s = self.steps as f64;
        let h = &mut self.history;
        h.train_recon.push(s, last.vae_recon);
        h.train_kl.push(s, last.vae_kl);
        h.train_neg_elbo.push(s, last.vae_recon + last.vae_kl);
        h.ae_train_recon.push(s, last.ae_recon);
        Ok(last)
    }

    /// Both models' step through candle's autodiff.
    fn candle_step(&mut self) -> Result<TrainTerms, TrainError> {
        let (vae, ae, terms) = self.candle_gradients()?;
        if let Some(grads) = vae {
            self.opt_vae.step(&grads)?;
        }
        if let Some(grads) = ae {
            self.opt_ae.step(&grads)?;
        }
        Ok(terms)
    }

    /// Both models' gradients on a fresh minibatch through candle's autodiff: (VAE's, AE's,
    /// the terms).
    fn candle_gradients(&mut self) -> Result<(Option<GradStore>, Option<GradStore>, TrainTerms), TrainError> {
        let n = self.split.train.len();
        let b = self.config.batch;
        let idx: Vec<u32> = (0..b).map(|_| self.rng.random_range(0..n) as u32).collect();
        let x = self.train_x.index_select(&Tensor::from_vec(idx, b, &self.device)?, 0)?;
        let eps = self.normal(b * self.config.mc_samples)?;
        let value = |t: &Tensor| -> Result<f64, TrainError> { Ok(f64::from(t.to_vec0::<f32>()?)) };
        let mut terms = TrainTerms { beta: self.config.beta, ..TrainTerms::default() };
        let mut vae = None;
        if self.models.vae() {
            let t = self.vae.terms(&x, &eps, self.config.likelihood, self.config.beta)?;
            (terms.vae_recon, terms.vae_kl) = (value(&t.recon)?, value(&t.kl)?);
            vae = Some(t.loss.backward()?);
        }
        let mut ae = None;
        if self.models.ae() {
            let loss = self.ae.recon(&x, self.config.likelihood)?.mean_all()?;
            terms.ae_recon = value(&loss)?;
            ae = Some(loss.backward()?);
        }
        Ok((vae, ae, terms))
    }

    /// Both models' step on the fast path.
    fn fast_step(&mut self) -> Result<TrainTerms, TrainError> {
        let (terms, applied) = self.fast_gradients(true)?;
        if applied {
            return Ok(terms);
        }
        let nat = self.native.as_ref().expect("built by fast_gradients");
        let (vae, ae) = nat.gradients();
        if self.models.vae() {
            self.opt_vae.step_parts(&vae)?;
        }
        if self.models.ae() {
            self.opt_ae.step_parts(&ae)?;
        }
        Ok(terms)
    }

    /// Both models' gradients on a fresh minibatch, left in the fast path's buffers: the
    /// same draws, terms and gradients as [`Vae::terms`] and [`Autoencoder::recon`] give
    /// through candle, written out (see [`crate::fast::vae`]). With `update`, a model that has a
    /// thread of its own is also updated there; the flag says whether that happened.
    fn fast_gradients(&mut self, update: bool) -> Result<(TrainTerms, bool), TrainError> {
        let nat = self.native.get_or_insert_with(|| NativeVae::new(&self.ae, &self.vae));
        let (b, k, samples) = (self.config.batch, self.config.latent_dim, self.config.mc_samples);
        let (lik, beta) = (self.config.likelihood, self.config.beta as f32);
        let train = &self.split.train;
        let d = train.dim();
        // The same draws in the same order as the candle path: indices, then ε.
        nat.x.clear();
        for _ in 0..b {
            let i = self.rng.random_range(0..train.len());
            nat.x.extend_from_slice(&train.pixels[i * d..(i + 1) * d]);
        }
        nat.eps.clear();
        nat.eps.extend((0..samples * b * k).map(|_| -> f32 { StandardNormal.sample(&mut self.rng) }));

        let optimizers = update.then_some((&mut self.opt_vae, &mut self.opt_ae));
        let step = VaeStep { models: self.models, likelihood: lik, beta, batch: b, latent: k, samples };
        let ((vae_recon, vae_kl, ae_recon), applied) =
            nat.gradients_of_batch(&self.ae, &self.vae, &step, optimizers)?;
        Ok((TrainTerms { vae_recon, vae_kl, ae_recon, beta: self.config.beta }, applied))
    }

    /// Measures the test set: ELBO terms, the AE's reconstruction, the importance-weighted
    /// log p(x) with the configured k, and the prior samples of both models. Records curves.
    pub fn evaluate(&mut self) -> Result<VaeEval, TrainError> {
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ EVAL_STREAM ^ self.steps);
        let lik = self.config.likelihood;
        let n_test = self.split.test.len();
        let k = self.config.latent_dim;
        // ELBO terms on the whole test set, in chunks, one sample of z per image.
        let (mut recon_sum, mut kl_sum, mut ae_sum) = (0.0, 0.0, 0.0);
        for start in (0..n_test).step_by(512) {
            let len = 512.min(n_test - start);
            let x = self.test_x.narrow(0, start, len)?;
            let eps = normal_tensor(&mut rng, len, k, &self.device)?;
            let t = self.vae.terms(&x, &eps, lik, 1.0)?;
            recon_sum += f64::from(t.recon.to_vec0::<f32>()?) * len as f64;
            kl_sum += f64::from(t.kl.to_vec0::<f32>()?) * len as f64;
            ae_sum += f64::from(self.ae.recon(&x, lik)?.sum_all()?.to_vec0::<f32>()?);
        }
        let (recon, kl) = (recon_sum / n_test as f64, kl_sum / n_test as f64);
        let (log_px_iw, elbo_iw_images, iw_images) = self.log_px_iw(&mut rng)?;
        let eval = VaeEval {
            step: self.steps,
            vae_test_recon: recon,
            vae_test_kl: kl,
            vae_test_elbo: -(recon + kl),
            ae_test_recon: ae_sum / n_test as f64,
            log_px_iw,
            elbo_iw_images,
            iw_samples: self.config.iw_samples,
            iw_images,
            vae_prior: self.prior_report(false)?,
            ae_prior: self.prior_report(true)?,
        };
        let s = self.steps as f64;
        let h = &mut self.history;
        h.test_recon.push(s, eval.vae_test_recon);
        h.test_kl.push(s, eval.vae_test_kl);
        h.test_neg_elbo.push(s, -eval.vae_test_elbo);
        h.ae_test_recon.push(s, eval.ae_test_recon);
        h.test_neg_log_px.push(s, -eval.log_px_iw);
        h.gap.push(s, eval.gap());
        self.eval = Some(eval.clone());
        self.eval_due = false;
        self.last_eval_at = Some(Instant::now());
        Ok(eval)
    }

    /// Importance-weighted log p(x) (k = `iw_samples`) and the one-sample ELBO, averaged over
    /// the first `iw_images` test images, on the fast path: the images are cut into chunks of
    /// at most 16 384 decoded rows, whose noise is drawn in order from `rng`; the chunks are
    /// shared out among [`Self::set_eval_threads`] threads, each with its own passes. Every
    /// image's estimate depends only on its own noise, so the result does not depend on the
    /// number of threads.
    fn log_px_iw(&self, rng: &mut StdRng) -> Result<(f64, f64, usize), TrainError> {
        let n = self.config.iw_images.min(self.split.test.len());
        let samples = self.config.iw_samples;
        let kdim = self.config.latent_dim;
        let d = self.split.test.dim();
        let chunk = (16_384 / samples).clamp(1, n.max(1));
        let chunks: Vec<(usize, usize, Vec<f32>)> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let len = chunk.min(n - start);
                let eps = (0..samples * len * kdim).map(|_| -> f32 { StandardNormal.sample(&mut *rng) }).collect();
                (start, len, eps)
            })
            .collect();
        let threads = self.eval_threads.clamp(1, chunks.len().max(1));
        let per_thread = chunks.len().div_ceil(threads);
        let pixels = &self.split.test.pixels;
        let lik = self.config.likelihood;
        // Each chunk's (Σ log p̂, Σ ELBO) over its images.
        let run = |chunks: &[(usize, usize, Vec<f32>)]| -> Result<Vec<(f64, f64)>, TrainError> {
            let mut nets = VaeNets::new(&self.vae)?;
            chunks
                .iter()
                .map(|(start, len, eps)| {
                    let x = &pixels[start * d..(start + len) * d];
                    let lw = self.vae.log_weights_fast(&mut nets, x, *len, eps, lik)?;
                    let (mut iw, mut elbo) = (0.0, 0.0);
                    let mut column = vec![0.0; samples];
                    for i in 0..*len {
                        column.iter_mut().enumerate().for_each(|(s, c)| *c = lw[s * len + i]);
                        iw += importance_weighted_log_px(&column);
                        elbo += column.iter().sum::<f64>() / samples as f64;
                    }
                    Ok((iw, elbo))
                })
                .collect()
        };
        let sums: Vec<(f64, f64)> = if threads == 1 {
            run(&chunks)?
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks.chunks(per_thread).map(|c| scope.spawn(move || run(c))).collect();
                let mut all = Vec::with_capacity(chunks.len());
                for h in handles {
                    all.extend(
                        h.join()
                            .map_err(|_| TrainError::Invalid("a thread of the log p(x) estimate panicked".into()))??,
                    );
                }
                Ok::<_, TrainError>(all)
            })?
        };
        // Summed in chunk order whatever the threads.
        let (iw_sum, elbo_sum) = sums.iter().fold((0.0, 0.0), |(a, b), (c, e)| (a + c, b + e));
        Ok((iw_sum / n as f64, elbo_sum / n as f64, n))
    }

    /// The importance-weighted log p(x) estimate of [`Self::evaluate`] alone (log p̂, the
    /// ELBO on the same images, and their number), with the evaluation's noise of this step.
    pub fn estimate_log_px(&self) -> Result<(f64, f64, usize), TrainError> {
        self.log_px_iw(&mut StdRng::seed_from_u64(self.config.seed ^ EVAL_STREAM ^ self.steps))
    }

    /// Subnormal numbers in both optimisers' state, and the state's size (see
    /// [`crate::fast::kernels::update`]: the first must stay 0).
    pub fn subnormal_optimizer_state(&self) -> (usize, usize) {
        let (a, b) = (self.opt_vae.subnormal_state(), self.opt_ae.subnormal_state());
        (a.0 + b.0, a.1 + b.1)
    }

    /// Threads for the test set's log p(x) estimate (the window keeps 1, leaving a core to the
    /// UI; headless runs use every core).
    pub fn set_eval_threads(&mut self, threads: usize) {
        self.eval_threads = threads.max(1);
    }

    fn decode_means(&self, decoder: &crate::model::mlp::Mlp, z: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        let z = Tensor::from_slice(z, (n, self.config.latent_dim), &self.device)?;
        let logits = decoder.forward(&z)?;
        Ok(candle_nn::ops::sigmoid(&logits)?.flatten_all()?.to_vec1::<f32>()?)
    }

    fn prior_report(&self, ae: bool) -> Result<PriorSampleReport, TrainError> {
        let decoder = if ae { &self.ae.decoder } else { &self.vae.decoder };
        let decoded = self.decode_means(decoder, &self.prior_z, PRIOR_SAMPLES)?;
        Ok(prior_sample_report(&decoded, &self.split.train.pixels, &self.split.train.labels, self.split.train.dim()))
    }

    /// Latent codes of the test points drawn on the scatter.
    pub fn latents(&self) -> Result<(LatentView, LatentView), TrainError> {
        let n = self.scatter_labels.len();
        let x = self.test_x.narrow(0, 0, n)?;
        let k = self.config.latent_dim;
        let ae_codes = self.ae.encoder.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
        let (mu, logvar) = self.vae.encode(&x)?;
        let vae_codes = mu.flatten_all()?.to_vec1::<f32>()?;
        let logvar = logvar.flatten_all()?.to_vec1::<f32>()?;
        let view = |codes: Vec<f32>, logvar: Vec<f32>| {
            let projection = if k > 2 { pca2(&codes, k) } else { None };
            let mut v = LatentView { codes, logvar, points: Vec::new(), projection };
            v.points = v
                .codes
                .chunks_exact(k)
                .zip(self.scatter_labels.iter())
                .map(|(z, label)| if k == 1 { [z[0], f32::from(*label)] } else { v.plot_of(z, k) })
                .collect();
            v
        };
        Ok((view(ae_codes, Vec::new()), view(vae_codes, logvar)))
    }

    /// The latent points of the manifold grid for one model: Φ⁻¹ quantiles in the plot plane,
    /// top row first (largest second coordinate).
    fn grid_latents(&self, view: &LatentView, coords: &[f32]) -> Vec<f32> {
        let k = self.config.latent_dim;
        let mut zs = Vec::with_capacity(coords.len() * coords.len() * k);
        for y in coords.iter().rev() {
            for x in coords {
                zs.extend(if k == 1 { vec![*x] } else { view.latent_at([*x, *y], k) });
            }
        }
        zs
    }

    /// Builds the panels' snapshot; measures the test set when due (every few seconds of
    /// play, or when asked).
    pub fn build_snapshot(&mut self) -> Result<VaeSnapshot, TrainError> {
        let stale = self.last_eval_at.is_none_or(|t| t.elapsed() >= EVAL_INTERVAL);
        if self.eval_due || (stale && self.eval.as_ref().is_none_or(|e| e.step != self.steps)) {
            self.evaluate()?;
        }
        let (ae_latents, vae_latents) = self.latents()?;
        let finite = |v: &LatentView| v.codes.iter().chain(&v.logvar).all(|x| x.is_finite());
        if !(finite(&ae_latents) && finite(&vae_latents)) {
            return Err(TrainError::Diverged {
                step: self.steps,
                what: "an encoder's weights became non-finite".to_owned(),
            });
        }
        let coords: Vec<f32> = manifold_grid_coords(GRID_SIDE).into_iter().map(|c| c as f32).collect();
        let k = self.config.latent_dim;
        let rows = if k == 1 { 1 } else { GRID_SIDE };
        let grid = |view: &LatentView| {
            let mut z = self.grid_latents(view, &coords);
            z.truncate(rows * GRID_SIDE * k);
            z
        };
        let (ae_grid, vae_grid) = (grid(&ae_latents), grid(&vae_latents));
        let n_recon = RECON_IMAGES.min(self.split.test.len());
        let originals = self.split.test.pixels[..n_recon * self.split.test.dim()].to_vec();
        let x = self.test_x.narrow(0, 0, n_recon)?;
        let ae_recons = candle_nn::ops::sigmoid(&self.ae.decoder.forward(&self.ae.encoder.forward(&x)?)?)?;
        let vae_recons = candle_nn::ops::sigmoid(&self.vae.decoder.forward(&self.vae.encode(&x)?.0)?)?;
        Ok(VaeSnapshot {
            steps: self.steps,
            config: self.config.clone(),
            width: self.split.test.width,
            height: self.split.test.height,
            labels: Arc::clone(&self.scatter_labels),
            ae_manifold: self.decode_means(&self.ae.decoder, &ae_grid, ae_grid.len() / k)?,
            vae_manifold: self.decode_means(&self.vae.decoder, &vae_grid, vae_grid.len() / k)?,
            ae_latents,
            vae_latents,
            ae_decoder: Arc::new(FrozenMlp::from_mlp(&self.ae.decoder)?),
            vae_decoder: Arc::new(FrozenMlp::from_mlp(&self.vae.decoder)?),
            grid_coords: coords,
            ae_prior: self.decode_means(&self.ae.decoder, &self.prior_z, PRIOR_SAMPLES)?,
            vae_prior: self.decode_means(&self.vae.decoder, &self.prior_z, PRIOR_SAMPLES)?,
            originals,
            ae_recons: ae_recons.flatten_all()?.to_vec1::<f32>()?,
            vae_recons: vae_recons.flatten_all()?.to_vec1::<f32>()?,
            test_images: Arc::clone(&self.scatter_images),
            last: self.last,
            eval: self.eval.clone(),
            history: self.history.clone(),
        })
    }

    /// Writes safetensors checkpoints of both models (`ae.safetensors`, `vae.safetensors`).
    pub fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        let save = |name: &str, enc: &crate::model::mlp::Mlp, dec: &crate::model::mlp::Mlp| {
            let mut all = enc.named_tensors("encoder");
            all.extend(dec.named_tensors("decoder"));
            let map: std::collections::HashMap<_, _> = all.into_iter().collect();
            let path = dir.join(name);
            candle_core::safetensors::save(&map, &path)
                .map_err(|e| TrainError::Io(format!("cannot write {}: {e}", path.display())))
        };
        save("ae.safetensors", &self.ae.encoder, &self.ae.decoder)?;
        save("vae.safetensors", &self.vae.encoder, &self.vae.decoder)
    }
}

fn normal_tensor(rng: &mut StdRng, n: usize, k: usize, device: &Device) -> Result<Tensor, TrainError> {
    let v: Vec<f32> = (0..n * k).map(|_| StandardNormal.sample(rng)).collect();
    Ok(Tensor::from_vec(v, (n, k), device)?)
}

impl Lab for VaeTrainer {
    type Command = VaeCommand;
    type Snapshot = VaeSnapshot;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.step().map(|_| ())
    }

    fn apply(&mut self, command: VaeCommand) -> Result<(), TrainError> {
        match command {
            VaeCommand::Step => self.step().map(|_| ()),
            VaeCommand::SetConfig(c) => self.set_config(*c),
            VaeCommand::EvaluateNow => {
                self.eval_due = true;
                Ok(())
            }
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        *self = Self::with_split(self.config.clone(), Arc::clone(&self.split))?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<VaeSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    fn min_publish_interval(&self) -> Duration {
        Duration::from_millis(100)
    }
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
            t.rng = StdRng::seed_from_u64(11);
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
            t.rng = StdRng::seed_from_u64(11);
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
