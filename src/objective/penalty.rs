//! The WGAN-GP gradient penalty λ · mean_i (‖∇ₓf(x̂_i)‖ − 1)² (Gulrajani et al. 2017; sheet
//! task 4.3): the candle form [`gradient_penalty`], and the slice form
//! [`penalty_and_tangent`], which takes the input gradients a fast pass computed and gives
//! the penalty's value and its derivative with respect to them (the fast path then carries
//! that derivative to the weights, see `crate::fast::mlp::NativeMlp::gradient_penalty`).
//! Both read x̂ = α ⊙ real + (1 − α) ⊙ fake ([`interpolate_rows`] on plain rows).

use candle_core::{bail, Result, Tensor};

use crate::model::critic::input_gradient;
use crate::model::mlp::Mlp;

/// ε added under the square root of ‖∇ₓf‖₂² in [`gradient_penalty`].
///
/// √(s + ε) has derivative 1/(2√(s + ε)), which stays finite when the input gradient vanishes
/// (s = 0); without ε it would be 0 · ∞ = NaN there. ε = 10⁻¹² shifts the norm by at most
/// 10⁻⁶, far below f32 resolution for norms near 1.
pub const GP_NORM_EPS: f64 = 1e-12;

/// The WGAN-GP penalty λ · mean_i (‖∇ₓf(x̂_i)‖₂ − 1)² (Gulrajani et al. 2017; sheet task 4.3).
///
/// x̂ = α ⊙ real + (1 − α) ⊙ fake, with `real` and `fake` of shape (n, d) and `alpha` of shape
/// (n, 1) (one mixing weight per pair, drawn uniformly on [0, 1] by the caller so that tests can
/// fix it). The norm is computed as √(‖∇ₓf‖² + ε) with ε = [`GP_NORM_EPS`] so that its gradient
/// is finite where ∇ₓf = 0.
///
/// The result is a scalar tensor differentiable with respect to the critic's weights through
/// [`input_gradient`] (add it to the critic loss and call `backward()`). x̂ is detached: the
/// penalty regularises the critic only and never feeds gradients to the generator.
pub fn gradient_penalty(net: &Mlp, real: &Tensor, fake: &Tensor, alpha: &Tensor, lambda: f64) -> Result<Tensor> {
    let x_hat = interpolate(real, fake, alpha)?;
    let (_, grad) = input_gradient(net, &x_hat)?;
    penalty_from_gradient(&grad, lambda)
}

/// x̂ = α ⊙ real + (1 − α) ⊙ fake, detached.
fn interpolate(real: &Tensor, fake: &Tensor, alpha: &Tensor) -> Result<Tensor> {
    if real.dims() != fake.dims() || real.rank() != 2 {
        bail!("gradient penalty: real {:?} and fake {:?} must both have shape (n, d)", real.dims(), fake.dims());
    }
    if alpha.dims() != [real.dim(0)?, 1] {
        bail!("gradient penalty: alpha has shape {:?}, expected ({}, 1)", alpha.dims(), real.dim(0)?);
    }
    let alpha = alpha.detach().to_dtype(real.dtype())?;
    let one_minus = alpha.affine(-1.0, 1.0)?;
    let x_hat = real.detach().broadcast_mul(&alpha)?.add(&fake.detach().broadcast_mul(&one_minus)?)?;
    Ok(x_hat.detach())
}

/// λ · mean_i (√(‖g_i‖² + ε) − 1)² for an (n, d) gradient tensor.
fn penalty_from_gradient(grad: &Tensor, lambda: f64) -> Result<Tensor> {
    let norms = grad.sqr()?.sum(1)?.affine(1.0, GP_NORM_EPS)?.sqrt()?;
    norms.affine(1.0, -1.0)?.sqr()?.mean_all()?.affine(lambda, 0.0)
}

/// x̂ = α ⊙ real + (1 − α) ⊙ fake on plain rows of width `d` (slice form of the mixing in
/// [`gradient_penalty`]): row i mixes `real` row i and `fake` row i with weight `alpha[i]`.
pub fn interpolate_rows(real: &[f32], fake: &[f32], alpha: &[f32], d: usize) -> Vec<f32> {
    real.iter().zip(fake).enumerate().map(|(j, (r, f))| alpha[j / d] * r + (1.0 - alpha[j / d]) * f).collect()
}

