//! The optimal-discriminator lab (sheet task 3): a GAN on a line, where p_data is known
//! exactly and p_g is known exactly for an affine generator, so that the trained D(x) can be
//! held against D*(x) = p_data/(p_data + p_g) and the game's value against −log 4 + 2·JSD.

use std::sync::Arc;

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::SeedableRng as _;
use rand_distr::{Distribution as _, StandardNormal};

use super::gan::NetConfig;
use super::pair::Adversaries;
use super::series::Series;
use super::worker::Lab;
use super::TrainError;

mod saved;
use crate::fast::Path;
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::model::optim::OptimizerConfig;
use crate::objective::gan::{d_loss, g_loss, GanLoss};
use crate::theory::optimal_d::{
    gaussian_pdf, grid, histogram, jsd, max_abs_gap_where, optimal_discriminator, value_at_optimum, value_of, Kde,
    Mixture1d, MINUS_LOG_4,
};
pub use saved::LAB;

/// The generator's family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Generator1d {
    /// x = a·z + b with z ~ N(0, 1), so p_g = N(b, a²) exactly; starts at a = 1, b = 0.
    Affine,
    /// A small MLP from z to x; p_g is estimated by a kernel density estimate.
    Mlp {
        /// Hidden width.
        hidden: usize,
        /// Hidden layers.
        layers: usize,
    },
}

/// Every setting of the optimal-discriminator lab.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OptimalDConfig {
    /// p_data.
    pub data: Mixture1d,
    /// The generator's family.
    pub generator: Generator1d,
    /// The discriminator's hidden layers.
    pub discriminator: NetConfig,
    /// The generator's objective (minimax or non-saturating; D's is the same for both).
    pub loss: GanLoss,
    /// Discriminator learning rate (Adam, β = (0.5, 0.999)).
    pub lr_d: f64,
    /// Generator learning rate.
    pub lr_g: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Discriminator steps per generator step.
    pub d_steps: usize,
    /// Hold G fixed and train only D.
    pub freeze_g: bool,
    /// Seed.
    pub seed: u64,
}

impl Default for OptimalDConfig {
    fn default() -> Self {
        Self {
            data: Mixture1d::mix2(),
            generator: Generator1d::Affine,
            discriminator: NetConfig { hidden: 64, layers: 2, activation: Activation::Relu },
            loss: GanLoss::NonSaturating,
            lr_d: 1e-3,
            lr_g: 1e-3,
            batch: 1024,
            d_steps: 1,
            freeze_g: false,
            seed: 0,
        }
    }
}

impl OptimalDConfig {
    /// Checks the settings, naming the first that is out of range.
    pub fn validate(&self) -> Result<(), TrainError> {
        Mixture1d::new(self.data.components.clone()).map_err(TrainError::Invalid)?;
        if self.loss == GanLoss::LeastSquares {
            return Err(TrainError::Invalid(
                "this lab plays the minimax game; choose minimax or non-saturating".to_owned(),
            ));
        }
        let net = self.discriminator;
        if !(2..=256).contains(&net.hidden) || !(1..=4).contains(&net.layers) {
            return Err(TrainError::Invalid(format!(
                "discriminator: width 2–256 and 1–4 layers, got {}×{}",
                net.hidden, net.layers
            )));
        }
        if let Generator1d::Mlp { hidden, layers } = self.generator {
            if !(2..=256).contains(&hidden) || !(1..=4).contains(&layers) {
                return Err(TrainError::Invalid(format!(
                    "generator: width 2–256 and 1–4 layers, got {hidden}×{layers}"
                )));
            }
        }
        for (who, lr) in [("discriminator", self.lr_d), ("generator", self.lr_g)] {
            OptimizerConfig::adam(lr).validate().map_err(|e| TrainError::Invalid(format!("{who}: {e}")))?;
        }
        if !(2..=8192).contains(&self.batch) {
            return Err(TrainError::Invalid(format!("batch size must be in 2..=8192, got {}", self.batch)));
        }
        if !(1..=10).contains(&self.d_steps) {
            return Err(TrainError::Invalid(format!("D steps per G step must be in 1..=10, got {}", self.d_steps)));
        }
        Ok(())
    }

