//! The GAN lab: a generator and a discriminator, both MLPs, trained on 2-D toy data.
//!
//! The discriminator outputs a logit `l`; for the minimax and non-saturating objectives
//! D(x) = σ(l), and every log-probability is computed from the logit with a stable softplus,
//! so that a saturated discriminator gives exact gradients instead of NaN.

use std::sync::Arc;

use candle_core::{DType, Device, Tensor, Var};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};

use super::series::Series;
use super::worker::Lab;
use super::{check_range as check, TrainError};
use crate::data::toy2d::{ModeSpec, Point2, Toy2d};
use crate::fast::gan::NativeGan;
use crate::fast::Path;
use crate::model::critic::{clip_weights, lipschitz_estimate_rows, SpectralNorm};
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::model::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::objective::gan::{d_loss, g_loss, g_term, mean_output, mean_output_of};
use crate::objective::penalty::gradient_penalty;
use crate::objective::sigmoid;
use crate::theory::divergence::{js_histogram_2d, js_through_discriminator, Grid2, JS_GRID_BINS};
use crate::theory::modes::{mode_coverage, ModeCoverage, COVERAGE_MIN_COUNT, COVERAGE_SAMPLES};

pub use crate::objective::gan::GanLoss;

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

    fn sample(self, rng: &mut StdRng) -> f32 {
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

    fn generator_shape(&self) -> MlpShape {
        let NetConfig { hidden, layers, activation } = self.generator;
        MlpShape { input: self.noise_dim, hidden, layers, output: 2, activation }
    }

    fn discriminator_shape(&self) -> MlpShape {
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

/// Losses and mean outputs of the last training steps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepLosses {
    /// Discriminator loss.
    pub d_loss: f64,
    /// Generator loss.
    pub g_loss: f64,
    /// Mean D(x) on the real minibatch.
    pub d_real: f64,
    /// Mean D(G(z)) on the generated minibatch.
    pub d_fake: f64,
}

/// Metrics computed on the fixed evaluation sets (2500 real, 2500 generated samples).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalMetrics {
    /// Mean D(x) over the real evaluation set.
    pub d_real: f64,
    /// Mean D(G(z)) over the generated evaluation set.
    pub d_fake: f64,
    /// JS divergence estimated from histograms (see [`crate::theory::divergence::JS_METHOD`]).
    pub js_grid: f64,
    /// JS estimated through the discriminator, (V(D, G) + log 4) / 2 (task 3.3); a lower
    /// bound that is tight only when D is optimal. None for least squares.
    pub js_from_d: Option<f64>,
    /// Mean over generated points of ‖∇ₓ ℓ_G(x)‖, the per-sample generator loss's gradient.
    pub grad_norm: f64,
    /// Mode coverage, on mixtures with known centres.
    pub coverage: Option<ModeCoverage>,
    /// The largest ‖∇ₓD‖ (of the critic's score, or of D's logit) over real and generated
    /// samples and random interpolates: an estimate of D's Lipschitz constant.
    pub lipschitz: f64,
}

/// Histories of every curve the lab draws.
#[derive(Clone, Debug, Default)]
pub struct GanHistory {
    /// D loss per iteration.
    pub d_loss: Series,
    /// G loss per iteration.
    pub g_loss: Series,
    /// Mean D(real) on the evaluation set.
    pub d_real: Series,
    /// Mean D(fake) on the evaluation set.
    pub d_fake: Series,
    /// Mean generator-loss gradient norm at generated points.
    pub grad_norm: Series,
    /// Histogram JS estimate.
    pub js_grid: Series,
    /// JS through the discriminator.
    pub js_from_d: Series,
    /// Modes covered.
    pub modes_covered: Series,
    /// Fraction of high-quality samples.
    pub high_quality: Series,
}

/// D evaluated on a regular grid over the view box, row 0 at the bottom (y = min).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeatGrid {
    /// Values, row-major, `cols × rows`.
    pub values: Vec<f32>,
    /// Cells per row.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// The value drawn at the bottom of the colour scale.
    pub low: f32,
    /// The value drawn at the top of the colour scale.
    pub high: f32,
}

