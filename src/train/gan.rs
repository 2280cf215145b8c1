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
use crate::model::critic::{clip_weights, gradient_penalty, lipschitz_estimate_rows, SpectralNorm, GP_NORM_EPS};
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::model::native::{self, sigmoid, NativeMlp};
use crate::model::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::theory::divergence::{js_histogram_2d, js_through_discriminator, Grid2, JS_GRID_BINS};
use crate::theory::modes::{mode_coverage, ModeCoverage, COVERAGE_MIN_COUNT, COVERAGE_SAMPLES};

/// The game the two networks play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum GanLoss {
    /// The sheet's min-max game: G minimises E log(1 − D(G(z))) (saturates when D wins).
    Minimax,
    /// G minimises −E log D(G(z)) instead (same fixed point, strong early gradients).
    NonSaturating,
    /// Least squares (Mao et al.): D regresses real to 1 and fake to 0, G pushes fakes to 1.
    LeastSquares,
    /// Wasserstein critic with weight clipping (Arjovsky et al.).
    WganClip,
    /// Wasserstein critic with a gradient penalty (Gulrajani et al.).
    WganGp,
    /// Hinge loss (as in SN-GAN): D minimises E relu(1 − f(x)) + E relu(1 + f(G(z))).
    Hinge,
}

impl GanLoss {
    /// Every objective, in menu order.
    pub const ALL: [Self; 6] =
        [Self::Minimax, Self::NonSaturating, Self::LeastSquares, Self::WganClip, Self::WganGp, Self::Hinge];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minimax => "minimax",
            Self::NonSaturating => "ns",
            Self::LeastSquares => "lsgan",
            Self::WganClip => "wgan-clip",
            Self::WganGp => "wgan-gp",
            Self::Hinge => "hinge",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Name for menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minimax => "Minimax (saturating)",
            Self::NonSaturating => "Non-saturating",
            Self::LeastSquares => "Least squares (LSGAN)",
            Self::WganClip => "Wasserstein, weight clipping",
            Self::WganGp => "Wasserstein, gradient penalty",
            Self::Hinge => "Hinge",
        }
    }

    /// The generator's loss as a formula, for tooltips.
    pub fn formula(self) -> &'static str {
        match self {
            Self::Minimax => "D: −E log D(x) − E log(1 − D(G(z)))   G: min E log(1 − D(G(z)))",
            Self::NonSaturating => "D: −E log D(x) − E log(1 − D(G(z)))   G: min −E log D(G(z))",
            Self::LeastSquares => "D: ½E (D(x) − 1)² + ½E D(G(z))²   G: min ½E (D(G(z)) − 1)²",
            Self::WganClip => "critic: max E f(x) − E f(G(z)), weights clipped to [−c, c]   G: min −E f(G(z))",
            Self::WganGp => {
                "critic: max E f(x) − E f(G(z)) − λ E (‖∇f(x̂)‖ − 1)², x̂ on random interpolates   G: min −E f(G(z))"
            }
            Self::Hinge => "D: E relu(1 − f(x)) + E relu(1 + f(G(z)))   G: min −E f(G(z))",
        }
    }

    /// Whether D is a critic whose output is an unbounded score (Wasserstein, hinge).
    pub fn is_critic(self) -> bool {
        matches!(self, Self::WganClip | Self::WganGp | Self::Hinge)
    }

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

    /// Whether D's output is a probability (σ of a logit) rather than an unbounded score.
    pub fn outputs_probability(self) -> bool {
        matches!(self, Self::Minimax | Self::NonSaturating)
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
    reference_path: bool,
}

/// The fast path's buffers for a generator and a discriminator, and their two steps; the
/// GAN lab and the optimal-discriminator lab share it. The caller draws the minibatch into
/// `real` and `noise` (in its own order, the same as its candle path's). With several
/// compute threads ([`crate::model::native::threads`]) the minibatch's rows are cut into
/// parts that run on their own threads, and the parts' gradients are added.
pub(crate) struct NativeGan {
    parts: Vec<GanPart>,
    /// Parts a minibatch is cut into (compute threads).
    pub(crate) threads: usize,
    /// Real rows, `n × D's input`.
    pub(crate) real: Vec<f32>,
    /// Noise rows, `n × G's input`.
    pub(crate) noise: Vec<f32>,
    /// The gradient penalty's mixing weights, one per row (WGAN-GP only).
    pub(crate) alpha: Vec<f32>,
}

