//! The JS vs W1 lab (sheet tasks 4.1, 4.2, 4.4): the parallel lines μ0 = law of (0, Y) and
//! μθ = law of (θ, Y), Y ~ U[0, 1]. Closed forms at θ, the estimates that a trained
//! discriminator (JS through C(G) = −log 4 + 2·JSD) and a Lipschitz critic (W1) give, their
//! gradients in θ, and a race of gradient descent on θ under each objective.

use candle_core::{Device, Tensor, Var};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use super::rng::TrainRng;
use super::series::Series;
use super::worker::Lab;
use super::TrainError;

mod saved;
use crate::fast::critic::NativePair;
use crate::fast::Path;
use crate::model::critic::{clip_weights, input_gradient, lipschitz_estimate, SpectralNorm};
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::model::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::objective::gan::{d_loss, g_loss, GanLoss};
use crate::objective::penalty::gradient_penalty;
use crate::theory::lines;
pub use saved::LAB;

/// How the critic is kept Lipschitz.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Constraint {
    /// Weight clipping to [−c, c] after each step (WGAN; the bound it gives is loose and unknown).
    Clip {
        /// The clipping bound c.
        c: f64,
    },
    /// λ·E(‖∇ₓf(x̂)‖ − 1)² on random interpolates (WGAN-GP).
    GradientPenalty {
        /// The penalty weight λ.
        lambda: f64,
    },
    /// Every weight divided by its spectral norm (one power iteration per step).
    SpectralNorm,
}

impl Constraint {
    /// A name for menus and files.
    pub fn label(self) -> String {
        match self {
            Self::Clip { c } => format!("weight clipping, c = {c}"),
            Self::GradientPenalty { lambda } => format!("gradient penalty, λ = {lambda}"),
            Self::SpectralNorm => "spectral normalisation".to_owned(),
        }
    }
}

/// Settings of the lab.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinesConfig {
    /// The offset θ of the second line.
    pub theta: f64,
    /// The critic's Lipschitz constraint.
    pub constraint: Constraint,
    /// Samples of each line per step.
    pub batch: usize,
    /// Learning rate of the discriminator and the critic (Adam, β = (0.5, 0.9)).
    pub lr: f64,
    /// θ's start in the race.
    pub theta0: f64,
    /// θ's learning rate in the race (plain gradient descent).
    pub lr_theta: f64,
    /// Discriminator/critic steps per θ step in the race.
    pub inner_steps: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for LinesConfig {
    fn default() -> Self {
        Self {
            theta: 0.5,
            constraint: Constraint::GradientPenalty { lambda: 10.0 },
            batch: 256,
            lr: 1e-3,
            theta0: 1.0,
            lr_theta: 0.02,
            inner_steps: 5,
            seed: 0,
        }
    }
}

impl LinesConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), TrainError> {
        if !(self.theta.is_finite() && (-2.0..=2.0).contains(&self.theta)) {
            return Err(TrainError::Invalid(format!("θ must be in [−2, 2], got {}", self.theta)));
        }
        if !(self.theta0.is_finite() && (-2.0..=2.0).contains(&self.theta0)) {
            return Err(TrainError::Invalid(format!("θ0 must be in [−2, 2], got {}", self.theta0)));
        }
        match self.constraint {
            Constraint::Clip { c } if !(c.is_finite() && c > 0.0) => {
                return Err(TrainError::Invalid(format!("the clipping bound must be positive, got {c}")))
            }
            Constraint::GradientPenalty { lambda } if !(lambda.is_finite() && lambda >= 0.0) => {
                return Err(TrainError::Invalid(format!("λ must be ≥ 0, got {lambda}")))
            }
            _ => {}
        }
        if !(2..=8192).contains(&self.batch) {
            return Err(TrainError::Invalid(format!("batch must be in 2..=8192, got {}", self.batch)));
        }
        if !(1..=20).contains(&self.inner_steps) {
            return Err(TrainError::Invalid(format!("inner steps must be in 1..=20, got {}", self.inner_steps)));
        }
        for (what, lr) in [("learning rate", self.lr), ("θ's learning rate", self.lr_theta)] {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(TrainError::Invalid(format!("{what} must be positive, got {lr}")));
            }
        }
        Ok(())
    }
}

/// A discriminator (probability via a logit) and a critic, trained at one θ.
struct Pair {
    d: Mlp,
    opt_d: Optimizer,
    critic: Mlp,
    opt_c: Optimizer,
    sn: Option<SpectralNorm>,
    /// The fast path's passes (see [`crate::fast::critic`]); the spectrally normalised critic stays
    /// in candle.
    native: NativePair,
    /// The fast path or candle's autodiff.
    path: Path,
}

