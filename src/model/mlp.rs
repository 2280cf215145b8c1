//! A multi-layer perceptron built from candle `Var`s, initialised from a caller's seeded RNG
//! so that a run is reproducible bit for bit.

use candle_core::{DType, Device, Result, Tensor, Var};
use rand::{Rng, RngExt as _};

/// The non-linearity between hidden layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Activation {
    /// max(0, x)
    Relu,
    /// max(0.2·x, x)
    LeakyRelu,
    /// tanh(x)
    Tanh,
}

impl Activation {
    /// Every activation, in the order menus list them.
    pub const ALL: [Self; 3] = [Self::Relu, Self::LeakyRelu, Self::Tanh];

    /// Negative slope of the leaky ReLU.
    pub const LEAKY_SLOPE: f64 = 0.2;

    /// Short name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::LeakyRelu => "leaky-relu",
            Self::Tanh => "tanh",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The activation of one number, as [`Self::apply`] computes it on a tensor (the fast
    /// path's vectorised form is `fast::kernels::elementwise`, tested against candle).
    pub fn of(self, x: f32) -> f32 {
        match self {
            Self::Relu => x.max(0.0),
            Self::LeakyRelu => {
                if x < 0.0 {
                    x * Self::LEAKY_SLOPE as f32
                } else {
                    x
                }
            }
            Self::Tanh => x.tanh(),
        }
    }

    /// Applies the activation to a tensor.
    pub fn apply(self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Self::Relu => xs.relu(),
            Self::LeakyRelu => candle_nn::ops::leaky_relu(xs, Self::LEAKY_SLOPE),
            Self::Tanh => xs.tanh(),
        }
    }
}

/// The shape of an MLP: input and output widths, hidden layers of equal width, activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MlpShape {
    /// Input width.
    pub input: usize,
    /// Width of each hidden layer.
    pub hidden: usize,
    /// Number of hidden layers (0 gives a single affine map).
    pub layers: usize,
    /// Output width.
    pub output: usize,
    /// Non-linearity after each hidden layer (none after the output layer).
    pub activation: Activation,
}

impl MlpShape {
    /// Widths of every layer boundary, input first.
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = vec![self.input];
        widths.extend(std::iter::repeat_n(self.hidden, self.layers));
        widths.push(self.output);
        widths
    }
}

/// One affine layer `x ↦ x·W + b`, with `W` stored as (in, out) so no transpose is needed.
#[derive(Clone, Debug)]
pub struct Linear {
    /// Weight, shape (in, out).
    pub weight: Var,
    /// Bias, shape (out).
    pub bias: Var,
}

impl Linear {
    /// PyTorch's default initialisation: both weight and bias uniform on ±1/√fan_in.
    pub fn new<R: Rng + ?Sized>(input: usize, output: usize, rng: &mut R, device: &Device) -> Result<Self> {
        let bound = 1.0 / (input as f32).sqrt();
        let mut uniform = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
        let weight = Var::from_vec(uniform(input * output), (input, output), device)?;
        let bias = Var::from_vec(uniform(output), output, device)?;
        Ok(Self { weight, bias })
    }

    /// Applies the layer to a batch of shape (n, in).
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        xs.matmul(self.weight.as_tensor())?.broadcast_add(self.bias.as_tensor())
    }
}

/// A multi-layer perceptron with one activation between layers and a linear output.
#[derive(Clone, Debug)]
pub struct Mlp {
    shape: MlpShape,
    layers: Vec<Linear>,
}

impl Mlp {
    /// Builds an MLP of the given shape with weights drawn from `rng`.
    pub fn new<R: Rng + ?Sized>(shape: MlpShape, rng: &mut R, device: &Device) -> Result<Self> {
        let widths = shape.widths();
        let layers = widths.windows(2).map(|w| Linear::new(w[0], w[1], rng, device)).collect::<Result<Vec<_>>>()?;
        Ok(Self { shape, layers })
    }

    /// The shape this MLP was built with.
    pub fn shape(&self) -> MlpShape {
        self.shape
    }

