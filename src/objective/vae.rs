//! The VAE's objective (sheet tasks 1 and 2): the decoder's likelihood −log p(x|z)
//! ([`Likelihood`]) and the KL term of the ELBO, KL(q(z|x) ‖ N(0, I)), each in its candle form
//! ([`Likelihood::nll`], [`kl_to_prior`]) and its slice form ([`Likelihood::nll_and_grad`],
//! [`kl_and_grad`]). The loss minimised is recon + β·KL, in nats per image.

use candle_core::{Result, Tensor, D};

use super::{sigmoid, softplus};
use crate::fast::kernels::likelihood::bernoulli_nll_and_grad;
use crate::fast::Isa;

/// How a decoded image explains the data: log p(x | z).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Likelihood {
    /// Independent Bernoulli pixels with means σ(a): −log p = binary cross-entropy with logits.
    Bernoulli,
    /// Independent Gaussian pixels with means σ(a) and a fixed standard deviation.
    Gaussian {
        /// The pixels' standard deviation.
        sigma: f32,
    },
}

impl Likelihood {
    /// Short name for the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bernoulli => "bernoulli",
            Self::Gaussian { .. } => "gaussian",
        }
    }

    /// A formula for tooltips.
    pub fn describe(self) -> String {
        match self {
            Self::Bernoulli => "Bernoulli: −log p(x|z) = Σⱼ BCE(xⱼ, σ(aⱼ)), pixels in [0, 1]".to_owned(),
            Self::Gaussian { sigma } => {
                format!("Gaussian, σ = {sigma}: −log p(x|z) = Σⱼ (xⱼ − σ(aⱼ))²/(2σ²) + ½ log(2πσ²)")
            }
        }
    }

    /// −log p(x | z) per image (shape (n)), from decoder logits `a` (n, d) and images `x` (n, d).
    pub fn nll(self, logits: &Tensor, x: &Tensor) -> Result<Tensor> {
        match self {
            // softplus(a) − x·a, summed over pixels.
            Self::Bernoulli => (softplus(logits)? - (x * logits)?)?.sum(D::Minus1),
            Self::Gaussian { sigma } => {
                let sigma = f64::from(sigma);
                let d = logits.dim(D::Minus1)? as f64;
                let mean = candle_nn::ops::sigmoid(logits)?;
                let sq = (x - mean)?.sqr()?.sum(D::Minus1)?;
                (sq / (2.0 * sigma * sigma))? + 0.5 * d * (2.0 * std::f64::consts::PI * sigma * sigma).ln()
            }
        }
    }
}

impl Likelihood {
    /// −log p(x | z) summed over `rows` decoded rows (row r explains image r mod m, as
    /// [`Self::nll`] on tiled images), with ∂(sum / `total_rows`)/∂logits written to `grad`:
    /// the rows are a part of a minibatch of `total_rows` whose mean is the loss. The fast
    /// path's form of [`Self::nll`] (tested against it below).
    pub fn nll_and_grad(self, logits: &[f32], x: &[f32], rows: usize, total_rows: usize, grad: &mut Vec<f32>) -> f64 {
        let per_image = logits.len() / rows.max(1);
        let scale = 1.0 / total_rows as f32;
        let isa = Isa::best();
        // Every element is written below: no need to clear.
        grad.resize(logits.len(), 0.0);
        let mut total = 0.0f64;
        for (r, (a_row, g_row)) in logits.chunks_exact(per_image).zip(grad.chunks_exact_mut(per_image)).enumerate() {
            let x_row = &x[(r * per_image) % x.len()..][..per_image];
            total += self.row_nll_and_grad(isa, a_row, x_row, g_row, scale);
        }
        total
    }