fn net_shape() -> MlpShape {
    MlpShape { input: 2, hidden: 64, layers: 2, output: 1, activation: Activation::LeakyRelu }
}

impl Pair {
    fn new(config: &LinesConfig, rng: &mut TrainRng, device: &Device) -> Result<Self, TrainError> {
        let d = Mlp::new(net_shape(), rng, device)?;
        let critic = Mlp::new(net_shape(), rng, device)?;
        let adam = OptimizerConfig { kind: OptimizerKind::Adam, lr: config.lr, beta1: 0.5, beta2: 0.9, eps: 1e-8 };
        let sn = match config.constraint {
            Constraint::SpectralNorm => Some(SpectralNorm::new(&critic, rng)?),
            _ => None,
        };
        let native = NativePair::new(net_shape());
        Ok(Self {
            opt_d: Optimizer::new(d.vars(), adam),
            opt_c: Optimizer::new(critic.vars(), adam),
            d,
            critic,
            sn,
            native,
            path: Path::Fast,
        })
    }

    fn critic_forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.sn {
            Some(sn) => sn.forward(&self.critic, x),
            None => self.critic.forward(x),
        }
    }

    /// One discriminator step: real (0, y) labelled 1, fake (θ, y) labelled 0.
    fn step_d(&mut self, real: &Tensor, fake: &Tensor) -> Result<(), TrainError> {
        if self.path == Path::Fast {
            let nat = &mut self.native;
            let n = real.dim(0)?;
            let (real, fake) = (real.flatten_all()?.to_vec1::<f32>()?, fake.flatten_all()?.to_vec1::<f32>()?);
            nat.d_step(&self.d, &mut self.opt_d, &real, &fake, n)?;
            return Ok(());
        }
        let loss = d_loss(GanLoss::NonSaturating, &self.d.forward(real)?, &self.d.forward(fake)?)?;
        self.opt_d.backward_step(&loss)?;
        Ok(())
    }

    /// One critic step, maximising E f(fake) − E f(real) under the constraint.
    fn step_critic(
        &mut self,
        real: &Tensor,
        fake: &Tensor,
        constraint: Constraint,
        rng: &mut StdRng,
    ) -> Result<(), TrainError> {
        if let (Path::Fast, None) = (self.path, &self.sn) {
            let nat = &mut self.native;
            // loss = E f(real) − E f(fake) (+ the penalty), as below through candle.
            let n = real.dim(0)?;
            let (real, fake) = (real.flatten_all()?.to_vec1::<f32>()?, fake.flatten_all()?.to_vec1::<f32>()?);
            let alpha: Vec<f32> = match constraint {
                Constraint::GradientPenalty { .. } => (0..n).map(|_| rng.random_range(0.0f32..1.0)).collect(),
                _ => Vec::new(),
            };
            let penalty = match constraint {
                Constraint::GradientPenalty { lambda } => Some((lambda as f32, alpha.as_slice())),
                _ => None,
            };
            nat.critic_step(&self.critic, &mut self.opt_c, &real, &fake, n, penalty)?;
            if let Constraint::Clip { c } = constraint {
                clip_weights(&self.critic, c)?;
            }
            return Ok(());
        }
        if let Some(sn) = &mut self.sn {
            sn.update(&self.critic)?;
        }
        // The Wasserstein critic loss with the roles swapped: the line at θ is scored up.
        let mut loss = d_loss(GanLoss::WganGp, &self.critic_forward(fake)?, &self.critic_forward(real)?)?;
        if let Constraint::GradientPenalty { lambda } = constraint {
            let n = real.dim(0)?;
            let alpha: Vec<f32> = (0..n).map(|_| rng.random_range(0.0f32..1.0)).collect();
            let alpha = Tensor::from_vec(alpha, (n, 1), real.device())?;
            loss = (loss + gradient_penalty(&self.critic, real, fake, &alpha, lambda)?)?;
        }
        self.opt_c.backward_step(&loss)?;
        if let Constraint::Clip { c } = constraint {
            clip_weights(&self.critic, c)?;
        }
        Ok(())
    }
}

