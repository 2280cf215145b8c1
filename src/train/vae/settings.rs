//! The AE vs VAE lab's settings and their limits.

use super::*;

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

/// The memory the AE vs VAE lab may plan for its two models: 2 GiB, so that a laptop keeps
/// room for everything else. Images of 256×256 pixels at width 256 fit (about 1.5 GiB; 1.33 GB
/// was measured); 512×512 would need about 6 GiB and was refused by the allocator with an abort.
pub const MODEL_MEMORY_BUDGET: u64 = 2 << 30;

/// How many copies of every weight training holds, for [`VaeConfig::model_bytes`]: the weights,
/// their gradient, Adam's two moments, and the fast path's gradient buffers and activations
/// (rounded up).
pub const MEMORY_COPIES: u64 = 6;

/// Ranges of the settings, shared by the UI's sliders and the validation.
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

    /// An estimate of the memory both models take for images of `pixels` pixels, in bytes:
    /// every weight and bias of the AE and the VAE (encoders `pixels → hidden… → K` or `2K`,
    /// decoders `K → hidden… → pixels`), in f32, held [`MEMORY_COPIES`] times. An estimate,
    /// checked against [`MODEL_MEMORY_BUDGET`] before anything is allocated; not a promise.
    pub fn model_bytes(&self, pixels: usize) -> u64 {
        let params = |input: usize, output: usize| -> u64 {
            let mut widths = vec![input as u64];
            widths.extend(std::iter::repeat_n(self.hidden as u64, self.layers));
            widths.push(output as u64);
            widths.windows(2).map(|w| (w[0] + 1) * w[1]).sum()
        };
        let k = self.latent_dim;
        let both = params(pixels, 2 * k) + params(pixels, k) + 2 * params(k, pixels);
        both * 4 * MEMORY_COPIES
    }

    /// Refuses images of `pixels` pixels when [`Self::model_bytes`] is over
    /// [`MODEL_MEMORY_BUDGET`], saying how large the models would be and what the budget is.
    pub fn check_memory(&self, pixels: usize) -> Result<(), TrainError> {
        let bytes = self.model_bytes(pixels);
        if bytes <= MODEL_MEMORY_BUDGET {
            return Ok(());
        }
        let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
        Err(TrainError::Invalid(format!(
            "images of {pixels} pixels with hidden width {} need about {:.1} GiB for the two models (an estimate), \
             over the budget of {:.0} GiB: use smaller images or a narrower network",
            self.hidden,
            gib(bytes),
            gib(MODEL_MEMORY_BUDGET)
        )))
    }

    pub(super) fn shape(&self, input: usize) -> AeShape {
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
