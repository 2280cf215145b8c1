//! The autoencoder and the variational autoencoder of sheet tasks 1 and 2, with the same MLP
//! shapes, and their losses in nats per image (sums over pixels and latent dimensions,
//! averaged over the batch).

use candle_core::{Device, Result, Tensor, D};
use rand::Rng;

use super::mlp::{Activation, Mlp, MlpShape};
use crate::fast::{Isa, NativeMlp};
use crate::objective::vae::kl_to_prior;
pub use crate::objective::vae::Likelihood;

/// Shapes shared by the AE and the VAE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AeShape {
    /// Pixels per image.
    pub input: usize,
    /// Width of each hidden layer.
    pub hidden: usize,
    /// Hidden layers in the encoder and in the decoder.
    pub layers: usize,
    /// Latent dimension K.
    pub latent: usize,
    /// Non-linearity.
    pub activation: Activation,
}

impl AeShape {
    fn encoder(&self, outputs: usize) -> MlpShape {
        MlpShape {
            input: self.input,
            hidden: self.hidden,
            layers: self.layers,
            output: outputs,
            activation: self.activation,
        }
    }

    fn decoder(&self) -> MlpShape {
        MlpShape {
            input: self.latent,
            hidden: self.hidden,
            layers: self.layers,
            output: self.input,
            activation: self.activation,
        }
    }
}

/// A plain autoencoder: z = g(x), x̂ = f(z) (task 1.1).
pub struct Autoencoder {
    /// The encoder g: x ↦ z.
    pub encoder: Mlp,
    /// The decoder f: z ↦ logits of x̂.
    pub decoder: Mlp,
}

impl Autoencoder {
    /// A fresh autoencoder.
    pub fn new<R: Rng + ?Sized>(shape: AeShape, rng: &mut R, device: &Device) -> Result<Self> {
        Ok(Self {
            encoder: Mlp::new(shape.encoder(shape.latent), rng, device)?,
            decoder: Mlp::new(shape.decoder(), rng, device)?,
        })
    }

    /// Reconstruction loss per image: −log p(x | z = g(x)) (task 1.1's objective, in the
    /// likelihood's units so it compares with the VAE's reconstruction term).
    pub fn recon(&self, x: &Tensor, likelihood: Likelihood) -> Result<Tensor> {
        let z = self.encoder.forward(x)?;
        likelihood.nll(&self.decoder.forward(&z)?, x)
    }

    /// Every trainable variable.
    pub fn vars(&self) -> Vec<candle_core::Var> {
        let mut v = self.encoder.vars();
        v.extend(self.decoder.vars());
        v
    }
}

/// The terms of a VAE minibatch, each averaged over the batch, in nats per image.
#[derive(Clone, Debug)]
pub struct VaeTerms {
    /// E_q[−log p(x|z)], Monte-Carlo over L samples per input.
    pub recon: Tensor,
    /// KL(q(z|x) ‖ p(z)) in closed form (task 2.7).
    pub kl: Tensor,
    /// recon + β·KL, the loss minimised.
    pub loss: Tensor,
}

/// A variational autoencoder: q(z|x) = N(μ(x), diag σ²(x)), p(z) = N(0, I), p(x|z) from the decoder.
pub struct Vae {
    /// The encoder: x ↦ (μ, log σ²), concatenated.
    pub encoder: Mlp,
    /// The decoder: z ↦ logits of x.
    pub decoder: Mlp,
    latent: usize,
}

impl Vae {
    /// A fresh VAE.
    pub fn new<R: Rng + ?Sized>(shape: AeShape, rng: &mut R, device: &Device) -> Result<Self> {
        Ok(Self {
            encoder: Mlp::new(shape.encoder(2 * shape.latent), rng, device)?,
            decoder: Mlp::new(shape.decoder(), rng, device)?,
            latent: shape.latent,
        })
    }

    /// Latent dimension K.
    pub fn latent(&self) -> usize {
        self.latent
    }

    /// μ and log σ² of q(z|x), each (n, K).
    pub fn encode(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let h = self.encoder.forward(x)?;
        Ok((h.narrow(1, 0, self.latent)?, h.narrow(1, self.latent, self.latent)?))
    }

