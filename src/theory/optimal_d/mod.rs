//! The optimal discriminator of a GAN on the real line (sheet task 3).
//!
//! For a fixed generator with density p_g, the discriminator that maximises
//! the GAN value V(D, G) = E_{x∼p_data}[log D(x)] + E_{x∼p_g}[log(1 − D(x))]
//! is D*(x) = p_data(x) / (p_data(x) + p_g(x)) (task 3.1–3.2), and at that
//! optimum C(G) = max_D V(D, G) = −log 4 + 2·JSD(p_data ‖ p_g) (task 3.3), so
//! C(G) reaches its minimum −log 4 exactly when p_g = p_data.
//!
//! This module holds what the task-3 demo needs to show that numerically in
//! 1-D: Gaussian mixtures with closed-form densities ([`Mixture1d`]), the
//! pointwise D* ([`optimal_discriminator`]), Simpson quadrature of the JSD and
//! of the value V ([`integrate`], [`jsd`], [`value_at_optimum`],
//! [`value_of`]), a kernel density estimate for a generator known only by its
//! samples ([`Kde`]), and small helpers for plotting ([`grid`],
//! [`histogram`], [`max_abs_gap_where`]). Everything is f64 and in nats
//! (natural logarithm). Bad input gives an `Err` or NaN, as documented on
//! each item; nothing here panics.

use std::f64::consts::{LN_2, PI};

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::normal::std_normal_cdf;

mod kde;
mod mixture;

pub use kde::{silverman_bandwidth, Kde};
pub use mixture::{gaussian_pdf, Component, Mixture1d, PRESETS};

/// −ln 4 ≈ −1.3863: the minimum of C(G) = max_D V(D, G), attained exactly when
/// p_g = p_data, where D* ≡ ½ and V = log ½ + log ½ (sheet task 3.3).
pub const MINUS_LOG_4: f64 = -1.386_294_361_119_890_6;

/// The clamp applied by [`value_of`] to a discriminator's output: D(x) is
/// used as min(max(D(x), ε), 1 − ε) with ε = 1e-12, so that a saturated
/// discriminator gives a large finite penalty (about 27.6 nats per unit of
/// mass) instead of −∞ (sheet task 3).
pub const DISCRIMINATOR_CLAMP: f64 = 1e-12;

/// The optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)) of
/// sheet task 3.1–3.2, from the two density values at x.
///
/// NaN where D* is undefined: when both densities are 0 (neither
/// distribution has mass there), when the sum is not finite and positive,
/// or when either value is negative or NaN.
pub fn optimal_discriminator(p_data: f64, p_g: f64) -> f64 {
    if !(p_data >= 0.0 && p_g >= 0.0) {
        return f64::NAN;
    }
    let sum = p_data + p_g;
    if !(sum > 0.0 && sum.is_finite()) {
        return f64::NAN;
    }
    p_data / sum
}

/// The number of Simpson intervals actually used for a requested `n`:
/// at least 2 and even (odd n is rounded up; usize::MAX down).
fn simpson_intervals(n: usize) -> usize {
    let n = n.max(2);
    if n.is_multiple_of(2) {
        n
    } else {
        n.checked_add(1).unwrap_or(n - 1)
    }
}

/// ∫_lo^hi f(x) dx by the composite Simpson rule with n intervals
/// (n rounded up to an even number ≥ 2; nodes xᵢ = lo + (hi − lo)·i/n),
/// (h/3)·[f(x₀) + 4f(x₁) + 2f(x₂) + … + 4f(x_{n−1}) + f(x_n)], h = (hi − lo)/n.
///
/// Exact for cubics; error O(h⁴) for smooth f. This is the quadrature behind
/// the JSD and V(D, G) of sheet task 3. lo > hi gives the negated integral,
/// lo = hi gives 0; NaN when lo or hi is not finite, and NaN (or ±∞) when f
/// is at some node.
pub fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    if !lo.is_finite() || !hi.is_finite() {
        return f64::NAN;
    }
    if lo == hi {
        return 0.0;
    }
    let n = simpson_intervals(n);
    let count = n as f64;
    let width = hi - lo;
    let mut odd = 0.0;
    let mut even = 0.0;
    for i in 1..n {
        let x = lo + width * (i as f64 / count);
        if i % 2 == 1 {
            odd += f(x);
        } else {
            even += f(x);
        }
    }
    width / count / 3.0 * (f(lo) + f(hi) + 4.0 * odd + 2.0 * even)
}

/// True for a density value that may be integrated: not NaN and ≥ 0.
fn is_density(v: f64) -> bool {
    v >= 0.0
}

/// The JSD integrand ½[p log(2p/(p+q)) + q log(2q/(p+q))] with 0·log 0 = 0;
/// NaN for a negative or NaN density.
fn jsd_integrand(p: f64, q: f64) -> f64 {
    if !is_density(p) || !is_density(q) {
        return f64::NAN;
    }
    let sum = p + q;
    let mut value = 0.0;
    if p > 0.0 {
        value += p * (2.0 * p / sum).ln();
    }
    if q > 0.0 {
        value += q * (2.0 * q / sum).ln();
    }
    0.5 * value
}

