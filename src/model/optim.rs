//! Optimisers over candle `Var`s: SGD, Adam and RMSProp, with hyper-parameters that can be
//! changed between steps (the UI changes learning rates live).

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, Var};

use crate::fast::kernels::update::{self, Rule};
use crate::fast::kernels::Isa;
use crate::fast::mlp::{copy_tensor, modify_in_place};

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

/// What an optimiser remembers between steps, as plain numbers (see [`Optimizer::state`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// Updates applied so far.
    pub steps: u64,
    /// Adam's first moment, per variable (empty before a variable's first update).
    pub m: Vec<Vec<f32>>,
    /// Adam's second moment or RMSProp's running square, per variable.
    pub v: Vec<Vec<f32>>,
}

/// An optimiser bound to a list of variables. Its state (Adam's two moments, RMSProp's
/// running square) is kept as plain numbers, and each update is one fused loop over a
/// variable's elements; the candle path ([`Self::step`]) and the fast path
/// ([`Self::step_slices`]) share it, so both apply the same update to the same state.
#[derive(Debug)]
pub struct Optimizer {
    vars: Vec<Var>,
    config: OptimizerConfig,
    /// Adam's first moment, per variable (empty until the first step).
    m: Vec<Vec<f32>>,
    /// Adam's second moment or RMSProp's running square, per variable.
    v: Vec<Vec<f32>>,
    steps: u64,
    /// Scratch: a gradient copied out of a candle tensor.
    grad: Vec<f32>,
}