/// Closed forms and learned estimates at one θ.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimates {
    /// θ.
    pub theta: f64,
    /// JS(μ0, μθ), closed form.
    pub js: f64,
    /// KL(μ0 ‖ μθ) (∞ for θ ≠ 0).
    pub kl: f64,
    /// KL(μθ ‖ μ0).
    pub kl_reverse: f64,
    /// Total variation.
    pub tv: f64,
    /// W1 = |θ|.
    pub w1: f64,
    /// (V(D, G) + log 4)/2 with the trained discriminator.
    pub js_estimate: f64,
    /// E f(μθ) − E f(μ0) with the trained critic.
    pub w1_estimate: f64,
    /// The JS estimate's noise band: twice the standard deviation of the estimates at the
    /// last [`JS_NOISE_WINDOW`] evaluations at this θ (D goes on training on fresh minibatches
    /// between them); None until there are [`JS_NOISE_MIN`].
    pub js_noise_band: Option<f64>,
    /// d/dθ of the JS estimate, D held fixed.
    pub js_grad_theta: f64,
    /// d/dθ of the W1 estimate, f held fixed.
    pub w1_grad_theta: f64,
    /// Largest ‖∇ₓf‖ over samples and interpolates.
    pub lipschitz_estimate: f64,
    /// Training steps of D and the critic since θ last changed.
    pub steps_at_theta: u64,
}

/// The race's state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RaceHistory {
    /// θ of the GAN run over steps.
    pub theta_gan: Series,
    /// θ of the WGAN run over steps.
    pub theta_wgan: Series,
}

impl RaceHistory {
    /// Both racers' θ with the names a CSV gives them (the window's export).
    pub fn named(&self) -> Vec<(&'static str, &Series)> {
        vec![("race_theta_gan", &self.theta_gan), ("race_theta_wgan", &self.theta_wgan)]
    }
}

/// What the panels draw.
#[derive(Clone, Debug)]
pub struct LinesSnapshot {
    /// Settings in force.
    pub config: LinesConfig,
    /// Estimates at θ.
    pub estimates: Estimates,
    /// Samples of μ0 and μθ for the plane view.
    pub samples: (Vec<[f32; 2]>, Vec<[f32; 2]>),
    /// Whether the race is running.
    pub racing: bool,
    /// Race steps done.
    pub race_steps: u64,
    /// θ of both racers now.
    pub race_theta: (f64, f64),
    /// Their histories.
    pub race: RaceHistory,
}

/// Commands of the lab.
#[derive(Clone, Debug)]
pub enum LinesCommand {
    /// New settings (θ from the slider included).
    SetConfig(Box<LinesConfig>),
    /// Start or stop the race.
    SetRacing(bool),
    /// Put both racers back at θ0.
    ResetRace,
}

struct Race {
    theta_gan: Var,
    theta_wgan: Var,
    pair: Pair,
    steps: u64,
    history: RaceHistory,
}

/// Samples per line for the evaluation.
pub const EVAL_SAMPLES: usize = 2000;
/// How many of the latest JS estimates at one θ give its noise band.
pub const JS_NOISE_WINDOW: usize = 20;
/// How many estimates at one θ a noise band needs.
pub const JS_NOISE_MIN: usize = 5;
/// The slider's θ snaps to 0 within this distance: dragging skipped 0 (0.08 → −0.01), the one
/// θ where the two laws meet (issue 14, item 12).
pub const THETA_SNAP: f64 = 0.025;

/// θ as the slider sets it: 0 within [`THETA_SNAP`] of 0, otherwise unchanged.
pub fn snap_theta(theta: f64) -> f64 {
    if theta.abs() < THETA_SNAP {
        0.0
    } else {
        theta
    }
}

/// Twice the sample standard deviation of `estimates` (None for fewer than [`JS_NOISE_MIN`]).
pub fn noise_band(estimates: &[f64]) -> Option<f64> {
    let n = estimates.len();
    if n < JS_NOISE_MIN {
        return None;
    }
    let mean = estimates.iter().sum::<f64>() / n as f64;
    let var = estimates.iter().map(|e| (e - mean) * (e - mean)).sum::<f64>() / (n - 1) as f64;
    Some(2.0 * var.sqrt())
}

/// The trainer: estimators at the slider's θ, and the race.
pub struct LinesTrainer {
    config: LinesConfig,
    device: Device,
    rng: TrainRng,
    pair: Pair,
    steps_at_theta: u64,
    /// The latest JS estimates at this θ, for its noise band.
    js_recent: std::collections::VecDeque<f64>,
    race: Race,
    racing: bool,
    eval_y: Tensor,
}