/// The Jensen–Shannon divergence of two 1-D densities, in nats:
/// JSD(p ‖ q) = ½∫ p log(2p/(p+q)) dx + ½∫ q log(2q/(p+q)) dx, with
/// 0·log 0 = 0, by [`integrate`] (Simpson, n intervals) on [lo, hi]
/// (sheet task 3.3, where C(G) = −log 4 + 2·JSD(p_data ‖ p_g)).
///
/// [lo, hi] should hold essentially all the mass of both densities (e.g. the
/// union of [`Mixture1d::range`]`(10)`); the integral is truncated there.
/// The result is clamped to [0, ln 2] (its exact range), which only removes
/// quadrature error. It is symmetric in p and q, exactly 0 for identical
/// functions and ln 2 for disjoint supports. NaN when lo or hi is not finite
/// or when p or q is NaN or negative at some node.
pub fn jsd(p: impl Fn(f64) -> f64, q: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    integrate(|x| jsd_integrand(p(x), q(x)), lo, hi, n).clamp(0.0, LN_2)
}

/// The integrand p log D* + q log(1 − D*) of V(D*, G), with
/// 1 − D* = q/(p+q) and 0·log(·) = 0.
fn optimum_integrand(p: f64, q: f64) -> f64 {
    if !is_density(p) || !is_density(q) {
        return f64::NAN;
    }
    if p == 0.0 && q == 0.0 {
        // D* is undefined here, but the point carries no mass.
        return 0.0;
    }
    let d_star = optimal_discriminator(p, q);
    let one_minus_d_star = q / (p + q);
    let mut value = 0.0;
    if p > 0.0 {
        value += p * d_star.ln();
    }
    if q > 0.0 {
        value += q * one_minus_d_star.ln();
    }
    value
}

/// The value of the game at the optimal discriminator,
/// V(D*, G) = ∫ p log D* dx + ∫ q log(1 − D*) dx with D* = p/(p+q)
/// ([`optimal_discriminator`]), p = p_data and q = p_g, computed directly
/// from this definition by [`integrate`] on [lo, hi] (not through [`jsd`]),
/// so that the identity C(G) = V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g) of
/// sheet task 3.3 can be checked numerically.
///
/// 1 − D* is evaluated as q/(p+q) (equal to it, without cancellation where
/// D* ≈ 1); terms with zero weight count 0, including points where both
/// densities vanish and D* is undefined. The result lies in [−log 4, 0] up to
/// quadrature error. NaN when lo or hi is not finite or when p or q is NaN or
/// negative at some node.
pub fn value_at_optimum(p: impl Fn(f64) -> f64, q: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    integrate(|x| optimum_integrand(p(x), q(x)), lo, hi, n)
}

/// The integrand p log D + q log(1 − D) with D clamped.
fn value_integrand(d: f64, p: f64, q: f64) -> f64 {
    if !is_density(p) || !is_density(q) {
        return f64::NAN;
    }
    let mut value = 0.0;
    if p > 0.0 || q > 0.0 {
        // clamp keeps NaN, so a NaN discriminator output poisons the result.
        let d = d.clamp(DISCRIMINATOR_CLAMP, 1.0 - DISCRIMINATOR_CLAMP);
        if p > 0.0 {
            value += p * d.ln();
        }
        if q > 0.0 {
            value += q * (-d).ln_1p();
        }
    }
    value
}

/// The value of the GAN game for a given discriminator D,
/// V(D, G) = ∫ p log D(x) dx + ∫ q log(1 − D(x)) dx with p = p_data and
/// q = p_g, by [`integrate`] on [lo, hi] (sheet task 3: for every D it is
/// ≤ V(D*, G) = [`value_at_optimum`], the maximum over D).
///
/// D should take values in (0, 1); it is clamped to
/// [[`DISCRIMINATOR_CLAMP`], 1 − [`DISCRIMINATOR_CLAMP`]] = [1e-12, 1 − 1e-12]
/// so a saturated D gives a large finite penalty rather than −∞. Terms with
/// zero weight count 0 whatever D is there (so D = D*, undefined where both
/// densities vanish, is fine). NaN when lo or hi is not finite, when p or q
/// is NaN or negative at some node, or when D is NaN where p + q > 0.
pub fn value_of(
    d: impl Fn(f64) -> f64,
    p: impl Fn(f64) -> f64,
    q: impl Fn(f64) -> f64,
    lo: f64,
    hi: f64,
    n: usize,
) -> f64 {
    integrate(|x| value_integrand(d(x), p(x), q(x)), lo, hi, n)
}

/// `n` evenly spaced points from `lo` to `hi`, both included:
/// xᵢ = lo + (hi − lo)·i/(n − 1), the last one exactly hi — the plot grid on
/// which D, D*, p_data and p_g are drawn (sheet task 3). Empty for n = 0;
/// `[lo]` for n = 1.
pub fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![lo],
        _ => {
            let last = (n - 1) as f64;
            (0..n).map(|i| if i + 1 == n { hi } else { lo + (hi - lo) * (i as f64 / last) }).collect()
        }
    }
}

/// max |dᵢ − d*ᵢ| over the grid points i where `mass[i] >= threshold` and
/// both dᵢ and d*ᵢ are finite: the sup-distance of a trained discriminator
/// from D* where there is mass to speak of (sheet task 3; the UI uses
/// mass = p_data + p_g and threshold = 1 % of its peak). The slices are
/// walked together up to the shortest length. None when no point qualifies
/// (including a NaN threshold).
pub fn max_abs_gap_where(d: &[f64], d_star: &[f64], mass: &[f64], threshold: f64) -> Option<f64> {
    d.iter()
        .zip(d_star)
        .zip(mass)
        .filter(|((&di, &si), &mi)| mi >= threshold && di.is_finite() && si.is_finite())
        .map(|((&di, &si), _)| (di - si).abs())
        .fold(None, |best: Option<f64>, gap| Some(best.map_or(gap, |b| b.max(gap))))
}