    /// The minibatch terms with the noise ε given: `eps` has shape (L·n, K), L samples per
    /// input stacked sample-major; z = μ + σ ⊙ ε (the reparameterisation of task 2.5).
    pub fn terms(&self, x: &Tensor, eps: &Tensor, likelihood: Likelihood, beta: f64) -> Result<VaeTerms> {
        let (n, d) = x.dims2()?;
        let samples = eps.dim(0)? / n.max(1);
        let (mu, logvar) = self.encode(x)?;
        let std = (&logvar * 0.5)?.exp()?;
        let k = self.latent;
        let tile =
            |t: &Tensor, width: usize| t.unsqueeze(0)?.broadcast_as((samples, n, width))?.reshape((samples * n, width));
        let z = (tile(&mu, k)? + (tile(&std, k)? * eps)?)?;
        let logits = self.decoder.forward(&z)?;
        let recon = (likelihood.nll(&logits, &tile(x, d)?)?.sum_all()? / (samples * n) as f64)?;
        let kl = kl_to_prior(&mu, &logvar)?.mean_all()?;
        let loss = recon.add(&(&kl * beta)?)?;
        Ok(VaeTerms { recon, kl, loss })
    }

    /// Log importance weights w = log p(x|z) + log p(z) − log q(z|x) for `k` samples of z per
    /// image, as a (k, n) tensor; the importance-weighted bound is logsumexp over k − log k.
    pub fn log_weights(&self, x: &Tensor, eps: &Tensor, likelihood: Likelihood) -> Result<Tensor> {
        let (n, d) = x.dims2()?;
        let kdim = self.latent;
        let samples = eps.dim(0)? / n.max(1);
        let (mu, logvar) = self.encode(x)?;
        let std = (&logvar * 0.5)?.exp()?;
        let tile =
            |t: &Tensor, width: usize| t.unsqueeze(0)?.broadcast_as((samples, n, width))?.reshape((samples * n, width));
        let z = (tile(&mu, kdim)? + (tile(&std, kdim)? * eps)?)?;
        let log_px_z = likelihood.nll(&self.decoder.forward(&z)?, &tile(x, d)?)?.neg()?;
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        let log_pz = ((z.sqr()? + log_2pi)?.sum(D::Minus1)? * -0.5)?;
        let log_qz = ((eps.sqr()? + log_2pi)? + tile(&logvar, kdim)?)?.sum(D::Minus1)?;
        let log_qz = (log_qz * -0.5)?;
        ((log_px_z + log_pz)? - log_qz)?.reshape((samples, n))
    }

    /// [`Self::log_weights`] on the fast path: `x` holds `n` images (row-major), `eps` the
    /// same sample-major noise (`samples·n × K`); returns the `samples·n` weights in the same
    /// order (sample-major), in f64. `nets` holds this VAE's encoder and decoder passes.
    pub fn log_weights_fast(
        &self,
        nets: &mut VaeNets,
        x: &[f32],
        n: usize,
        eps: &[f32],
        likelihood: Likelihood,
    ) -> Result<Vec<f64>> {
        let all = self.log_weights_fast_in_blocks(nets, x, n, eps, likelihood, usize::MAX, &|| false)?;
        all.ok_or_else(|| candle_core::Error::Msg("stopped, though nothing asked it to".to_owned()))
    }