fn line_points(x: &Tensor, y: &Tensor) -> candle_core::Result<Tensor> {
    Tensor::cat(&[x, y], 1)
}

impl LinesTrainer {
    /// A fresh lab.
    pub fn new(config: LinesConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let device = Device::Cpu;
        let mut rng = super::rng::seeded(config.seed);
        let pair = Pair::new(&config, &mut rng, &device)?;
        let race = Self::new_race(&config, &mut rng, &device)?;
        let ys: Vec<f32> = (0..EVAL_SAMPLES).map(|i| (i as f32 + 0.5) / EVAL_SAMPLES as f32).collect();
        Ok(Self {
            eval_y: Tensor::from_vec(ys, (EVAL_SAMPLES, 1), &device)?,
            config,
            device,
            rng,
            pair,
            steps_at_theta: 0,
            js_recent: std::collections::VecDeque::new(),
            race,
            racing: false,
        })
    }

    fn new_race(config: &LinesConfig, rng: &mut TrainRng, device: &Device) -> Result<Race, TrainError> {
        let theta = |v: f64| Var::from_vec(vec![v as f32], (1, 1), device);
        Ok(Race {
            theta_gan: theta(config.theta0)?,
            theta_wgan: theta(config.theta0)?,
            pair: Pair::new(config, rng, device)?,
            steps: 0,
            history: RaceHistory::default(),
        })
    }

    /// Settings in force.
    pub fn config(&self) -> &LinesConfig {
        &self.config
    }

    /// New settings: θ moves the estimators (warm-started); a new constraint, learning rate or
    /// seed rebuilds them.
    pub fn set_config(&mut self, config: LinesConfig) -> Result<(), TrainError> {
        config.validate()?;
        let rebuild = config.constraint != self.config.constraint
            || config.lr != self.config.lr
            || config.seed != self.config.seed;
        if config.theta != self.config.theta {
            self.steps_at_theta = 0;
            self.js_recent.clear();
        }
        if rebuild {
            self.pair = Pair::new(&config, &mut self.rng, &self.device)?;
            self.race = Self::new_race(&config, &mut self.rng, &self.device)?;
            self.steps_at_theta = 0;
            self.js_recent.clear();
        }
        self.config = config;
        Ok(())
    }

    fn uniform(&mut self, n: usize) -> Result<Tensor, TrainError> {
        let y: Vec<f32> = (0..n).map(|_| self.rng.random_range(0.0f32..1.0)).collect();
        Ok(Tensor::from_vec(y, (n, 1), &self.device)?)
    }

    fn batch(&mut self, theta: &Tensor) -> Result<(Tensor, Tensor), TrainError> {
        let n = self.config.batch;
        let (y0, y1) = (self.uniform(n)?, self.uniform(n)?);
        let real = line_points(&y0.zeros_like()?, &y0)?;
        let fake = line_points(&theta.broadcast_as((n, 1))?, &y1)?;
        Ok((real, fake))
    }

