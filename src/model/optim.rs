//! Optimisers over candle `Var`s: SGD, Adam and RMSProp, with hyper-parameters that can be
//! changed between steps (the UI changes learning rates live).

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, Var};

/// Which update rule an optimiser uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum OptimizerKind {
    /// Plain stochastic gradient descent.
    Sgd,
    /// Adam (Kingma & Ba), with bias correction.
    Adam,
    /// RMSProp (Tieleman & Hinton), no momentum, as in PyTorch's default.
    RmsProp,
}

impl OptimizerKind {
    /// Every kind, in the order menus list them.
    pub const ALL: [Self; 3] = [Self::Sgd, Self::Adam, Self::RmsProp];

    /// Short name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Adam => "adam",
            Self::RmsProp => "rmsprop",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// An optimiser's settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OptimizerConfig {
    /// Update rule.
    pub kind: OptimizerKind,
    /// Learning rate.
    pub lr: f64,
    /// Adam's β1 (first-moment decay).
    pub beta1: f64,
    /// Adam's β2 (second-moment decay); RMSProp's smoothing constant α.
    pub beta2: f64,
    /// Added to the denominator for stability.
    pub eps: f64,
}

impl OptimizerConfig {
    /// Adam with the usual β = (0.9, 0.999).
    pub fn adam(lr: f64) -> Self {
        Self { kind: OptimizerKind::Adam, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }

    /// Checks that the numbers make sense, naming the first that does not.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(format!("learning rate must be a positive number, got {}", self.lr));
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return Err(format!("β1 must be in [0, 1), got {}", self.beta1));
        }
        if !(0.0..1.0).contains(&self.beta2) {
            return Err(format!("β2 must be in [0, 1), got {}", self.beta2));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(format!("ε must be positive, got {}", self.eps));
        }
        Ok(())
    }
}

/// Per-variable state: Adam's two moments, or RMSProp's running square.
#[derive(Debug)]
struct Slot {
    m: Option<Tensor>,
    v: Option<Tensor>,
}

/// An optimiser bound to a list of variables.
#[derive(Debug)]
pub struct Optimizer {
    vars: Vec<Var>,
    config: OptimizerConfig,
    slots: Vec<Slot>,
    steps: u64,
}

impl Optimizer {
    /// An optimiser for `vars`, with fresh state.
    pub fn new(vars: Vec<Var>, config: OptimizerConfig) -> Self {
        let slots = vars.iter().map(|_| Slot { m: None, v: None }).collect();
        Self { vars, config, slots, steps: 0 }
    }

    /// The current settings.
    pub fn config(&self) -> OptimizerConfig {
        self.config
    }

    /// Changes the settings; a change of kind starts the state afresh.
    pub fn set_config(&mut self, config: OptimizerConfig) {
        if config.kind != self.config.kind {
            *self = Self::new(std::mem::take(&mut self.vars), config);
        } else {
            self.config = config;
        }
    }

