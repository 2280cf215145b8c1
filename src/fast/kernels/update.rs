//! The optimisers' update of one variable's elements, one fused loop per rule.
//!
//! # Tiny moments are set to zero
//! A weight whose gradient is 0 for many steps (the first layer's weights of an MNIST pixel
//! that is blank in most images) keeps moments that shrink by β1 or β2 at every step, until
//! they leave the normal range of `f32` (below 1.2·10⁻³⁸) and become subnormal. Arithmetic on
//! subnormal numbers is many times slower on Intel cores (measured: the VAE's step at half
//! speed after a few hundred steps). Each rule therefore sets a moment whose magnitude falls
//! below [`STATE_FLOOR`] (10⁻³⁰) to exactly 0, from where it stays 0 at full speed. The
//! step such a moment would make is below lr·10⁻²¹ (the bias correction is at most 1/(1 − β1)
//! and the denominator at least ε ≥ 10⁻⁹ or so): nothing a weight can notice. The floor is
//! far enough above the subnormal range that the update's products (lr·m̂, m̂/(√v̂ + ε)) stay
//! normal too. This keeps the state out of the subnormal range on any processor without
//! touching the processor's floating-point modes (which Rust's compiler assumes unchanged).

use super::per_isa;

/// Moments below this magnitude are set to 0 (see the module's documentation).
pub const STATE_FLOOR: f32 = 1e-30;

/// One step's update rule with its constants (bias corrections included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// w −= lr·g.
    Sgd {
        /// Learning rate.
        lr: f32,
    },
    /// Adam with bias correction: `m_scale` = 1/(1 − β1ᵗ), `v_scale` = 1/(1 − β2ᵗ).
    Adam {
        /// Learning rate.
        lr: f32,
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Added to the denominator.
        eps: f32,
        /// Bias correction of the first moment.
        m_scale: f32,
        /// Bias correction of the second moment.
        v_scale: f32,
    },
    /// RMSProp without momentum: v = αv + (1 − α)g², w −= lr·g/(√v + ε).
    RmsProp {
        /// Learning rate.
        lr: f32,
        /// Smoothing constant α.
        alpha: f32,
        /// Added to the denominator.
        eps: f32,
    },
}

per_isa! {
    /// Updates weights `w` by gradients `g` under `rule`, with Adam's moments `m`, `v`
    /// (RMSProp uses `v`; SGD neither), in `isa`'s vector lanes. Every version does the same
    /// IEEE operations on each element (Rust never fuses a multiply and an add on its own), so
    /// all give the same bits.
    pub fn apply(rule: &Rule, w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) = apply_lanes;
}

/// `x`, or 0 when its magnitude is below [`STATE_FLOOR`] (a compare and a mask in vector lanes).
#[inline(always)]
fn floor(x: f32) -> f32 {
    if x.abs() < STATE_FLOOR {
        0.0
    } else {
        x
    }
}

/// The update's loop, inlined into each version so that it is vectorised for its instructions.
#[inline(always)]
fn apply_lanes(rule: &Rule, w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    match *rule {
        Rule::Sgd { lr } => w.iter_mut().zip(g).for_each(|(w, g)| *w -= lr * g),
        Rule::Adam { lr, beta1, beta2, eps, m_scale, v_scale } => {
            for (((w, g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m = floor(beta1 * *m + (1.0 - beta1) * g);
                *v = floor(beta2 * *v + (1.0 - beta2) * g * g);
                *w -= lr * (*m * m_scale) / ((*v * v_scale).sqrt() + eps);
            }
        }
        Rule::RmsProp { lr, alpha, eps } => {
            for ((w, g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = floor(alpha * *v + (1.0 - alpha) * g * g);
                *w -= lr * g / (v.sqrt() + eps);
            }
        }
    }
}

/// Whether `x` is subnormal (non-zero and below the normal range).
pub fn is_subnormal(x: f32) -> bool {
    x != 0.0 && x.abs() < f32::MIN_POSITIVE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::kernels::Isa;

    fn rules() -> [Rule; 3] {
        [
            Rule::Sgd { lr: 0.01 },
            Rule::Adam { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, m_scale: 1.5, v_scale: 7.0 },
            Rule::RmsProp { lr: 0.01, alpha: 0.99, eps: 1e-8 },
        ]
    }

    #[test]
    fn every_version_gives_the_same_numbers() {
        // Lengths that leave partial vectors of 4, 8 and 16 lanes.
        eprintln!("versions run: {:?}", Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>());
        for n in [1000, 37, 3] {
            let g: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
            let start = |k: usize| -> Vec<f32> { (0..n).map(|i| ((i * k) % 17) as f32 / 10.0).collect() };
            for rule in rules() {
                let (mut w0, mut m0, mut v0) = (start(3), start(5), start(7));
                apply(Isa::PORTABLE, &rule, &mut w0, &g, &mut m0, &mut v0);
                for isa in Isa::available() {
                    let (mut w, mut m, mut v) = (start(3), start(5), start(7));
                    apply(isa, &rule, &mut w, &g, &mut m, &mut v);
                    assert_eq!((&w, &m, &v), (&w0, &m0, &v0), "{rule:?} on {}", isa.name());
                }
            }
        }
    }

    #[test]
    fn moments_of_a_zero_gradient_reach_zero_without_turning_subnormal() {
        // Moments of 10⁻³ under a gradient of exactly 0: Adam's m shrinks by 0.9 a step and
        // passes 10⁻³⁰ after about 600 steps, then 1.2·10⁻³⁸ (subnormal) after about 780
        // without the floor. RMSProp's v (α = 0.9 here, to be quick) likewise.
        for isa in Isa::available() {
            let adam = Rule::Adam { lr: 1e-3, beta1: 0.9, beta2: 0.9, eps: 1e-8, m_scale: 1.0, v_scale: 1.0 };
            let rms = Rule::RmsProp { lr: 1e-3, alpha: 0.9, eps: 1e-8 };
            for rule in [adam, rms] {
                let (mut w, g, mut m, mut v) =
                    (vec![0.5f32; 40], vec![0.0f32; 40], vec![1e-3f32; 40], vec![1e-3f32; 40]);
                let mut zero_at = None;
                for step in 0..2000 {
                    apply(isa, &rule, &mut w, &g, &mut m, &mut v);
                    assert!(!m.iter().chain(&v).copied().any(is_subnormal), "{rule:?}: subnormal at step {step}");
                    if zero_at.is_none() && v.iter().all(|x| *x == 0.0) {
                        zero_at = Some(step);
                    }
                }
                // 10⁻³·0.9ⁿ < 10⁻³⁰ from n = 590 on: the floor was reached, not skipped.
                assert_eq!(zero_at, Some(590), "{rule:?}");
                assert!(w.iter().all(|w| (w - 0.5).abs() < 0.01), "{rule:?}: the weights barely moved");
            }
        }
    }

    #[test]
    fn is_subnormal_tells_the_ranges_apart() {
        assert!(is_subnormal(f32::MIN_POSITIVE / 2.0));
        assert!(is_subnormal(-1e-40));
        assert!(!is_subnormal(0.0));
        assert!(!is_subnormal(f32::MIN_POSITIVE));
        assert!(!is_subnormal(1.0));
    }
}
