//! The fast path: an MLP's forward and backward pass written out by hand on `f32` slices.
//!
//! candle's autodiff builds a graph and allocates a tensor for every operation; on the small
//! nets of this app that bookkeeping, not the arithmetic, takes most of a step. Here the
//! matrix products go to `gemm` (the kernel candle itself calls), the bias, the activation
//! and its derivative are fused into one loop each, and every buffer is kept between steps.
//!
//! The weights stay in the candle [`Var`]s of an [`Mlp`]: [`NativeMlp::load`] keeps handles
//! to them and every pass reads their numbers in place (under the storage's read lock, no
//! copy), and the optimiser writes its update into the same storage, so everything else in the
//! app (evaluation, snapshots, checkpoints, the candle path) sees one set of weights. An input
//! that is mostly zeros (MNIST) is multiplied through [`super::kernels::sparse`], skipping the zeros.
//! The maths is the same as the candle path's; the tests check both against each other and
//! the gradients against finite differences.

use std::sync::atomic::{AtomicUsize, Ordering};

use candle_core::{CpuStorage, InplaceOp1, Layout, Result, Storage, Tensor};

use crate::fast::kernels::elementwise::{self, Nonlinearity};
use crate::fast::kernels::sparse::SparseRows;
use crate::fast::kernels::{matmul, Isa, Mat};
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::objective::penalty::penalty_and_tangent;

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets the number of compute threads of the fast path. With more than one, a minibatch is
/// cut into that many parts of rows, each part runs its forward and backward passes on its
/// own thread (rayon's pool, whose size `RAYON_NUM_THREADS` sets), and the parts' gradients
/// are added before the update: the same sums in another order. One thread (the default, and
/// what the window uses, leaving the other core to the UI) runs everything on the caller.
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The number of compute threads of the fast path.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// `n` rows cut into `parts` consecutive ranges of nearly equal size (none empty when
/// `parts ≤ n`).
pub fn row_ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts).map(|p| (p * n / parts)..((p + 1) * n / parts)).collect()
}

/// Runs `f` on every part, each on its own thread of rayon's pool when there are several.
pub fn run_parts<P: Send, R: Send>(parts: &mut [P], f: impl Fn(usize, &mut P) -> Result<R> + Sync) -> Result<Vec<R>> {
    use rayon::prelude::*;
    if parts.len() == 1 {
        return Ok(vec![f(0, &mut parts[0])?]);
    }
    parts.par_iter_mut().enumerate().map(|(i, p)| f(i, p)).collect()
}

/// Copies the numbers of a contiguous `f32` CPU tensor into `dst` (resized to fit).
pub fn copy_tensor(dst: &mut Vec<f32>, t: &Tensor) -> Result<()> {
    let (storage, layout) = t.storage_and_layout();
    dst.clear();
    dst.extend_from_slice(f32_slice(&storage, layout)?);
    Ok(())
}

/// Runs `f` on the numbers of a contiguous `f32` CPU tensor, in place (through candle's
/// in-place custom op), so that updating a variable costs no allocation and no copy.
pub fn modify_in_place(t: &Tensor, f: impl FnMut(&mut [f32]) -> Result<()>) -> Result<()> {
    struct InPlace<F>(std::cell::RefCell<F>);
    impl<F: FnMut(&mut [f32]) -> Result<()>> InplaceOp1 for InPlace<F> {
        fn name(&self) -> &'static str {
            "modify-in-place"
        }

        fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
            let CpuStorage::F32(data) = storage else {
                candle_core::bail!("the fast path needs f32 tensors");
            };
            let Some((start, end)) = layout.contiguous_offsets() else {
                candle_core::bail!("the fast path needs contiguous tensors");
            };
            (self.0.borrow_mut())(&mut data[start..end])
        }
    }
    t.inplace_op1(&InPlace(std::cell::RefCell::new(f)))
}

