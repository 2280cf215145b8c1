//! The GAN lab's settings and their limits.

use super::*;

/// The objective's customary training settings (they belong to the lab's settings, not to
/// the objective).
impl GanLoss {
    /// Puts the objective's customary optimisers and step ratio into `config`: WGAN with
    /// clipping RMSProp 5e-5 and 5 critic steps; WGAN-GP Adam 1e-4 with β = (0.5, 0.9) and 5
    /// critic steps; hinge Adam 2e-4 with β = (0, 0.9) and 5 steps; the others Adam 1e-3 with
    /// β = (0.5, 0.999) and 1 step.
    pub fn apply_defaults(self, config: &mut GanConfig) {
        let (opt, d_steps) = match self {
            Self::WganClip => {
                (OptimizerConfig { kind: OptimizerKind::RmsProp, lr: 5e-5, beta1: 0.0, beta2: 0.99, eps: 1e-8 }, 5)
            }
            Self::WganGp => {
                (OptimizerConfig { kind: OptimizerKind::Adam, lr: 1e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8 }, 5)
            }
            Self::Hinge => {
                (OptimizerConfig { kind: OptimizerKind::Adam, lr: 2e-4, beta1: 0.0, beta2: 0.9, eps: 1e-8 }, 5)
            }
            Self::Minimax | Self::NonSaturating | Self::LeastSquares => {
                (OptimizerConfig { beta1: 0.5, ..OptimizerConfig::adam(1e-3) }, 1)
            }
        };
        config.loss = self;
        config.opt_d = opt;
        config.opt_g = opt;
        config.d_steps = d_steps;
    }
}

/// The distribution of the generator's input noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NoiseKind {
    /// z ~ N(0, I).
    Gaussian,
    /// z ~ U[−1, 1]^k.
    Uniform,
}

impl NoiseKind {
    /// Both kinds, in menu order.
    pub const ALL: [Self; 2] = [Self::Gaussian, Self::Uniform];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gaussian => "gaussian",
            Self::Uniform => "uniform",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The range of one coordinate drawn for the manifold view (±2.5σ or the whole interval).
    pub fn grid_range(self) -> (f32, f32) {
        match self {
            Self::Gaussian => (-2.5, 2.5),
            Self::Uniform => (-1.0, 1.0),
        }
    }

    pub(super) fn sample(self, rng: &mut TrainRng) -> f32 {
        match self {
            Self::Gaussian => StandardNormal.sample(rng),
            Self::Uniform => rng.random_range(-1.0f32..1.0),
        }
    }
}

/// The hidden part of one network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NetConfig {
    /// Width of each hidden layer (4–256).
    pub hidden: usize,
    /// Number of hidden layers (1–4).
    pub layers: usize,
    /// Non-linearity.
    pub activation: Activation,
}

/// Every setting of the GAN lab.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GanConfig {
    /// The real distribution.
    #[serde(skip, default = "Toy2d::ring8")]
    pub data: Toy2d,
    /// The objective.
    pub loss: GanLoss,
    /// The generator's hidden layers.
    pub generator: NetConfig,
    /// The discriminator's hidden layers.
    pub discriminator: NetConfig,
    /// Dimension of z (1–8).
    pub noise_dim: usize,
    /// Distribution of z.
    pub noise: NoiseKind,
    /// The generator's optimiser.
    pub opt_g: OptimizerConfig,
    /// The discriminator's optimiser.
    pub opt_d: OptimizerConfig,
    /// Discriminator steps per generator step (1–10).
    pub d_steps: usize,
    /// Minibatch size, for real and generated samples alike.
    pub batch: usize,
    /// Seed of the weights, the data and the noise.
    pub seed: u64,
    /// Divide each of D's weight matrices by its spectral norm (one power iteration per step).
    pub spectral_norm: bool,
    /// Weight-clipping bound c of the WGAN critic.
    pub clip: f64,
    /// Gradient-penalty weight λ of WGAN-GP.
    pub gp_lambda: f64,
}

impl Default for GanConfig {
    fn default() -> Self {
        let net = NetConfig { hidden: 64, layers: 3, activation: Activation::Relu };
        let adam = OptimizerConfig { beta1: 0.5, ..OptimizerConfig::adam(1e-3) };
        Self {
            data: Toy2d::ring8(),
            loss: GanLoss::NonSaturating,
            generator: net,
            discriminator: net,
            noise_dim: 2,
            noise: NoiseKind::Gaussian,
            opt_g: adam,
            opt_d: adam,
            d_steps: 1,
            batch: 128,
            seed: 0,
            spectral_norm: false,
            clip: 0.01,
            gp_lambda: 10.0,
        }
    }
}

/// Ranges of the settings, shared by the UI's sliders and the validation.
pub mod limits {
    use std::ops::RangeInclusive;
    /// Hidden width.
    pub const HIDDEN: RangeInclusive<usize> = 4..=256;
    /// Hidden layers.
    pub const LAYERS: RangeInclusive<usize> = 1..=4;
    /// Noise dimension.
    pub const NOISE_DIM: RangeInclusive<usize> = 1..=8;
    /// D steps per G step.
    pub const D_STEPS: RangeInclusive<usize> = 1..=10;
    /// Batch size.
    pub const BATCH: RangeInclusive<usize> = 2..=4096;
}

impl GanConfig {
    /// Checks every setting against its range, naming the first that is out of it.
    pub fn validate(&self) -> Result<(), TrainError> {
        for (who, net) in [("generator", &self.generator), ("discriminator", &self.discriminator)] {
            check(&format!("{who} hidden width"), net.hidden, limits::HIDDEN)?;
            check(&format!("{who} hidden layers"), net.layers, limits::LAYERS)?;
        }
        check("noise dimension", self.noise_dim, limits::NOISE_DIM)?;
        check("D steps per G step", self.d_steps, limits::D_STEPS)?;
        check("batch size", self.batch, limits::BATCH)?;
        for (who, opt) in [("generator", &self.opt_g), ("discriminator", &self.opt_d)] {
            opt.validate().map_err(|e| TrainError::Invalid(format!("{who} optimiser: {e}")))?;
        }
        if !(self.clip.is_finite() && self.clip > 0.0) {
            return Err(TrainError::Invalid(format!("the clipping bound c must be positive, got {}", self.clip)));
        }
        if !(self.gp_lambda.is_finite() && self.gp_lambda >= 0.0) {
            return Err(TrainError::Invalid(format!("the penalty weight λ must be ≥ 0, got {}", self.gp_lambda)));
        }
        if self.data.is_empty_set() {
            return Err(TrainError::Invalid("the data set has no points (draw some first)".to_owned()));
        }
        Ok(())
    }

    pub(super) fn generator_shape(&self) -> MlpShape {
        let NetConfig { hidden, layers, activation } = self.generator;
        MlpShape { input: self.noise_dim, hidden, layers, output: 2, activation }
    }

    pub(super) fn discriminator_shape(&self) -> MlpShape {
        let NetConfig { hidden, layers, activation } = self.discriminator;
        MlpShape { input: 2, hidden, layers, output: 1, activation }
    }

    /// Whether changing from `self` to `other` needs new models (and so a fresh run).
    pub fn needs_restart(&self, other: &Self) -> bool {
        self.data != other.data
            || self.seed != other.seed
            || self.generator_shape() != other.generator_shape()
            || self.discriminator_shape() != other.discriminator_shape()
            || self.spectral_norm != other.spectral_norm
    }
}
