//! The GAN step on the fast path: a generator and a discriminator, their discriminator step
//! (with the gradient penalty where asked) and generator step, and their evaluation passes.
//! The GAN lab and the optimal-discriminator lab share it.

use candle_core::Result;

use super::mlp::NativeMlp;
use super::Rows;
use crate::model::mlp::{Mlp, MlpShape};
use crate::model::optim::Optimizer;
use crate::objective::gan::{d_loss_and_grad, g_loss_and_grad, output_sum_of, GanLoss};
use crate::objective::penalty::{interpolate_rows, GP_NORM_EPS};

/// The fast path's buffers for a generator and a discriminator, and their two steps; the
/// GAN lab and the optimal-discriminator lab share it. The caller draws the minibatch into
/// `real` and `noise` (in its own order, the same as its candle path's). With several
/// compute threads ([`super::Threads`]) the minibatch's rows are cut into
/// parts that run on their own threads, and the parts' gradients are added.
pub struct NativeGan {
    parts: Vec<GanPart>,
    /// Parts a minibatch is cut into (compute threads).
    pub threads: super::Threads,
    /// Real rows, `n × D's input`.
    pub real: Rows,
    /// Noise rows, `n × G's input`.
    pub noise: Rows,
    /// The gradient penalty's mixing weights, one per row (WGAN-GP only).
    pub alpha: Rows,
}

/// One part's passes and buffers.
struct GanPart {
    generator: NativeMlp,
    discriminator: NativeMlp,
    /// Real rows, then generated rows: D sees both in one pass.
    both: Vec<f32>,
    /// ∂loss/∂D's output, per row.
    grad: Vec<f32>,
    /// G's output, kept while D's pass overwrites its buffers.
    fake: Vec<f32>,
}

impl GanPart {
    fn new(generator: MlpShape, discriminator: MlpShape) -> Self {
        Self {
            generator: NativeMlp::new(generator),
            discriminator: NativeMlp::new(discriminator),
            both: Vec::new(),
            grad: Vec::new(),
            fake: Vec::new(),
        }
    }
}

impl NativeGan {
    /// Buffers for these networks' shapes.
    pub fn new(generator: &Mlp, discriminator: &Mlp) -> Self {
        Self {
            parts: vec![GanPart::new(generator.shape(), discriminator.shape())],
            threads: super::Threads::default(),
            real: Rows::default(),
            noise: Rows::default(),
            alpha: Rows::default(),
        }
    }

    /// The parts' row ranges for a minibatch of `n`, with as many parts as compute threads.
    fn split(&mut self, n: usize) -> Vec<std::ops::Range<usize>> {
        let ranges = super::row_ranges(n, self.threads.count());
        let (g, d) = (self.parts[0].generator.shape(), self.parts[0].discriminator.shape());
        self.parts.resize_with(ranges.len().max(self.parts.len()), || GanPart::new(g, d));
        ranges
    }

    /// One discriminator step on `n` real rows and G of `n` noise rows, as [`crate::objective::gan::d_loss`] and
    /// candle's autodiff give it, plus the gradient penalty with weight `gp_lambda` on the
    /// interpolates that `alpha` mixes when it is given: (loss, mean D(real), mean D(fake)).
    #[allow(clippy::too_many_arguments)]
    pub fn d_step(
        &mut self,
        n: usize,
        loss: GanLoss,
        gp_lambda: Option<f32>,
        generator: &Mlp,
        discriminator: &Mlp,
        opt: &mut Optimizer,
    ) -> Result<(f64, f64, f64)> {
        let ranges = self.split(n);
        let (real, noise, alpha) = (self.real.values(), self.noise.values(), self.alpha.values());
        let (d_in, g_in) = (discriminator.shape().input, generator.shape().input);
        let sums = self.threads.run_parts(&mut self.parts[..ranges.len()], |i, part| {
            let r = ranges[i].clone();
            let m = r.len();
            part.generator.load(generator)?;
            let fake = part.generator.forward(&noise[r.start * g_in..r.end * g_in], m);
            part.both.clear();
            part.both.extend_from_slice(&real[r.start * d_in..r.end * d_in]);
            part.both.extend_from_slice(fake);
            part.discriminator.load(discriminator)?;
            // The penalty first: it runs its own passes through the same buffers.
            let penalty = match gp_lambda {
                Some(lambda) => {
                    let (real, fake) = part.both.split_at(m * d_in);
                    let x_hat = interpolate_rows(real, fake, &alpha[r.clone()], d_in);
                    Some(part.discriminator.gradient_penalty(&x_hat, m, n, lambda, GP_NORM_EPS as f32)?)
                }
                None => None,
            };
            let out = part.discriminator.forward(&part.both, 2 * m);
            part.grad.resize(2 * m, 0.0);
            let (loss_real, loss_fake) = d_loss_and_grad(loss, &out[..m], &out[m..], &mut part.grad, n);
            let (d_real, d_fake) = (output_sum_of(loss, &out[..m]), output_sum_of(loss, &out[m..]));
            part.discriminator.backward(&part.grad, true, false);
            let mut gp_value = 0.0;
            if let Some((value, grads)) = penalty {
                part.discriminator.add_weight_grads(&grads);
                gp_value = value;
            }
            Ok([loss_real + loss_fake, d_real, d_fake, gp_value])
        })?;
        let grads: Vec<_> = self.parts[..ranges.len()].iter().map(|p| p.discriminator.grads()).collect();
        opt.step_parts(&grads)?;
        let total = |k: usize| sums.iter().map(|s| s[k]).sum::<f64>() / n as f64;
        let penalty = sums.iter().map(|s| s[3]).sum::<f64>();
        Ok((total(0) + penalty, total(1), total(2)))
    }

