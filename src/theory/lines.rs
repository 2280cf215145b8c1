//! The parallel-lines example of sheet task 4.1: why the Wasserstein-1 distance gives a useful
//! training signal where JS, KL and TV do not.
//!
//! μ₀ is the law of (0, Y) and μ_θ the law of (θ, Y) with Y ~ U[0, 1]: two vertical segments
//! at horizontal distance |θ|. For θ ≠ 0 the supports are disjoint, so JS, KL and TV saturate
//! at constants that carry no information about θ (and have zero gradient), while
//! W₁(μ₀, μ_θ) = |θ| is continuous and shrinks as the segments approach. Plain Rust: no candle.
//!
//! A NaN θ gives NaN everywhere.

use std::f64::consts::LN_2;

use rand::{Rng, RngExt as _};

/// Jensen–Shannon divergence JS(μ₀, μ_θ) in nats (sheet task 4.1): ln 2 ≈ 0.693 for θ ≠ 0
/// (disjoint supports: each measure sits where the mixture ½(μ₀ + μ_θ) has half its density),
/// 0 for θ = 0.
pub fn js(theta: f64) -> f64 {
    saturating(theta, LN_2)
}

/// Kullback–Leibler divergence KL(μ₀ ‖ μ_θ) (sheet task 4.1): +∞ for θ ≠ 0 (μ₀ charges a set
/// that μ_θ gives probability 0, so μ₀ is not absolutely continuous w.r.t. μ_θ), 0 for θ = 0.
pub fn kl(theta: f64) -> f64 {
    saturating(theta, f64::INFINITY)
}

/// The reverse direction KL(μ_θ ‖ μ₀) (sheet task 4.1). The example is symmetric, so it equals
/// [`kl`]: +∞ for θ ≠ 0, 0 for θ = 0.
pub fn kl_reverse(theta: f64) -> f64 {
    kl(theta)
}

/// Total-variation distance sup_A |μ₀(A) − μ_θ(A)| (sheet task 4.1): 1 for θ ≠ 0 (take A the
/// segment {0} × [0, 1]), 0 for θ = 0.
pub fn tv(theta: f64) -> f64 {
    saturating(theta, 1.0)
}

/// Wasserstein-1 distance W₁(μ₀, μ_θ) = |θ| (sheet task 4.1).
///
/// The coupling (0, y) ↦ (θ, y) moves every point by exactly |θ|, and no coupling can do
/// better since the first coordinates differ by |θ| whatever the second ones are. This holds
/// for the ℓ2 ground cost and for the sheet's ℓ1 cost alike: for these vertical segments both
/// give |θ|.
pub fn w1(theta: f64) -> f64 {
    theta.abs()
}

/// `n` points of μ_θ: (θ, y) with y uniform on [0, 1), drawn from the caller's (seeded) `rng`.
pub fn sample<R: Rng + ?Sized>(theta: f64, n: usize, rng: &mut R) -> Vec<[f32; 2]> {
    (0..n).map(|_| [theta as f32, rng.random_range(0.0f32..1.0)]).collect()
}

/// One-line readout of the four quantities at θ for a headless or status-bar display, e.g.
/// `"JS = ln 2 ≈ 0.693, KL = ∞, TV = 1, W1 = 0.500"` at θ = 0.5 and
/// `"JS = 0.000, KL = 0.000, TV = 0, W1 = 0.000"` at θ = 0.
pub fn describe(theta: f64) -> String {
    let js_value = js(theta);
    let js_text =
        if js_value == LN_2 { format!("ln 2 ≈ {}", format_divergence(LN_2)) } else { format_divergence(js_value) };
    let tv_value = tv(theta);
    let tv_text = if tv_value.is_nan() { format_divergence(tv_value) } else { format!("{tv_value}") };
    format!(
        "JS = {js_text}, KL = {}, TV = {tv_text}, W1 = {}",
        format_divergence(kl(theta)),
        format_divergence(w1(theta))
    )
}

/// Renders a divergence value: +∞ as "∞" (−∞ as "−∞"), NaN as "NaN", finite values with three
/// decimals (zero, including −0, as "0.000").
pub fn format_divergence(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "∞".to_owned()
    } else if v == f64::NEG_INFINITY {
        "−∞".to_owned()
    } else if v == 0.0 {
        "0.000".to_owned()
    } else {
        format!("{v:.3}")
    }
}

