//! A frozen copy of an MLP as plain arrays, so the UI thread can run it (decode the latent
//! under the mouse) within the frame, with no tensors and no round trip to the trainer.

use candle_core::Result;

use super::mlp::{Activation, Mlp};

/// One affine layer as plain numbers: `weight` is (in, out), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenLayer {
    /// Input width.
    pub input: usize,
    /// Output width.
    pub output: usize,
    /// Weights, `input × output`, row-major.
    pub weight: Vec<f32>,
    /// Biases, `output`.
    pub bias: Vec<f32>,
}

/// A frozen MLP: layers and the activation between them (none after the last).
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenMlp {
    /// Layers, input first.
    pub layers: Vec<FrozenLayer>,
    /// Activation after every layer but the last.
    pub activation: Activation,
}

impl FrozenMlp {
    /// Copies the current weights of `mlp`.
    pub fn from_mlp(mlp: &Mlp) -> Result<Self> {
        let layers = mlp
            .layers()
            .iter()
            .map(|l| {
                let (input, output) = l.weight.as_tensor().dims2()?;
                Ok(FrozenLayer {
                    input,
                    output,
                    weight: l.weight.as_tensor().flatten_all()?.to_vec1::<f32>()?,
                    bias: l.bias.as_tensor().to_vec1::<f32>()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { layers, activation: mlp.shape().activation })
    }

    /// Input width.
    pub fn input(&self) -> usize {
        self.layers.first().map_or(0, |l| l.input)
    }

    /// Output width.
    pub fn output(&self) -> usize {
        self.layers.last().map_or(0, |l| l.output)
    }

    /// Runs one input through the network. An input of the wrong width gives an empty output.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        if x.len() != self.input() {
            return Vec::new();
        }
        let mut h = x.to_vec();
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            let mut out = layer.bias.clone();
            for (xi, row) in h.iter().zip(layer.weight.chunks_exact(layer.output)) {
                if *xi == 0.0 {
                    continue;
                }
                for (o, w) in out.iter_mut().zip(row) {
                    *o += xi * w;
                }
            }
            if i < last {
                for v in &mut out {
                    *v = match self.activation {
                        Activation::Relu => v.max(0.0),
                        Activation::LeakyRelu => {
                            if *v < 0.0 {
                                *v * Activation::LEAKY_SLOPE as f32
                            } else {
                                *v
                            }
                        }
                        Activation::Tanh => v.tanh(),
                    };
                }
            }
            h = out;
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mlp::MlpShape;
    use candle_core::{Device, Tensor};
    use rand::SeedableRng as _;

    #[test]
    fn frozen_forward_matches_candle() {
        for activation in Activation::ALL {
            let shape = MlpShape { input: 3, hidden: 16, layers: 2, output: 5, activation };
            let mlp = Mlp::new(shape, &mut rand::rngs::StdRng::seed_from_u64(2), &Device::Cpu).unwrap();
            let frozen = FrozenMlp::from_mlp(&mlp).unwrap();
            let x = [0.3f32, -1.2, 0.8];
            let want = mlp.forward(&Tensor::from_slice(&x, (1, 3), &Device::Cpu).unwrap()).unwrap();
            let want = want.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let got = frozen.forward(&x);
            assert_eq!(got.len(), 5);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "{activation:?}: {got:?} vs {want:?}");
            }
            assert!(frozen.forward(&[1.0]).is_empty());
        }
    }
}
