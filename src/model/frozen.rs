//! A frozen copy of an MLP as plain arrays, so the UI thread can run it (decode the latent
//! under the mouse) within the frame, with no tensors and no round trip to the trainer.

use candle_core::Result;

use super::mlp::{Activation, Mlp};
use crate::objective::sigmoid;

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

    /// Decodes the latent vector `z` with this decoder, whose outputs are logits: the image's
    /// pixel means σ(a), each in [0, 1]. A `z` of the wrong width gives an empty image.
    pub fn decode_means(&self, z: &[f32]) -> Vec<f32> {
        self.forward(z).into_iter().map(sigmoid).collect()
    }

    /// `steps` decodings (at least 2) evenly spaced on the segment from `from` to `to`, ends
    /// included, one image after another (the AE vs VAE lab's interpolation strip).
    pub fn decode_segment(&self, from: &[f32], to: &[f32], steps: usize) -> Vec<f32> {
        let steps = steps.max(2);
        let mut pixels = Vec::new();
        for step in 0..steps {
            let t = step as f32 / (steps - 1) as f32;
            let z: Vec<f32> = from.iter().zip(to).map(|(a, b)| a * (1.0 - t) + b * t).collect();
            pixels.extend(self.decode_means(&z));
        }
        pixels
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
                    *v = self.activation.of(*v);
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

    /// One linear layer from 1 input to 2 outputs: logits (4z, −4z).
    fn decoder() -> FrozenMlp {
        let layer = FrozenLayer { input: 1, output: 2, weight: vec![4.0, -4.0], bias: vec![0.0, 0.0] };
        FrozenMlp { layers: vec![layer], activation: Activation::Relu }
    }

    #[test]
    fn decode_gives_the_sigmoid_of_the_logits() {
        let d = decoder();
        let pixels = d.decode_means(&[0.5]);
        let want = 1.0 / (1.0 + (-2.0f32).exp());
        assert!((pixels[0] - want).abs() < 1e-6 && (pixels[1] - (1.0 - want)).abs() < 1e-6, "{pixels:?}");
        assert_eq!(d.decode_means(&[0.0]), vec![0.5, 0.5]);
        assert!(d.decode_means(&[1e6]).iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(d.decode_means(&[0.0, 1.0]).is_empty(), "a z of the wrong width decodes to nothing");
    }

    #[test]
    fn interpolate_runs_from_one_end_to_the_other() {
        let d = decoder();
        let strip = d.decode_segment(&[-1.0], &[1.0], 5);
        assert_eq!(strip.len(), 10);
        assert_eq!(&strip[..2], d.decode_means(&[-1.0]).as_slice());
        assert_eq!(&strip[4..6], d.decode_means(&[0.0]).as_slice());
        assert_eq!(&strip[8..], d.decode_means(&[1.0]).as_slice());
    }
}