    /// [`Self::log_weights_fast`], decoding at most `block_rows` rows of z at a time and asking
    /// `stop` before each block after the first: None if it said yes. Each row is decoded on
    /// its own, so the weights are those of one pass (up to the rounding of the matrix
    /// product's blocking); a caller chooses `block_rows` by the model's cost to keep each
    /// block short.
    #[allow(clippy::too_many_arguments)] // the inputs of `log_weights_fast`, and how to cut them
    pub fn log_weights_fast_in_blocks(
        &self,
        nets: &mut VaeNets,
        x: &[f32],
        n: usize,
        eps: &[f32],
        likelihood: Likelihood,
        block_rows: usize,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<f64>>> {
        let k = self.latent;
        if n == 0 || !x.len().is_multiple_of(n) || !eps.len().is_multiple_of(n * k) {
            candle_core::bail!(
                "{} numbers are not {n} images, or {} not a multiple of {n}×{k} noise",
                x.len(),
                eps.len()
            );
        }
        let samples = eps.len() / (n * k);
        let d = x.len() / n;
        let VaeNets { encoder, decoder, z, grad } = nets;
        let code = encoder.forward(x, n);
        z.clear();
        z.extend(eps.chunks_exact(k).enumerate().flat_map(|(row, e)| {
            let c = &code[(row % n) * 2 * k..][..2 * k];
            (0..k).map(move |j| c[j] + (0.5 * c[k + j]).exp() * e[j])
        }));
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        let isa = Isa::best();
        grad.resize(d, 0.0);
        let rows = samples * n;
        let block_rows = block_rows.max(1);
        let mut weights = Vec::with_capacity(rows);
        for first in (0..rows).step_by(block_rows) {
            if first > 0 && stop() {
                return Ok(None);
            }
            let len = block_rows.min(rows - first);
            let logits = decoder.forward(&z[first * k..(first + len) * k], len);
            let zs = z[first * k..].chunks_exact(k).zip(eps[first * k..].chunks_exact(k));
            for (row, (a, (z, e))) in (first..).zip(logits.chunks_exact(d).zip(zs)) {
                let i = row % n;
                let log_px_z = -likelihood.row_nll_and_grad(isa, a, &x[i * d..][..d], grad, 0.0);
                let logvar = &code[i * 2 * k + k..][..k];
                let (mut log_pz, mut log_qz) = (0.0f64, 0.0f64);
                for j in 0..k {
                    let (z, e, lv) = (f64::from(z[j]), f64::from(e[j]), f64::from(logvar[j]));
                    log_pz -= 0.5 * (z * z + log_2pi);
                    log_qz -= 0.5 * (e * e + log_2pi + lv);
                }
                weights.push(log_px_z + log_pz - log_qz);
            }
        }
        Ok(Some(weights))
    }

    /// Every trainable variable.
    pub fn vars(&self) -> Vec<candle_core::Var> {
        let mut v = self.encoder.vars();
        v.extend(self.decoder.vars());
        v
    }
}

/// The fast path's passes of one VAE (encoder and decoder) and their scratch, for
/// [`Vae::log_weights_fast`]; one per thread.
pub struct VaeNets {
    encoder: NativeMlp,
    decoder: NativeMlp,
    z: Vec<f32>,
    grad: Vec<f32>,
}

impl VaeNets {
    /// Passes reading `vae`'s weights in place.
    pub fn new(vae: &Vae) -> Result<Self> {
        Ok(Self {
            encoder: NativeMlp::from_mlp(&vae.encoder)?,
            decoder: NativeMlp::from_mlp(&vae.decoder)?,
            z: Vec::new(),
            grad: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt as _, SeedableRng as _};

    #[test]
    fn terms_kl_is_the_closed_form() {
        let dev = Device::Cpu;
        let shape = AeShape { input: 4, hidden: 8, layers: 1, latent: 3, activation: Activation::Tanh };
        let vae = Vae::new(shape, &mut rand::rngs::StdRng::seed_from_u64(1), &dev).unwrap();
        let x = Tensor::from_vec(vec![0.1f32, 0.9, 0.5, 0.0, 1.0, 0.2, 0.3, 0.7], (2, 4), &dev).unwrap();
        let eps = Tensor::zeros((2, 3), candle_core::DType::F32, &dev).unwrap();
        let t = vae.terms(&x, &eps, Likelihood::Bernoulli, 2.0).unwrap();
        let (mu, lv) = vae.encode(&x).unwrap();
        let (mu, lv) = (mu.to_vec2::<f32>().unwrap(), lv.to_vec2::<f32>().unwrap());
        let want: f64 = mu
            .iter()
            .zip(&lv)
            .map(|(m, l)| m.iter().zip(l).map(|(m, l)| 0.5 * f64::from(m * m + l.exp() - 1.0 - l)).sum::<f64>())
            .sum::<f64>()
            / 2.0;
        let kl = f64::from(t.kl.to_vec0::<f32>().unwrap());
        assert!((kl - want).abs() < 1e-5);
        let (recon, loss) = (t.recon.to_vec0::<f32>().unwrap(), t.loss.to_vec0::<f32>().unwrap());
        assert!((f64::from(loss) - (f64::from(recon) + 2.0 * kl)).abs() < 1e-4);
    }

    /// The fast path's log weights are candle's, for both likelihoods, several samples, and
    /// a sparse input (mostly zeros, as MNIST: the first layer takes the sparse kernel) as
    /// well as a dense one.
    #[test]
    fn fast_log_weights_are_candles() {
        let dev = Device::Cpu;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for (sparse, likelihood) in [
            (false, Likelihood::Bernoulli),
            (true, Likelihood::Bernoulli),
            (false, Likelihood::Gaussian { sigma: 0.3 }),
        ] {
            let shape = AeShape { input: 40, hidden: 16, layers: 2, latent: 3, activation: Activation::Relu };
            let vae = Vae::new(shape, &mut rng, &dev).unwrap();
            let (n, samples) = (5, 4);
            let x: Vec<f32> =
                (0..n * 40).map(|i| if sparse && i % 5 != 0 { 0.0 } else { rng.random_range(0.0f32..1.0) }).collect();
            let eps: Vec<f32> = (0..samples * n * 3).map(|_| rng.random_range(-2.0f32..2.0)).collect();
            let want = vae
                .log_weights(
                    &Tensor::from_slice(&x, (n, 40), &dev).unwrap(),
                    &Tensor::from_slice(&eps, (samples * n, 3), &dev).unwrap(),
                    likelihood,
                )
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let mut nets = VaeNets::new(&vae).unwrap();
            let got = vae.log_weights_fast(&mut nets, &x, n, &eps, likelihood).unwrap();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - f64::from(*w)).abs() < 1e-4 * (1.0 + g.abs()),
                    "{likelihood:?}, sparse {sparse}: {g} against {w}"
                );
            }
            assert!(vae.log_weights_fast(&mut nets, &x[..39], n, &eps, likelihood).is_err(), "a ragged input");
            // In blocks of any size (one that cuts a sample's rows too), the same weights; a
            // `stop` that says yes ends it after the first block, one that never does is not
            // asked before the first.
            for block_rows in [1, 3, 7, 20, 1000] {
                let asked = std::cell::Cell::new(0);
                let blocks = vae
                    .log_weights_fast_in_blocks(&mut nets, &x, n, &eps, likelihood, block_rows, &|| {
                        asked.set(asked.get() + 1);
                        false
                    })
                    .unwrap()
                    .unwrap();
                assert_eq!(asked.get(), (samples * n).div_ceil(block_rows) - 1, "block rows {block_rows}");
                for (b, g) in blocks.iter().zip(&got) {
                    assert!((b - g).abs() < 1e-9 * (1.0 + g.abs()), "block rows {block_rows}: {b} against {g}");
                }
                let stopped = vae.log_weights_fast_in_blocks(&mut nets, &x, n, &eps, likelihood, block_rows, &|| true);
                assert_eq!(stopped.unwrap().is_none(), block_rows < samples * n, "block rows {block_rows}");
            }
        }
    }