/// Everything the GAN panels draw, as plain data.
#[derive(Clone, Debug)]
pub struct GanSnapshot {
    /// Generator steps (iterations) done.
    pub iterations: u64,
    /// Discriminator steps done.
    pub d_steps: u64,
    /// Generator steps done.
    pub g_steps: u64,
    /// The settings in force.
    pub config: GanConfig,
    /// The square box the plane shows.
    pub bounds: [Point2; 2],
    /// The fixed real evaluation sample.
    pub real: Arc<Vec<Point2>>,
    /// G applied to the fixed evaluation noise.
    pub fake: Vec<Point2>,
    /// (point, −∇ₓ ℓ_G) for a subset of generated points.
    pub arrows: Vec<(Point2, Point2)>,
    /// D(x) over the view box.
    pub heat: HeatGrid,
    /// The noise grid pushed through G, as polylines.
    pub manifold: Vec<Vec<Point2>>,
    /// What the manifold shows, for its legend.
    pub manifold_note: String,
    /// Mode centres and σ, on mixtures.
    pub modes: Option<ModeSpec>,
    /// Metrics on the evaluation sets.
    pub metrics: EvalMetrics,
    /// The last training losses.
    pub last: StepLosses,
    /// Curves.
    pub history: GanHistory,
}

/// A command to the GAN trainer.
#[derive(Clone, Debug)]
pub enum GanCommand {
    /// One discriminator step.
    StepD,
    /// One generator step.
    StepG,
    /// One iteration: `d_steps` discriminator steps, then one generator step.
    Iteration,
    /// New settings: live where possible, otherwise a fresh run.
    SetConfig(Box<GanConfig>),
    /// Makes the next step panic; only for testing that the window survives it.
    #[doc(hidden)]
    InjectPanic,
}

/// Side of the heatmap grid.
pub const HEAT_CELLS: usize = 64;
/// Generated points that get gradient arrows.
pub const ARROW_POINTS: usize = 120;
/// Generated coordinates beyond this many view widths count as divergence.
const EXPLODE_FACTOR: f32 = 1e3;

/// The GAN lab's trainer: models, optimisers, RNG, counters and histories.
pub struct GanTrainer {
    config: GanConfig,
    device: Device,
    generator: Mlp,
    discriminator: Mlp,
    opt_g: Optimizer,
    opt_d: Optimizer,
    rng: StdRng,
    d_steps: u64,
    g_steps: u64,
    last: StepLosses,
    real_eval: Arc<Vec<Point2>>,
    noise_eval: Arc<Vec<f32>>,
    history: GanHistory,
    pending_panic: bool,
    spectral: Option<SpectralNorm>,
    /// Buffers of the fast path, built on its first step.
    native: Option<NativeGan>,
    /// Train through candle's autodiff even where the fast path applies (the reference the
    /// fast path is tested and benchmarked against).
    /// The fast path or candle's autodiff (see [`Self::set_path`]).
    path: Path,
}

/// Seed offsets so that weights, training noise and evaluation sets use separate streams.
const INIT_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;
const EVAL_STREAM: u64 = 0x6a09_e667_f3bc_c909;