    /// The layers, input first.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// Applies the network to a batch of shape (n, input), giving (n, output).
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let last = self.layers.len() - 1;
        let mut h = xs.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i < last {
                h = self.shape.activation.apply(&h)?;
            }
        }
        Ok(h)
    }

    /// Every trainable variable, in a fixed order (weight then bias, layer by layer).
    pub fn vars(&self) -> Vec<Var> {
        self.layers.iter().flat_map(|l| [l.weight.clone(), l.bias.clone()]).collect()
    }

    /// Named tensors for a safetensors checkpoint: `{prefix}.{layer}.weight` and `.bias`.
    pub fn named_tensors(&self, prefix: &str) -> Vec<(String, Tensor)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [
                    (format!("{prefix}.{i}.weight"), l.weight.as_tensor().clone()),
                    (format!("{prefix}.{i}.bias"), l.bias.as_tensor().clone()),
                ]
            })
            .collect()
    }

    /// Loads weights saved by [`Self::named_tensors`], checking every shape first so that
    /// nothing is half-loaded: a mismatch names the tensor and both shapes.
    pub fn load_named(
        &self,
        prefix: &str,
        tensors: &std::collections::HashMap<String, Tensor>,
    ) -> std::result::Result<(), String> {
        let mut pending = Vec::new();
        for (name, var) in self.named_vars(prefix) {
            let Some(t) = tensors.get(&name) else {
                return Err(format!("checkpoint has no tensor '{name}'"));
            };
            if t.dims() != var.dims() {
                return Err(format!(
                    "tensor '{name}' has shape {:?} in the checkpoint but {:?} in this model",
                    t.dims(),
                    var.dims()
                ));
            }
            pending.push((var, t.to_dtype(DType::F32).and_then(|t| t.copy()).map_err(|e| e.to_string())?));
        }
        for (var, t) in pending {
            var.set(&t).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn named_vars(&self, prefix: &str) -> Vec<(String, Var)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [(format!("{prefix}.{i}.weight"), l.weight.clone()), (format!("{prefix}.{i}.bias"), l.bias.clone())]
            })
            .collect()
    }

    /// True when every weight and bias is finite.
    pub fn is_finite(&self) -> Result<bool> {
        for v in self.vars() {
            let s = v.as_tensor().abs()?.sum_all()?.to_vec0::<f32>()?;
            if !s.is_finite() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn the_scalar_activation_is_the_tensor_activation() {
        let xs = [-3.0f32, -0.5, 0.0, 0.25, 2.0];
        let t = Tensor::new(&xs[..], &Device::Cpu).unwrap();
        for a in Activation::ALL {
            let want = a.apply(&t).unwrap().to_vec1::<f32>().unwrap();
            for (x, w) in xs.iter().zip(&want) {
                assert!((a.of(*x) - w).abs() < 1e-6, "{a:?}({x}) = {} vs {w}", a.of(*x));
            }
        }
        assert_eq!(Activation::LeakyRelu.of(-1.0), -(Activation::LEAKY_SLOPE as f32));
    }

    fn shape() -> MlpShape {
        MlpShape { input: 3, hidden: 5, layers: 2, output: 2, activation: Activation::Tanh }
    }

    #[test]
    fn same_seed_same_weights_and_output_shape() {
        let dev = Device::Cpu;
        let a = Mlp::new(shape(), &mut rand::rngs::StdRng::seed_from_u64(7), &dev).unwrap();
        let b = Mlp::new(shape(), &mut rand::rngs::StdRng::seed_from_u64(7), &dev).unwrap();
        let x = Tensor::from_vec(vec![0.1f32, -0.2, 0.3, 1.0, 2.0, -1.0], (2, 3), &dev).unwrap();
        let ya = a.forward(&x).unwrap().to_vec2::<f32>().unwrap();
        let yb = b.forward(&x).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(ya, yb);
        assert_eq!(ya.len(), 2);
        assert_eq!(ya[0].len(), 2);
        assert_eq!(a.vars().len(), 6);
    }

    #[test]
    fn forward_matches_hand_computation() {
        // One hidden layer of width 1, ReLU: y = w2 * relu(w1 * x + b1) + b2.
        let dev = Device::Cpu;
        let shape = MlpShape { input: 1, hidden: 1, layers: 1, output: 1, activation: Activation::Relu };
        let m = Mlp::new(shape, &mut rand::rngs::StdRng::seed_from_u64(1), &dev).unwrap();
        let set = |v: &Var, x: f32| v.set(&Tensor::from_vec(vec![x], v.dims(), &dev).unwrap()).unwrap();
        set(&m.layers[0].weight, 2.0);
        set(&m.layers[0].bias, -1.0);
        set(&m.layers[1].weight, 3.0);
        set(&m.layers[1].bias, 0.5);
        let x = Tensor::from_vec(vec![2.0f32, 0.0], (2, 1), &dev).unwrap();
        let y = m.forward(&x).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(y, vec![vec![3.0 * 3.0 + 0.5], vec![0.5]]);
    }

    #[test]
    fn load_rejects_wrong_shape_and_loads_nothing() {
        let dev = Device::Cpu;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let small = Mlp::new(shape(), &mut rng, &dev).unwrap();
        let big = Mlp::new(MlpShape { hidden: 6, ..shape() }, &mut rng, &dev).unwrap();
        let before = small.forward(&Tensor::ones((1, 3), DType::F32, &dev).unwrap()).unwrap().to_vec2::<f32>().unwrap();
        let saved: std::collections::HashMap<_, _> = big.named_tensors("g").into_iter().collect();
        let err = small.load_named("g", &saved).unwrap_err();
        assert!(err.contains("g.0.weight") && err.contains("[3, 6]") && err.contains("[3, 5]"), "{err}");
        let after = small.forward(&Tensor::ones((1, 3), DType::F32, &dev).unwrap()).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(before, after);
        let ok: std::collections::HashMap<_, _> = small.named_tensors("g").into_iter().collect();
        big.load_named("g", &ok).unwrap_err();
        small.load_named("g", &ok).unwrap();
    }
}
