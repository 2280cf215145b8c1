//! The JS vs W1 lab's steps on the fast path: a discriminator (non-saturating GAN loss) and a
//! Wasserstein critic on two sets of 2-D points, the critic with an optional gradient penalty.
//! The lab's critic maximises E f(fake) − E f(real) (the line at θ scores higher), which is the
//! Wasserstein critic loss of [`crate::objective::gan`] with the two sets' roles swapped.

use candle_core::Result;

use super::mlp::NativeMlp;
use crate::model::mlp::{Mlp, MlpShape};
use crate::model::optim::Optimizer;
use crate::objective::gan::{d_loss_and_grad, GanLoss};
use crate::objective::penalty::{interpolate_rows, GP_NORM_EPS};

/// The passes of a discriminator and a critic of one shape, and a minibatch buffer.
pub struct NativePair {
    d: NativeMlp,
    critic: NativeMlp,
    both: Vec<f32>,
    grad: Vec<f32>,
    swapped: Vec<f32>,
}

impl NativePair {
    /// Buffers for two networks of `shape`.
    pub fn new(shape: MlpShape) -> Self {
        Self {
            d: NativeMlp::new(shape),
            critic: NativeMlp::new(shape),
            both: Vec::new(),
            grad: Vec::new(),
            swapped: Vec::new(),
        }
    }

    /// One step of `d` on `n` real rows labelled 1 and `n` fake rows labelled 0, as
    /// [`crate::objective::gan::d_loss`] (non-saturating) gives it through candle.
    pub fn d_step(&mut self, d: &Mlp, opt: &mut Optimizer, real: &[f32], fake: &[f32], n: usize) -> Result<()> {
        self.both.clear();
        self.both.extend_from_slice(real);
        self.both.extend_from_slice(fake);
        self.d.load(d)?;
        let out = self.d.forward(&self.both, 2 * n);
        self.grad.resize(2 * n, 0.0);
        d_loss_and_grad(GanLoss::NonSaturating, &out[..n], &out[n..], &mut self.grad, n);
        self.d.backward(&self.grad, true, false);
        opt.step_slices(&self.d.grads())
    }

    /// One step of `critic` maximising E f(fake) − E f(real) on `n` rows of each, minus the
    /// gradient penalty λ·E(‖∇f(x̂)‖ − 1)² on the interpolates `alpha` mixes when
    /// `penalty = Some((λ, alpha))`.
    pub fn critic_step(
        &mut self,
        critic: &Mlp,
        opt: &mut Optimizer,
        real: &[f32],
        fake: &[f32],
        n: usize,
        penalty: Option<(f32, &[f32])>,
    ) -> Result<()> {
        self.critic.load(critic)?;
        let d = real.len() / n.max(1);
        let penalty = match penalty {
            Some((lambda, alpha)) => {
                let x_hat = interpolate_rows(real, fake, alpha, d);
                Some(self.critic.gradient_penalty(&x_hat, n, n, lambda, GP_NORM_EPS as f32)?.1)
            }
            None => None,
        };
        self.both.clear();
        self.both.extend_from_slice(real);
        self.both.extend_from_slice(fake);
        let out = self.critic.forward(&self.both, 2 * n);
        // The Wasserstein loss with the roles swapped: the fake rows are the ones scored up.
        self.swapped.resize(2 * n, 0.0);
        d_loss_and_grad(GanLoss::WganGp, &out[n..], &out[..n], &mut self.swapped, n);
        self.grad.clear();
        self.grad.extend_from_slice(&self.swapped[n..]);
        self.grad.extend_from_slice(&self.swapped[..n]);
        self.critic.backward(&self.grad, true, false);
        if let Some(extra) = penalty {
            self.critic.add_weight_grads(&extra);
        }
        opt.step_slices(&self.critic.grads())
    }
}
