//! The VAE's Gaussian closed forms and Monte-Carlo estimators (sheet tasks
//! 2.1, 2.5 and 2.7).
//!
//! Notation: an encoder gives, per latent dimension k, a mean μ_k and a
//! log-variance ℓ_k = log σ_k², so q(z|x) = N(μ, diag σ²); the prior is
//! p(z) = N(0, I). Data vectors are `&[f32]` (as they come out of a network);
//! every sum is accumulated in f64 and every result is an f64 in nats.
//!
//! Functions taking several slices that must match element-wise return NaN
//! when their lengths differ. Empty slices are valid and give empty sums
//! (0 for a log-density or a KL divergence).

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// ln(2π), the normalising constant of a one-dimensional Gaussian log-density.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// KL(N(μ, diag σ²) ‖ N(0, I)) in closed form (sheet task 2.7):
///
/// KL = ½ Σ_k (μ_k² + σ_k² − 1 − log σ_k²), with σ_k² = exp(ℓ_k).
///
/// This is the regulariser of the VAE objective. It is 0 exactly when μ = 0
/// and ℓ = 0 and positive otherwise. Returns NaN if `mu` and `logvar` have
/// different lengths; 0 for empty slices.
pub fn kl_diag_to_std_normal(mu: &[f32], logvar: &[f32]) -> f64 {
    if mu.len() != logvar.len() {
        return f64::NAN;
    }
    let sum: f64 = mu
        .iter()
        .zip(logvar)
        .map(|(&m, &lv)| {
            let (m, lv) = (f64::from(m), f64::from(lv));
            m * m + lv.exp() - 1.0 - lv
        })
        .sum();
    0.5 * sum
}

/// Log-density of a diagonal Gaussian, log N(z; μ, diag σ²):
///
/// log N = −½ Σ_k (log 2π + ℓ_k + (z_k − μ_k)² / σ_k²), with σ_k² = exp(ℓ_k).
///
/// This is log q(z|x) for an encoder output (μ, ℓ) (sheet tasks 2.1, 2.5).
/// Returns NaN if the three slices do not all have the same length; 0 for
/// empty slices.
pub fn log_normal_diag(z: &[f32], mu: &[f32], logvar: &[f32]) -> f64 {
    if z.len() != mu.len() || z.len() != logvar.len() {
        return f64::NAN;
    }
    let sum: f64 = z
        .iter()
        .zip(mu)
        .zip(logvar)
        .map(|((&z, &m), &lv)| {
            let diff = f64::from(z) - f64::from(m);
            let lv = f64::from(lv);
            LN_2PI + lv + diff * diff * (-lv).exp()
        })
        .sum();
    -0.5 * sum
}

/// Log-density of the standard normal prior, log N(z; 0, I):
///
/// log p(z) = −½ Σ_k (log 2π + z_k²).
///
/// This is the log-prior term of the VAE (sheet tasks 2.1, 2.5). Returns 0 for
/// an empty slice.
pub fn log_std_normal(z: &[f32]) -> f64 {
    let sum: f64 = z
        .iter()
        .map(|&z| {
            let z = f64::from(z);
            LN_2PI + z * z
        })
        .sum();
    -0.5 * sum
}

/// A Monte-Carlo estimate: the sample mean, its standard error and the number
/// of samples it was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McEstimate {
    /// Sample mean (1/n) Σ_i f_i.
    pub mean: f64,
    /// Standard error of the mean, s / √n, with s² = Σ_i (f_i − mean)² / (n − 1).
    /// NaN when fewer than two samples were drawn.
    pub std_error: f64,
    /// Number of samples n actually drawn (0 when the inputs were invalid).
    pub samples: usize,
}

