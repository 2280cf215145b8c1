//! The AE vs VAE lab's step on the fast path: both models' gradients on one minibatch, as
//! [`Vae::terms`] and [`Autoencoder::recon`] give them through candle, with the minibatch cut
//! into parts on their own threads (or, with two threads and both models, a thread per model).

use candle_core::Result;

use super::mlp::NativeMlp;
use super::Rows;
use crate::model::autoencoder::{Autoencoder, Vae};
use crate::model::optim::Optimizer;
use crate::objective::vae::{kl_and_grad, Likelihood};

/// Which models a VAE lab's step trains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Models {
    /// The AE and the VAE, on the same minibatch (the lab's step).
    #[default]
    Both,
    /// The VAE alone (its terms only; the AE's loss reads 0).
    Vae,
    /// The AE alone (the VAE's terms read 0).
    Ae,
}

impl Models {
    /// Whether the VAE trains.
    pub fn vae(self) -> bool {
        self != Self::Ae
    }

    /// Whether the AE trains.
    pub fn ae(self) -> bool {
        self != Self::Vae
    }
}

/// What one step computes, besides its data: which models, the likelihood, β, and the sizes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VaeStep {
    /// Which models train.
    pub models: Models,
    /// The decoder's likelihood.
    pub likelihood: Likelihood,
    /// Weight β of the KL term.
    pub beta: f32,
    /// Images per minibatch.
    pub batch: usize,
    /// Latent dimension K.
    pub latent: usize,
    /// Monte-Carlo samples of z per image.
    pub samples: usize,
}

/// The fast path's buffers for both models, kept between steps. With several compute
/// threads the minibatch's images are cut into parts, each part's passes run on its own
/// thread, and the parts' gradients are added.
pub struct NativeVae {
    parts: Vec<VaePart>,
    /// Parts a minibatch is cut into (compute threads).
    pub threads: super::Threads,
    /// Parts whose gradients the last step left (their sum is the gradient).
    used_parts: usize,
    /// The minibatch, `b × d`.
    pub x: Rows,
    /// ε, `L·b × K`, sample-major.
    pub eps: Rows,
}

/// One part's passes and buffers: `m` of the minibatch's images.
struct VaePart {
    ae_encoder: NativeMlp,
    ae_decoder: NativeMlp,
    vae_encoder: NativeMlp,
    vae_decoder: NativeMlp,
    /// The part's ε, `L·m × K`, sample-major.
    eps: Vec<f32>,
    /// z, `L·m × K` for the VAE, `m × K` for the AE.
    z: Vec<f32>,
    /// ∂loss/∂(a network's output).
    grad: Vec<f32>,
    /// ∂loss/∂(μ, log σ²), `m × 2K`.
    grad_code: Vec<f32>,
}

/// A model's gradients, one list of slices per part (in the optimiser's variable order).
type PartGrads<'a> = Vec<Vec<&'a [f32]>>;

/// What a part measured: sums over its images of the VAE's reconstruction and KL terms and
/// of the AE's reconstruction loss.
#[derive(Clone, Copy, Default)]
struct PartSums {
    recon: f64,
    kl: f64,
    ae: f64,
}

impl NativeVae {
    /// Buffers for these models' shapes.
    pub fn new(ae: &Autoencoder, vae: &Vae) -> Self {
        Self {
            parts: vec![VaePart::new(ae, vae)],
            threads: super::Threads::default(),
            used_parts: 1,
            x: Rows::default(),
            eps: Rows::default(),
        }
    }