/// The penalty's slice form: given the input gradients `g` (rows of width `d`) at the part
/// of a batch of `total` points, returns this part's share of λ · mean_i (‖g_i‖ − 1)² with
/// ‖g‖ = √(‖g‖² + `eps`), and writes u_i = ∂penalty/∂g_i = 2λ/total · (‖g_i‖ − 1) g_i / ‖g_i‖
/// to `tangent` (same shape as `g`).
pub fn penalty_and_tangent(g: &[f32], d: usize, total: usize, lambda: f32, eps: f32, tangent: &mut Vec<f32>) -> f64 {
    let mut value = 0.0f64;
    tangent.clear();
    for gi in g.chunks_exact(d) {
        let norm = (gi.iter().map(|v| v * v).sum::<f32>() + eps).sqrt();
        value += f64::from((norm - 1.0) * (norm - 1.0));
        let scale = 2.0 * lambda / total as f32 * (norm - 1.0) / norm;
        tangent.extend(gi.iter().map(|v| scale * v));
    }
    f64::from(lambda) * value / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    use crate::fast::mlp::NativeMlp;
    use crate::model::mlp::{Activation, MlpShape};

    fn random(n: usize, rng: &mut StdRng) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// The slice form's value and tangent against candle's penalty of the same gradients and
    /// its autodiff gradient, including a zero gradient (where ε keeps the slope finite).
    #[test]
    fn the_slice_penalty_is_the_candle_penalty_and_its_gradient() {
        let (n, d) = (7, 3);
        let mut g = random(n * d, &mut StdRng::seed_from_u64(5));
        g[..d].fill(0.0);
        let var = Var::from_slice(&g, (n, d), &Device::Cpu).unwrap();
        let penalty = penalty_from_gradient(var.as_tensor(), 10.0).unwrap();
        let want = f64::from(penalty.to_vec0::<f32>().unwrap());
        let want_tangent = penalty.backward().unwrap().get(var.as_tensor()).unwrap().flatten_all().unwrap();
        let want_tangent = want_tangent.to_vec1::<f32>().unwrap();
        let mut tangent = Vec::new();
        let value = penalty_and_tangent(&g, d, n, 10.0, GP_NORM_EPS as f32, &mut tangent);
        assert!((value - want).abs() < 1e-5 * (1.0 + want), "{value} vs {want}");
        for (a, b) in tangent.iter().zip(&want_tangent) {
            assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
        // A zero gradient's row: norm √ε ≈ 0, penalty λ/n, tangent 0 (finite).
        assert!(tangent[..d].iter().all(|v| *v == 0.0));
        // Two parts of the batch add up to the whole.
        let (mut t1, mut t2) = (Vec::new(), Vec::new());
        let parts = penalty_and_tangent(&g[..3 * d], d, n, 10.0, GP_NORM_EPS as f32, &mut t1)
            + penalty_and_tangent(&g[3 * d..], d, n, 10.0, GP_NORM_EPS as f32, &mut t2);
        assert!((parts - value).abs() < 1e-9 * (1.0 + value));
    }

    #[test]
    fn interpolate_rows_mixes_each_pair_by_its_weight() {
        let (real, fake) = ([1.0f32, 2.0, 10.0, 20.0], [3.0f32, 4.0, 30.0, 40.0]);
        assert_eq!(interpolate_rows(&real, &fake, &[1.0, 0.25], 2), vec![1.0, 2.0, 25.0, 35.0]);
    }

    /// The fast pass's penalty (slice form carried to the weights) against candle's double
    /// backpropagation through [`gradient_penalty`], for ReLU and leaky ReLU.
    #[test]
    fn the_fast_penalty_pass_matches_candle() {
        for activation in [Activation::Relu, Activation::LeakyRelu] {
            let shape = MlpShape { input: 2, hidden: 7, layers: 2, output: 1, activation };
            let net = Mlp::new(shape, &mut StdRng::seed_from_u64(12), &Device::Cpu).unwrap();
            let mut rng = StdRng::seed_from_u64(13);
            let n = 9;
            let (real, fake) = (random(n * 2, &mut rng), random(n * 2, &mut rng));
            let alpha: Vec<f32> = (0..n).map(|_| rng.random_range(0.0f32..1.0)).collect();
            let t = |v: &[f32], cols| Tensor::from_slice(v, (n, cols), &Device::Cpu).unwrap();
            let penalty = gradient_penalty(&net, &t(&real, 2), &t(&fake, 2), &t(&alpha, 1), 10.0).unwrap();
            let want_value = f64::from(penalty.to_vec0::<f32>().unwrap());
            let grads = penalty.backward().unwrap();
            let x_hat = interpolate_rows(&real, &fake, &alpha, 2);
            let mut native = NativeMlp::from_mlp(&net).unwrap();
            let (value, weight_grads) = native.gradient_penalty(&x_hat, n, n, 10.0, GP_NORM_EPS as f32).unwrap();
            assert!((value - want_value).abs() < 1e-4 * (1.0 + want_value), "{activation:?}: {value} vs {want_value}");
            for (layer, g) in net.layers().iter().zip(&weight_grads) {
                let want =
                    grads.get(layer.weight.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
                for (a, b) in g.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-4 * (1.0 + b.abs()), "{activation:?}: {a} vs {b}");
                }
                // The biases get no gradient from the penalty (φ′ is piecewise constant).
                if let Some(gb) = grads.get(layer.bias.as_tensor()) {
                    let gb = gb.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                    assert!(gb.iter().all(|v| v.abs() < 1e-5), "{gb:?}");
                }
            }
            assert!(weight_grads.iter().flatten().any(|v| v.abs() > 1e-4), "the test is not vacuous");
        }
        let tanh = MlpShape { input: 2, hidden: 3, layers: 1, output: 1, activation: Activation::Tanh };
        assert!(NativeMlp::new(tanh).gradient_penalty(&[0.0, 0.0], 1, 1, 1.0, 0.0).is_err());
    }
}