    fn needs_restart(&self, other: &Self) -> bool {
        self.generator != other.generator || self.discriminator != other.discriminator || self.seed != other.seed
    }
}

/// What the lab measures at one moment (also the numbers of `summary.json`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OptimalDMetrics {
    /// sup |D − D*| over the plotted x where p_data + p_g ≥ 1 % of its peak.
    pub max_abs_d_minus_dstar: f64,
    /// V(D, G) = E log D(x) + E log(1 − D(G(z))) on 5000 real and 5000 generated samples.
    pub v_d_g: f64,
    /// V(D, G) by quadrature against p_data and p_g.
    pub v_d_g_quadrature: f64,
    /// C(G) = V(D*, G) by quadrature, computed from its definition.
    pub v_dstar_g: f64,
    /// −log 4 + 2·JSD(p_data ‖ p_g) by quadrature (task 3.3).
    pub minus_log4_plus_2jsd: f64,
    /// JSD(p_data ‖ p_g) by quadrature, nats.
    pub jsd: f64,
    /// D's loss written as −E log σ(l) − E log(1 − σ(l)) with a stable softplus.
    pub d_loss: f64,
    /// The same loss computed as binary cross-entropy with labels 1 (real) and 0 (generated).
    pub d_loss_as_bce: f64,
    /// The KDE bandwidth used for p_g (None when p_g is exact).
    pub kde_bandwidth: Option<f64>,
}

/// The largest |logit| [`bce_with_logits`] passes to candle's binary cross-entropy. Beyond
/// about ±17, σ rounds to 0 or 1 in f32, and the formula −[y log σ + (1 − y) log(1 − σ)] then
/// takes 0 · log 0 = NaN: the window showed "NaN" for D's loss as soon as D was sure of one
/// sample (found by the soak test, tests/ui_soak.rs).
pub const BCE_MAX_LOGIT: f32 = 15.0;

/// The mean binary cross-entropy of D's logits `out` against `label` (1 for real, 0 for
/// generated), by candle's `binary_cross_entropy_with_logit`, with the logits clamped to
/// ±[`BCE_MAX_LOGIT`] first: finite for every finite logit. Below the clamp a sample's term is
/// unchanged; beyond it, it is capped at about 15 nats (the stable softplus form, `d_loss`,
/// is not).
pub fn bce_with_logits(out: &Tensor, label: f32) -> Result<f64, TrainError> {
    let clamped = out.clamp(-BCE_MAX_LOGIT, BCE_MAX_LOGIT)?;
    let target = Tensor::full(label, out.shape(), out.device())?;
    Ok(f64::from(candle_nn::loss::binary_cross_entropy_with_logit(&clamped, &target)?.to_vec0::<f32>()?))
}

/// Curves of the lab.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct OptimalDHistory {
    /// sup |D − D*|.
    pub max_gap: Series,
    /// V(D, G) on samples.
    pub v_d_g: Series,
    /// −log 4 + 2·JSD.
    pub c_g: Series,
    /// JSD.
    pub jsd: Series,
}

impl OptimalDHistory {
    /// Every curve with the name a CSV gives it (the window's export).
    pub fn named(&self) -> Vec<(&'static str, &Series)> {
        vec![("max_gap", &self.max_gap), ("v_d_g", &self.v_d_g), ("c_g", &self.c_g), ("jsd", &self.jsd)]
    }
}

/// What the panels draw.
#[derive(Clone, Debug)]
pub struct OptimalDSnapshot {
    /// D steps done.
    pub d_steps: u64,
    /// G steps done.
    pub g_steps: u64,
    /// Settings in force.
    pub config: OptimalDConfig,
    /// The plotted x.
    pub xs: Vec<f64>,
    /// p_data(x).
    pub p_data: Vec<f64>,
    /// p_g(x), exact or KDE.
    pub p_g: Vec<f64>,
    /// The trained D(x).
    pub d: Vec<f64>,
    /// D*(x) = p_data/(p_data + p_g).
    pub d_star: Vec<f64>,
    /// Histogram densities of 5000 real samples.
    pub hist_real: Vec<f64>,
    /// Histogram densities of 5000 generated samples.
    pub hist_fake: Vec<f64>,
    /// The histograms' range and bins.
    pub hist_range: (f64, f64, usize),
    /// (a, b) of the affine generator.
    pub affine: Option<(f64, f64)>,
    /// The numbers.
    pub metrics: OptimalDMetrics,
    /// Curves.
    pub history: OptimalDHistory,
}