/// One layer's weights and gradients. The weights are handles to the candle variables'
/// tensors (sharing their storage), read in place under the storage's read lock while a
/// product needs them: no copy per step.
#[derive(Clone, Debug, Default)]
struct Layer {
    input: usize,
    output: usize,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    grad_weight: Vec<f32>,
    grad_bias: Vec<f32>,
}

impl Layer {
    /// Runs `f` on the weight matrix (`input × output`, row-major) and the bias, read in
    /// place.
    ///
    /// # Panics
    /// Before [`NativeMlp::load`] (a programming error): `load` checked that both are
    /// contiguous `f32` CPU tensors of the right size.
    fn with_weights<R>(&self, f: impl FnOnce(&[f32], &[f32]) -> R) -> R {
        let (Some(w), Some(b)) = (&self.weight, &self.bias) else {
            panic!("the fast path's weights were read before `NativeMlp::load`");
        };
        let (w_storage, w_layout) = w.storage_and_layout();
        let (b_storage, b_layout) = b.storage_and_layout();
        let (w, b) = (f32_slice(&w_storage, w_layout), f32_slice(&b_storage, b_layout));
        f(w.expect("checked by load"), b.expect("checked by load"))
    }
}

/// The numbers of a contiguous `f32` CPU tensor's storage.
fn f32_slice<'a>(storage: &'a Storage, layout: &Layout) -> Result<&'a [f32]> {
    let Storage::Cpu(CpuStorage::F32(data)) = storage else {
        candle_core::bail!("the fast path needs f32 tensors on the CPU");
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("the fast path needs contiguous tensors");
    };
    Ok(&data[start..end])
}

/// An MLP's forward and backward pass on plain buffers, reused between steps.
#[derive(Clone, Debug)]
pub struct NativeMlp {
    shape: MlpShape,
    layers: Vec<Layer>,
    /// `acts[0]` is the input (left empty when `sparse_input` holds it), `acts[i + 1]` the
    /// output of layer `i` (after the activation, except for the last layer), each `rows × width`.
    acts: Vec<Vec<f32>>,
    rows: usize,
    delta: Vec<f32>,
    upstream: Vec<f32>,
    /// Each layer's ∂/∂(pre-activation) from the last backward pass, when asked to keep them.
    deltas: Vec<Vec<f32>>,
    keep_deltas: bool,
    /// The last input's non-zero entries, when it was sparse enough for the first layer's
    /// products to skip its zeros (see [`SparseRows`]).
    sparse_input: SparseRows,
    input_is_sparse: bool,
}

impl NativeMlp {
    /// Buffers for an MLP of this shape (weights zero until [`Self::load`]).
    pub fn new(shape: MlpShape) -> Self {
        let widths = shape.widths();
        let layers: Vec<Layer> = widths
            .windows(2)
            .map(|w| Layer {
                input: w[0],
                output: w[1],
                weight: None,
                bias: None,
                grad_weight: vec![0.0; w[0] * w[1]],
                grad_bias: vec![0.0; w[1]],
            })
            .collect();
        let n_layers = layers.len();
        Self {
            shape,
            layers,
            acts: vec![Vec::new(); widths.len()],
            rows: 0,
            delta: Vec::new(),
            upstream: Vec::new(),
            deltas: vec![Vec::new(); n_layers],
            keep_deltas: false,
            sparse_input: SparseRows::default(),
            input_is_sparse: false,
        }
    }

    /// Buffers for `mlp`'s shape, reading its weights.
    pub fn from_mlp(mlp: &Mlp) -> Result<Self> {
        let mut native = Self::new(mlp.shape());
        native.load(mlp)?;
        Ok(native)
    }

    /// The shape.
    pub fn shape(&self) -> MlpShape {
        self.shape
    }