/// One part's passes and buffers.
struct GanPart {
    generator: NativeMlp,
    discriminator: NativeMlp,
    /// Real rows, then generated rows: D sees both in one pass.
    both: Vec<f32>,
    /// ∂loss/∂D's output, per row.
    grad: Vec<f32>,
    /// G's output, kept while D's pass overwrites its buffers.
    fake: Vec<f32>,
}

impl GanPart {
    fn new(generator: MlpShape, discriminator: MlpShape) -> Self {
        Self {
            generator: NativeMlp::new(generator),
            discriminator: NativeMlp::new(discriminator),
            both: Vec::new(),
            grad: Vec::new(),
            fake: Vec::new(),
        }
    }
}

impl NativeGan {
    /// Buffers for these networks' shapes.
    pub(crate) fn new(generator: &Mlp, discriminator: &Mlp) -> Self {
        Self {
            parts: vec![GanPart::new(generator.shape(), discriminator.shape())],
            threads: native::threads(),
            real: Vec::new(),
            noise: Vec::new(),
            alpha: Vec::new(),
        }
    }

    /// The parts' row ranges for a minibatch of `n`, with as many parts as compute threads.
    fn split(&mut self, n: usize) -> Vec<std::ops::Range<usize>> {
        let ranges = native::row_ranges(n, self.threads);
        let (g, d) = (self.parts[0].generator.shape(), self.parts[0].discriminator.shape());
        self.parts.resize_with(ranges.len().max(self.parts.len()), || GanPart::new(g, d));
        ranges
    }

    /// The first part (evaluation runs there, on one thread).
    fn first(&mut self) -> &mut GanPart {
        &mut self.parts[0]
    }