    /// −log p(x | a) of one image (constant included), with its gradient times `scale`
    /// written to `grad`.
    pub fn row_nll_and_grad(self, isa: Isa, a: &[f32], x: &[f32], grad: &mut [f32], scale: f32) -> f64 {
        match self {
            Self::Bernoulli => f64::from(bernoulli_nll_and_grad(isa, a, x, grad, scale)),
            Self::Gaussian { sigma } => {
                let inv = 1.0 / (sigma * sigma);
                let mut total = 0.0f32;
                for ((a, x), g) in a.iter().zip(x).zip(grad.iter_mut()) {
                    let m = sigmoid(*a);
                    total += 0.5 * (x - m) * (x - m) * inv;
                    *g = -(x - m) * m * (1.0 - m) * inv * scale;
                }
                let s2 = f64::from(sigma).powi(2);
                f64::from(total) + 0.5 * a.len() as f64 * (2.0 * std::f64::consts::PI * s2).ln()
            }
        }
    }
}

/// KL(N(μ, diag e^{log σ²}) ‖ N(0, I)) = ½ Σⱼ (μⱼ² + σⱼ² − 1 − log σⱼ²) per row (shape (n)),
/// in closed form (sheet task 2.7; candle form).
pub fn kl_to_prior(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    (((mu.sqr()? + logvar.exp()?)? - 1.0)? - logvar)?.sum(D::Minus1)? * 0.5
}