    /// log p(x) = log ∫ p(x|z) p(z) dz by the midpoint rule on a 2-D latent grid, for a tiny
    /// VAE (6 pixels, K = 2) and one image, in f64 from the decoder's logits: an independent
    /// value for the importance-weighted estimates built from [`Vae::log_weights`] (candle) and
    /// [`Vae::log_weights_fast`]. Also the KL(q(z|x) ‖ p(z|x)) = log p(x) − ELBO by the same
    /// quadrature, for the mean of the log weights (the one-sample ELBO).
    #[test]
    fn importance_weighted_estimates_converge_to_log_px_by_quadrature() {
        use crate::theory::gaussian::importance_weighted_log_px;
        let dev = Device::Cpu;
        let shape = AeShape { input: 6, hidden: 8, layers: 1, latent: 2, activation: Activation::Tanh };
        let vae = Vae::new(shape, &mut rand::rngs::StdRng::seed_from_u64(21), &dev).unwrap();
        let x = [1.0f32, 0.0, 1.0, 1.0, 0.0, 0.0];
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        // The grid: midpoints of 600 × 600 cells on [−7, 7]² (the prior's mass outside is
        // below 10⁻¹¹, and p(x|z) ≤ 1).
        let (cells, half) = (600usize, 7.0f64);
        let h = 2.0 * half / cells as f64;
        let coord = |i: usize| -half + (i as f64 + 0.5) * h;
        let z: Vec<f32> = (0..cells * cells).flat_map(|c| [coord(c / cells) as f32, coord(c % cells) as f32]).collect();
        let logits = vae.decoder.forward(&Tensor::from_slice(&z, (cells * cells, 2), &dev).unwrap()).unwrap();
        let logits = logits.to_dtype(candle_core::DType::F64).unwrap().to_vec2::<f64>().unwrap();
        let softplus = |a: f64| a.max(0.0) + (-a.abs()).exp().ln_1p();
        let log_joint: Vec<f64> = logits
            .iter()
            .zip(z.chunks_exact(2))
            .map(|(a, z)| {
                let log_px_z: f64 = a.iter().zip(&x).map(|(&a, &x)| f64::from(x) * a - softplus(a)).sum();
                let (z0, z1) = (f64::from(z[0]), f64::from(z[1]));
                log_px_z - 0.5 * (z0 * z0 + z1 * z1) - log_2pi
            })
            .collect();
        let log_px = crate::theory::gaussian::log_sum_exp(&log_joint) + 2.0 * h.ln();
        // q(z|x) from the encoder, and KL(q ‖ p(z|x)) = ∫ q (log q − log p(x, z)) + log p(x).
        let xt = Tensor::from_slice(&x, (1, 6), &dev).unwrap();
        let (mu, logvar) = vae.encode(&xt).unwrap();
        let (mu, logvar) = (mu.to_vec2::<f32>().unwrap()[0].clone(), logvar.to_vec2::<f32>().unwrap()[0].clone());
        let log_q = |z: &[f32]| -> f64 {
            (0..2)
                .map(|j| {
                    let (m, lv) = (f64::from(mu[j]), f64::from(logvar[j]));
                    let d = f64::from(z[j]) - m;
                    -0.5 * (log_2pi + lv + d * d / lv.exp())
                })
                .sum()
        };
        let kl: f64 = z
            .chunks_exact(2)
            .zip(&log_joint)
            .map(|(z, lj)| {
                let lq = log_q(z);
                lq.exp() * (lq - lj) * h * h
            })
            .sum::<f64>()
            + log_px;
        assert!(kl > 0.0, "KL(q ‖ p(z|x)) = {kl}");

        // The estimates, with k = 20 000 samples of ε.
        let k = 20_000;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let eps: Vec<f32> =
            (0..k * 2).map(|_| rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng)).collect();
        let candle_lw: Vec<f64> = vae
            .log_weights(&xt, &Tensor::from_slice(&eps, (k, 2), &dev).unwrap(), Likelihood::Bernoulli)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect();
        let fast_lw =
            vae.log_weights_fast(&mut VaeNets::new(&vae).unwrap(), &x, 1, &eps, Likelihood::Bernoulli).unwrap();
        for (name, lw) in [("candle", candle_lw), ("fast", fast_lw)] {
            // log p̂ with k samples is within four standard errors (delta method: the relative
            // standard deviation of the weights over √k) of log p(x).
            let iw = importance_weighted_log_px(&lw);
            let max = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = lw.iter().map(|l| (l - max).exp()).collect();
            let w_mean = w.iter().sum::<f64>() / k as f64;
            let w_sd = (w.iter().map(|w| (w - w_mean).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt();
            let iw_se = w_sd / w_mean / (k as f64).sqrt();
            assert!(iw_se < 0.01, "{name}: the test needs a precise estimate, se {iw_se}");
            assert!(
                (iw - log_px).abs() < 4.0 * iw_se + 1e-3,
                "{name}: log p̂ (k = {k}) = {iw} ± {iw_se} against {log_px}"
            );
            // The mean log weight is the ELBO = log p(x) − KL, within four standard errors.
            let mean = lw.iter().sum::<f64>() / k as f64;
            let sd = (lw.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt();
            let se = sd / (k as f64).sqrt();
            assert!(
                (mean - (log_px - kl)).abs() < 4.0 * se + 1e-4,
                "{name}: ELBO {mean} ± {se} against {}",
                log_px - kl
            );
            eprintln!("{name}: log p(x) = {log_px:.5} by quadrature, log p̂ = {iw:.5} ± {iw_se:.5}; ELBO {mean:.4} ± {se:.4}, log p(x) − KL = {:.4}", log_px - kl);
        }
    }
}