/// `value` for θ ≠ 0, 0 for θ = 0, NaN for NaN θ.
fn saturating(theta: f64, value: f64) -> f64 {
    if theta.is_nan() {
        f64::NAN
    } else if theta == 0.0 {
        0.0
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    const THETAS: [f64; 8] = [-2.0, -0.5, -1e-9, 0.0, 1e-9, 0.25, 1.0, 2.0];

    #[test]
    fn closed_forms() {
        for theta in THETAS {
            if theta == 0.0 {
                assert_eq!((js(theta), kl(theta), kl_reverse(theta), tv(theta), w1(theta)), (0.0, 0.0, 0.0, 0.0, 0.0));
            } else {
                assert_eq!(js(theta), LN_2, "{theta}");
                assert_eq!(kl(theta), f64::INFINITY, "{theta}");
                assert_eq!(kl_reverse(theta), f64::INFINITY, "{theta}");
                assert_eq!(tv(theta), 1.0, "{theta}");
            }
            assert!(js(theta) >= 0.0 && js(theta) <= LN_2);
            assert!(w1(theta) >= 0.0);
        }
        assert_eq!(js(-0.0), 0.0);
        assert_eq!(w1(-0.0).to_bits(), 0.0f64.to_bits());
        assert!(js(f64::NAN).is_nan() && kl(f64::NAN).is_nan() && tv(f64::NAN).is_nan() && w1(f64::NAN).is_nan());
        assert_eq!(w1(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn js_is_flat_while_w1_tracks_theta() {
        let nonzero: Vec<f64> = THETAS.into_iter().filter(|&t| t != 0.0).collect();
        assert!(nonzero.iter().all(|&t| js(t) == js(nonzero[0])));
        // W1 is 1-Lipschitz in θ and continuous at 0, unlike JS.
        for a in THETAS {
            for b in THETAS {
                assert!((w1(a) - w1(b)).abs() <= (a - b).abs() + 1e-15);
            }
        }
        assert!(w1(1e-9) < 1e-8 && js(1e-9) == LN_2);
    }

    /// W1 certified from both sides on samples, independently of [`w1`]'s formula: the
    /// coupling that pairs (0, y) with (θ, y) moves every point by |θ| (an upper bound on W1),
    /// and the 1-Lipschitz witness f(x, y) = sign(θ)·x has E_θ f − E_0 f = |θ| (a lower bound,
    /// by Kantorovich–Rubinstein duality). Both meet at w1(θ).
    #[test]
    fn w1_is_certified_by_a_coupling_and_a_lipschitz_witness() {
        for theta in THETAS {
            let n = 1000;
            let on_0 = sample(0.0, n, &mut rand::rngs::StdRng::seed_from_u64(8));
            let on_theta = sample(theta, n, &mut rand::rngs::StdRng::seed_from_u64(8));
            let coupling_cost = on_0
                .iter()
                .zip(&on_theta)
                .map(|(a, b)| f64::from(b[0] - a[0]).hypot(f64::from(b[1] - a[1])))
                .sum::<f64>()
                / n as f64;
            let witness = |p: &[f32; 2]| theta.signum() * f64::from(p[0]);
            let dual = (on_theta.iter().map(witness).sum::<f64>() - on_0.iter().map(witness).sum::<f64>()) / n as f64;
            let tol = 1e-7 * (1.0 + theta.abs());
            assert!(dual <= coupling_cost + tol, "θ = {theta}: dual {dual} above primal {coupling_cost}");
            assert!(
                (w1(theta) - coupling_cost).abs() < tol,
                "θ = {theta}: {} against the coupling's {coupling_cost}",
                w1(theta)
            );
            assert!((w1(theta) - dual).abs() < tol, "θ = {theta}: {} against the witness's {dual}", w1(theta));
        }
    }

    #[test]
    fn samples_lie_on_the_line() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let pts = sample(0.25, 500, &mut rng);
        assert_eq!(pts.len(), 500);
        assert!(pts.iter().all(|p| p[0] == 0.25 && (0.0..1.0).contains(&p[1])));
        let mean = pts.iter().map(|p| p[1] as f64).sum::<f64>() / 500.0;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
        assert!(sample(1.0, 0, &mut rng).is_empty());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_divergence(f64::INFINITY), "∞");
        assert_eq!(format_divergence(f64::NEG_INFINITY), "−∞");
        assert_eq!(format_divergence(f64::NAN), "NaN");
        assert_eq!(format_divergence(LN_2), "0.693");
        assert_eq!(format_divergence(0.5), "0.500");
        assert_eq!(format_divergence(-0.0), "0.000");
        assert_eq!(format_divergence(2.0), "2.000");
        assert_eq!(describe(0.5), "JS = ln 2 ≈ 0.693, KL = ∞, TV = 1, W1 = 0.500");
        assert_eq!(describe(-2.0), "JS = ln 2 ≈ 0.693, KL = ∞, TV = 1, W1 = 2.000");
        assert_eq!(describe(0.0), "JS = 0.000, KL = 0.000, TV = 0, W1 = 0.000");
    }
}