/// A density histogram of `samples` on `bins` equal bins over [lo, hi]:
/// bin j holds count_j / (n · w), w = (hi − lo)/bins, n = the number of
/// finite samples, so it is drawn on the same scale as a pdf (its area is
/// the fraction of samples inside [lo, hi]) (sheet task 3). Samples outside
/// [lo, hi] and non-finite ones are not counted; a sample equal to hi goes in
/// the last bin. Empty for bins = 0; all NaN when lo or hi is not finite or
/// hi ≤ lo; all 0 when no sample is finite.
pub fn histogram(samples: &[f32], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    if bins == 0 {
        return Vec::new();
    }
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return vec![f64::NAN; bins];
    }
    let mut counts = vec![0usize; bins];
    let mut finite = 0usize;
    let width = (hi - lo) / bins as f64;
    for &sample in samples {
        let x = f64::from(sample);
        if !x.is_finite() {
            continue;
        }
        finite += 1;
        if x < lo || x > hi {
            continue;
        }
        let index = (((x - lo) / width).floor() as usize).min(bins - 1);
        if let Some(count) = counts.get_mut(index) {
            *count += 1;
        }
    }
    if finite == 0 {
        return vec![0.0; bins];
    }
    let scale = 1.0 / (finite as f64 * width);
    counts.into_iter().map(|c| c as f64 * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    fn normal_pdf(mean: f64, std: f64) -> impl Fn(f64) -> f64 + Copy {
        move |x| gaussian_pdf(x, mean, std)
    }

    fn union_range(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
        (a.0.min(b.0), a.1.max(b.1))
    }

    fn presets() -> Vec<Mixture1d> {
        PRESETS.iter().filter_map(|name| Mixture1d::preset(name)).collect()
    }

    fn comp(weight: f64, mean: f64, std: f64) -> Component {
        Component { weight, mean, std }
    }

    #[test]
    fn d_star_matches_closed_form_for_shifted_gaussians() {
        // p_data = N(0, 1), p_g = N(1, 1): p_g/p_data = exp(x − ½), so
        // D*(x) = 1/(1 + exp(x − ½)).
        for x in [-4.0, -2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.7, 6.0] {
            let d = optimal_discriminator(gaussian_pdf(x, 0.0, 1.0), gaussian_pdf(x, 1.0, 1.0));
            let expected = 1.0 / (1.0 + (x - 0.5f64).exp());
            assert!((d - expected).abs() < 1e-12, "x = {x}: {d} vs {expected}");
        }
        assert_eq!(optimal_discriminator(0.3, 0.3), 0.5);
        assert_eq!(optimal_discriminator(2.0, 0.0), 1.0);
        assert_eq!(optimal_discriminator(0.0, 2.0), 0.0);
        assert!(optimal_discriminator(0.0, 0.0).is_nan());
        for (p, q) in [(f64::NAN, 1.0), (1.0, f64::NAN), (f64::INFINITY, 1.0), (-1.0, 2.0), (1.0, -0.5)] {
            assert!(optimal_discriminator(p, q).is_nan(), "({p}, {q})");
        }
    }

    #[test]
    fn jsd_of_identical_laws_is_zero() {
        for m in presets() {
            let (lo, hi) = m.range(10.0);
            let value = jsd(|x| m.pdf(x), |x| m.pdf(x), lo, hi, 2000);
            assert!(value.abs() < 1e-10, "{}: {value}", m.to_spec());
        }
        assert!(jsd(normal_pdf(0.3, 2.0), normal_pdf(0.3, 2.0), -25.0, 25.0, 1000).abs() < 1e-10);
    }

    #[test]
    fn jsd_of_separated_laws_is_ln_2() {
        let value = jsd(normal_pdf(-50.0, 1.0), normal_pdf(50.0, 1.0), -62.0, 62.0, 4000);
        assert!((value - LN_2).abs() < 1e-6, "{value}");
        assert!(value <= LN_2);
        // Disjoint supports: the clamp keeps quadrature error from pushing it past ln 2.
        let left = |x: f64| if (0.0..1.0).contains(&x) { 1.0 } else { 0.0 };
        let right = |x: f64| if (2.0..3.0).contains(&x) { 1.0 } else { 0.0 };
        let boxes = jsd(left, right, -1.0, 4.0, 1000);
        assert!((0.0..=LN_2).contains(&boxes) && (boxes - LN_2).abs() < 1e-2, "{boxes}");
    }

    #[test]
    fn jsd_matches_fine_trapezoid_on_another_grid() {
        let (p, q) = (normal_pdf(0.0, 1.0), normal_pdf(1.0, 1.5));
        let simpson = jsd(p, q, -12.0, 17.0, 4000);
        // Independent: trapezoid rule, different interval and node set, integrand written out.
        let (lo, hi, n) = (-14.5_f64, 19.25_f64, 150_000usize);
        let h = (hi - lo) / n as f64;
        let mut trapezoid = 0.0;
        for i in 0..=n {
            let x = lo + h * i as f64;
            let (a, b) = (p(x), q(x));
            let m = 0.5 * (a + b);
            let mut f = 0.0;
            if a > 0.0 {
                f += 0.5 * a * (a / m).ln();
            }
            if b > 0.0 {
                f += 0.5 * b * (b / m).ln();
            }
            trapezoid += if i == 0 || i == n { 0.5 * f } else { f };
        }
        trapezoid *= h;
        assert!((simpson - trapezoid).abs() < 1e-6, "{simpson} vs {trapezoid}");
        assert!(simpson > 0.05 && simpson < 0.2, "{simpson}");
    }

    #[test]
    fn jsd_matches_monte_carlo_estimate() {
        let (p, q) = (normal_pdf(0.0, 1.0), normal_pdf(1.0, 1.5));
        let simpson = jsd(p, q, -12.0, 17.0, 4000);
        let n = 1_000_000;
        let mut rng = StdRng::seed_from_u64(2024);
        // ½E_p[log 2p/(p+q)] + ½E_q[log 2q/(p+q)], with sample variances for the standard error.
        let mut stats = |dist: Normal<f64>, own: &dyn Fn(f64) -> f64, other: &dyn Fn(f64) -> f64| {
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            for _ in 0..n {
                let x = dist.sample(&mut rng);
                let (a, b) = (own(x), other(x));
                let v = (2.0 * a / (a + b)).ln();
                sum += v;
                sum_sq += v * v;
            }
            let mean = sum / n as f64;
            (mean, (sum_sq / n as f64 - mean * mean) / n as f64)
        };
        let (Ok(dp), Ok(dq)) = (Normal::new(0.0, 1.0), Normal::new(1.0, 1.5)) else { panic!("valid normals") };
        let (mean_p, var_p) = stats(dp, &p, &q);
        let (mean_q, var_q) = stats(dq, &q, &p);
        let estimate = 0.5 * (mean_p + mean_q);
        let se = 0.5 * (var_p + var_q).sqrt();
        assert!((simpson - estimate).abs() < 3.0 * se, "{simpson} vs {estimate} ± {se}");
        assert!(se < 1e-3, "{se}");
    }

    #[test]
    fn jsd_is_symmetric() {
        let (a, b) = (Mixture1d::mix2(), Mixture1d::gaussian());
        let (lo, hi) = union_range(a.range(10.0), b.range(10.0));
        let ab = jsd(|x| a.pdf(x), |x| b.pdf(x), lo, hi, 3000);
        let ba = jsd(|x| b.pdf(x), |x| a.pdf(x), lo, hi, 3000);
        assert!((ab - ba).abs() < 1e-15 && ab > 0.1, "{ab} vs {ba}");
        let p = jsd(normal_pdf(0.0, 1.0), normal_pdf(1.0, 1.5), -15.0, 18.0, 2000);
        let q = jsd(normal_pdf(1.0, 1.5), normal_pdf(0.0, 1.0), -15.0, 18.0, 2000);
        assert!((p - q).abs() < 1e-15);
    }

    #[test]
    fn jsd_rejects_bad_densities() {
        assert!(jsd(|_| -1.0, |_| 1.0, 0.0, 1.0, 10).is_nan());
        assert!(jsd(|_| f64::NAN, |_| 1.0, 0.0, 1.0, 10).is_nan());
        assert!(jsd(|_| 1.0, |_| 1.0, f64::NEG_INFINITY, 1.0, 10).is_nan());
        assert!(value_at_optimum(|_| -1.0, |_| 1.0, 0.0, 1.0, 10).is_nan());
        assert!(value_of(|_| 0.5, |_| 1.0, |_| f64::NAN, 0.0, 1.0, 10).is_nan());
        assert!(value_of(|_| f64::NAN, |_| 1.0, |_| 1.0, 0.0, 1.0, 10).is_nan());
    }

    /// Pairs (p_data, p_g) used by the value tests.
    fn value_pairs() -> Vec<(Mixture1d, Mixture1d)> {
        let single = |m: f64, s: f64| Mixture1d { components: vec![comp(1.0, m, s)] };
        vec![
            (single(0.0, 1.0), single(1.0, 1.5)),
            (Mixture1d::mix2(), Mixture1d::gaussian()),
            (Mixture1d::mix3(), Mixture1d::mix2()),
            (Mixture1d::gaussian(), Mixture1d::mix3()),
            (Mixture1d::mix3(), Mixture1d::mix3()),
            (single(-50.0, 1.0), single(50.0, 1.0)),
        ]
    }

    #[test]
    fn value_at_optimum_is_minus_log_4_plus_twice_jsd() {
        assert!((MINUS_LOG_4 + 4.0f64.ln()).abs() < 1e-16);
        for (a, b) in value_pairs() {
            let (lo, hi) = union_range(a.range(10.0), b.range(10.0));
            let (p, q) = (|x| a.pdf(x), |x| b.pdf(x));
            let v = value_at_optimum(p, q, lo, hi, 4000);
            let j = jsd(p, q, lo, hi, 4000);
            assert!((v - (MINUS_LOG_4 + 2.0 * j)).abs() < 1e-8, "{} vs {}: {v} vs {j}", a.to_spec(), b.to_spec());
            assert!((MINUS_LOG_4 - 1e-9..=1e-9).contains(&v), "{v}");
        }
        // C(G) = −log 4 exactly when p_g = p_data.
        let m = Mixture1d::mix3();
        let (lo, hi) = m.range(10.0);
        assert!((value_at_optimum(|x| m.pdf(x), |x| m.pdf(x), lo, hi, 2000) - MINUS_LOG_4).abs() < 1e-9);
    }

    #[test]
    fn value_of_is_maximised_by_d_star() {
        for (a, b) in value_pairs() {
            let (lo, hi) = union_range(a.range(10.0), b.range(10.0));
            let (p, q) = (|x| a.pdf(x), |x| b.pdf(x));
            let best = value_at_optimum(p, q, lo, hi, 4000);
            let at_d_star = value_of(|x| optimal_discriminator(a.pdf(x), b.pdf(x)), p, q, lo, hi, 4000);
            assert!((at_d_star - best).abs() < 1e-9, "{at_d_star} vs {best}");
            let same = a == b;
            let others: [&dyn Fn(f64) -> f64; 4] = [
                &|_| 0.5,
                &|x| 0.3 + 0.4 / (1.0 + x.exp()),
                &|x| (optimal_discriminator(a.pdf(x), b.pdf(x)) + 0.05).min(0.99),
                &|_| 1.0,
            ];
            for (k, d) in others.iter().enumerate() {
                let v = value_of(d, p, q, lo, hi, 4000);
                if same && k == 0 {
                    // D ≡ ½ is optimal when p_g = p_data.
                    assert!((v - best).abs() < 1e-9, "{v} vs {best}");
                } else {
                    assert!(v < best - 1e-6, "{} vs {}, D #{k}: {v} !< {best}", a.to_spec(), b.to_spec());
                }
            }
            // D ≡ ½ gives −log 4 times the total mass.
            let half = value_of(|_| 0.5, p, q, lo, hi, 4000);
            assert!((half - MINUS_LOG_4).abs() < 1e-9, "{half}");
        }
    }

    #[test]
    fn value_of_clamps_a_saturated_discriminator() {
        // D ≡ 1 on p = q = U(0, 1): ∫ log(1 − D) is clamped to log(1e-12).
        let v = value_of(|_| 1.0, |_| 1.0, |_| 1.0, 0.0, 1.0, 10);
        let expected = (-(1.0 - DISCRIMINATOR_CLAMP)).ln_1p() + (1.0 - DISCRIMINATOR_CLAMP).ln();
        assert!((v - expected).abs() < 1e-12 && v.is_finite(), "{v}");
        // Points with no mass ignore D entirely.
        assert_eq!(value_of(|_| f64::NAN, |_| 0.0, |_| 0.0, 0.0, 1.0, 10), 0.0);
    }

    #[test]
    fn simpson_is_exact_for_cubics() {
        let cubic = |x: f64| x * x * x - 2.0 * x * x + x - 5.0;
        // ∫_{−1}^{2} = [x⁴/4 − 2x³/3 + x²/2 − 5x] = −15.75.
        for n in [0, 1, 2, 3, 4, 7, 100] {
            let value = integrate(cubic, -1.0, 2.0, n);
            assert!((value + 15.75).abs() < 1e-12, "n = {n}: {value}");
        }
        assert!((integrate(cubic, 2.0, -1.0, 6) - 15.75).abs() < 1e-12);
        assert!((integrate(|x| 3.0 * x * x, 0.0, 1.0, 2) - 1.0).abs() < 1e-15);
        assert_eq!(integrate(cubic, 1.5, 1.5, 10), 0.0);
        assert!(integrate(cubic, f64::NAN, 1.0, 10).is_nan());
        assert!(integrate(cubic, 0.0, f64::INFINITY, 10).is_nan());
        // O(h⁴) on a smooth non-polynomial.
        let sin = integrate(f64::sin, 0.0, PI, 200);
        assert!((sin - 2.0).abs() < 1e-8, "{sin}");
        assert_eq!(simpson_intervals(usize::MAX), usize::MAX - 1);
    }

    #[test]
    fn preset_densities_integrate_to_one() {
        for m in presets() {
            let (lo, hi) = m.range(10.0);
            let total = integrate(|x| m.pdf(x), lo, hi, 2000);
            assert!((total - 1.0).abs() < 1e-9, "{}: {total}", m.to_spec());
            // cdf agrees with the integral of pdf.
            let (a, b) = (m.mean() - 1.3, m.mean() + 0.4);
            let piece = integrate(|x| m.pdf(x), a, b, 2000);
            assert!((piece - (m.cdf(b) - m.cdf(a))).abs() < 1e-10, "{}", m.to_spec());
            // variance agrees with the second central moment.
            let mean = m.mean();
            let second = integrate(|x| (x - mean).powi(2) * m.pdf(x), lo, hi, 4000);
            assert!((second - m.variance()).abs() < 1e-9, "{}: {second} vs {}", m.to_spec(), m.variance());
        }
    }

    #[test]
    fn cdf_limits_and_monotonicity() {
        for m in presets() {
            assert_eq!(m.cdf(1e3), 1.0);
            assert_eq!(m.cdf(f64::INFINITY), 1.0);
            assert_eq!(m.cdf(-1e3), 0.0);
            assert_eq!(m.pdf(f64::INFINITY), 0.0);
            assert!(m.cdf(f64::NAN).is_nan() && m.pdf(f64::NAN).is_nan());
            let xs = grid(-8.0, 8.0, 321);
            assert!(xs.windows(2).all(|w| m.cdf(w[0]) <= m.cdf(w[1])));
        }
        // Symmetric presets have F(0) = ½.
        assert!((Mixture1d::mix2().cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((Mixture1d::mix3().cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((Mixture1d::gaussian().cdf(1.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn moments_of_presets() {
        let g = Mixture1d::gaussian();
        assert!((g.mean() - 1.0).abs() < 1e-15 && (g.variance() - 0.49).abs() < 1e-15);
        let m2 = Mixture1d::mix2();
        assert!(m2.mean().abs() < 1e-15 && (m2.variance() - 4.25).abs() < 1e-12);
        let m3 = Mixture1d::mix3();
        // 0.3·(0.16 + 9)·2 + 0.4·0.36 = 5.64.
        assert!(m3.mean().abs() < 1e-15 && (m3.variance() - 5.64).abs() < 1e-12);
        assert_eq!(m3.range(10.0), (-7.0, 7.0));
        assert_eq!(g.range(2.0), (1.0 - 1.4, 1.0 + 1.4));
    }

    #[test]
    fn samples_match_moments() {
        let n = 100_000;
        for (seed, m) in presets().into_iter().enumerate() {
            let xs = m.sample(n, &mut StdRng::seed_from_u64(40 + seed as u64));
            assert_eq!(xs.len(), n);
            let count = n as f64;
            let mean = xs.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
            let var = xs.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / (count - 1.0);
            let m4 = xs.iter().map(|&v| (f64::from(v) - mean).powi(4)).sum::<f64>() / count;
            // 4 standard errors: se(mean) = √(σ²/n), se(s²) ≈ √((μ₄ − σ⁴)/n).
            let se_mean = (m.variance() / count).sqrt();
            let se_var = ((m4 - var * var) / count).sqrt();
            assert!((mean - m.mean()).abs() < 4.0 * se_mean, "{}: mean {mean} vs {}", m.to_spec(), m.mean());
            assert!((var - m.variance()).abs() < 4.0 * se_var, "{}: var {var} vs {}", m.to_spec(), m.variance());
            // Mixing proportions: the share below 0 matches the cdf.
            let below = xs.iter().filter(|&&v| v < 0.0).count() as f64 / count;
            let p0 = m.cdf(0.0);
            assert!((below - p0).abs() < 4.0 * (p0 * (1.0 - p0) / count).sqrt() + 1e-9, "{below} vs {p0}");
        }
        let bad = Mixture1d { components: vec![] };
        assert!(bad.sample(3, &mut StdRng::seed_from_u64(1)).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn weights_are_normalised() {
        let unnormalised = Mixture1d::new(vec![comp(2.0, -2.0, 0.5), comp(2.0, 2.0, 0.5)]);
        let Ok(unnormalised) = unnormalised else { panic!("valid mixture") };
        let reference = Mixture1d::mix2();
        for x in [-3.0, -2.0, -0.3, 0.0, 1.0, 2.5] {
            assert!((unnormalised.pdf(x) - reference.pdf(x)).abs() < 1e-15);
            assert!((unnormalised.cdf(x) - reference.cdf(x)).abs() < 1e-15);
        }
        assert_eq!(unnormalised.mean(), reference.mean());
        assert!((unnormalised.variance() - reference.variance()).abs() < 1e-15);
        let skewed = Mixture1d { components: vec![comp(3.0, 0.0, 1.0), comp(1.0, 4.0, 1.0)] };
        assert!((skewed.mean() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn parse_round_trips_and_presets() {
        for name in PRESETS {
            let Some(m) = Mixture1d::preset(name) else { panic!("missing preset {name}") };
            assert_eq!(Mixture1d::parse(name), Ok(m.clone()));
            assert_eq!(Mixture1d::parse(&format!("  {} ", name.to_uppercase())), Ok(m.clone()));
            assert_eq!(Mixture1d::parse(&m.to_spec()), Ok(m.clone()));
            assert!(m.validate().is_ok());
        }
        assert_eq!(Mixture1d::preset("nope"), None);
        let odd = Mixture1d { components: vec![comp(0.1, -1.0 / 3.0, 1e-3), comp(7.25, 1e10, 0.3)] };
        assert_eq!(Mixture1d::parse(&odd.to_spec()), Ok(odd));
        let spaced = Mixture1d::parse(" MIX: 0.5 , -2 , 0.5 ; 0.5,2,0.5; ");
        assert_eq!(spaced, Ok(Mixture1d::mix2()));
        assert_eq!(Mixture1d::mix2().to_spec(), "mix:0.5,-2,0.5;0.5,2,0.5");
    }

    #[test]
    fn errors_name_component_and_field() {
        let err = |r: Result<Mixture1d, String>| r.err().unwrap_or_default();
        assert_eq!(
            err(Mixture1d::new(vec![comp(1.0, 0.0, 1.0), comp(1.0, 0.0, 0.0)])),
            "component 2: standard deviation must be positive, got 0"
        );
        assert_eq!(err(Mixture1d::new(vec![comp(-1.0, 0.0, 1.0)])), "component 1: weight must be positive, got -1");
        assert_eq!(err(Mixture1d::new(vec![comp(0.0, 0.0, 1.0)])), "component 1: weight must be positive, got 0");
        assert_eq!(
            err(Mixture1d::new(vec![comp(1.0, 0.0, 1.0), comp(1.0, 1.0, 1.0), comp(1.0, f64::NAN, 1.0)])),
            "component 3: mean must be finite, got NaN"
        );
        assert_eq!(
            err(Mixture1d::new(vec![comp(f64::INFINITY, 0.0, 1.0)])),
            "component 1: weight must be finite, got inf"
        );
        assert_eq!(
            err(Mixture1d::new(vec![comp(1.0, 0.0, f64::INFINITY)])),
            "component 1: standard deviation must be finite, got inf"
        );
        assert!(err(Mixture1d::new(vec![])).contains("1 to 3 components, got 0"));
        assert!(err(Mixture1d::new(vec![comp(1.0, 0.0, 1.0); 4])).contains("got 4"));
        assert!(err(Mixture1d::new(vec![comp(1e308, 0.0, 1.0), comp(1e308, 0.0, 1.0)])).contains("finite sum"));

        assert_eq!(
            err(Mixture1d::parse("mix:1,0,1;1,0,-2")),
            "component 2: standard deviation must be positive, got -2"
        );
        assert!(err(Mixture1d::parse("mix:1,x,1")).contains("group 1: mean is not a number: \"x\""));
        assert!(err(Mixture1d::parse("mix:1,0,1;abc,0,1")).contains("group 2: weight is not a number"));
        assert!(err(Mixture1d::parse("mix:1,0,1;1,0,s")).contains("group 2: standard deviation is not a number"));
        assert!(err(Mixture1d::parse("mix:1,0")).contains("group 1 (\"1,0\"): expected 3 numbers"));
        assert!(err(Mixture1d::parse("mix:1,0,1;1,0,1;1,0,1;1,0,1")).contains("1 to 3 groups"));
        assert!(err(Mixture1d::parse("mix:")).contains("got none"));
        assert!(err(Mixture1d::parse("uniform")).contains("unknown distribution \"uniform\""));
        assert!(err(Mixture1d::parse("")).contains("unknown distribution"));
        let invalid = Mixture1d { components: vec![comp(1.0, 0.0, -1.0)] };
        assert!(invalid.validate().is_err());
        assert!(invalid.pdf(0.0).is_nan() && invalid.cdf(0.0).is_nan() && invalid.mean().is_nan());
        assert!(invalid.variance().is_nan() && invalid.range(3.0).0.is_nan());
    }

    #[test]
    fn gaussian_pdf_values_and_bad_input() {
        assert!((gaussian_pdf(0.0, 0.0, 1.0) - 1.0 / (2.0 * PI).sqrt()).abs() < 1e-16);
        assert!((gaussian_pdf(3.0, 1.0, 2.0) - (-0.5f64).exp() / (2.0 * (2.0 * PI).sqrt())).abs() < 1e-16);
        assert_eq!(gaussian_pdf(f64::NEG_INFINITY, 0.0, 1.0), 0.0);
        for (m, s) in [(0.0, 0.0), (0.0, -1.0), (0.0, f64::NAN), (f64::INFINITY, 1.0), (0.0, f64::INFINITY)] {
            assert!(gaussian_pdf(0.0, m, s).is_nan(), "({m}, {s})");
        }
    }

    #[test]
    fn silverman_bandwidth_known_cases() {
        // [1..5]: sd = √2.5, type-7 quartiles 2 and 4, IQR/1.34 = 1.4925 < sd.
        let h = silverman_bandwidth(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        let expected = 0.9 * (2.0 / 1.34) * 5f64.powf(-0.2);
        assert!((h - expected).abs() < 1e-15, "{h} vs {expected}");
        assert!((h - 0.973_584_622_850_636).abs() < 1e-12, "{h}");
        // IQR = 0 falls back to sd: [0, 0, 0, 0, 10] has sd = √20.
        let h = silverman_bandwidth(&[0.0, 0.0, 10.0, 0.0, 0.0]);
        assert!((h - 0.9 * 20f64.sqrt() * 5f64.powf(-0.2)).abs() < 1e-14, "{h}");
        // sd smaller than IQR/1.34: two clusters.
        let two = [0.0, 0.0, 1.0, 1.0];
        let sd = (1.0f64 / 3.0).sqrt();
        assert!((silverman_bandwidth(&two) - 0.9 * sd * 4f64.powf(-0.2)).abs() < 1e-15);
        // Degenerate cases.
        assert_eq!(silverman_bandwidth(&[2.0, 2.0, 2.0]), 1e-3);
        assert_eq!(silverman_bandwidth(&[2.0]), 1e-3);
        assert_eq!(silverman_bandwidth(&[f64::NAN, 1.0, f64::INFINITY]), 1e-3);
    }

    #[test]
    fn kde_construction() {
        assert!(Kde::new(&[], None).is_none());
        assert!(Kde::new(&[1.0], None).is_none());
        assert!(Kde::new(&[1.0, f32::NAN, f32::INFINITY], None).is_none());
        assert!(Kde::new(&[1.0, 2.0], Some(0.0)).is_none());
        assert!(Kde::new(&[1.0, 2.0], Some(f64::NAN)).is_none());
        let Some(kde) = Kde::new(&[3.0, f32::NAN, 1.0, 2.0], Some(0.5)) else { panic!("valid kde") };
        assert_eq!(kde.bandwidth(), 0.5);
        assert_eq!(kde.sample_count(), 3);
        assert_eq!(kde.range(2.0), (0.0, 4.0));
        let Some(auto) = Kde::new(&[5.0, 1.0, 4.0, 2.0, 3.0], None) else { panic!("valid kde") };
        assert_eq!(auto.bandwidth(), silverman_bandwidth(&[1.0, 2.0, 3.0, 4.0, 5.0]));
        let Some(flat) = Kde::new(&[2.0, 2.0], None) else { panic!("valid kde") };
        assert_eq!(flat.bandwidth(), 1e-3);
        // Two points, h = 1: p̂(0) = ½(φ(0) + φ(1)) for samples 0 and 1.
        let Some(pair) = Kde::new(&[0.0, 1.0], Some(1.0)) else { panic!("valid kde") };
        let expected = 0.5 * (gaussian_pdf(0.0, 0.0, 1.0) + gaussian_pdf(1.0, 0.0, 1.0));
        assert!((pair.pdf(0.0) - expected).abs() < 1e-16);
        assert!(pair.pdf(f64::NAN).is_nan() && pair.pdf(f64::INFINITY) == 0.0);
    }

    #[test]
    fn kde_integrates_to_one_and_grid_matches_naive() {
        let samples = Mixture1d::mix3().sample(5000, &mut StdRng::seed_from_u64(9));
        let Some(kde) = Kde::new(&samples, None) else { panic!("valid kde") };
        let (lo, hi) = kde.range(10.0);
        let total = integrate(|x| kde.pdf(x), lo, hi, 4000);
        assert!((total - 1.0).abs() < 1e-3, "{total}");
        let xs = grid(-8.0, 8.0, 400);
        let fast = kde.pdf_grid(&xs);
        assert_eq!(fast.len(), xs.len());
        for (&x, &f) in xs.iter().zip(&fast) {
            assert!((f - kde.pdf(x)).abs() < 1e-9, "x = {x}");
        }
        // Unordered points and NaN.
        let odd = kde.pdf_grid(&[2.0, -3.0, f64::NAN, 100.0]);
        assert!((odd[0] - kde.pdf(2.0)).abs() < 1e-9 && (odd[1] - kde.pdf(-3.0)).abs() < 1e-9);
        assert!(odd[2].is_nan() && odd[3] == 0.0);
    }

    #[test]
    fn kde_recovers_standard_normal() {
        let Ok(normal) = Normal::new(0.0, 1.0) else { panic!("valid normal") };
        let mut rng = StdRng::seed_from_u64(77);
        let samples: Vec<f32> = (0..20_000).map(|_| normal.sample(&mut rng) as f32).collect();
        let Some(kde) = Kde::new(&samples, None) else { panic!("valid kde") };
        // Silverman on N(0, 1): about 0.9 · 20000^(−1/5) ≈ 0.124.
        assert!((kde.bandwidth() - 0.124).abs() < 0.01, "{}", kde.bandwidth());
        let points = [-1.0, 0.0, 1.0];
        for (&x, &estimate) in points.iter().zip(&kde.pdf_grid(&points)) {
            let truth = gaussian_pdf(x, 0.0, 1.0);
            assert!((estimate - truth).abs() < 0.02, "x = {x}: {estimate} vs {truth}");
        }
    }

    #[test]
    fn grid_points() {
        assert!(grid(0.0, 1.0, 0).is_empty());
        assert_eq!(grid(2.0, 5.0, 1), vec![2.0]);
        assert_eq!(grid(-1.0, 1.0, 5), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        let g = grid(-7.0, 7.3, 400);
        assert_eq!((g.len(), g[0], g[399]), (400, -7.0, 7.3));
        assert!(g.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn max_abs_gap_on_hand_cases() {
        let d = [0.1, 0.5, 0.9, 0.4, 0.3];
        let d_star = [0.9, 0.45, 0.7, f64::NAN, 0.31];
        let mass = [0.001, 1.0, 0.5, 2.0, 0.2];
        // Point 0 (gap 0.8) lacks mass, point 3 has undefined D*: best is point 2, gap 0.2.
        let gap = max_abs_gap_where(&d, &d_star, &mass, 0.1);
        assert!(gap.is_some_and(|g| (g - 0.2).abs() < 1e-15), "{gap:?}");
        let all = max_abs_gap_where(&d, &d_star, &mass, 0.0);
        assert!(all.is_some_and(|g| (g - 0.8).abs() < 1e-15), "{all:?}");
        assert_eq!(max_abs_gap_where(&d, &d_star, &mass, 5.0), None);
        assert_eq!(max_abs_gap_where(&d, &d_star, &mass, f64::NAN), None);
        assert_eq!(max_abs_gap_where(&[], &[], &[], 0.0), None);
        // Threshold is inclusive; shortest slice wins.
        assert_eq!(max_abs_gap_where(&[0.0, 1.0], &[0.25, 0.0], &[1.0], 1.0), Some(0.25));
    }

    #[test]
    fn histogram_on_hand_cases() {
        let samples = [0.1f32, 0.2, 0.6, 1.0, -0.5, 3.0, f32::NAN, 0.5];
        // 6 finite-and-inside of 7 finite samples; bins [0, .5), [.5, 1]; width 0.5.
        let h = histogram(&samples, 0.0, 1.0, 2);
        let scale = 1.0 / (7.0 * 0.5);
        assert_eq!(h.len(), 2);
        assert!((h[0] - 2.0 * scale).abs() < 1e-15 && (h[1] - 3.0 * scale).abs() < 1e-15, "{h:?}");
        // A histogram of many samples draws on the pdf's scale.
        let m = Mixture1d::gaussian();
        let xs = m.sample(200_000, &mut StdRng::seed_from_u64(5));
        let (lo, hi) = m.range(5.0);
        let bins = 40;
        let density = histogram(&xs, lo, hi, bins);
        let width = (hi - lo) / bins as f64;
        let area: f64 = density.iter().sum::<f64>() * width;
        assert!((area - 1.0).abs() < 1e-4, "{area}");
        let centre = lo + width * 20.5;
        assert!((density[20] - m.pdf(centre)).abs() < 0.02, "{} vs {}", density[20], m.pdf(centre));
        assert!(histogram(&samples, 0.0, 1.0, 0).is_empty());
        assert!(histogram(&samples, 1.0, 1.0, 3).iter().all(|v| v.is_nan()));
        assert!(histogram(&samples, f64::NAN, 1.0, 3).iter().all(|v| v.is_nan()));
        assert_eq!(histogram(&[f32::NAN], 0.0, 1.0, 2), vec![0.0, 0.0]);
    }
}