/// Commands of the lab.
#[derive(Clone, Debug)]
pub enum OptimalDCommand {
    /// One discriminator step.
    StepD,
    /// One generator step (even when frozen: an explicit step is the user's choice).
    StepG,
    /// New settings.
    SetConfig(Box<OptimalDConfig>),
}

/// Plotted grid points.
pub const GRID_POINTS: usize = 401;
/// Samples in the fixed evaluation sets.
pub const EVAL_SAMPLES: usize = 5000;
/// Histogram bins.
pub const HIST_BINS: usize = 60;
/// Share of the peak of p_data + p_g above which |D − D*| is measured.
pub const MASS_THRESHOLD: f64 = 0.01;
const QUAD_INTERVALS: usize = 8000;
const INIT_STREAM: u64 = 0x2545_f491_4f6c_dd1d;
const EVAL_STREAM: u64 = 0x9e6c_63d0_676a_9a99;

/// The trainer.
pub struct OptimalDTrainer {
    config: OptimalDConfig,
    device: Device,
    /// G and D, their optimisers and the fast path's buffers.
    pair: Adversaries,
    rng: super::rng::TrainRng,
    d_steps: u64,
    g_steps: u64,
    /// Iterations done ([`Self::iteration`]; single D or G steps are not counted).
    iterations: u64,
    real_eval: Arc<Vec<f32>>,
    noise_eval: Tensor,
    history: OptimalDHistory,
    last_d_loss: f64,
}

fn column(v: &[f32], device: &Device) -> Result<Tensor, TrainError> {
    Ok(Tensor::from_slice(v, (v.len(), 1), device)?)
}

fn values(t: &Tensor) -> Result<Vec<f32>, TrainError> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

impl OptimalDTrainer {
    /// A fresh run.
    pub fn new(config: OptimalDConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let device = Device::Cpu;
        let mut init = StdRng::seed_from_u64(config.seed ^ INIT_STREAM);
        let g_shape = match config.generator {
            Generator1d::Affine => MlpShape { input: 1, hidden: 1, layers: 0, output: 1, activation: Activation::Relu },
            Generator1d::Mlp { hidden, layers } => {
                MlpShape { input: 1, hidden, layers, output: 1, activation: Activation::Tanh }
            }
        };
        let generator = Mlp::new(g_shape, &mut init, &device)?;
        if config.generator == Generator1d::Affine {
            let layer = &generator.layers()[0];
            layer.weight.set(&Tensor::from_vec(vec![1f32], (1, 1), &device)?)?;
            layer.bias.set(&Tensor::from_vec(vec![0f32], 1, &device)?)?;
        }
        let NetConfig { hidden, layers, activation } = config.discriminator;
        let discriminator = Mlp::new(MlpShape { input: 1, hidden, layers, output: 1, activation }, &mut init, &device)?;
        let adam = |lr| OptimizerConfig { beta1: 0.5, ..OptimizerConfig::adam(lr) };
        let mut eval = StdRng::seed_from_u64(config.seed ^ EVAL_STREAM);
        let real_eval = Arc::new(config.data.sample(EVAL_SAMPLES, &mut eval));
        let z: Vec<f32> = (0..EVAL_SAMPLES).map(|_| StandardNormal.sample(&mut eval)).collect();
        Ok(Self {
            pair: Adversaries::new(generator, discriminator, adam(config.lr_g), adam(config.lr_d)),
            rng: super::rng::seeded(config.seed),
            noise_eval: column(&z, &device)?,
            real_eval,
            device,
            config,
            d_steps: 0,
            g_steps: 0,
            iterations: 0,
            history: OptimalDHistory::default(),
            last_d_loss: f64::NAN,
        })
    }

