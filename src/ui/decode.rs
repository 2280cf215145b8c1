//! Decoding latent points into images for the AE vs VAE lab's "Under the mouse" panel and its
//! interpolation strip, with a snapshot's frozen decoders, on plain arrays (fast enough to run
//! within the frame that sees the pointer move).
//!
//! Its home is the model or trainer side (a `VaeSnapshot::decode`, next to the decoders whose
//! outputs it interprets); it lives here until those files are free to change.

use crate::model::frozen::FrozenMlp;

/// Decodes the latent vector `z` with `decoder`, whose outputs are logits: the image's pixel
/// means, each in [0, 1]. A `z` of the wrong width gives an empty image.
pub fn decode(decoder: &FrozenMlp, z: &[f32]) -> Vec<f32> {
    decoder.forward(z).iter().map(|a| 1.0 / (1.0 + (-a).exp())).collect()
}

/// `steps` decodings (at least 2) evenly spaced on the segment from `from` to `to`, ends
/// included, one image after another.
pub fn interpolate(decoder: &FrozenMlp, from: &[f32], to: &[f32], steps: usize) -> Vec<f32> {
    let steps = steps.max(2);
    let mut pixels = Vec::new();
    for step in 0..steps {
        let t = step as f32 / (steps - 1) as f32;
        let z: Vec<f32> = from.iter().zip(to).map(|(a, b)| a * (1.0 - t) + b * t).collect();
        pixels.extend(decode(decoder, &z));
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::frozen::FrozenLayer;
    use crate::model::mlp::Activation;

    /// One linear layer from 1 input to 2 outputs: logits (4z, −4z).
    fn decoder() -> FrozenMlp {
        let layer = FrozenLayer { input: 1, output: 2, weight: vec![4.0, -4.0], bias: vec![0.0, 0.0] };
        FrozenMlp { layers: vec![layer], activation: Activation::Relu }
    }

    #[test]
    fn decode_gives_the_sigmoid_of_the_logits() {
        let d = decoder();
        let pixels = decode(&d, &[0.5]);
        let want = 1.0 / (1.0 + (-2.0f32).exp());
        assert!((pixels[0] - want).abs() < 1e-6 && (pixels[1] - (1.0 - want)).abs() < 1e-6, "{pixels:?}");
        assert_eq!(decode(&d, &[0.0]), vec![0.5, 0.5]);
        assert!(decode(&d, &[1e6]).iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(decode(&d, &[0.0, 1.0]).is_empty(), "a z of the wrong width decodes to nothing");
    }

    #[test]
    fn interpolate_runs_from_one_end_to_the_other() {
        let d = decoder();
        let strip = interpolate(&d, &[-1.0], &[1.0], 5);
        assert_eq!(strip.len(), 10);
        assert_eq!(&strip[..2], decode(&d, &[-1.0]).as_slice());
        assert_eq!(&strip[4..6], decode(&d, &[0.0]).as_slice());
        assert_eq!(&strip[8..], decode(&d, &[1.0]).as_slice());
    }
}