/// Monte-Carlo estimate of KL(q ‖ p) for q = N(μ, diag σ²), p = N(0, I)
/// (sheet tasks 2.5 and 2.7), to set against [`kl_diag_to_std_normal`].
///
/// Each sample uses the reparameterisation z = μ + σ ⊙ ε, ε ~ N(0, I) and
/// contributes f = log q(z) − log p(z); the estimate is the mean of f over
/// `samples` draws with standard error s / √n (s the sample standard
/// deviation with n − 1). The densities are evaluated in f64 straight from ε
/// (z is never rounded to f32), using
/// f = Σ_k ½ (z_k² − ε_k² − ℓ_k), in which the log 2π terms cancel.
///
/// The spread of f is known: Var f = Σ_k [½ (σ_k² − 1)² + μ_k² σ_k²], so the
/// standard error falls like 1/√n. If `mu` and `logvar` differ in length or
/// `samples` is 0, nothing is drawn and the result is
/// `{ mean: NaN, std_error: NaN, samples: 0 }`; with one sample the
/// std_error is NaN. Empty `mu`/`logvar` give f = 0 for every sample.
pub fn kl_monte_carlo<R: Rng + ?Sized>(mu: &[f32], logvar: &[f32], samples: usize, rng: &mut R) -> McEstimate {
    if mu.len() != logvar.len() || samples == 0 {
        return McEstimate { mean: f64::NAN, std_error: f64::NAN, samples: 0 };
    }
    // Welford's running mean and sum of squared deviations.
    let mut mean = 0.0;
    let mut m2 = 0.0;
    for i in 0..samples {
        let mut f = 0.0;
        for (&m, &lv) in mu.iter().zip(logvar) {
            let (m, lv) = (f64::from(m), f64::from(lv));
            let eps: f64 = rng.sample(StandardNormal);
            let z = m + (0.5 * lv).exp() * eps;
            f += 0.5 * (z * z - eps * eps - lv);
        }
        let count = (i + 1) as f64;
        let delta = f - mean;
        mean += delta / count;
        m2 += delta * (f - mean);
    }
    let n = samples as f64;
    let std_error = if samples >= 2 { (m2 / (n - 1.0) / n).sqrt() } else { f64::NAN };
    McEstimate { mean, std_error, samples }
}

/// Numerically stable log Σ_i exp(x_i).
///
/// Computed as m + log Σ_i exp(x_i − m) with m = max_i x_i, so it neither
/// overflows for values near 1000 nor underflows for values near −1000.
/// Special cases: −∞ for an empty slice or when every element is −∞ (the sum
/// of no or zero terms); NaN if any element is NaN; +∞ if some element is +∞
/// (and none is NaN). Used by [`importance_weighted_log_px`] (sheet task 2.1).
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    if xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_infinite() {
        // Empty, all −∞ (→ −∞), or some +∞ (→ +∞).
        return max;
    }
    let sum: f64 = xs.iter().map(|&x| (x - max).exp()).sum();
    max + sum.ln()
}

/// Importance-weighted estimate of log p(x) from k log weights (sheet task 2.1):
///
/// log p̂(x) = log ((1/k) Σ_i exp(w_i)) = logsumexp(w) − log k,
///
/// where w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x) for z_i ~ q(z|x).
///
/// With k = 1 this is the single-sample ELBO estimate, whose expectation is
/// ELBO = log p(x) − KL(q(z|x) ‖ p(z|x)). Its expectation grows with k and
/// tends to log p(x) as k → ∞ (Burda, Grosse & Salakhutdinov 2016, the IWAE
/// bound), while staying ≤ log p(x) for every k (Jensen). So, with k large,
/// log p̂(x) − ELBO estimates the gap KL(q(z|x) ‖ p(z|x)) ≥ 0: how far the
/// encoder is from the true posterior. If q is the exact posterior every
/// weight equals log p(x) and the estimate is exact for any k.
///
/// Returns NaN for an empty slice; the special values of [`log_sum_exp`]
/// propagate otherwise.
pub fn importance_weighted_log_px(log_weights: &[f64]) -> f64 {
    if log_weights.is_empty() {
        return f64::NAN;
    }
    log_sum_exp(log_weights) - (log_weights.len() as f64).ln()
}

/// log(1 + eˣ), computed without overflow or cancellation.
fn softplus(a: f64) -> f64 {
    a.max(0.0) + (-a.abs()).exp().ln_1p()
}

/// Bernoulli log-likelihood of data x under decoder logits a (sheet task 2.1,
/// the reconstruction term for binarised / grey-level images):
///
/// Σ_j [x_j log σ(a_j) + (1 − x_j) log(1 − σ(a_j))] = −Σ_j (softplus(a_j) − x_j a_j),
///
/// with σ the logistic function and softplus(a) = log(1 + eᵃ), evaluated
/// stably as max(a, 0) + log1p(e^−|a|). This is minus the binary
/// cross-entropy with logits; x may be any value in [0, 1] (grey levels), in
/// which case the maximum over a is the negative entropy rather than 0. It is
/// finite for any finite logits. Returns NaN if the lengths differ; 0 for
/// empty slices.
pub fn bernoulli_log_likelihood(x: &[f32], logits: &[f32]) -> f64 {
    if x.len() != logits.len() {
        return f64::NAN;
    }
    let sum: f64 = x
        .iter()
        .zip(logits)
        .map(|(&x, &a)| {
            let a = f64::from(a);
            softplus(a) - f64::from(x) * a
        })
        .sum();
    -sum
}

