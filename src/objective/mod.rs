//! Every objective the labs train, written once.
//!
//! Each file holds one family of objectives in its two forms, side by side:
//! - the **candle form**, a tensor expression that candle's autodiff differentiates (the
//!   reference path, and the spectral-norm and tanh-penalty cases the fast path leaves to it);
//! - the **slice form**, the same value with its derivative on plain numbers, which the fast
//!   path ([`crate::fast`]) calls after its forward pass and feeds to its backward pass.
//!
//! Beside them sits the test that the two agree: the value, and the slice form's derivative
//! against candle's gradient of the candle form. Changing an objective means editing one file
//! here; adding one means adding a variant, its two forms and their test.
//!
//! - [`gan`]: the GAN games (minimax, non-saturating, least squares, Wasserstein, hinge) on
//!   the discriminator's outputs, and how D's output is read (a probability or a score).
//! - [`penalty`]: the WGAN-GP gradient penalty.
//! - [`vae`]: the decoder's likelihoods −log p(x|z) and the KL term of the ELBO.

pub mod gan;
pub mod penalty;
pub mod vae;

use candle_core::{Result, Tensor};

/// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows.
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// [`softplus`] on one number, computed the same way.
pub fn softplus_of(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// σ(x) = 1 / (1 + e^−x), without overflow for either sign.
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softplus_and_sigmoid_are_their_formulas_and_never_overflow() {
        let device = candle_core::Device::Cpu;
        let xs = [-200.0f32, -30.0, -1.5, 0.0, 0.7, 30.0, 200.0];
        let t = Tensor::new(&xs[..], &device).unwrap();
        let tensor_form = softplus(&t).unwrap().to_vec1::<f32>().unwrap();
        for (&x, &s) in xs.iter().zip(&tensor_form) {
            let direct = (1.0 + f64::from(x).exp()).ln();
            let want = if direct.is_finite() { direct } else { f64::from(x) };
            assert!((f64::from(softplus_of(x)) - want).abs() < 1e-5 * want.abs().max(1.0), "softplus({x})");
            assert!((s - softplus_of(x)).abs() < 1e-6 * s.abs().max(1.0), "tensor softplus({x}) = {s}");
            let sig = sigmoid(x);
            assert!(sig.is_finite() && (0.0..=1.0).contains(&sig));
            assert!((f64::from(sig) - 1.0 / (1.0 + (-f64::from(x)).exp())).abs() < 1e-7, "σ({x})");
        }
        // softplus′ = σ.
        for x in [-3.0f32, 0.0, 2.5] {
            let h = 1e-2;
            let slope = (softplus_of(x + h) - softplus_of(x - h)) / (2.0 * h);
            assert!((slope - sigmoid(x)).abs() < 1e-3, "softplus′({x}) = {slope} vs σ = {}", sigmoid(x));
        }
    }
}