    /// One discriminator step on `n` real rows and G of `n` noise rows, as [`d_loss`] and
    /// candle's autodiff give it, plus the gradient penalty with weight `gp_lambda` on the
    /// interpolates that `alpha` mixes when it is given: (loss, mean D(real), mean D(fake)).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn d_step(
        &mut self,
        n: usize,
        loss: GanLoss,
        gp_lambda: Option<f32>,
        generator: &Mlp,
        discriminator: &Mlp,
        opt: &mut Optimizer,
    ) -> Result<(f64, f64, f64), TrainError> {
        let ranges = self.split(n);
        let (real, noise, alpha) = (&self.real, &self.noise, &self.alpha);
        let (d_in, g_in) = (discriminator.shape().input, generator.shape().input);
        let sums = native::run_parts(&mut self.parts[..ranges.len()], |i, part| {
            let r = ranges[i].clone();
            let m = r.len();
            part.generator.load(generator)?;
            let fake = part.generator.forward(&noise[r.start * g_in..r.end * g_in], m);
            part.both.clear();
            part.both.extend_from_slice(&real[r.start * d_in..r.end * d_in]);
            part.both.extend_from_slice(fake);
            part.discriminator.load(discriminator)?;
            // The penalty first: it runs its own passes through the same buffers.
            let penalty = match gp_lambda {
                Some(lambda) => {
                    let (real, fake) = part.both.split_at(m * d_in);
                    let x_hat: Vec<f32> = (0..m * d_in)
                        .map(|j| {
                            let a = alpha[r.start + j / d_in];
                            a * real[j] + (1.0 - a) * fake[j]
                        })
                        .collect();
                    Some(part.discriminator.gradient_penalty(&x_hat, m, n, lambda, GP_NORM_EPS as f32)?)
                }
                None => None,
            };
            let out = part.discriminator.forward(&part.both, 2 * m);
            part.grad.resize(2 * m, 0.0);
            let (loss_real, loss_fake) = d_loss_and_grad(loss, &out[..m], &out[m..], &mut part.grad, n);
            let (d_real, d_fake) = (output_sum_of(loss, &out[..m]), output_sum_of(loss, &out[m..]));
            part.discriminator.backward(&part.grad, true, false);
            let mut gp_value = 0.0;
            if let Some((value, grads)) = penalty {
                part.discriminator.add_weight_grads(&grads);
                gp_value = value;
            }
            Ok([loss_real + loss_fake, d_real, d_fake, gp_value])
        })?;
        let grads: Vec<_> = self.parts[..ranges.len()].iter().map(|p| p.discriminator.grads()).collect();
        opt.step_parts(&grads)?;
        let total = |k: usize| sums.iter().map(|s| s[k]).sum::<f64>() / n as f64;
        let penalty = sums.iter().map(|s| s[3]).sum::<f64>();
        Ok((total(0) + penalty, total(1), total(2)))
    }

    /// One generator step on `n` noise rows, D held fixed, as [`g_loss`] gives it:
    /// (loss, largest |coordinate| generated).
    pub(crate) fn g_step(
        &mut self,
        n: usize,
        loss: GanLoss,
        generator: &Mlp,
        discriminator: &Mlp,
        opt: &mut Optimizer,
    ) -> Result<(f64, f32), TrainError> {
        let ranges = self.split(n);
        let noise = &self.noise;
        let g_in = generator.shape().input;
        let sums = native::run_parts(&mut self.parts[..ranges.len()], |i, part| {
            let r = ranges[i].clone();
            let m = r.len();
            part.generator.load(generator)?;
            part.fake.clear();
            part.fake.extend_from_slice(part.generator.forward(&noise[r.start * g_in..r.end * g_in], m));
            let reach = part.fake.iter().fold(0.0f32, |m, x| if x.is_nan() { f32::NAN } else { m.max(x.abs()) });
            part.discriminator.load(discriminator)?;
            let out = part.discriminator.forward(&part.fake, m);
            part.grad.resize(m, 0.0);
            let g_loss = g_loss_and_grad(loss, out, &mut part.grad, n);
            // D is held fixed: only the gradient with respect to its input is needed.
            let d_fake = part.discriminator.backward(&part.grad, false, true);
            part.generator.backward(d_fake, true, false);
            Ok((g_loss, reach))
        })?;
        let grads: Vec<_> = self.parts[..ranges.len()].iter().map(|p| p.generator.grads()).collect();
        opt.step_parts(&grads)?;
        let g_loss = sums.iter().map(|s| s.0).sum::<f64>() / n as f64;
        let reach = sums.iter().fold(0.0f32, |m, s| if s.1.is_nan() || m.is_nan() { f32::NAN } else { m.max(s.1) });
        Ok((g_loss, reach))
    }
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
            reference_path: false,
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

    /// Trains through candle's autodiff (true) or through the fast path where it applies
    /// (false, the default). Both compute the same numbers.
    pub fn set_reference_path(&mut self, reference: bool) {
        self.reference_path = reference;
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::model::native::set_threads`]); 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
        nat.threads = threads.max(1);
    }

    /// Whether the next steps take the fast path: everything but spectral normalisation and
    /// the gradient penalty of a tanh critic, which need candle's autodiff.
    pub fn uses_fast_path(&self) -> bool {
        let tanh_penalty =
            self.config.loss == GanLoss::WganGp && self.config.discriminator.activation == Activation::Tanh;
        !self.reference_path && self.spectral.is_none() && !tanh_penalty
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
        nat.d_step(n, self.config.loss, gp_lambda, &self.generator, &self.discriminator, &mut self.opt_d)
    }

    /// The generator step on the fast path: (loss, largest |coordinate| generated).
    fn fast_g(&mut self) -> Result<(f64, f32), TrainError> {
        let n = self.config.batch;
        let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator));
        fill_noise(&mut nat.noise, self.config.noise, n * self.config.noise_dim, &mut self.rng);
        nat.g_step(n, self.config.loss, &self.generator, &self.discriminator, &mut self.opt_g)
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
        self.spectral.is_none() && !self.reference_path
    }

    /// G applied to `z` (`n × noise_dim`, row-major): `n × 2` numbers.
    fn run_g(&mut self, z: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator)).first();
            nat.generator.load(&self.generator)?;
            return Ok(nat.generator.forward(z, n).to_vec());
        }
        let z = Tensor::from_slice(z, (n, self.config.noise_dim), &self.device)?;
        Ok(self.generator.forward(&z)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's raw output (logit or score) at `n` points (`n × 2`, row-major).
    fn run_d(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator)).first();
            nat.discriminator.load(&self.discriminator)?;
            return Ok(nat.discriminator.forward(x, n).to_vec());
        }
        let x = Tensor::from_slice(x, (n, 2), &self.device)?;
        Ok(self.d_forward_frozen(&x)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's output at `n` points and, per point, the gradient of φ(D(x)) in x, where `slope`
    /// is φ′: row i is φ′(D(xᵢ))·∇ₓD(xᵢ) (D's weights held fixed).
    fn run_d_grad(&mut self, x: &[f32], n: usize, slope: fn(f32) -> f32) -> Result<(Vec<f32>, Vec<f32>), TrainError> {
        if self.native_eval() {
            let nat = self.native.get_or_insert_with(|| NativeGan::new(&self.generator, &self.discriminator)).first();
            nat.discriminator.load(&self.discriminator)?;
            let out = nat.discriminator.forward(x, n).to_vec();
            nat.grad.clear();
            nat.grad.extend(out.iter().map(|&l| slope(l)));
            let grad = nat.discriminator.backward(&nat.grad, false, true).to_vec();
            return Ok((out, grad));
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
        let (out, grad) = self.run_d_grad(&flat, points.len(), g_loss_slope(self.config.loss))?;
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

/// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows.
pub fn softplus(x: &Tensor) -> candle_core::Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// The discriminator's loss for a minibatch of real and generated outputs.
pub fn d_loss(loss: GanLoss, out_real: &Tensor, out_fake: &Tensor) -> candle_core::Result<Tensor> {
    match loss {
        // −log σ(l) = softplus(−l); −log(1 − σ(l)) = softplus(l).
        GanLoss::Minimax | GanLoss::NonSaturating => {
            softplus(&out_real.neg()?)?.mean_all()? + softplus(out_fake)?.mean_all()?
        }
        GanLoss::LeastSquares => ((out_real - 1.0)?.sqr()?.mean_all()? * 0.5)? + (out_fake.sqr()?.mean_all()? * 0.5)?,
        // The critic maximises E f(x) − E f(G(z)): it minimises the negative.
        GanLoss::WganClip | GanLoss::WganGp => out_fake.mean_all()? - out_real.mean_all()?,
        GanLoss::Hinge => (1.0 - out_real)?.relu()?.mean_all()? + (out_fake + 1.0)?.relu()?.mean_all()?,
    }
}

/// The generator's loss for each generated sample (shape (n, 1)); its mean is the G loss.
pub fn g_loss(loss: GanLoss, out_fake: &Tensor) -> candle_core::Result<Tensor> {
    match loss {
        // log(1 − σ(l)) = −softplus(l).
        GanLoss::Minimax => softplus(out_fake)?.neg(),
        GanLoss::NonSaturating => softplus(&out_fake.neg()?),
        GanLoss::LeastSquares => (out_fake - 1.0)?.sqr()? * 0.5,
        GanLoss::WganClip | GanLoss::WganGp | GanLoss::Hinge => out_fake.neg(),
    }
}

/// softplus on one number, as [`softplus`] computes it.
fn softplus_of(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// A per-row loss term on a logit: (value, derivative).
type Term = fn(f32) -> (f32, f32);

/// [`d_loss`] on plain logits of a part of a minibatch of `total` real and `total`
/// generated rows: the sums of the real rows' and the generated rows' loss terms, with
/// ∂loss/∂logit written to `grad` (real rows, then generated rows).
pub(crate) fn d_loss_and_grad(loss: GanLoss, real: &[f32], fake: &[f32], grad: &mut [f32], total: usize) -> (f64, f64) {
    let scale = 1.0 / total as f32;
    let (g_real, g_fake) = grad.split_at_mut(real.len());
    // Per-row loss terms and their derivatives, for a real row and a generated row.
    let (term_real, term_fake): (Term, Term) = match loss {
        GanLoss::Minimax | GanLoss::NonSaturating => {
            (|l| (softplus_of(-l), -sigmoid(-l)), |l| (softplus_of(l), sigmoid(l)))
        }
        GanLoss::LeastSquares => (|l| (0.5 * (l - 1.0) * (l - 1.0), l - 1.0), |l| (0.5 * l * l, l)),
        GanLoss::WganClip | GanLoss::WganGp => (|l| (-l, -1.0), |l| (l, 1.0)),
        GanLoss::Hinge => (
            |l| if 1.0 - l > 0.0 { (1.0 - l, -1.0) } else { (0.0, 0.0) },
            |l| if 1.0 + l > 0.0 { (1.0 + l, 1.0) } else { (0.0, 0.0) },
        ),
    };
    let mut sums = [0.0f64; 2];
    for (sum, grads, logits, term) in [(0, g_real, real, term_real), (1, g_fake, fake, term_fake)] {
        for (g, &l) in grads.iter_mut().zip(logits) {
            let (value, slope) = term(l);
            sums[sum] += f64::from(value);
            *g = slope * scale;
        }
    }
    (sums[0], sums[1])
}

/// [`g_loss`] on plain logits of a part of a minibatch of `total` rows: the sum of the
/// rows' loss terms, with ∂(mean loss)/∂logit written to `grad`.
fn g_loss_and_grad(loss: GanLoss, fake: &[f32], grad: &mut [f32], total: usize) -> f64 {
    let scale = 1.0 / total as f32;
    let term: Term = match loss {
        GanLoss::Minimax => |l| (-softplus_of(l), -sigmoid(l)),
        GanLoss::NonSaturating => |l| (softplus_of(-l), -sigmoid(-l)),
        GanLoss::LeastSquares => |l| (0.5 * (l - 1.0) * (l - 1.0), l - 1.0),
        GanLoss::WganClip | GanLoss::WganGp | GanLoss::Hinge => |l| (-l, -1.0),
    };
    let mut sum = 0.0f64;
    for (g, &l) in grad.iter_mut().zip(fake) {
        let (value, slope) = term(l);
        sum += f64::from(value);
        *g = slope * scale;
    }
    sum
}

/// The derivative of the generator's per-sample loss with respect to D's output.
fn g_loss_slope(loss: GanLoss) -> fn(f32) -> f32 {
    match loss {
        GanLoss::Minimax => |l| -sigmoid(l),
        GanLoss::NonSaturating => |l| -sigmoid(-l),
        GanLoss::LeastSquares => |l| l - 1.0,
        GanLoss::WganClip | GanLoss::WganGp | GanLoss::Hinge => |_| -1.0,
    }
}

/// Pairs of numbers as points.
fn to_points(flat: &[f32]) -> Vec<Point2> {
    flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
}

/// The sum of D's outputs as probabilities (σ of the logits) or raw scores, as
/// [`mean_output`] averages them.
fn output_sum_of(loss: GanLoss, out: &[f32]) -> f64 {
    if loss.outputs_probability() {
        out.iter().map(|&l| f64::from(sigmoid(l))).sum()
    } else {
        out.iter().map(|&l| f64::from(l)).sum()
    }
}

/// [`mean_output`] on plain logits.
fn mean_output_of(loss: GanLoss, out: &[f32]) -> f64 {
    output_sum_of(loss, out) / out.len().max(1) as f64
}

fn mean(t: &Tensor) -> candle_core::Result<f64> {
    Ok(f64::from(t.mean_all()?.to_vec0::<f32>()?))
}

fn mean_output(loss: GanLoss, out: &Tensor) -> candle_core::Result<f64> {
    if loss.outputs_probability() {
        mean(&candle_nn::ops::sigmoid(out)?)
    } else {
        mean(out)
    }
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