/// [`kl_to_prior`] of one row (slice form), with β·∂KL/∂μ = βμ/b and β·∂KL/∂log σ² =
/// β(σ² − 1)/(2b) added to `g_mu` and `g_logvar`: the row's share of the gradient of β times
/// the mean KL over a minibatch of `batch` images.
pub fn kl_and_grad(mu: &[f32], logvar: &[f32], beta: f32, batch: usize, g_mu: &mut [f32], g_logvar: &mut [f32]) -> f64 {
    let b = batch as f32;
    let mut twice = 0.0f64;
    for j in 0..mu.len() {
        let (m, lv) = (mu[j], logvar[j]);
        twice += f64::from(m * m + lv.exp() - 1.0 - lv);
        g_mu[j] += beta * m / b;
        g_logvar[j] += beta * 0.5 * (lv.exp() - 1.0) / b;
    }
    0.5 * twice
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    #[test]
    fn bernoulli_nll_matches_the_direct_formula() {
        let dev = Device::Cpu;
        let a = Tensor::from_vec(vec![0.5f32, -2.0, 3.0], (1, 3), &dev).unwrap();
        let x = Tensor::from_vec(vec![1.0f32, 0.25, 0.0], (1, 3), &dev).unwrap();
        let got = Likelihood::Bernoulli.nll(&a, &x).unwrap().to_vec1::<f32>().unwrap()[0];
        let s = |v: f32| 1.0 / (1.0 + (-v).exp());
        let want: f32 = [(0.5f32, 1.0f32), (-2.0, 0.25), (3.0, 0.0)]
            .iter()
            .map(|&(a, x)| -(x * s(a).ln() + (1.0 - x) * (1.0 - s(a)).ln()))
            .sum();
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn gaussian_nll_matches_the_direct_formula() {
        let dev = Device::Cpu;
        let a = Tensor::from_vec(vec![0.0f32, 1.0], (1, 2), &dev).unwrap();
        let x = Tensor::from_vec(vec![0.5f32, 0.0], (1, 2), &dev).unwrap();
        let sigma = 0.1f32;
        let got = Likelihood::Gaussian { sigma }.nll(&a, &x).unwrap().to_vec1::<f32>().unwrap()[0];
        let m1 = 1.0 / (1.0 + (-1.0f64).exp());
        let s2 = f64::from(sigma).powi(2);
        let want = (0.0 + m1 * m1) / (2.0 * s2) + (2.0 * std::f64::consts::PI * s2).ln();
        assert!((f64::from(got) - want).abs() < 1e-3, "{got} vs {want}");
    }

    /// The slice form's value and gradient against the candle form and its autodiff, for
    /// both likelihoods, on a part of a larger minibatch and with two samples per image.
    #[test]
    fn the_slice_likelihood_is_the_candle_likelihood_and_its_gradient() {
        let dev = Device::Cpu;
        let mut rng = StdRng::seed_from_u64(3);
        let (images, samples, d, total) = (3, 2, 20, 10);
        let rows = images * samples;
        let logits: Vec<f32> = (0..rows * d).map(|_| rng.random_range(-6.0f32..6.0)).collect();
        let x: Vec<f32> =
            (0..images * d).map(|i| if i % 3 == 0 { 0.0 } else { rng.random_range(0.0f32..1.0) }).collect();
        // Row r explains image r mod `images`, as tiling the images does.
        let tiled: Vec<f32> = (0..rows).flat_map(|r| x[(r % images) * d..][..d].to_vec()).collect();
        for lik in [Likelihood::Bernoulli, Likelihood::Gaussian { sigma: 0.4 }] {
            let a = Var::from_slice(&logits, (rows, d), &dev).unwrap();
            let xt = Tensor::from_slice(&tiled, (rows, d), &dev).unwrap();
            let mean = (lik.nll(a.as_tensor(), &xt).unwrap().sum_all().unwrap() / total as f64).unwrap();
            let want = mean.backward().unwrap().get(a.as_tensor()).unwrap().flatten_all().unwrap();
            let want = want.to_vec1::<f32>().unwrap();
            let mut grad = Vec::new();
            let sum = lik.nll_and_grad(&logits, &x, rows, total, &mut grad);
            let candle = f64::from(mean.to_vec0::<f32>().unwrap());
            assert!((sum / total as f64 - candle).abs() < 1e-4 * (1.0 + candle.abs()), "{lik:?}: {sum} vs {candle}");
            for (g, w) in grad.iter().zip(&want) {
                assert!((g - w).abs() < 1e-5 * (1.0 + w.abs()), "{lik:?}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn the_slice_kl_is_the_candle_kl_and_its_gradient() {
        let dev = Device::Cpu;
        let mut rng = StdRng::seed_from_u64(4);
        let (n, k, beta) = (4, 3, 2.5f32);
        let mu: Vec<f32> = (0..n * k).map(|_| rng.random_range(-2.0f32..2.0)).collect();
        let lv: Vec<f32> = (0..n * k).map(|_| rng.random_range(-3.0f32..1.0)).collect();
        let (m, l) = (Var::from_slice(&mu, (n, k), &dev).unwrap(), Var::from_slice(&lv, (n, k), &dev).unwrap());
        let per_row = kl_to_prior(m.as_tensor(), l.as_tensor()).unwrap();
        let loss = (per_row.mean_all().unwrap() * f64::from(beta)).unwrap();
        let grads = loss.backward().unwrap();
        let flat = |v: &Var| grads.get(v.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (want_mu, want_lv) = (flat(&m), flat(&l));
        let per_row = per_row.to_vec1::<f32>().unwrap();
        let (mut g_mu, mut g_lv) = (vec![0.0f32; n * k], vec![0.0f32; n * k]);
        for (i, &candle_row) in per_row.iter().enumerate() {
            let r = i * k..(i + 1) * k;
            let kl = kl_and_grad(&mu[r.clone()], &lv[r.clone()], beta, n, &mut g_mu[r.clone()], &mut g_lv[r.clone()]);
            // The closed form, term by term.
            let direct: f64 = r
                .clone()
                .map(|j| 0.5 * (f64::from(mu[j]).powi(2) + f64::from(lv[j]).exp() - 1.0 - f64::from(lv[j])))
                .sum();
            assert!((kl - direct).abs() < 1e-5 * (1.0 + direct), "row {i}: {kl} vs {direct}");
            assert!((kl - f64::from(candle_row)).abs() < 1e-5 * (1.0 + kl), "row {i}: {kl} vs candle {candle_row}");
        }
        for (g, w) in g_mu.iter().zip(&want_mu).chain(g_lv.iter().zip(&want_lv)) {
            assert!((g - w).abs() < 1e-5 * (1.0 + w.abs()), "{g} vs {w}");
        }
        // At the prior (μ = 0, σ = 1) the KL and its gradient vanish.
        let (mut a, mut b) = ([0.0f32; 2], [0.0f32; 2]);
        assert_eq!(kl_and_grad(&[0.0, 0.0], &[0.0, 0.0], 1.0, 1, &mut a, &mut b), 0.0);
        assert_eq!((a, b), ([0.0; 2], [0.0; 2]));
    }
}