    /// Reads `mlp`'s weights from now on (it must have this shape): keeps handles to its
    /// variables, whose numbers every pass then reads in place. Call it again whenever the
    /// network's variables may have been replaced (a reset builds new ones).
    pub fn load(&mut self, mlp: &Mlp) -> Result<()> {
        if mlp.shape() != self.shape {
            candle_core::bail!("the fast path was built for {:?}, not {:?}", self.shape, mlp.shape());
        }
        for (native, layer) in self.layers.iter_mut().zip(mlp.layers()) {
            for (t, len) in
                [(layer.weight.as_tensor(), native.input * native.output), (layer.bias.as_tensor(), native.output)]
            {
                let (storage, layout) = t.storage_and_layout();
                let got = f32_slice(&storage, layout)?.len();
                if got != len {
                    candle_core::bail!("the fast path expected {len} numbers in a variable, found {got}");
                }
            }
            native.weight = Some(layer.weight.as_tensor().clone());
            native.bias = Some(layer.bias.as_tensor().clone());
        }
        Ok(())
    }

    /// Runs a batch of `rows` inputs (row-major, `rows × input`) through the network and
    /// returns the outputs (`rows × output`). Every layer's output is kept for
    /// [`Self::backward`].
    pub fn forward(&mut self, input: &[f32], rows: usize) -> &[f32] {
        assert_eq!(input.len(), rows * self.shape.input, "input of the wrong size");
        self.rows = rows;
        // A mostly-zero input (digits) is indexed instead of kept: the first layer's
        // products then skip its zeros, and `acts[0]` stays empty.
        self.input_is_sparse = self.sparse_input.build(input, rows, self.shape.input);
        self.acts[0].clear();
        if !self.input_is_sparse {
            self.acts[0].extend_from_slice(input);
        }
        let last = self.layers.len() - 1;
        let activation = self.shape.activation;
        for (i, layer) in self.layers.iter().enumerate() {
            let (before, after) = self.acts.split_at_mut(i + 1);
            let x = &before[i];
            let out = &mut after[0];
            let sparse = (i == 0 && self.input_is_sparse).then_some(&self.sparse_input);
            let f = (i < last).then(|| nonlinearity(activation));
            layer.with_weights(|weight, bias| match sparse {
                Some(x) => {
                    out.clear();
                    for _ in 0..rows {
                        out.extend_from_slice(bias);
                    }
                    x.add_product(out, weight, layer.output);
                    if let Some(f) = f {
                        elementwise::activate(Isa::best(), f, out);
                    }
                }
                None => {
                    // Every number is written by the product (no accumulation): resizing needs
                    // no clearing; the bias is added in the activation's pass.
                    out.resize(rows * layer.output, 0.0);
                    matmul(out, Mat::new(x, rows, layer.input), Mat::new(weight, layer.input, layer.output), false);
                    elementwise::add_bias_activate(Isa::best(), f, out, bias);
                }
            });
        }
        &self.acts[last + 1]
    }

    /// The outputs of the last [`Self::forward`].
    pub fn output(&self) -> &[f32] {
        &self.acts[self.layers.len()]
    }

    /// Back-propagates `d_output` (∂loss/∂output, `rows × output`) through the last forward
    /// pass. With `param_grads`, every weight's and bias's gradient is computed (read them
    /// with [`Self::grads`]); with `input_grad`, ∂loss/∂input is returned (`rows × input`),
    /// else an empty slice.
    pub fn backward(&mut self, d_output: &[f32], param_grads: bool, input_grad: bool) -> &[f32] {
        let rows = self.rows;
        assert_eq!(d_output.len(), rows * self.shape.output, "output gradient of the wrong size");
        let activation = self.shape.activation;
        let top = self.layers.len() - 1;
        for i in (0..=top).rev() {
            // The top layer's delta is the caller's gradient itself (no copy).
            let delta: &[f32] = if i == top { d_output } else { &self.delta };
            if self.keep_deltas {
                self.deltas[i].clear();
                self.deltas[i].extend_from_slice(delta);
            }
            let layer = &mut self.layers[i];
            let x = &self.acts[i];
            if param_grads {
                if i == 0 && self.input_is_sparse {
                    self.sparse_input.transposed_product(&mut layer.grad_weight, delta, layer.output);
                } else {
                    matmul(
                        &mut layer.grad_weight,
                        Mat::new(x, rows, layer.input).t(),
                        Mat::new(delta, rows, layer.output),
                        false,
                    );
                }
                column_sums(&mut layer.grad_bias, delta, layer.output);
            }
            if i == 0 && !input_grad {
                break;
            }
            // Every number is written by the product: resizing needs no clearing.
            self.upstream.resize(rows * layer.input, 0.0);
            layer.with_weights(|weight, _| {
                matmul(
                    &mut self.upstream,
                    Mat::new(delta, rows, layer.output),
                    Mat::new(weight, layer.input, layer.output).t(),
                    false,
                )
            });
            if i > 0 {
                // acts[i] is the activated output of layer i − 1.
                multiply_derivative(activation, &mut self.upstream, x);
            }
            std::mem::swap(&mut self.delta, &mut self.upstream);
        }
        if input_grad {
            &self.delta
        } else {
            &[]
        }
    }