    /// Both models' gradients on the minibatch and ε in `x` and `eps`, summed into the first
    /// part: (VAE reconstruction term, KL term, AE loss), each averaged over the batch, and
    /// whether the models were also updated. With `optimizers` (the VAE's, the AE's) and a
    /// thread per model, each model's thread also applies its update, so that nothing waits.
    pub fn gradients_of_batch(
        &mut self,
        ae: &Autoencoder,
        vae: &Vae,
        step: &VaeStep,
        optimizers: Option<(&mut Optimizer, &mut Optimizer)>,
    ) -> Result<((f64, f64, f64), bool)> {
        let VaeStep { models, likelihood: lik, batch: b, latent: k, samples, .. } = *step;
        // With two threads and both models, each model gets a thread and the whole batch
        // (no gradients to add); otherwise the batch's images are cut into parts.
        let model_parallel = models == Models::Both && self.threads.count() >= 2;
        let jobs: Vec<(std::ops::Range<usize>, Models)> = if model_parallel {
            vec![(0..b, Models::Vae), (0..b, Models::Ae)]
        } else {
            super::row_ranges(b, self.threads.count()).into_iter().map(|r| (r, models)).collect()
        };
        if self.parts.len() < jobs.len() {
            self.parts.resize_with(jobs.len(), || VaePart::new(ae, vae));
        }
        let (x, eps) = (self.x.values(), self.eps.values());
        let d = x.len() / b;
        let apply =
            optimizers.filter(|_| model_parallel).map(|(v, a)| (std::sync::Mutex::new(v), std::sync::Mutex::new(a)));
        let sums = self.threads.run_parts(&mut self.parts[..jobs.len()], |i, part| {
            let (r, models) = (jobs[i].0.clone(), jobs[i].1);
            let part_x = &x[r.start * d..r.end * d];
            part.eps.clear();
            for s in 0..samples {
                part.eps.extend_from_slice(&eps[(s * b + r.start) * k..(s * b + r.end) * k]);
            }
            let mut sums = PartSums::default();
            if models.vae() {
                (sums.recon, sums.kl) = part.vae_gradients(vae, part_x, step, r.len())?;
            }
            if models.ae() {
                sums.ae = part.ae_gradients(ae, part_x, lik, r.len(), b)?;
            }
            if let Some((opt_vae, opt_ae)) = &apply {
                // One model per job here: its thread applies its update.
                let poisoned = |_| candle_core::Error::Msg("an optimiser's lock was poisoned".to_owned());
                if models == Models::Vae {
                    let mut grads = part.vae_encoder.grads();
                    grads.extend(part.vae_decoder.grads());
                    opt_vae.lock().map_err(poisoned)?.step_slices(&grads)?;
                } else {
                    let mut grads = part.ae_encoder.grads();
                    grads.extend(part.ae_decoder.grads());
                    opt_ae.lock().map_err(poisoned)?.step_slices(&grads)?;
                }
            }
            Ok(sums)
        })?;
        let (first, rest) = self.parts.split_at_mut(1);
        let p = &mut first[0];
        if model_parallel {
            // The AE's gradients are in the second part: bring them to the first.
            std::mem::swap(&mut p.ae_encoder, &mut rest[0].ae_encoder);
            std::mem::swap(&mut p.ae_decoder, &mut rest[0].ae_decoder);
        }
        self.used_parts = if model_parallel { 1 } else { jobs.len() };
        let total = |f: fn(&PartSums) -> f64| sums.iter().map(f).sum::<f64>();
        let rows = (samples * b) as f64;
        let terms = (total(|s| s.recon) / rows, total(|s| s.kl) / b as f64, total(|s| s.ae) / b as f64);
        Ok((terms, apply.is_some()))
    }

    /// The last gradients, each model's in its optimiser's order (encoder, then decoder),
    /// one list per part (their sum is the gradient): (VAE, AE).
    pub fn gradients(&self) -> (PartGrads<'_>, PartGrads<'_>) {
        let (mut vae, mut ae) = (Vec::new(), Vec::new());
        for p in &self.parts[..self.used_parts] {
            let mut v = p.vae_encoder.grads();
            v.extend(p.vae_decoder.grads());
            vae.push(v);
            let mut a = p.ae_encoder.grads();
            a.extend(p.ae_decoder.grads());
            ae.push(a);
        }
        (vae, ae)
    }
}