    /// Settings in force.
    pub fn config(&self) -> &OptimalDConfig {
        &self.config
    }

    /// D steps done.
    pub fn d_steps_done(&self) -> u64 {
        self.d_steps
    }

    /// G steps done.
    pub fn g_steps_done(&self) -> u64 {
        self.g_steps
    }

    /// The generator.
    pub fn generator(&self) -> &Mlp {
        &self.pair.generator
    }

    /// The discriminator.
    pub fn discriminator(&self) -> &Mlp {
        &self.pair.discriminator
    }

    /// New settings: data, loss, learning rates, batch, D steps and freezing apply live; the
    /// networks' shapes and the seed restart the run.
    pub fn set_config(&mut self, config: OptimalDConfig) -> Result<(), TrainError> {
        config.validate()?;
        if self.config.needs_restart(&config) {
            *self = Self::new(config)?;
            return Ok(());
        }
        if config.data != self.config.data {
            let mut eval = StdRng::seed_from_u64(config.seed ^ EVAL_STREAM);
            self.real_eval = Arc::new(config.data.sample(EVAL_SAMPLES, &mut eval));
        }
        let adam = |lr| OptimizerConfig { beta1: 0.5, ..OptimizerConfig::adam(lr) };
        self.pair.opt_d.set_config(adam(config.lr_d));
        self.pair.opt_g.set_config(adam(config.lr_g));
        self.config = config;
        Ok(())
    }

    fn noise(&mut self, n: usize) -> Result<Tensor, TrainError> {
        let z: Vec<f32> = (0..n).map(|_| StandardNormal.sample(&mut self.rng)).collect();
        column(&z, &self.device)
    }