    /// The gradient penalty λ·mean_i (‖∇ₓf(x̂_i)‖ − 1)² of this network (a critic with one
    /// output) at `rows` points `x_hat` that are part of a batch of `total` (the mean is over
    /// the batch), with ‖g‖ = √(‖g‖² + ε) as in [`crate::objective::penalty::gradient_penalty`]:
    /// this part's share of its value, and of its gradient with respect to every weight matrix
    /// (the biases get none), in layer order.
    ///
    /// The penalty depends on the weights through ∇ₓf = W₀ diag(φ′₀) W₁ … w_L. For ReLU and
    /// leaky ReLU, φ′ is piecewise constant, so with u_i = ∂penalty/∂(∇ₓf(x̂_i)) the
    /// gradient with respect to W_l is T_lᵀ Δ_l: Δ_l are the backward pass's deltas for an
    /// output gradient of 1, and T_l carries u forward through the same linearised network
    /// (T₀ = U, T_{l+1} = (T_l W_l) ⊙ φ′_l). That is one more forward and one more backward
    /// pass instead of candle's double backpropagation. Tanh (φ″ ≠ 0) is refused.
    pub fn gradient_penalty(
        &mut self,
        x_hat: &[f32],
        rows: usize,
        total: usize,
        lambda: f32,
        eps: f32,
    ) -> Result<(f64, Vec<Vec<f32>>)> {
        if self.shape.activation == Activation::Tanh || self.shape.output != 1 {
            candle_core::bail!("the fast gradient penalty needs a one-output critic with (leaky) ReLU");
        }
        let activation = self.shape.activation;
        self.forward(x_hat, rows);
        self.keep_deltas = true;
        let ones = vec![1.0f32; rows];
        let g = self.backward(&ones, false, true).to_vec();
        self.keep_deltas = false;
        let mut tangent = Vec::with_capacity(g.len());
        let value = penalty_and_tangent(&g, self.shape.input, total, lambda, eps, &mut tangent);
        let last = self.layers.len() - 1;
        let mut grads = Vec::with_capacity(self.layers.len());
        let mut next = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let mut gw = vec![0.0f32; layer.input * layer.output];
            matmul(
                &mut gw,
                Mat::new(&tangent, rows, layer.input).t(),
                Mat::new(&self.deltas[l], rows, layer.output),
                false,
            );
            grads.push(gw);
            if l < last {
                next.clear();
                next.resize(rows * layer.output, 0.0);
                layer.with_weights(|weight, _| {
                    matmul(
                        &mut next,
                        Mat::new(&tangent, rows, layer.input),
                        Mat::new(weight, layer.input, layer.output),
                        false,
                    )
                });
                multiply_derivative(activation, &mut next, &self.acts[l + 1]);
                std::mem::swap(&mut tangent, &mut next);
            }
        }
        Ok((value, grads))
    }

    /// Adds `extra` to the weight gradients of the last backward pass (one matrix per layer).
    pub fn add_weight_grads(&mut self, extra: &[Vec<f32>]) {
        for (layer, g) in self.layers.iter_mut().zip(extra) {
            layer.grad_weight.iter_mut().zip(g).for_each(|(a, b)| *a += b);
        }
    }

    /// Adds `other`'s last gradients to this one's (the parts of one minibatch).
    pub fn add_grads(&mut self, other: &NativeMlp) {
        for (mine, theirs) in self.layers.iter_mut().zip(&other.layers) {
            mine.grad_weight.iter_mut().zip(&theirs.grad_weight).for_each(|(a, b)| *a += b);
            mine.grad_bias.iter_mut().zip(&theirs.grad_bias).for_each(|(a, b)| *a += b);
        }
    }

    /// The gradients of the last backward pass, in [`Mlp::vars`] order (weight then bias,
    /// layer by layer).
    pub fn grads(&self) -> Vec<&[f32]> {
        self.layers.iter().flat_map(|l| [l.grad_weight.as_slice(), l.grad_bias.as_slice()]).collect()
    }
}