    /// One generator step on `n` noise rows, D held fixed, as [`crate::objective::gan::g_loss`] gives it:
    /// (loss, largest |coordinate| generated).
    pub fn g_step(
        &mut self,
        n: usize,
        loss: GanLoss,
        generator: &Mlp,
        discriminator: &Mlp,
        opt: &mut Optimizer,
    ) -> Result<(f64, f32)> {
        let ranges = self.split(n);
        let noise = self.noise.values();
        let g_in = generator.shape().input;
        let sums = self.threads.run_parts(&mut self.parts[..ranges.len()], |i, part| {
            let r = ranges[i].clone();
            let m = r.len();
            part.generator.load(generator)?;
            part.fake.clear();
            part.fake.extend_from_slice(part.generator.forward(&noise[r.start * g_in..r.end * g_in], m));
            let reach = part.fake.iter().fold(0.0f32, |m, x| if x.is_nan() { f32::NAN } else { m.max(x.abs()) });
            part.discriminator.load(discriminator)?;
            let out = part.discriminator.forward(&part.fake, m);
            part.grad.resize(m, 0.0);
            let g_loss = g_loss_and_grad(loss, out, &mut part.grad, n);
            // D is held fixed: only the gradient with respect to its input is needed.
            let d_fake = part.discriminator.backward(&part.grad, false, true);
            part.generator.backward(d_fake, true, false);
            Ok((g_loss, reach))
        })?;
        let grads: Vec<_> = self.parts[..ranges.len()].iter().map(|p| p.generator.grads()).collect();
        opt.step_parts(&grads)?;
        let g_loss = sums.iter().map(|s| s.0).sum::<f64>() / n as f64;
        let reach = sums.iter().fold(0.0f32, |m, s| if s.1.is_nan() || m.is_nan() { f32::NAN } else { m.max(s.1) });
        Ok((g_loss, reach))
    }

    /// G applied to `n` noise rows `z` (evaluation, on one thread): `n × G's output` numbers.
    pub fn generate(&mut self, generator: &Mlp, z: &[f32], n: usize) -> Result<Vec<f32>> {
        let part = &mut self.parts[0];
        part.generator.load(generator)?;
        Ok(part.generator.forward(z, n).to_vec())
    }

    /// D's raw output (logit or score) at `n` rows `x` (evaluation, on one thread).
    pub fn discriminate(&mut self, discriminator: &Mlp, x: &[f32], n: usize) -> Result<Vec<f32>> {
        let part = &mut self.parts[0];
        part.discriminator.load(discriminator)?;
        Ok(part.discriminator.forward(x, n).to_vec())
    }

    /// D's output at `n` rows `x` and, per row, the gradient of φ(D(x)) in x, where `slope` is
    /// φ′: row i is φ′(D(xᵢ))·∇ₓD(xᵢ), D's weights held fixed (evaluation, on one thread).
    pub fn discriminate_with_input_grad(
        &mut self,
        discriminator: &Mlp,
        x: &[f32],
        n: usize,
        slope: impl Fn(f32) -> f32,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let part = &mut self.parts[0];
        part.discriminator.load(discriminator)?;
        let out = part.discriminator.forward(x, n).to_vec();
        part.grad.clear();
        part.grad.extend(out.iter().map(|&l| slope(l)));
        let grad = part.discriminator.backward(&part.grad, false, true).to_vec();
        Ok((out, grad))
    }
}