/// Gaussian log-likelihood with a shared, fixed standard deviation σ (sheet
/// task 2.1, the reconstruction term of a Gaussian decoder):
///
/// Σ_j log N(x_j; mean_j, σ²) = −Σ_j [½ log 2π + log σ + (x_j − mean_j)² / (2σ²)].
///
/// Returns NaN if the lengths differ or σ is not a positive finite number;
/// 0 for empty slices.
pub fn gaussian_log_likelihood(x: &[f32], mean: &[f32], sigma: f32) -> f64 {
    if x.len() != mean.len() || !(sigma > 0.0 && sigma.is_finite()) {
        return f64::NAN;
    }
    let sigma = f64::from(sigma);
    let norm = 0.5 * LN_2PI + sigma.ln();
    let inv_two_var = 0.5 / (sigma * sigma);
    let sum: f64 = x
        .iter()
        .zip(mean)
        .map(|(&x, &m)| {
            let diff = f64::from(x) - f64::from(m);
            norm + diff * diff * inv_two_var
        })
        .sum();
    -sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn ln_2pi_constant_is_right() {
        assert!(close(LN_2PI, (2.0 * std::f64::consts::PI).ln(), 1e-15));
    }

    #[test]
    fn kl_closed_form_hand_cases() {
        assert_eq!(kl_diag_to_std_normal(&[0.0], &[0.0]), 0.0);
        assert_eq!(kl_diag_to_std_normal(&[0.0; 5], &[0.0; 5]), 0.0);
        assert!(close(kl_diag_to_std_normal(&[1.0], &[0.0]), 0.5, 1e-15));
        // μ = 0, σ² = e (ℓ = 1): ½(e − 1 − 1) = ½(e − 2).
        let expected = 0.5 * (std::f64::consts::E - 2.0);
        assert!(close(kl_diag_to_std_normal(&[0.0], &[1.0]), expected, 1e-15));
        // Sums over dimensions.
        assert!(close(kl_diag_to_std_normal(&[1.0, 0.0], &[0.0, 1.0]), 0.5 + expected, 1e-15));
        assert_eq!(kl_diag_to_std_normal(&[], &[]), 0.0);
        assert!(kl_diag_to_std_normal(&[0.0, 1.0], &[0.0]).is_nan());
    }

    /// Exact std error of the MC KL estimator: Var f = Σ_k [½(σ²−1)² + μ²σ²].
    fn exact_kl_sd(mu: &[f32], logvar: &[f32]) -> f64 {
        mu.iter()
            .zip(logvar)
            .map(|(&m, &lv)| {
                let (m, v) = (f64::from(m), f64::from(lv).exp());
                0.5 * (v - 1.0).powi(2) + m * m * v
            })
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn kl_monte_carlo_agrees_with_closed_form() {
        let cases: [(&[f32], &[f32]); 4] = [
            (&[0.7], &[-0.9]),
            (&[-1.3, 0.4], &[0.6, -1.5]),
            (&[0.5, -0.2, 1.1, 0.0, -0.8, 2.0, 0.3, -1.4], &[-0.3, 0.8, -2.0, 0.1, 0.0, -0.7, 1.2, -1.1]),
            (&[0.0, 0.0], &[0.0, 0.0]), // q = p: every sample is exactly 0.
        ];
        for (seed, (mu, logvar)) in cases.iter().enumerate() {
            let mut rng = StdRng::seed_from_u64(100 + seed as u64);
            let n = 20_000;
            let est = kl_monte_carlo(mu, logvar, n, &mut rng);
            let exact = kl_diag_to_std_normal(mu, logvar);
            assert_eq!(est.samples, n);
            assert!(
                close(est.mean, exact, 3.0 * est.std_error + 1e-12),
                "K={}: MC {} ± {} vs exact {exact}",
                mu.len(),
                est.mean,
                est.std_error
            );
            // The sample standard error matches the exact one within 5 %.
            let se_exact = exact_kl_sd(mu, logvar) / (n as f64).sqrt();
            assert!(close(est.std_error, se_exact, 0.05 * se_exact + 1e-12), "{} vs {se_exact}", est.std_error);
        }
    }

    #[test]
    fn kl_monte_carlo_std_error_shrinks_like_inverse_sqrt_n() {
        let mu = [0.5f32, -1.0, 0.25];
        let logvar = [0.4f32, -0.6, 1.0];
        let small = kl_monte_carlo(&mu, &logvar, 1_000, &mut StdRng::seed_from_u64(7));
        let large = kl_monte_carlo(&mu, &logvar, 16_000, &mut StdRng::seed_from_u64(8));
        // 16× the samples → a quarter of the standard error (within 10 %).
        let ratio = small.std_error / large.std_error;
        assert!((ratio - 4.0).abs() < 0.4, "ratio {ratio}");
    }

    #[test]
    fn kl_monte_carlo_degenerate_inputs() {
        let mut rng = StdRng::seed_from_u64(1);
        let bad = kl_monte_carlo(&[0.0, 1.0], &[0.0], 10, &mut rng);
        assert!(bad.mean.is_nan() && bad.std_error.is_nan() && bad.samples == 0);
        let none = kl_monte_carlo(&[0.0], &[0.0], 0, &mut rng);
        assert!(none.mean.is_nan() && none.samples == 0);
        let one = kl_monte_carlo(&[1.0], &[0.0], 1, &mut rng);
        assert!(one.mean.is_finite() && one.std_error.is_nan() && one.samples == 1);
    }

    #[test]
    fn log_normal_diag_hand_computation() {
        // z = (1, −0.5), μ = (0.5, 0.5), ℓ = (0, 1):
        // −½[(ln2π + 0 + 0.25) + (ln2π + 1 + 1·e⁻¹)] = −ln2π − ½(1.25 + e⁻¹).
        let got = log_normal_diag(&[1.0, -0.5], &[0.5, 0.5], &[0.0, 1.0]);
        let expected = -(2.0 * std::f64::consts::PI).ln() - 0.5 * (1.25 + (-1.0f64).exp());
        assert!(close(got, expected, 1e-14), "{got} vs {expected}");
        // Standard normal at 0 in one dimension: −½ ln 2π.
        assert!(close(log_std_normal(&[0.0]), -0.5 * LN_2PI, 1e-15));
        // log_std_normal is log_normal_diag with μ = 0, ℓ = 0.
        let z = [0.3f32, -1.7, 2.2];
        assert!(close(log_std_normal(&z), log_normal_diag(&z, &[0.0; 3], &[0.0; 3]), 1e-14));
        assert!(log_normal_diag(&[0.0], &[0.0, 0.0], &[0.0]).is_nan());
        assert!(log_normal_diag(&[0.0], &[0.0], &[]).is_nan());
    }

    #[test]
    fn log_sum_exp_is_stable_and_exact() {
        let ln2 = std::f64::consts::LN_2;
        assert!(close(log_sum_exp(&[1000.0, 1000.0]), 1000.0 + ln2, 1e-12));
        assert!(close(log_sum_exp(&[-1000.0, -1000.0]), -1000.0 + ln2, 1e-12));
        assert_eq!(log_sum_exp(&[1000.0, 0.0]), 1000.0);
        assert!(close(log_sum_exp(&[-1000.0, -1001.0]), -1000.0 + (-1.0f64).exp().ln_1p(), 1e-12));
        assert!(close(log_sum_exp(&[1.0f64.ln(), 2.0f64.ln(), 3.0f64.ln()]), 6.0f64.ln(), 1e-15));
        assert!(close(log_sum_exp(&[0.0, 0.0, 0.0, 0.0]), 4.0f64.ln(), 1e-15));
        assert_eq!(log_sum_exp(&[2.5]), 2.5);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY, 0.0]), 0.0);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 3]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::INFINITY, 0.0]), f64::INFINITY);
        assert!(log_sum_exp(&[0.0, f64::NAN]).is_nan());
        assert!(log_sum_exp(&[f64::INFINITY, f64::NAN]).is_nan());
    }

    #[test]
    fn importance_weighted_of_identical_weights_is_the_weight() {
        for k in [1usize, 2, 7, 100] {
            for w in [-1234.5, -3.25, 0.0, 17.0] {
                let got = importance_weighted_log_px(&vec![w; k]);
                assert!(close(got, w, 1e-12 * (1.0 + w.abs())), "k={k}, w={w}: {got}");
            }
        }
        assert!(importance_weighted_log_px(&[]).is_nan());
    }

    /// The 1-D linear-Gaussian model p(z) = N(0, 1), p(x|z) = N(x; z, s²):
    /// p(x) = N(x; 0, 1 + s²), p(z|x) = N(x/(1+s²), s²/(1+s²)).
    struct LinearGaussian {
        x: f32,
        s: f32,
    }

    impl LinearGaussian {
        fn log_px(&self) -> f64 {
            let (x, s2) = (f64::from(self.x), f64::from(self.s).powi(2));
            -0.5 * (LN_2PI + (1.0 + s2).ln() + x * x / (1.0 + s2))
        }

        fn posterior(&self) -> (f32, f32) {
            let (x, s2) = (f64::from(self.x), f64::from(self.s).powi(2));
            ((x / (1.0 + s2)) as f32, (s2 / (1.0 + s2)).ln() as f32)
        }

        /// w = log p(x|z) + log p(z) − log q(z), z ~ q = N(m, exp(lv)).
        fn log_weight<R: Rng>(&self, m: f32, lv: f32, rng: &mut R) -> f64 {
            let eps: f64 = rng.sample(StandardNormal);
            let z = (f64::from(m) + (0.5 * f64::from(lv)).exp() * eps) as f32;
            gaussian_log_likelihood(&[self.x], &[z], self.s) + log_std_normal(&[z]) - log_normal_diag(&[z], &[m], &[lv])
        }

        /// Analytic ELBO for q = N(m, exp(lv)): E_q[log p(x|z)] − KL(q ‖ p).
        fn elbo(&self, m: f32, lv: f32) -> f64 {
            let (x, s2) = (f64::from(self.x), f64::from(self.s).powi(2));
            let (mf, v) = (f64::from(m), f64::from(lv).exp());
            let expected_loglik = -0.5 * (LN_2PI + s2.ln()) - ((x - mf).powi(2) + v) / (2.0 * s2);
            expected_loglik - kl_diag_to_std_normal(&[m], &[lv])
        }
    }

    #[test]
    fn importance_weights_are_constant_under_the_exact_posterior() {
        let mut rng = StdRng::seed_from_u64(11);
        for (x, s) in [(1.5f32, 1.0f32), (-0.7, 0.5), (2.0, 2.0)] {
            let model = LinearGaussian { x, s };
            let (m, lv) = model.posterior();
            let log_px = model.log_px();
            for k in [1usize, 10, 100] {
                let weights: Vec<f64> = (0..k).map(|_| model.log_weight(m, lv, &mut rng)).collect();
                // Every weight is log p(x) up to the f32 rounding of the
                // posterior parameters (relative ~1e-7 → < 1e-6 absolute).
                for w in &weights {
                    assert!(close(*w, log_px, 1e-6), "x={x}, s={s}: {w} vs {log_px}");
                }
                assert!(close(importance_weighted_log_px(&weights), log_px, 1e-6));
            }
        }
    }

    #[test]
    fn importance_weighted_bound_tightens_with_k() {
        let model = LinearGaussian { x: 1.5, s: 1.0 };
        let log_px = model.log_px();
        let reps = 4_000;
        // Two deliberately wrong proposals: the prior N(0, 1), and N(0.2, e^0.4).
        for (qi, (m, lv)) in [(0.0f32, 0.0f32), (0.2, 0.4)].into_iter().enumerate() {
            let elbo = model.elbo(m, lv);
            let mut means = Vec::new();
            for (ki, k) in [1usize, 10, 100].into_iter().enumerate() {
                let mut rng = StdRng::seed_from_u64(1000 + 10 * qi as u64 + ki as u64);
                let estimates: Vec<f64> = (0..reps)
                    .map(|_| {
                        let w: Vec<f64> = (0..k).map(|_| model.log_weight(m, lv, &mut rng)).collect();
                        importance_weighted_log_px(&w)
                    })
                    .collect();
                let mean = estimates.iter().sum::<f64>() / reps as f64;
                let var = estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
                let se = (var / reps as f64).sqrt();
                // Below log p(x) (Jensen), up to 3 standard errors of noise.
                assert!(mean <= log_px + 3.0 * se, "q{qi} k={k}: {mean} ± {se} vs log p(x) {log_px}");
                if k == 1 {
                    // The k = 1 estimate is unbiased for the ELBO.
                    assert!(close(mean, elbo, 3.0 * se), "q{qi}: {mean} ± {se} vs ELBO {elbo}");
                }
                if k == 100 {
                    // Within 0.02 nats of log p(x), and the gap is below a
                    // tenth of the ELBO gap KL(q ‖ p(z|x)).
                    assert!(log_px - mean < 0.02, "q{qi}: {mean} vs {log_px}");
                    assert!(log_px - mean < 0.1 * (log_px - elbo), "q{qi}: {mean}, ELBO {elbo}, {log_px}");
                }
                means.push((mean, se));
            }
            // Strictly increasing in k, by more than the noise.
            for pair in means.windows(2) {
                let ((a, sa), (b, sb)) = (pair[0], pair[1]);
                assert!(b - a > 3.0 * (sa * sa + sb * sb).sqrt(), "q{qi}: not increasing: {means:?}");
            }
        }
    }

    #[test]
    fn bernoulli_matches_direct_formula() {
        let sigmoid = |a: f64| 1.0 / (1.0 + (-a).exp());
        let xs = [0.0f32, 1.0, 0.5, 0.25, 0.9, 1.0, 0.0];
        let logits = [-5.0f32, 5.0, 0.0, -1.3, 2.7, -0.4, 3.9];
        let direct: f64 = xs
            .iter()
            .zip(&logits)
            .map(|(&x, &a)| {
                let (x, p) = (f64::from(x), sigmoid(f64::from(a)));
                x * p.ln() + (1.0 - x) * (1.0 - p).ln()
            })
            .sum();
        let got = bernoulli_log_likelihood(&xs, &logits);
        assert!(close(got, direct, 1e-12), "{got} vs {direct}");
        // x = ½, a = 0: 2 · ½ log ½ per pixel → log ½.
        assert!(close(bernoulli_log_likelihood(&[0.5], &[0.0]), -std::f64::consts::LN_2, 1e-15));
        assert!(bernoulli_log_likelihood(&[0.5], &[]).is_nan());
    }

    #[test]
    fn bernoulli_is_finite_for_extreme_logits() {
        let xs = [1.0f32, 0.0, 1.0, 0.0, 0.3];
        let logits = [100.0f32, -100.0, -100.0, 100.0, 100.0];
        let got = bernoulli_log_likelihood(&xs, &logits);
        assert!(got.is_finite());
        // Confident and right: ≈ 0; confident and wrong: ≈ −100 each;
        // x = 0.3 at a = 100: −(100 − 100·x) ≈ −70 (x is the f32 nearest 0.3).
        assert!(close(bernoulli_log_likelihood(&[1.0, 0.0], &[100.0, -100.0]), 0.0, 1e-40));
        assert!(close(bernoulli_log_likelihood(&[1.0], &[-100.0]), -100.0, 1e-12));
        assert!(close(bernoulli_log_likelihood(&[0.0], &[100.0]), -100.0, 1e-12));
        let expected = -200.0 - (100.0 - 100.0 * f64::from(0.3f32));
        assert!(close(got, expected, 1e-9), "{got} vs {expected}");
    }

    #[test]
    fn gaussian_log_likelihood_hand_case() {
        // σ = 2: each term −½ ln 2π − ln 2 − d²/8 with d = 1 and d = 2.
        let got = gaussian_log_likelihood(&[1.0, 0.0], &[0.0, 2.0], 2.0);
        let expected = 2.0 * (-0.5 * LN_2PI - std::f64::consts::LN_2) - 1.0 / 8.0 - 4.0 / 8.0;
        assert!(close(got, expected, 1e-14), "{got} vs {expected}");
        // Matches log_normal_diag with a shared log-variance.
        let x = [0.3f32, -1.2, 2.5];
        let mean = [0.0f32, -1.0, 1.5];
        let lv = (0.5f64 * 0.5).ln() as f32;
        assert!(close(gaussian_log_likelihood(&x, &mean, 0.5), log_normal_diag(&x, &mean, &[lv; 3]), 1e-6));
        assert!(gaussian_log_likelihood(&[0.0], &[0.0], 0.0).is_nan());
        assert!(gaussian_log_likelihood(&[0.0], &[0.0], -1.0).is_nan());
        assert!(gaussian_log_likelihood(&[0.0], &[0.0], f32::NAN).is_nan());
        assert!(gaussian_log_likelihood(&[0.0], &[], 1.0).is_nan());
    }
}