    /// Trains through the fast path ([`Path::Fast`], the default; the spectrally normalised
    /// critic always takes candle) or through candle's autodiff ([`Path::Reference`]). Both
    /// compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.pair.path = path;
        self.race.pair.path = path;
    }

    /// One step of the discriminator and the critic at the slider's θ.
    pub fn estimator_step(&mut self) -> Result<(), TrainError> {
        let theta = Tensor::from_vec(vec![self.config.theta as f32], (1, 1), &self.device)?;
        let (real, fake) = self.batch(&theta)?;
        self.pair.step_d(&real, &fake)?;
        let (real, fake) = self.batch(&theta)?;
        let constraint = self.config.constraint;
        let mut rng = StdRng::seed_from_u64(self.rng.random());
        self.pair.step_critic(&real, &fake, constraint, &mut rng)?;
        self.steps_at_theta += 1;
        Ok(())
    }

    /// One race step: `inner_steps` D and critic steps at each racer's θ, then one gradient
    /// step on each θ (the GAN's θ on the sheet's minimax loss E log(1 − D(θ, y)), the WGAN's θ
    /// on E f(θ, y), the critic's estimate of W1).
    pub fn race_step(&mut self) -> Result<(), TrainError> {
        let constraint = self.config.constraint;
        for _ in 0..self.config.inner_steps {
            let theta_gan = self.race.theta_gan.as_tensor().detach();
            let (real, fake) = self.batch(&theta_gan)?;
            self.race.pair.step_d(&real, &fake)?;
            let theta_wgan = self.race.theta_wgan.as_tensor().detach();
            let (real, fake) = self.batch(&theta_wgan)?;
            let mut rng = StdRng::seed_from_u64(self.rng.random());
            self.race.pair.step_critic(&real, &fake, constraint, &mut rng)?;
        }
        let n = self.config.batch;
        let lr = self.config.lr_theta;
        // GAN: θ ← θ − lr · d/dθ E log(1 − D(θ, y)) = θ + lr · d/dθ E softplus(l).
        let y = self.uniform(n)?;
        let fake = line_points(&self.race.theta_gan.as_tensor().broadcast_as((n, 1))?, &y)?;
        let loss = g_loss(GanLoss::Minimax, &self.race.pair.d.forward(&fake)?)?.mean_all()?;
        step_theta(&self.race.theta_gan, &loss, lr)?;
        // WGAN: θ ← θ − lr · d/dθ (E f(θ, y) − E f(0, y)).
        let y = self.uniform(n)?;
        let fake = line_points(&self.race.theta_wgan.as_tensor().broadcast_as((n, 1))?, &y)?;
        let loss = self.race.pair.critic_forward(&fake)?.mean_all()?;
        step_theta(&self.race.theta_wgan, &loss, lr)?;
        self.race.steps += 1;
        let (g, w) = self.race_theta()?;
        if !(g.is_finite() && w.is_finite()) {
            return Err(TrainError::Diverged {
                step: self.race.steps,
                what: format!("θ became {g} (GAN) and {w} (WGAN)"),
            });
        }
        let s = self.race.steps as f64;
        self.race.history.theta_gan.push(s, g);
        self.race.history.theta_wgan.push(s, w);
        Ok(())
    }

    /// θ of the GAN racer and of the WGAN racer.
    pub fn race_theta(&self) -> Result<(f64, f64), TrainError> {
        let v =
            |t: &Var| -> Result<f64, TrainError> { Ok(f64::from(t.as_tensor().flatten_all()?.to_vec1::<f32>()?[0])) };
        Ok((v(&self.race.theta_gan)?, v(&self.race.theta_wgan)?))
    }

    /// Race steps done.
    pub fn race_steps(&self) -> u64 {
        self.race.steps
    }

    /// The race's curves.
    pub fn race_history(&self) -> &RaceHistory {
        &self.race.history
    }

    /// Puts both racers back at θ0 with fresh networks.
    pub fn reset_race(&mut self) -> Result<(), TrainError> {
        self.race = Self::new_race(&self.config, &mut self.rng, &self.device)?;
        Ok(())
    }

    /// Closed forms and learned estimates at the slider's θ, with their gradients in θ.
    pub fn estimates(&self) -> Result<Estimates, TrainError> {
        let theta_value = self.config.theta;
        let n = EVAL_SAMPLES;
        let theta = Var::from_vec(vec![theta_value as f32], (1, 1), &self.device)?;
        let real = line_points(&self.eval_y.zeros_like()?, &self.eval_y)?;
        let fake = line_points(&theta.as_tensor().broadcast_as((n, 1))?, &self.eval_y)?;
        // JS through the discriminator: (V(D, G) + log 4)/2, V = E log D(real) + E log(1 − D(fake)).
        let v = d_loss(GanLoss::Minimax, &self.pair.d.forward(&real)?, &self.pair.d.forward(&fake)?)?.neg()?;
        let js_estimate = (f64::from(v.to_vec0::<f32>()?) + 4f64.ln()) / 2.0;
        let js_grad = (v
            .backward()?
            .get(theta.as_tensor())
            .map(|g| g.flatten_all().and_then(|g| g.to_vec1::<f32>()))
            .transpose()?)
        .map_or(0.0, |g| f64::from(g[0]) / 2.0);
        let theta = Var::from_vec(vec![theta_value as f32], (1, 1), &self.device)?;
        let fake = line_points(&theta.as_tensor().broadcast_as((n, 1))?, &self.eval_y)?;
        let w = (self.pair.critic_forward(&fake)?.mean_all()? - self.pair.critic_forward(&real)?.mean_all()?)?;
        let w1_estimate = f64::from(w.to_vec0::<f32>()?);
        let w1_grad = (w
            .backward()?
            .get(theta.as_tensor())
            .map(|g| g.flatten_all().and_then(|g| g.to_vec1::<f32>()))
            .transpose()?)
        .map_or(0.0, |g| f64::from(g[0]));
        let lipschitz = self.lipschitz(&real, &fake.detach())?;
        Ok(Estimates {
            theta: theta_value,
            js: lines::js(theta_value),
            kl: lines::kl(theta_value),
            kl_reverse: lines::kl_reverse(theta_value),
            tv: lines::tv(theta_value),
            w1: lines::w1(theta_value),
            js_estimate,
            js_noise_band: None,
            w1_estimate,
            js_grad_theta: js_grad,
            w1_grad_theta: w1_grad,
            lipschitz_estimate: lipschitz,
            steps_at_theta: self.steps_at_theta,
        })
    }

    /// Largest ‖∇ₓf‖ of the critic over the samples and their midpoints.
    fn lipschitz(&self, real: &Tensor, fake: &Tensor) -> Result<f64, TrainError> {
        let mid = ((real + fake)? * 0.5)?;
        let all = Tensor::cat(&[real, fake, &mid], 0)?;
        let grad = match &self.pair.sn {
            Some(sn) => sn.input_gradient(&self.pair.critic, &all)?.1,
            None => input_gradient(&self.pair.critic, &all)?.1,
        };
        Ok(lipschitz_estimate(&grad)?)
    }

    /// Builds the snapshot.
    pub fn build_snapshot(&mut self) -> Result<LinesSnapshot, TrainError> {
        let mut estimates = self.estimates()?;
        // The band counts evaluations after training steps at this θ (a redraw while paused
        // adds nothing new).
        if self.js_recent.back() != Some(&estimates.js_estimate) {
            self.js_recent.push_back(estimates.js_estimate);
            if self.js_recent.len() > JS_NOISE_WINDOW {
                self.js_recent.pop_front();
            }
        }
        estimates.js_noise_band = noise_band(self.js_recent.make_contiguous());
        let mut rng = StdRng::seed_from_u64(7);
        let theta = self.config.theta;
        let samples = (lines::sample(0.0, 300, &mut rng), lines::sample(theta, 300, &mut rng));
        Ok(LinesSnapshot {
            config: self.config.clone(),
            estimates,
            samples,
            racing: self.racing,
            race_steps: self.race.steps,
            race_theta: self.race_theta()?,
            race: self.race.history.clone(),
        })
    }
}