    /// Computes gradients of `loss` and applies one update.
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
        let grads = loss.backward()?;
        self.step(&grads)
    }

    /// Applies one update with gradients already computed. Variables without a gradient
    /// (not on the loss's graph) are left alone.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.steps += 1;
        let OptimizerConfig { kind, lr, beta1, beta2, eps } = self.config;
        let t = self.steps as i32;
        for (var, slot) in self.vars.iter().zip(self.slots.iter_mut()) {
            // candle leaves a variable's gradient attached to the forward graph; detach it,
            // or the optimiser's moments would chain every step's graph and leak memory.
            let Some(g) = grads.get(var.as_tensor()).map(Tensor::detach) else {
                continue;
            };
            let g = &g;
            let w = var.as_tensor();
            let next = match kind {
                OptimizerKind::Sgd => (w - (g * lr)?)?,
                OptimizerKind::Adam => {
                    let m = match &slot.m {
                        Some(m) => ((m * beta1)? + (g * (1.0 - beta1))?)?,
                        None => (g * (1.0 - beta1))?,
                    };
                    let v = match &slot.v {
                        Some(v) => ((v * beta2)? + (g.sqr()? * (1.0 - beta2))?)?,
                        None => (g.sqr()? * (1.0 - beta2))?,
                    };
                    let m_hat_scale = 1.0 / (1.0 - beta1.powi(t));
                    let v_hat_scale = 1.0 / (1.0 - beta2.powi(t));
                    let denom = ((&v * v_hat_scale)?.sqrt()? + eps)?;
                    let update = ((&m * (lr * m_hat_scale))? / denom)?;
                    slot.m = Some(m);
                    slot.v = Some(v);
                    (w - update)?
                }
                OptimizerKind::RmsProp => {
                    let v = match &slot.v {
                        Some(v) => ((v * beta2)? + (g.sqr()? * (1.0 - beta2))?)?,
                        None => (g.sqr()? * (1.0 - beta2))?,
                    };
                    let update = ((g * lr)? / (v.sqrt()? + eps)?)?;
                    slot.v = Some(v);
                    (w - update)?
                }
            };
            var.set(&next)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn scalar_var(x: f32) -> Var {
        Var::from_vec(vec![x], 1, &Device::Cpu).unwrap()
    }

    fn value(v: &Var) -> f32 {
        v.as_tensor().to_vec1::<f32>().unwrap()[0]
    }

    #[test]
    fn sgd_step_is_w_minus_lr_grad() {
        // loss = w², grad = 2w = 6 at w = 3; w' = 3 - 0.1·6 = 2.4.
        let w = scalar_var(3.0);
        let mut opt =
            Optimizer::new(vec![w.clone()], OptimizerConfig { kind: OptimizerKind::Sgd, ..OptimizerConfig::adam(0.1) });
        opt.backward_step(&w.as_tensor().sqr().unwrap().sum_all().unwrap()).unwrap();
        assert!((value(&w) - 2.4).abs() < 1e-6);
    }

    #[test]
    fn adam_first_step_moves_by_lr_times_sign() {
        // With bias correction, Adam's first step is lr·g/(|g| + ε) ≈ lr·sign(g).
        let w = scalar_var(3.0);
        let mut opt = Optimizer::new(vec![w.clone()], OptimizerConfig::adam(0.01));
        opt.backward_step(&w.as_tensor().sqr().unwrap().sum_all().unwrap()).unwrap();
        assert!((value(&w) - 2.99).abs() < 1e-6, "{}", value(&w));
    }

    #[test]
    fn rmsprop_first_step_matches_formula() {
        // v = (1-α)·g² = 0.01·36 = 0.36; step = lr·g/(√v + ε) = 0.01·6/0.6 = 0.1.
        let w = scalar_var(3.0);
        let cfg = OptimizerConfig { kind: OptimizerKind::RmsProp, lr: 0.01, beta1: 0.0, beta2: 0.99, eps: 1e-8 };
        let mut opt = Optimizer::new(vec![w.clone()], cfg);
        opt.backward_step(&w.as_tensor().sqr().unwrap().sum_all().unwrap()).unwrap();
        assert!((value(&w) - 2.9).abs() < 1e-5, "{}", value(&w));
    }

    #[test]
    fn every_kind_minimises_a_quadratic() {
        for kind in OptimizerKind::ALL {
            let w = scalar_var(3.0);
            let lr = if kind == OptimizerKind::Sgd { 0.1 } else { 0.05 };
            let mut opt = Optimizer::new(vec![w.clone()], OptimizerConfig { kind, ..OptimizerConfig::adam(lr) });
            for _ in 0..500 {
                let loss = (w.as_tensor() - 1.0).unwrap().sqr().unwrap().sum_all().unwrap();
                opt.backward_step(&loss).unwrap();
            }
            assert!((value(&w) - 1.0).abs() < 0.05, "{kind:?} ended at {}", value(&w));
        }
    }

    #[test]
    fn validate_names_the_bad_number() {
        assert!(OptimizerConfig::adam(0.0).validate().unwrap_err().contains("learning rate"));
        assert!(OptimizerConfig { beta2: 1.0, ..OptimizerConfig::adam(1e-3) }.validate().unwrap_err().contains("β2"));
        OptimizerConfig::adam(1e-3).validate().unwrap();
    }
}