/// The kernels' name for an activation.
fn nonlinearity(activation: Activation) -> Nonlinearity {
    match activation {
        Activation::Relu => Nonlinearity::Relu,
        Activation::LeakyRelu => Nonlinearity::LeakyRelu(Activation::LEAKY_SLOPE as f32),
        Activation::Tanh => Nonlinearity::Tanh,
    }
}

/// Multiplies `grad` by the activation's derivative, given the activation's outputs `act`.
fn multiply_derivative(activation: Activation, grad: &mut [f32], act: &[f32]) {
    elementwise::multiply_derivative(Isa::best(), nonlinearity(activation), grad, act);
}

/// `sums[j] = Σ_r m[r][j]` for a row-major matrix of `cols` columns.
fn column_sums(sums: &mut [f32], m: &[f32], cols: usize) {
    elementwise::column_sums(Isa::best(), sums, m, cols);
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    fn random(n: usize, rng: &mut StdRng) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    fn mlp(activation: Activation, seed: u64) -> Mlp {
        let shape = MlpShape { input: 3, hidden: 6, layers: 2, output: 2, activation };
        Mlp::new(shape, &mut StdRng::seed_from_u64(seed), &Device::Cpu).unwrap()
    }

    #[test]
    fn forward_matches_candle() {
        for activation in Activation::ALL {
            let net = mlp(activation, 2);
            let x = random(4 * 3, &mut StdRng::seed_from_u64(3));
            let want = net.forward(&Tensor::from_vec(x.clone(), (4, 3), &Device::Cpu).unwrap()).unwrap();
            let want = want.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let mut native = NativeMlp::from_mlp(&net).unwrap();
            for (a, b) in native.forward(&x, 4).iter().zip(&want) {
                assert!((a - b).abs() < 1e-6, "{activation:?}: {a} vs {b}");
            }
        }
    }

    /// loss = Σ c ⊙ net(x) for a fixed c, so ∂loss/∂output = c.
    fn loss(net: &mut NativeMlp, x: &[f32], c: &[f32]) -> f64 {
        net.forward(x, 4).iter().zip(c).map(|(y, c)| f64::from(y * c)).sum()
    }

    #[test]
    fn gradients_match_candle_autodiff() {
        for activation in Activation::ALL {
            let net = mlp(activation, 4);
            let mut rng = StdRng::seed_from_u64(5);
            let x = random(4 * 3, &mut rng);
            let c = random(4 * 2, &mut rng);
            let xv = Var::from_vec(x.clone(), (4, 3), &Device::Cpu).unwrap();
            let ct = Tensor::from_vec(c.clone(), (4, 2), &Device::Cpu).unwrap();
            let grads = (net.forward(xv.as_tensor()).unwrap() * &ct).unwrap().sum_all().unwrap().backward().unwrap();
            let mut native = NativeMlp::from_mlp(&net).unwrap();
            native.forward(&x, 4);
            let dx = native.backward(&c, true, true).to_vec();
            let want_dx = grads.get(xv.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let close = |a: &[f32], b: &[f32], what: &str| {
                assert_eq!(a.len(), b.len());
                for (p, q) in a.iter().zip(b) {
                    assert!((p - q).abs() < 1e-5, "{activation:?} {what}: {p} vs {q}");
                }
            };
            close(&dx, &want_dx, "input gradient");
            for (var, g) in net.vars().iter().zip(native.grads()) {
                let want = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
                close(g, &want, "parameter gradient");
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        // Tanh is smooth everywhere, so central differences in f64 of an f32 net are accurate
        // to about 1e-3 relative.
        let net = mlp(Activation::Tanh, 6);
        let mut rng = StdRng::seed_from_u64(7);
        let x = random(4 * 3, &mut rng);
        let c = random(4 * 2, &mut rng);
        let mut native = NativeMlp::from_mlp(&net).unwrap();
        native.forward(&x, 4);
        let dx = native.backward(&c, true, true).to_vec();
        let dw0 = native.grads()[0].to_vec();
        let h = 1e-2f32;
        for i in 0..x.len() {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[i] += h;
            minus[i] -= h;
            let fd = (loss(&mut native, &plus, &c) - loss(&mut native, &minus, &c)) / (2.0 * f64::from(h));
            assert!((fd - f64::from(dx[i])).abs() < 2e-3 * (1.0 + fd.abs()), "∂/∂x{i}: {fd} vs {}", dx[i]);
        }
        // The fast path reads the variable in place: set the variable's numbers.
        let set = |i: usize, value: f32| {
            modify_in_place(net.layers()[0].weight.as_tensor(), |w| {
                w[i] = value;
                Ok(())
            })
            .unwrap()
        };
        let w = net.layers()[0].weight.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for (i, &g) in dw0.iter().enumerate() {
            set(i, w[i] + h);
            let up = loss(&mut native, &x, &c);
            set(i, w[i] - h);
            let down = loss(&mut native, &x, &c);
            set(i, w[i]);
            let fd = (up - down) / (2.0 * f64::from(h));
            assert!((fd - f64::from(g)).abs() < 2e-3 * (1.0 + fd.abs()), "∂/∂w{i}: {fd} vs {g}");
        }
    }

    #[test]
    fn row_ranges_cover_every_row_once() {
        assert_eq!(row_ranges(10, 3), vec![0..3, 3..6, 6..10]);
        assert_eq!(row_ranges(5, 1), vec![0..5]);
        assert_eq!(row_ranges(2, 4), vec![0..1, 1..2]);
        assert_eq!(row_ranges(0, 2), vec![0..0]);
    }

    /// Two parts' gradients, added, are the whole batch's gradient.
    #[test]
    fn parts_gradients_add_up_to_the_whole() {
        let net = mlp(Activation::Relu, 8);
        let mut rng = StdRng::seed_from_u64(9);
        let (x, c) = (random(6 * 3, &mut rng), random(6 * 2, &mut rng));
        let mut whole = NativeMlp::from_mlp(&net).unwrap();
        whole.forward(&x, 6);
        whole.backward(&c, true, false);
        let mut parts = vec![NativeMlp::from_mlp(&net).unwrap(), NativeMlp::from_mlp(&net).unwrap()];
        run_parts(&mut parts, |i, p| {
            let r = &row_ranges(6, 2)[i];
            p.forward(&x[r.start * 3..r.end * 3], r.len());
            p.backward(&c[r.start * 2..r.end * 2], true, false);
            Ok(())
        })
        .unwrap();
        let (first, rest) = parts.split_at_mut(1);
        first[0].add_grads(&rest[0]);
        for (a, b) in first[0].grads().iter().zip(whole.grads()) {
            for (p, q) in a.iter().zip(b) {
                assert!((p - q).abs() < 1e-5, "{p} vs {q}");
            }
        }
    }

    #[test]
    fn load_refuses_another_shape() {
        let mut native = NativeMlp::new(mlp(Activation::Relu, 1).shape());
        let other = MlpShape { hidden: 7, ..native.shape() };
        let err = native.load(&Mlp::new(other, &mut StdRng::seed_from_u64(1), &Device::Cpu).unwrap()).unwrap_err();
        assert!(err.to_string().contains("fast path"), "{err}");
    }
}