    /// Trains through the fast path where it applies ([`Path::Fast`], the default) or
    /// through candle's autodiff ([`Path::Reference`]). Both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.pair.set_path(path);
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::fast::Threads`]).
    pub fn set_compute_threads(&mut self, threads: usize) {
        self.pair.set_compute_threads(threads);
    }

    /// One discriminator step; returns its loss.
    pub fn step_d(&mut self) -> Result<f64, TrainError> {
        let n = self.config.batch;
        let v = if self.pair.path() == Path::Reference {
            let real = self.config.data.sample(n, &mut self.rng);
            let real = column(&real, &self.device)?;
            let z = self.noise(n)?;
            let fake = self.pair.generator.forward(&z)?.detach();
            let loss = d_loss(
                self.config.loss,
                &self.pair.discriminator.forward(&real)?,
                &self.pair.discriminator.forward(&fake)?,
            )?;
            self.pair.opt_d.backward_step(&loss)?;
            f64::from(loss.to_vec0::<f32>()?)
        } else {
            // The same draws in the same order: real points, then noise.
            let nat = self.pair.fast();
            nat.real.set(&self.config.data.sample(n, &mut self.rng));
            let rng = &mut self.rng;
            nat.noise.draw(n, || StandardNormal.sample(rng));
            self.pair.fast_d_step(n, self.config.loss, None)?.0
        };
        self.d_steps += 1;
        if let Some(why) = super::loss_blow_up(v) {
            return Err(TrainError::Diverged {
                step: self.d_steps,
                what: format!("the discriminator's loss is {why}"),
            });
        }
        self.last_d_loss = v;
        Ok(v)
    }

    /// One generator step; returns its loss.
    pub fn step_g(&mut self) -> Result<f64, TrainError> {
        let n = self.config.batch;
        let v = if self.pair.path() == Path::Reference {
            let z = self.noise(n)?;
            let fake = self.pair.generator.forward(&z)?;
            let loss = g_loss(self.config.loss, &self.pair.discriminator.forward(&fake)?)?.mean_all()?;
            self.pair.opt_g.backward_step(&loss)?;
            f64::from(loss.to_vec0::<f32>()?)
        } else {
            let nat = self.pair.fast();
            let rng = &mut self.rng;
            nat.noise.draw(n, || StandardNormal.sample(rng));
            self.pair.fast_g_step(n, self.config.loss)?.0
        };
        self.g_steps += 1;
        if let Some(why) = super::loss_blow_up(v) {
            return Err(TrainError::Diverged { step: self.g_steps, what: format!("the generator's loss is {why}") });
        }
        Ok(v)
    }

    /// What the play button does: `d_steps` D steps, then a G step unless G is frozen.
    pub fn iteration(&mut self) -> Result<(), TrainError> {
        for _ in 0..self.config.d_steps {
            self.step_d()?;
        }
        if !self.config.freeze_g {
            self.step_g()?;
        }
        self.iterations += 1;
        Ok(())
    }

    /// Iterations done (what a headless run counts as its steps).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// (a, b) of the affine generator x = a·z + b.
    pub fn affine_params(&self) -> Option<(f64, f64)> {
        if self.config.generator != Generator1d::Affine {
            return None;
        }
        let layer = &self.pair.generator.layers()[0];
        let a = layer.weight.as_tensor().flatten_all().ok()?.to_vec1::<f32>().ok()?[0];
        let b = layer.bias.as_tensor().to_vec1::<f32>().ok()?[0];
        Some((f64::from(a), f64::from(b)))
    }

    /// D(x) = σ(logit) at the given points.
    pub fn d_at(&self, xs: &[f64]) -> Result<Vec<f64>, TrainError> {
        let x: Vec<f32> = xs.iter().map(|v| *v as f32).collect();
        let out = candle_nn::ops::sigmoid(&self.pair.discriminator.forward(&column(&x, &self.device)?)?)?;
        Ok(values(&out)?.into_iter().map(f64::from).collect())
    }

    /// G applied to the fixed evaluation noise.
    pub fn eval_fakes(&self) -> Result<Vec<f32>, TrainError> {
        values(&self.pair.generator.forward(&self.noise_eval)?)
    }

    /// Builds the snapshot: densities, D, D*, histograms and the numbers.
    pub fn build_snapshot(&mut self) -> Result<OptimalDSnapshot, TrainError> {
        let fakes = self.eval_fakes()?;
        if fakes.iter().any(|x| !x.is_finite()) {
            return Err(TrainError::Diverged {
                step: self.g_steps,
                what: "the generator's weights became non-finite".to_owned(),
            });
        }
        let affine = self.affine_params();
        let kde = if affine.is_some() { None } else { Kde::new(&fakes, None) };
        let p_g_at = |x: f64| match (affine, &kde) {
            (Some((a, b)), _) => gaussian_pdf(x, b, a.abs().max(1e-9)),
            (None, Some(k)) => k.pdf(x),
            (None, None) => 0.0,
        };
        let data = &self.config.data;
        let (mut lo, mut hi) = data.range(4.0);
        match (affine, fakes.iter().copied().map(f64::from).filter(|v| v.is_finite()).reduce(f64::min)) {
            (Some((a, b)), _) => {
                lo = lo.min(b - 4.0 * a.abs());
                hi = hi.max(b + 4.0 * a.abs());
            }
            (None, Some(min)) => {
                let max = fakes.iter().copied().map(f64::from).filter(|v| v.is_finite()).fold(min, f64::max);
                let pad = kde.as_ref().map_or(0.5, |k| 3.0 * k.bandwidth());
                lo = lo.min(min - pad);
                hi = hi.max(max + pad);
            }
            _ => {}
        }
        let xs = grid(lo, hi, GRID_POINTS);
        let p_data: Vec<f64> = xs.iter().map(|x| data.pdf(*x)).collect();
        let p_g: Vec<f64> = match &kde {
            Some(k) => k.pdf_grid(&xs),
            None => xs.iter().map(|x| p_g_at(*x)).collect(),
        };
        let d = self.d_at(&xs)?;
        let d_star: Vec<f64> = p_data.iter().zip(&p_g).map(|(p, q)| optimal_discriminator(*p, *q)).collect();
        let mass: Vec<f64> = p_data.iter().zip(&p_g).map(|(p, q)| p + q).collect();
        let peak = mass.iter().copied().fold(0.0, f64::max);
        let max_gap = max_abs_gap_where(&d, &d_star, &mass, MASS_THRESHOLD * peak).unwrap_or(f64::NAN);
        // Integrals run over ±10σ of every mode (or 10 bandwidths past the samples), wider
        // than the plot, so that no mass is cut off.
        let (mut qlo, mut qhi) = data.range(10.0);
        match (affine, &kde) {
            (Some((a, b)), _) => {
                qlo = qlo.min(b - 10.0 * a.abs());
                qhi = qhi.max(b + 10.0 * a.abs());
            }
            (None, Some(k)) => {
                let (klo, khi) = k.range(10.0);
                qlo = qlo.min(klo);
                qhi = qhi.max(khi);
            }
            (None, None) => {}
        }
        let p = |x: f64| data.pdf(x);
        let jsd_value = jsd(p, p_g_at, qlo, qhi, QUAD_INTERVALS);
        let v_star = value_at_optimum(p, p_g_at, qlo, qhi, QUAD_INTERVALS);
        // V(D, G) by quadrature on the grid's D (interpolated linearly), cheap and exact enough.
        let d_interp = |x: f64| interpolate(&xs, &d, x);
        let v_quad = value_of(d_interp, p, p_g_at, qlo, qhi, QUAD_INTERVALS);
        let real = column(&self.real_eval, &self.device)?;
        let out_real = self.pair.discriminator.forward(&real)?;
        let out_fake = self.pair.discriminator.forward(&column(&fakes, &self.device)?)?;
        let d_loss_value = f64::from(d_loss(GanLoss::Minimax, &out_real, &out_fake)?.to_vec0::<f32>()?);
        let d_loss_as_bce = bce_with_logits(&out_real, 1.0)? + bce_with_logits(&out_fake, 0.0)?;
        // V(D, G) = E log σ(l_real) + E log(1 − σ(l_fake)): the minimax D loss, negated.
        let v_d_g = -d_loss_value;
        let metrics = OptimalDMetrics {
            max_abs_d_minus_dstar: max_gap,
            v_d_g,
            v_d_g_quadrature: v_quad,
            v_dstar_g: v_star,
            minus_log4_plus_2jsd: MINUS_LOG_4 + 2.0 * jsd_value,
            jsd: jsd_value,
            d_loss: d_loss_value,
            d_loss_as_bce,
            kde_bandwidth: kde.as_ref().map(Kde::bandwidth),
        };
        let step = (self.d_steps + self.g_steps) as f64;
        self.history.max_gap.record(step, metrics.max_abs_d_minus_dstar);
        self.history.v_d_g.record(step, metrics.v_d_g);
        self.history.c_g.record(step, metrics.minus_log4_plus_2jsd);
        self.history.jsd.record(step, metrics.jsd);
        Ok(OptimalDSnapshot {
            d_steps: self.d_steps,
            g_steps: self.g_steps,
            config: self.config.clone(),
            hist_real: histogram(&self.real_eval, lo, hi, HIST_BINS),
            hist_fake: histogram(&fakes, lo, hi, HIST_BINS),
            hist_range: (lo, hi, HIST_BINS),
            xs,
            p_data,
            p_g,
            d,
            d_star,
            affine,
            metrics,
            history: self.history.clone(),
        })
    }
}

/// Linear interpolation of (xs, ys) at x (clamped to the ends).
fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let i = xs.partition_point(|v| *v <= x).clamp(1, n - 1);
    let t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    ys[i - 1] + t * (ys[i] - ys[i - 1])
}

impl Lab for OptimalDTrainer {
    type Command = OptimalDCommand;
    type Snapshot = OptimalDSnapshot;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.iteration()
    }

    fn apply(&mut self, command: OptimalDCommand) -> Result<(), TrainError> {
        match command {
            OptimalDCommand::StepD => self.step_d().map(|_| ()),
            OptimalDCommand::StepG => self.step_g().map(|_| ()),
            OptimalDCommand::SetConfig(c) => self.set_config(*c),
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        *self = Self::new(self.config.clone())?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<OptimalDSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.d_steps + self.g_steps
    }

    fn save_run(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, crate::train::run::RunError> {
        Self::save_run(self, dest)
    }

    fn open_run(dir: &std::path::Path) -> Result<Self, crate::train::run::RunError> {
        Self::open_run(dir)
    }
}