impl Optimizer {
    /// An optimiser for `vars`, with fresh state.
    pub fn new(vars: Vec<Var>, config: OptimizerConfig) -> Self {
        let empty = vec![Vec::new(); vars.len()];
        Self { vars, config, m: empty.clone(), v: empty, steps: 0, grad: Vec::new() }
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

    /// The state carried between steps: the step count (Adam's bias correction depends on
    /// it) and the moments, one list per variable in the optimiser's order (empty for a
    /// variable not yet updated). With the weights, enough to continue training exactly.
    pub fn state(&self) -> OptimizerState {
        OptimizerState { steps: self.steps, m: self.m.clone(), v: self.v.clone() }
    }

    /// Puts back a state saved by [`Self::state`]. A state of another shape (another
    /// number of variables, or a moment whose length is neither 0 nor its variable's) is
    /// refused with a message naming the variable, and leaves this optimiser unchanged.
    pub fn restore(&mut self, state: OptimizerState) -> std::result::Result<(), String> {
        let n = self.vars.len();
        if state.m.len() != n || state.v.len() != n {
            return Err(format!(
                "the optimiser state has moments for {} and {} variables, the model has {n}",
                state.m.len(),
                state.v.len()
            ));
        }
        for (i, var) in self.vars.iter().enumerate() {
            let len = var.elem_count();
            for (name, moment) in [("first", &state.m[i]), ("second", &state.v[i])] {
                if !moment.is_empty() && moment.len() != len {
                    return Err(format!(
                        "variable {i} has {len} numbers but its {name} moment in the optimiser state has {}",
                        moment.len()
                    ));
                }
                if moment.iter().any(|x| !x.is_finite()) {
                    return Err(format!("the {name} moment of variable {i} holds a number that is not finite"));
                }
            }
        }
        self.steps = state.steps;
        self.m = state.m;
        self.v = state.v;
        Ok(())
    }

    /// How many numbers of the optimiser's state (Adam's moments, RMSProp's running square)
    /// are subnormal, and how many there are in all: the first must stay 0 (see
    /// [`crate::fast::kernels::update`]).
    pub fn subnormal_state(&self) -> (usize, usize) {
        let state = self.m.iter().chain(&self.v).flatten();
        (state.clone().filter(|x| update::is_subnormal(**x)).count(), state.count())
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
        let rule = rule_at(self.config, self.steps);
        let chunked = rayon::current_num_threads() > 1;
        let mut grad = std::mem::take(&mut self.grad);
        for i in 0..self.vars.len() {
            let Some(g) = grads.get(self.vars[i].as_tensor()) else {
                continue;
            };
            copy_tensor(&mut grad, &g.contiguous()?)?;
            update_var(rule, &self.vars[i], &mut self.m[i], &mut self.v[i], &[&grad], chunked)?;
        }
        self.grad = grad;
        Ok(())
    }

    /// Applies one update with the gradients given as plain numbers, one slice per variable
    /// in the order the optimiser was built with.
    pub fn step_slices(&mut self, grads: &[&[f32]]) -> Result<()> {
        self.step_parts(std::slice::from_ref(&grads.to_vec()))
    }

    /// Applies one update with each variable's gradient given as a sum of parts (one slice
    /// list per part of a minibatch, each in the optimiser's variable order); the sum is
    /// formed inside the update's loop.
    ///
    /// With more than one thread in rayon's pool, the variables are cut into two groups of
    /// about equal size (an encoder and a decoder, say), each updated on its own thread: one
    /// hand-over per step. When one variable outweighs the rest, it is cut into chunks
    /// instead. Each element's update is independent, so the result is the same.
    pub fn step_parts(&mut self, parts: &[Vec<&[f32]>]) -> Result<()> {
        let n = self.vars.len();
        if parts.is_empty() || parts.iter().any(|p| p.len() != n) {
            candle_core::bail!("every part needs {n} gradients");
        }
        self.steps += 1;
        let rule = rule_at(self.config, self.steps);
        let pieces: Vec<Vec<&[f32]>> = (0..n).map(|i| parts.iter().map(|p| p[i]).collect()).collect();
        let sizes: Vec<usize> = pieces.iter().map(|p| p[0].len()).collect();
        let total: usize = sizes.iter().sum();
        let threads = rayon::current_num_threads();
        let split = (threads > 1 && total > CHUNK).then(|| halves(&sizes)).flatten();
        let group = |vars: &[Var], m: &mut [Vec<f32>], v: &mut [Vec<f32>], pieces: &[Vec<&[f32]>], chunked| {
            for (((var, m), v), pieces) in vars.iter().zip(m).zip(v).zip(pieces) {
                update_var(rule, var, m, v, pieces, chunked)?;
            }
            Ok(())
        };
        match split {
            Some(s) => {
                let (vars_a, vars_b) = self.vars.split_at(s);
                let (m_a, m_b) = self.m.split_at_mut(s);
                let (v_a, v_b) = self.v.split_at_mut(s);
                let (pieces_a, pieces_b) = pieces.split_at(s);
                let (a, b) = rayon::join(
                    || group(vars_a, m_a, v_a, pieces_a, false),
                    || group(vars_b, m_b, v_b, pieces_b, false),
                );
                a.and(b)
            }
            None => group(&self.vars, &mut self.m, &mut self.v, &pieces, threads > 1),
        }
    }
}

/// Variables larger than this may be updated in chunks on several threads.
const CHUNK: usize = 1 << 15;

/// Where to cut variables of these sizes into two groups of about equal total size; none
/// when one variable holds more than half of all the elements (or there is only one).
fn halves(sizes: &[usize]) -> Option<usize> {
    let total: usize = sizes.iter().sum();
    if sizes.len() < 2 || sizes.iter().any(|s| 2 * s > total) {
        return None;
    }
    let mut sum = 0;
    let cut = sizes.iter().position(|s| {
        sum += s;
        2 * sum >= total
    })?;
    // Either side of the variable that crosses the middle, whichever is more even.
    let before: usize = sizes[..cut].iter().sum();
    let cut = if total - 2 * before <= 2 * (before + sizes[cut]) - total { cut } else { cut + 1 };
    (1..sizes.len()).contains(&cut).then_some(cut)
}

/// One update of `var` by the gradient Σ `pieces` (summed a block at a time), in place in
/// the variable's storage, with its optimiser state `m` and `v`. With `chunked`, a large
/// variable is updated in chunks on rayon's pool.
fn update_var(
    rule: Rule,
    var: &Var,
    m: &mut Vec<f32>,
    v: &mut Vec<f32>,
    pieces: &[&[f32]],
    chunked: bool,
) -> Result<()> {
    use rayon::prelude::*;
    const BLOCK: usize = 1024;
    modify_in_place(var.as_tensor(), |w| {
        if pieces.iter().any(|g| g.len() != w.len()) {
            candle_core::bail!("a gradient of the wrong length for a variable of {}", w.len());
        }
        m.resize(w.len(), 0.0);
        v.resize(w.len(), 0.0);
        let isa = Isa::best();
        let apply = |start: usize, w: &mut [f32], m: &mut [f32], v: &mut [f32]| {
            if let [g] = pieces {
                update::apply(isa, &rule, w, &g[start..start + w.len()], m, v);
                return;
            }
            let mut g = [0.0f32; BLOCK];
            for (b, ((w, m), v)) in w.chunks_mut(BLOCK).zip(m.chunks_mut(BLOCK)).zip(v.chunks_mut(BLOCK)).enumerate() {
                let from = start + b * BLOCK;
                let g = &mut g[..w.len()];
                g.copy_from_slice(&pieces[0][from..from + w.len()]);
                for piece in &pieces[1..] {
                    g.iter_mut().zip(&piece[from..from + w.len()]).for_each(|(g, p)| *g += p);
                }
                update::apply(isa, &rule, w, g, m, v);
            }
        };
        if chunked && w.len() > CHUNK {
            w.par_chunks_mut(CHUNK)
                .zip(m.par_chunks_mut(CHUNK))
                .zip(v.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(c, ((w, m), v))| apply(c * CHUNK, w, m, v));
        } else {
            apply(0, w, m, v);
        }
        Ok(())
    })
}

/// The update rule of `config` at step `step` (1-based), with its bias corrections.
fn rule_at(config: OptimizerConfig, step: u64) -> Rule {
    let OptimizerConfig { kind, lr, beta1, beta2, eps } = config;
    let t = step as i32;
    let (lr, eps) = (lr as f32, eps as f32);
    match kind {
        OptimizerKind::Sgd => Rule::Sgd { lr },
        OptimizerKind::Adam => Rule::Adam {
            lr,
            beta1: beta1 as f32,
            beta2: beta2 as f32,
            eps,
            m_scale: (1.0 / (1.0 - beta1.powi(t))) as f32,
            v_scale: (1.0 / (1.0 - beta2.powi(t))) as f32,
        },
        OptimizerKind::RmsProp => Rule::RmsProp { lr, alpha: beta2 as f32, eps },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn halves_cuts_near_the_middle() {
        // The VAE's encoder (784-256-256-4) and decoder (2-256-256-784): cut between them.
        let vae = [200_704, 256, 65_536, 256, 1024, 4, 512, 256, 65_536, 256, 200_704, 784];
        assert_eq!(halves(&vae), Some(6));
        assert_eq!(halves(&[10, 10]), Some(1));
        // 10 | 3 + 8 (1 apart) beats 10 + 3 | 8 (5 apart).
        assert_eq!(halves(&[10, 3, 8]), Some(1));
        assert_eq!(halves(&[8, 3, 10]), Some(2));
        assert_eq!(halves(&[100, 1, 1]), None, "one variable outweighs the rest");
        assert_eq!(halves(&[5]), None);
    }

    fn scalar_var(x: f32) -> Var {
        Var::from_vec(vec![x], 1, &Device::Cpu).unwrap()
    }

    fn value(v: &Var) -> f32 {
        v.as_tensor().to_vec1::<f32>().unwrap()[0]
    }

    /// loss = Σ wᵢ² on a two-element variable: gradient 2w.
    fn quadratic_step(opt: &mut Optimizer, w: &Var) {
        let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
        opt.backward_step(&loss).unwrap();
    }

    #[test]
    fn a_restored_state_continues_exactly_where_the_saved_one_was() {
        for kind in OptimizerKind::ALL {
            let config = OptimizerConfig { kind, ..OptimizerConfig::adam(0.05) };
            let w = Var::from_vec(vec![1.0f32, -2.0], 2, &Device::Cpu).unwrap();
            let mut straight = Optimizer::new(vec![w.clone()], config);
            for _ in 0..3 {
                quadratic_step(&mut straight, &w);
            }
            let saved = straight.state();
            let saved_weights = w.as_tensor().to_vec1::<f32>().unwrap();
            for _ in 0..4 {
                quadratic_step(&mut straight, &w);
            }
            let after_straight = w.as_tensor().to_vec1::<f32>().unwrap();

            // A fresh optimiser on a fresh variable, given the saved weights and state.
            let w2 = Var::from_vec(saved_weights.clone(), 2, &Device::Cpu).unwrap();
            let mut resumed = Optimizer::new(vec![w2.clone()], config);
            resumed.restore(saved.clone()).unwrap();
            assert_eq!(resumed.state(), saved);
            for _ in 0..4 {
                quadratic_step(&mut resumed, &w2);
            }
            let after_resumed = w2.as_tensor().to_vec1::<f32>().unwrap();
            assert_eq!(after_straight, after_resumed, "{kind:?}: bit for bit");

            // Without the state (fresh moments, step 0) Adam and RMSProp take other steps,
            // so the equality above is the state's doing.
            if kind != OptimizerKind::Sgd {
                let w3 = Var::from_vec(saved_weights.clone(), 2, &Device::Cpu).unwrap();
                let mut fresh = Optimizer::new(vec![w3.clone()], config);
                for _ in 0..4 {
                    quadratic_step(&mut fresh, &w3);
                }
                assert_ne!(w3.as_tensor().to_vec1::<f32>().unwrap(), after_straight, "{kind:?}");
            }
        }
    }

    #[test]
    fn a_state_of_the_wrong_shape_is_refused_and_changes_nothing() {
        let w = Var::from_vec(vec![1.0f32, -2.0], 2, &Device::Cpu).unwrap();
        let mut opt = Optimizer::new(vec![w.clone()], OptimizerConfig::adam(0.1));
        quadratic_step(&mut opt, &w);
        let before = opt.state();
        let wrong_count = OptimizerState { steps: 5, m: vec![], v: vec![] };
        assert!(opt.restore(wrong_count).unwrap_err().contains("for 0 and 0 variables, the model has 1"));
        let wrong_len = OptimizerState { steps: 5, m: vec![vec![0.0; 3]], v: vec![vec![0.0; 2]] };
        let e = opt.restore(wrong_len).unwrap_err();
        assert!(e.contains("variable 0 has 2 numbers but its first moment") && e.contains("has 3"), "{e}");
        let not_finite = OptimizerState { steps: 5, m: vec![vec![0.0; 2]], v: vec![vec![f32::NAN, 0.0]] };
        assert!(opt.restore(not_finite).unwrap_err().contains("second moment of variable 0"));
        assert_eq!(opt.state(), before);
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

    /// Adam written out in f64 over several steps with changing gradients, against the
    /// fused f32 update (the state must carry between steps, bias correction included).
    #[test]
    fn adam_matches_the_formula_over_several_steps() {
        let (lr, b1, b2, eps) = (0.01, 0.5, 0.9, 1e-8);
        let w = Var::from_vec(vec![1.0f32, -2.0], 2, &Device::Cpu).unwrap();
        let mut opt = Optimizer::new(
            vec![w.clone()],
            OptimizerConfig { kind: OptimizerKind::Adam, lr, beta1: b1, beta2: b2, eps },
        );
        let (mut want, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
        for t in 1..=5 {
            let g = [0.3 * f64::from(t), -1.0 / f64::from(t)];
            opt.step_slices(&[&[g[0] as f32, g[1] as f32]]).unwrap();
            for i in 0..2 {
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                let (mh, vh) = (m[i] / (1.0 - b1.powi(t)), v[i] / (1.0 - b2.powi(t)));
                want[i] -= lr * mh / (vh.sqrt() + eps);
            }
        }
        let got = w.as_tensor().to_vec1::<f32>().unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-5, "{g} vs {w}");
        }
    }

    /// A gradient given in parts updates as its sum does.
    #[test]
    fn parts_update_like_their_sum() {
        let n = 3000;
        let g1: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        let g2: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let sum: Vec<f32> = g1.iter().zip(&g2).map(|(a, b)| a + b).collect();
        let init: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
        let a = Var::from_vec(init.clone(), n, &Device::Cpu).unwrap();
        let b = Var::from_vec(init, n, &Device::Cpu).unwrap();
        let mut oa = Optimizer::new(vec![a.clone()], OptimizerConfig::adam(0.01));
        let mut ob = Optimizer::new(vec![b.clone()], OptimizerConfig::adam(0.01));
        for _ in 0..3 {
            oa.step_parts(&[vec![&g1[..]], vec![&g2[..]]]).unwrap();
            ob.step_slices(&[&sum]).unwrap();
        }
        let (a, b) = (a.as_tensor().to_vec1::<f32>().unwrap(), b.as_tensor().to_vec1::<f32>().unwrap());
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6));
        assert!(oa.step_parts(&[vec![&g1[..10]], vec![&g2[..]]]).is_err());
    }

    #[test]
    fn step_slices_refuses_a_wrong_count_or_length() {
        let w = scalar_var(1.0);
        let mut opt = Optimizer::new(vec![w.clone()], OptimizerConfig::adam(0.1));
        assert!(opt.step_slices(&[]).is_err());
        assert!(opt.step_slices(&[&[1.0, 2.0]]).is_err());
        assert_eq!(value(&w), 1.0);
    }

    #[test]
    fn validate_names_the_bad_number() {
        assert!(OptimizerConfig::adam(0.0).validate().unwrap_err().contains("learning rate"));
        assert!(OptimizerConfig { beta2: 1.0, ..OptimizerConfig::adam(1e-3) }.validate().unwrap_err().contains("β2"));
        OptimizerConfig::adam(1e-3).validate().unwrap();
    }
}
