//! The Bernoulli likelihood's loop, the hot part of the VAE's step after the matrix products.

use super::per_isa;

per_isa! {
    /// −log p(x | a) of one image under the Bernoulli likelihood with logits `a`, with its
    /// gradient times `scale` written to `grad`: Σ softplus(a) − x·a, whose derivative is
    /// σ(a) − x; in `isa`'s vector lanes.
    pub fn bernoulli_nll_and_grad(a: &[f32], x: &[f32], grad: &mut [f32], scale: f32) -> f32 = bernoulli_lanes;
}

/// The loop of [`bernoulli_nll_and_grad`], sixteen pixels at a time in independent lanes
/// (which vectorise), summed at the end.
///
/// softplus(a) = max(a, 0) + log(1 + e^−|a|): one e^−|a| serves the value and σ(a). The
/// logs are taken of products of the factors 1 + e^−|a| ∈ (1, 2]: each lane multiplies eight
/// of them (at most 2⁸), so one log serves 128 pixels and nothing can overflow.
#[inline(always)]
fn bernoulli_lanes(a: &[f32], x: &[f32], grad: &mut [f32], scale: f32) -> f32 {
    const LANES: usize = 16;
    const BLOCK: usize = 8 * LANES;
    let pixel = |a: f32, x: f32, g: &mut f32| -> (f32, f32) {
        let e = exp_nonpositive(-a.abs());
        let inv = 1.0 / (1.0 + e);
        let sigma = if a >= 0.0 { inv } else { e * inv };
        *g = (sigma - x) * scale;
        (1.0 + e, a.max(0.0) - x * a)
    };
    let mut total = 0.0f32;
    let mut blocks = a.chunks_exact(BLOCK).zip(x.chunks_exact(BLOCK)).zip(grad.chunks_exact_mut(BLOCK));
    for ((a64, x64), g64) in &mut blocks {
        let mut product = [1.0f32; LANES];
        let mut linear = [0.0f32; LANES];
        for ((a8, x8), g8) in a64.chunks_exact(LANES).zip(x64.chunks_exact(LANES)).zip(g64.chunks_exact_mut(LANES)) {
            for j in 0..LANES {
                let (factor, lin) = pixel(a8[j], x8[j], &mut g8[j]);
                product[j] *= factor;
                linear[j] += lin;
            }
        }
        total += linear.iter().sum::<f32>() + product.iter().product::<f32>().ln();
    }
    // The last pixels (fewer than a block), one by one.
    let done = a.len() - a.len() % BLOCK;
    for ((&a, &x), g) in a[done..].iter().zip(&x[done..]).zip(&mut grad[done..]) {
        let (factor, lin) = pixel(a, x, g);
        total += lin + factor.ln();
    }
    total
}

/// e^x for x ≤ 0, in plain arithmetic that vectorises (libm's `expf` is a call per number):
/// x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' degree-6 polynomial, and 2^n written
/// into the exponent bits. Within 1 ulp of `f32::exp` (tested over [−87, 0]); inputs below
/// −87 give e^−87 (about 1.6·10⁻³⁸), which is 0 next to the 1 it is added to.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Adding 1.5·2²³ rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // ln 2 split in two, so that n·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.0, 0.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    let n_bits = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    e_r * f32::from_bits((n_bits.wrapping_add(127) << 23) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::kernels::Isa;
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    #[test]
    fn bernoulli_likelihood_matches_its_formula_in_every_version() {
        // −log p(x|a) = Σ softplus(a) − x·a, gradient σ(a) − x, in f64; logits from −30 to 30
        // (e^−|a| down to 10⁻¹³) and pixel counts that leave a partial block and lane.
        eprintln!("versions run: {:?}", Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>());
        let mut rng = StdRng::seed_from_u64(5);
        for n in [784, 128, 200, 64, 71, 3] {
            let a: Vec<f32> = (0..n).map(|_| rng.random_range(-30.0f32..30.0)).collect();
            let x: Vec<f32> = (0..n).map(|i| if i % 3 == 0 { 0.0 } else { rng.random_range(0.0f32..1.0) }).collect();
            let scale = 0.25f32;
            let want: f64 = a
                .iter()
                .zip(&x)
                .map(|(&a, &x)| {
                    let (a, x) = (f64::from(a), f64::from(x));
                    a.max(0.0) + (-a.abs()).exp().ln_1p() - x * a
                })
                .sum();
            let mut g_portable = vec![0.0; n];
            let portable = bernoulli_nll_and_grad(Isa::PORTABLE, &a, &x, &mut g_portable, scale);
            assert!((f64::from(portable) - want).abs() < 1e-5 * want.abs(), "{n} pixels: {portable} against {want}");
            for ((g, &a), &x) in g_portable.iter().zip(&a).zip(&x) {
                let want = (1.0 / (1.0 + (-f64::from(a)).exp()) - f64::from(x)) * f64::from(scale);
                assert!((f64::from(*g) - want).abs() < 1e-6, "gradient {g} against {want} at a = {a}");
            }
            // The other versions differ only in vector width: the same operations on each
            // number, so the same bits.
            for isa in Isa::available() {
                let mut g = vec![0.0; n];
                let total = bernoulli_nll_and_grad(isa, &a, &x, &mut g, scale);
                assert_eq!(total.to_bits(), portable.to_bits(), "{n} pixels, {}", isa.name());
                assert_eq!(g, g_portable, "{n} pixels, {}", isa.name());
            }
        }
    }

    #[test]
    fn exp_nonpositive_is_within_one_ulp_of_libm() {
        // Adjacent floats of one sign have adjacent bit patterns: the difference of the
        // patterns counts ulps.
        let mut worst = 0;
        for i in 0..=1_000_000 {
            let x = -87.0 * i as f32 / 1_000_000.0;
            worst = worst.max(exp_nonpositive(x).to_bits().abs_diff(x.exp().to_bits()));
        }
        assert!(worst <= 1, "{worst} ulp");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(-1000.0) < 2e-38, "clamped far below 0");
    }
}