impl VaePart {
    fn new(ae: &Autoencoder, vae: &Vae) -> Self {
        Self {
            ae_encoder: NativeMlp::new(ae.encoder.shape()),
            ae_decoder: NativeMlp::new(ae.decoder.shape()),
            vae_encoder: NativeMlp::new(vae.encoder.shape()),
            vae_decoder: NativeMlp::new(vae.decoder.shape()),
            eps: Vec::new(),
            z: Vec::new(),
            grad: Vec::new(),
            grad_code: Vec::new(),
        }
    }

    /// The VAE's gradients on this part's `m` images `x` and their ε, as [`Vae::terms`] gives
    /// them through candle for a batch of `step.batch`: (sum over rows of the reconstruction
    /// term, sum over images of the KL term).
    fn vae_gradients(&mut self, vae: &Vae, x: &[f32], step: &VaeStep, m: usize) -> Result<(f64, f64)> {
        let VaeStep { likelihood: lik, beta, batch: b, latent: k, samples, .. } = *step;
        // (μ, log σ²) = enc(x); z = μ + σ ⊙ ε; logits = dec(z).
        self.vae_encoder.load(&vae.encoder)?;
        self.vae_decoder.load(&vae.decoder)?;
        let code = self.vae_encoder.forward(x, m);
        self.z.clear();
        for s in 0..samples {
            for i in 0..m {
                let (mu, logvar) = code[i * 2 * k..(i + 1) * 2 * k].split_at(k);
                let eps = &self.eps[(s * m + i) * k..(s * m + i + 1) * k];
                self.z.extend(mu.iter().zip(logvar).zip(eps).map(|((m, lv), e)| m + (0.5 * lv).exp() * e));
            }
        }
        let rows = samples * m;
        let logits = self.vae_decoder.forward(&self.z, rows);
        let recon = lik.nll_and_grad(logits, x, rows, samples * b, &mut self.grad);
        let dz = self.vae_decoder.backward(&self.grad, true, true);
        // ∂/∂μ = Σ_s ∂/∂z + β μ / b;  ∂/∂log σ² = Σ_s ∂/∂z · ε · σ/2 + β (σ² − 1) / (2b)
        // (the KL's share from the objective's slice form).
        let code = self.vae_encoder.output();
        self.grad_code.clear();
        self.grad_code.resize(m * 2 * k, 0.0);
        let mut kl_sum = 0.0f64;
        for i in 0..m {
            let (mu, logvar) = code[i * 2 * k..(i + 1) * 2 * k].split_at(k);
            let (g_mu, g_logvar) = self.grad_code[i * 2 * k..(i + 1) * 2 * k].split_at_mut(k);
            for s in 0..samples {
                let row = (s * m + i) * k;
                for j in 0..k {
                    let std = (0.5 * logvar[j]).exp();
                    g_mu[j] += dz[row + j];
                    g_logvar[j] += dz[row + j] * self.eps[row + j] * 0.5 * std;
                }
            }
            kl_sum += kl_and_grad(mu, logvar, beta, b, g_mu, g_logvar);
        }
        self.vae_encoder.backward(&self.grad_code, true, false);
        Ok((recon, kl_sum))
    }

    /// The AE's gradients on this part's `m` images `x`, for a batch of `b`: the sum of their
    /// reconstruction losses.
    fn ae_gradients(&mut self, ae: &Autoencoder, x: &[f32], lik: Likelihood, m: usize, b: usize) -> Result<f64> {
        // z = g(x), logits = f(z).
        self.ae_encoder.load(&ae.encoder)?;
        self.ae_decoder.load(&ae.decoder)?;
        let z = self.ae_encoder.forward(x, m);
        let logits = self.ae_decoder.forward(z, m);
        let ae_recon = lik.nll_and_grad(logits, x, m, b, &mut self.grad);
        let dz = self.ae_decoder.backward(&self.grad, true, true);
        self.ae_encoder.backward(dz, true, false);
        Ok(ae_recon)
    }
}