fn step_theta(theta: &Var, loss: &Tensor, lr: f64) -> Result<(), TrainError> {
    let grads = loss.backward()?;
    if let Some(g) = grads.get(theta.as_tensor()) {
        let next = (theta.as_tensor() - (g.detach() * lr)?)?;
        theta.set(&next)?;
    }
    Ok(())
}

impl Lab for LinesTrainer {
    type Command = LinesCommand;
    type Snapshot = LinesSnapshot;

    /// While "playing", the estimators train at θ and, when the race runs, the race advances.
    fn play_step(&mut self) -> Result<(), TrainError> {
        self.estimator_step()?;
        if self.racing {
            self.race_step()?;
        }
        Ok(())
    }

    fn apply(&mut self, command: LinesCommand) -> Result<(), TrainError> {
        match command {
            LinesCommand::SetConfig(c) => self.set_config(*c),
            LinesCommand::SetRacing(on) => {
                self.racing = on;
                Ok(())
            }
            LinesCommand::ResetRace => self.reset_race(),
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        *self = Self::new(self.config.clone())?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<LinesSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.steps_at_theta + self.race.steps
    }

    fn save_run(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, crate::train::run::RunError> {
        Self::save_run(self, dest)
    }

    fn open_run(dir: &std::path::Path) -> Result<Self, crate::train::run::RunError> {
        Self::open_run(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_snaps_to_zero_only_near_it() {
        assert_eq!(snap_theta(-0.01), 0.0);
        assert_eq!(snap_theta(0.024), 0.0);
        assert_eq!(snap_theta(0.03), 0.03);
        assert_eq!(snap_theta(-1.5), -1.5);
    }

    #[test]
    fn the_noise_band_is_twice_the_sample_standard_deviation() {
        assert_eq!(noise_band(&[0.1, 0.2, 0.3, 0.4]), None);
        // Mean 0.3, squared deviations 0.04+0.01+0+0.01+0.04 = 0.1, /4 = 0.025.
        let band = noise_band(&[0.1, 0.2, 0.3, 0.4, 0.5]).unwrap();
        assert!((band - 2.0 * 0.025f64.sqrt()).abs() < 1e-12, "{band}");
        assert!(noise_band(&[0.7; 6]).is_some_and(|b| b < 1e-12), "equal estimates: no noise");
    }
}