impl GanTrainer {
    /// Builds a fresh run for `config`.
    pub fn new(config: GanConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let device = Device::Cpu;
        let mut init_rng = StdRng::seed_from_u64(config.seed ^ INIT_STREAM);
        let generator = Mlp::new(config.generator_shape(), &mut init_rng, &device)?;
        let discriminator = Mlp::new(config.discriminator_shape(), &mut init_rng, &device)?;
        let opt_g = Optimizer::new(generator.vars(), config.opt_g);
        let opt_d = Optimizer::new(discriminator.vars(), config.opt_d);
        let spectral =
            if config.spectral_norm { Some(SpectralNorm::new(&discriminator, &mut init_rng)?) } else { None };
        let mut eval_rng = StdRng::seed_from_u64(config.seed ^ EVAL_STREAM);
        let real_eval = Arc::new(config.data.sample(COVERAGE_SAMPLES, &mut eval_rng));
        let mut noise_eval = Vec::new();
        fill_noise(&mut noise_eval, config.noise, COVERAGE_SAMPLES * config.noise_dim, &mut eval_rng);
        let noise_eval = Arc::new(noise_eval);
        Ok(Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            device,
            generator,
            discriminator,
            opt_g,
            opt_d,
            d_steps: 0,
            g_steps: 0,
            last: StepLosses::default(),
            real_eval,
            noise_eval,
            history: GanHistory::default(),
            pending_panic: false,
            spectral,
            native: None,
            path: Path::Fast,
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &GanConfig {
        &self.config
    }

    /// Generator steps done (the lab's step counter).
    pub fn iterations(&self) -> u64 {
        self.g_steps
    }

    /// Discriminator steps done.
    pub fn d_steps_done(&self) -> u64 {
        self.d_steps
    }

    /// The last training losses.
    pub fn last_losses(&self) -> StepLosses {
        self.last
    }

    /// The generator network.
    pub fn generator(&self) -> &Mlp {
        &self.generator
    }

    /// The discriminator network.
    pub fn discriminator(&self) -> &Mlp {
        &self.discriminator
    }

    /// The metric histories.
    pub fn history(&self) -> &GanHistory {
        &self.history
    }

    /// Applies new settings: a change of data, seed or architecture starts a fresh run,
    /// anything else applies to the running one.
    pub fn set_config(&mut self, config: GanConfig) -> Result<(), TrainError> {
        config.validate()?;
        if self.config.needs_restart(&config) {
            *self = Self::new(config)?;
        } else {
            self.opt_g.set_config(config.opt_g);
            self.opt_d.set_config(config.opt_d);
            self.config = config;
        }
        Ok(())
    }

    fn real_batch(&mut self) -> Result<Tensor, TrainError> {
        let pts = self.config.data.sample(self.config.batch, &mut self.rng);
        points_tensor(&pts, &self.device)
    }

    fn noise_batch(&mut self) -> Result<Tensor, TrainError> {
        noise(self.config.noise, self.config.batch, self.config.noise_dim, &mut self.rng, &self.device)
    }

    /// Trains through the fast path where it applies ([`Path::Fast`], the default) or
    /// through candle's autodiff ([`Path::Reference`]). Both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.path = path;
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::fast::set_threads`]); 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
        nat.threads = threads.max(1);
    }

    /// Whether the next steps take the fast path: everything but spectral normalisation and
    /// the gradient penalty of a tanh critic, which need candle's autodiff.
    pub fn uses_fast_path(&self) -> bool {
        let tanh_penalty =
            self.config.loss == GanLoss::WganGp && self.config.discriminator.activation == Activation::Tanh;
        self.path == Path::Fast && self.spectral.is_none() && !tanh_penalty
    }

    /// One discriminator step on a fresh real and a fresh generated minibatch.
    pub fn step_d(&mut self) -> Result<StepLosses, TrainError> {
        self.check_panic();
        let (d_loss, d_real, d_fake) = if self.uses_fast_path() { self.fast_d()? } else { self.candle_d()? };
        if self.config.loss == GanLoss::WganClip {
            clip_weights(&self.discriminator, self.config.clip)?;
        }
        self.d_steps += 1;
        if let Some(why) = super::loss_blow_up(d_loss) {
            return Err(self.diverged(format!("the discriminator's loss is {why}")));
        }
        self.last = StepLosses { d_loss, d_real, d_fake, ..self.last };
        Ok(self.last)
    }

    /// One generator step on a fresh noise minibatch (D's weights held fixed).
    pub fn step_g(&mut self) -> Result<StepLosses, TrainError> {
        self.check_panic();
        let (g_loss, reach) = if self.uses_fast_path() { self.fast_g()? } else { self.candle_g()? };
        self.g_steps += 1;
        if let Some(why) = super::loss_blow_up(g_loss) {
            return Err(self.diverged(format!("the generator's loss is {why}")));
        }
        let limit = EXPLODE_FACTOR * self.view_width();
        if reach.is_nan() || reach > limit {
            return Err(self.diverged(format!("generated points reached |x| = {reach:.3e}, beyond {limit:.0e}")));
        }
        self.last.g_loss = g_loss;
        self.history.d_loss.push(self.g_steps as f64, self.last.d_loss);
        self.history.g_loss.push(self.g_steps as f64, g_loss);
        Ok(self.last)
    }

    /// The discriminator step on the fast path: (loss, mean D(real), mean D(fake)).
    fn fast_d(&mut self) -> Result<(f64, f64, f64), TrainError> {
        let n = self.config.batch;
        let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
        // The same draws in the same order as the candle path: real points, then noise.
        let real = self.config.data.sample(n, &mut self.rng);
        nat.real.clear();
        nat.real.extend(real.iter().flatten());
        fill_noise(&mut nat.noise, self.config.noise, n * self.config.noise_dim, &mut self.rng);
        let gp_lambda = (self.config.loss == GanLoss::WganGp).then_some(self.config.gp_lambda as f32);
        if gp_lambda.is_some() {
            nat.alpha.clear();
            nat.alpha.extend((0..n).map(|_| self.rng.random_range(0.0f32..1.0)));
        }
        Ok(nat.d_step(n, self.config.loss, gp_lambda, &self.generator, &self.discriminator, &mut self.opt_d)?)
    }

    /// The generator step on the fast path: (loss, largest |coordinate| generated).
    fn fast_g(&mut self) -> Result<(f64, f32), TrainError> {
        let n = self.config.batch;
        let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
        fill_noise(&mut nat.noise, self.config.noise, n * self.config.noise_dim, &mut self.rng);
        Ok(nat.g_step(n, self.config.loss, &self.generator, &self.discriminator, &mut self.opt_g)?)
    }

    /// The discriminator step through candle's autodiff.
    fn candle_d(&mut self) -> Result<(f64, f64, f64), TrainError> {
        let real = self.real_batch()?;
        let z = self.noise_batch()?;
        let fake = self.generator.forward(&z)?.detach();
        if let Some(sn) = &mut self.spectral {
            sn.update(&self.discriminator)?;
        }
        let out_real = self.d_forward(&real)?;
        let out_fake = self.d_forward(&fake)?;
        let mut loss = d_loss(self.config.loss, &out_real, &out_fake)?;
        if self.config.loss == GanLoss::WganGp {
            let n = self.config.batch;
            let alpha: Vec<f32> = (0..n).map(|_| self.rng.random_range(0.0f32..1.0)).collect();
            let alpha = Tensor::from_vec(alpha, (n, 1), &self.device)?;
            loss = (loss + gradient_penalty(&self.discriminator, &real, &fake, &alpha, self.config.gp_lambda)?)?;
        }
        self.opt_d.backward_step(&loss)?;
        let d_loss = f64::from(loss.to_vec0::<f32>()?);
        Ok((d_loss, mean_output(self.config.loss, &out_real)?, mean_output(self.config.loss, &out_fake)?))
    }

    /// The generator step through candle's autodiff.
    fn candle_g(&mut self) -> Result<(f64, f32), TrainError> {
        let z = self.noise_batch()?;
        let fake = self.generator.forward(&z)?;
        let out_fake = self.d_forward_frozen(&fake)?;
        let loss = g_loss(self.config.loss, &out_fake)?.mean_all()?;
        self.opt_g.backward_step(&loss)?;
        let g_loss = f64::from(loss.to_vec0::<f32>()?);
        let reach = fake.abs()?.max_all()?.to_vec0::<f32>()?;
        Ok((g_loss, reach))
    }

    /// One iteration: `d_steps` discriminator steps, then one generator step.
    pub fn iteration(&mut self) -> Result<StepLosses, TrainError> {
        for _ in 0..self.config.d_steps {
            self.step_d()?;
        }
        self.step_g()
    }

    /// D's output: through the spectrally normalised weights when that switch is on.
    fn d_forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.spectral {
            Some(sn) => sn.forward(&self.discriminator, x),
            None => self.discriminator.forward(x),
        }
    }

    /// D's output with its weights held fixed (gradients flow only to the input).
    fn d_forward_frozen(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.spectral {
            Some(sn) => sn.forward(&self.discriminator, x),
            None => forward_frozen(&self.discriminator, x),
        }
    }

    /// Whether evaluation runs on the fast path's buffers: always, but for a spectrally
    /// normalised D (whose weights are divided by their norms in candle) and the reference.
    fn native_eval(&self) -> bool {
        self.spectral.is_none() && self.path == Path::Fast
    }

    /// G applied to `z` (`n × noise_dim`, row-major): `n × 2` numbers.
    fn run_g(&mut self, z: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
            return Ok(nat.generate(&self.generator, z, n)?);
        }
        let z = Tensor::from_slice(z, (n, self.config.noise_dim), &self.device)?;
        Ok(self.generator.forward(&z)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's raw output (logit or score) at `n` points (`n × 2`, row-major).
    fn run_d(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
            return Ok(nat.discriminate(&self.discriminator, x, n)?);
        }
        let x = Tensor::from_slice(x, (n, 2), &self.device)?;
        Ok(self.d_forward_frozen(&x)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's output at `n` points and, per point, the gradient of φ(D(x)) in x, where `slope`
    /// is φ′: row i is φ′(D(xᵢ))·∇ₓD(xᵢ) (D's weights held fixed).
    fn run_d_grad(
        &mut self,
        x: &[f32],
        n: usize,
        slope: impl Fn(f32) -> f32,
    ) -> Result<(Vec<f32>, Vec<f32>), TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
            return Ok(nat.discriminate_with_input_grad(&self.discriminator, x, n, slope)?);
        }
        let x = Var::from_slice(x, (n, 2), &self.device)?;
        let out = self.d_forward_frozen(x.as_tensor())?;
        let values = out.flatten_all()?.to_vec1::<f32>()?;
        let weights: Vec<f32> = values.iter().map(|&l| slope(l)).collect();
        let weights = Tensor::from_vec(weights, (n, 1), &self.device)?;
        let grads = (out * weights)?.sum_all()?.backward()?;
        let grad = match grads.get(x.as_tensor()) {
            Some(g) => g.flatten_all()?.to_vec1::<f32>()?,
            None => vec![0.0; 2 * n],
        };
        Ok((values, grad))
    }

    fn check_panic(&mut self) {
        if std::mem::take(&mut self.pending_panic) {
            panic!("injected failure (test)");
        }
    }

    fn diverged(&self, what: String) -> TrainError {
        TrainError::Diverged { step: self.g_steps, what }
    }

    fn view_width(&self) -> f32 {
        let [lo, hi] = self.config.data.view_bounds();
        (hi[0] - lo[0]).max(hi[1] - lo[1])
    }

    /// Generates `n` points from fresh noise (for `samples.csv`).
    pub fn generate(&mut self, n: usize) -> Result<Vec<Point2>, TrainError> {
        let mut z = Vec::new();
        fill_noise(&mut z, self.config.noise, n * self.config.noise_dim, &mut self.rng);
        Ok(to_points(&self.run_g(&z, n)?))
    }

    /// The generator applied to the fixed evaluation noise.
    pub fn eval_fakes(&mut self) -> Result<Vec<Point2>, TrainError> {
        let noise = Arc::clone(&self.noise_eval);
        Ok(to_points(&self.run_g(&noise, COVERAGE_SAMPLES)?))
    }

    /// Computes the evaluation metrics, records them in the histories and returns them with
    /// the generated evaluation points.
    pub fn evaluate(&mut self) -> Result<(EvalMetrics, Vec<Point2>), TrainError> {
        let fake = self.eval_fakes()?;
        // An update can leave non-finite weights that no loss has seen yet: never measure or
        // draw them.
        if fake.iter().any(|p| !(p[0].is_finite() && p[1].is_finite())) {
            return Err(self.diverged("the generator's weights became non-finite".to_owned()));
        }
        let real_flat: Vec<f32> = self.real_eval.iter().flatten().copied().collect();
        let out_real = self.run_d(&real_flat, self.real_eval.len())?;
        let (per_point_grad, out_fake) = self.generator_loss_gradient(&fake)?;
        let loss = self.config.loss;
        let d_real = mean_output_of(loss, &out_real);
        let d_fake = mean_output_of(loss, &out_fake);
        let js_from_d = loss.outputs_probability().then(|| js_through_discriminator(&out_real, &out_fake));
        let grad_norm = per_point_grad.iter().map(|g| f64::from(g[0].hypot(g[1]))).sum::<f64>()
            / per_point_grad.len().max(1) as f64;
        let [min, max] = self.config.data.view_bounds();
        let js_grid = js_histogram_2d(&self.real_eval, &fake, &Grid2 { min, max, bins: JS_GRID_BINS });
        let coverage = self.config.data.modes().map(|m| mode_coverage(&fake, &m.centres, m.sigma, COVERAGE_MIN_COUNT));
        // The Lipschitz estimate: max ‖∇ₓD‖ over real points, generated points and random
        // interpolates between them.
        let mut eval_rng = StdRng::seed_from_u64(self.config.seed ^ self.g_steps);
        let mut points = real_flat;
        points.extend(fake.iter().flatten());
        for (r, f) in self.real_eval.iter().zip(&fake) {
            let a = eval_rng.random_range(0.0f32..1.0);
            points.extend([a * r[0] + (1.0 - a) * f[0], a * r[1] + (1.0 - a) * f[1]]);
        }
        let rows = points.len() / 2;
        let (_, grads) = self.run_d_grad(&points, rows, |_| 1.0)?;
        let lipschitz = lipschitz_estimate_rows(&grads, 2);
        let metrics = EvalMetrics { d_real, d_fake, js_grid, js_from_d, grad_norm, coverage, lipschitz };
        self.record(&metrics);
        Ok((metrics, fake))
    }

    fn record(&mut self, m: &EvalMetrics) {
        let step = self.g_steps as f64;
        let h = &mut self.history;
        h.d_real.push(step, m.d_real);
        h.d_fake.push(step, m.d_fake);
        h.grad_norm.push(step, m.grad_norm);
        h.js_grid.push(step, m.js_grid);
        if let Some(js) = m.js_from_d {
            h.js_from_d.push(step, js);
        }
        if let Some(c) = &m.coverage {
            h.modes_covered.push(step, c.modes_covered as f64);
            h.high_quality.push(step, c.high_quality_fraction);
        }
    }

    /// ∇ₓ of the generator's per-sample loss at the given points (D fixed), and D's output
    /// there. The negative of each row is where that point is pushed.
    pub fn generator_loss_gradient(&mut self, points: &[Point2]) -> Result<(Vec<Point2>, Vec<f32>), TrainError> {
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let term = g_term(self.config.loss);
        let (out, grad) = self.run_d_grad(&flat, points.len(), move |l| term(l).1)?;
        Ok((to_points(&grad), out))
    }

    /// D over a `cells × cells` grid on the view box, as probabilities or raw scores.
    pub fn heat_grid(&mut self, cells: usize) -> Result<HeatGrid, TrainError> {
        let [lo, hi] = self.config.data.view_bounds();
        let mut pts = Vec::with_capacity(2 * cells * cells);
        for r in 0..cells {
            let y = lo[1] + (hi[1] - lo[1]) * (r as f32 + 0.5) / cells as f32;
            for c in 0..cells {
                let x = lo[0] + (hi[0] - lo[0]) * (c as f32 + 0.5) / cells as f32;
                pts.extend([x, y]);
            }
        }
        let mut values = self.run_d(&pts, cells * cells)?;
        let probability = self.config.loss.outputs_probability();
        if probability {
            values.iter_mut().for_each(|v| *v = sigmoid(*v));
        }
        let (low, high) = if probability {
            (0.0, 1.0)
        } else if self.config.loss.is_critic() {
            // A critic's score is defined up to a constant: the diverging map spans its range
            // over the plane, its middle colour at the middle of that range.
            let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi.max(lo + 1e-6))
        } else {
            let lo = values.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
            let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max).max(1.0);
            (lo, hi)
        };
        Ok(HeatGrid { values, cols: cells, rows: cells, low, high })
    }

    /// The noise grid pushed through G: grid lines for 2-D noise, the curve G(z) for 1-D
    /// noise, a 2-D slice (other coordinates 0) for more.
    pub fn manifold(&mut self) -> Result<(Vec<Vec<Point2>>, String), TrainError> {
        const LINES: usize = 17;
        const POINTS: usize = 48;
        let (a, b) = self.config.noise.grid_range();
        let at = |i: usize, n: usize| a + (b - a) * i as f32 / (n - 1) as f32;
        let k = self.config.noise_dim;
        let mut zs: Vec<f32> = Vec::new();
        let mut lines = 0;
        if k == 1 {
            for j in 0..POINTS * 4 {
                zs.push(at(j, POINTS * 4));
            }
            lines = 1;
        } else {
            for dir in 0..2 {
                for i in 0..LINES {
                    for j in 0..POINTS {
                        let (u, v) =
                            if dir == 0 { (at(i, LINES), at(j, POINTS)) } else { (at(j, POINTS), at(i, LINES)) };
                        let mut z = vec![0.0; k];
                        z[0] = u;
                        z[1] = v;
                        zs.extend(z);
                    }
                    lines += 1;
                }
            }
        }
        let n = zs.len() / k;
        let out = to_points(&self.run_g(&zs, n)?);
        let per_line = n / lines;
        let polylines = out.chunks(per_line).map(<[Point2]>::to_vec).collect();
        let note = match k {
            1 => format!("G(z) for z in [{a}, {b}]"),
            2 => format!("G of the grid [{a}, {b}]²"),
            _ => format!("G of the grid [{a}, {b}]² in (z₁, z₂), z₃… = 0"),
        };
        Ok((polylines, note))
    }

    /// Builds the full snapshot the panels draw.
    pub fn build_snapshot(&mut self) -> Result<GanSnapshot, TrainError> {
        let (metrics, fake) = self.evaluate()?;
        let arrow_n = ARROW_POINTS.min(fake.len());
        let (grads, _) = self.generator_loss_gradient(&fake[..arrow_n])?;
        let arrows = fake[..arrow_n].iter().zip(grads).map(|(p, g)| (*p, [-g[0], -g[1]])).collect();
        let (manifold, manifold_note) = self.manifold()?;
        Ok(GanSnapshot {
            iterations: self.g_steps,
            d_steps: self.d_steps,
            g_steps: self.g_steps,
            config: self.config.clone(),
            bounds: self.config.data.view_bounds(),
            real: Arc::clone(&self.real_eval),
            fake,
            arrows,
            heat: self.heat_grid(HEAT_CELLS)?,
            manifold,
            manifold_note,
            modes: self.config.data.modes(),
            metrics,
            last: self.last,
            history: self.history.clone(),
        })
    }

    /// Every weight, named `generator.{i}.weight` etc., for a safetensors checkpoint.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut all = self.generator.named_tensors("generator");
        all.extend(self.discriminator.named_tensors("discriminator"));
        all
    }

    /// Writes a safetensors checkpoint of both networks.
    pub fn save(&self, path: &std::path::Path) -> Result<(), TrainError> {
        let map: std::collections::HashMap<String, Tensor> = self.named_tensors().into_iter().collect();
        candle_core::safetensors::save(&map, path)
            .map_err(|e| TrainError::Io(format!("cannot write {}: {e}", path.display())))
    }

    /// Loads a checkpoint written by [`Self::save`]; a missing tensor or a wrong shape is an
    /// error naming it, and nothing is loaded then.
    pub fn load(&mut self, path: &std::path::Path) -> Result<(), TrainError> {
        let map = candle_core::safetensors::load(path, &self.device)
            .map_err(|e| TrainError::Io(format!("cannot read checkpoint {}: {e}", path.display())))?;
        let check = |r: Result<(), String>| r.map_err(|e| TrainError::Invalid(format!("{}: {e}", path.display())));
        // Check both before loading either.
        let g_probe = Mlp::new(self.generator.shape(), &mut StdRng::seed_from_u64(0), &self.device)?;
        let d_probe = Mlp::new(self.discriminator.shape(), &mut StdRng::seed_from_u64(0), &self.device)?;
        check(g_probe.load_named("generator", &map))?;
        check(d_probe.load_named("discriminator", &map))?;
        check(self.generator.load_named("generator", &map))?;
        check(self.discriminator.load_named("discriminator", &map))?;
        Ok(())
    }
}

impl Lab for GanTrainer {
    type Command = GanCommand;
    type Snapshot = GanSnapshot;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.iteration().map(|_| ())
    }

    fn apply(&mut self, command: GanCommand) -> Result<(), TrainError> {
        match command {
            GanCommand::StepD => self.step_d().map(|_| ()),
            GanCommand::StepG => self.step_g().map(|_| ()),
            GanCommand::Iteration => self.iteration().map(|_| ()),
            GanCommand::SetConfig(c) => self.set_config(*c),
            GanCommand::InjectPanic => {
                self.pending_panic = true;
                Ok(())
            }
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        *self = Self::new(self.config.clone())?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<GanSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.g_steps
    }
}

/// Pairs of numbers as points.
fn to_points(flat: &[f32]) -> Vec<Point2> {
    flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
}

/// D's forward pass with its weights detached, so that gradients flow only to the input.
fn forward_frozen(net: &Mlp, xs: &Tensor) -> candle_core::Result<Tensor> {
    let last = net.layers().len() - 1;
    let mut h = xs.clone();
    for (i, layer) in net.layers().iter().enumerate() {
        h = h.matmul(&layer.weight.as_tensor().detach())?.broadcast_add(&layer.bias.as_tensor().detach())?;
        if i < last {
            h = net.shape().activation.apply(&h)?;
        }
    }
    Ok(h)
}

/// Refills `values` with `count` noise numbers (the draws [`noise`] makes).
fn fill_noise(values: &mut Vec<f32>, kind: NoiseKind, count: usize, rng: &mut StdRng) {
    values.clear();
    values.extend((0..count).map(|_| kind.sample(rng)));
}

fn noise(kind: NoiseKind, n: usize, dim: usize, rng: &mut StdRng, device: &Device) -> Result<Tensor, TrainError> {
    let values: Vec<f32> = (0..n * dim).map(|_| kind.sample(rng)).collect();
    Ok(Tensor::from_vec(values, (n, dim), device)?)
}

/// Packs points into an (n, 2) tensor.
pub fn points_tensor(pts: &[Point2], device: &Device) -> Result<Tensor, TrainError> {
    let flat: Vec<f32> = pts.iter().flat_map(|p| *p).collect();
    Ok(Tensor::from_vec(flat, (pts.len(), 2), device)?)
}

/// Unpacks an (n, 2) tensor into points.
pub fn tensor_points(t: &Tensor) -> Result<Vec<Point2>, TrainError> {
    let flat = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    Ok(flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
}
