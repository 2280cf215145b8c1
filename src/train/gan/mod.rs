//! The GAN lab: a generator and a discriminator, both MLPs, trained on 2-D toy data.
//!
//! The discriminator outputs a logit `l`; for the minimax and non-saturating objectives
//! D(x) = σ(l), and every log-probability is computed from the logit with a stable softplus,
//! so that a saturated discriminator gives exact gradients instead of NaN.

use std::sync::Arc;

use candle_core::{DType, Device, Tensor, Var};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use super::rng::TrainRng;
use rand_distr::{Distribution as _, StandardNormal};

use super::pair::Adversaries;
use super::series::Series;
use super::worker::Lab;
use super::{check_range as check, TrainError};
use crate::data::toy2d::{ModeSpec, Point2, Toy2d};
use crate::fast::Path;
use crate::model::critic::{clip_weights, lipschitz_estimate_rows, SpectralNorm};
use crate::model::mlp::{Activation, Mlp, MlpShape};
use crate::model::optim::{OptimizerConfig, OptimizerKind};
use crate::objective::gan::{d_loss, g_loss, g_term, mean_output, mean_output_of};
use crate::objective::penalty::gradient_penalty;
use crate::objective::sigmoid;
use crate::theory::divergence::{js_histogram_2d, js_through_discriminator, Grid2, JS_GRID_BINS};
use crate::theory::modes::{mode_coverage, ModeCoverage, COVERAGE_MIN_COUNT, COVERAGE_SAMPLES};

mod eval;
mod runaway;
mod saved;
mod settings;
mod snapshot;
mod trainer;

pub use crate::objective::gan::GanLoss;

pub use runaway::{RunawayWatch, RUNAWAY_EVALUATIONS, RUNAWAY_WIDTHS};
pub use saved::LAB;
pub use settings::{limits, GanConfig, NetConfig, NoiseKind};
pub use snapshot::*;

/// Generated coordinates beyond this many view widths count as divergence.
const EXPLODE_FACTOR: f32 = 1e3;

/// The GAN lab's trainer: models, optimisers, RNG, counters and histories.
pub struct GanTrainer {
    config: GanConfig,
    device: Device,
    /// G and D, their optimisers and the fast path's buffers.
    pair: Adversaries,
    rng: TrainRng,
    d_steps: u64,
    g_steps: u64,
    last: StepLosses,
    real_eval: Arc<Vec<Point2>>,
    noise_eval: Arc<Vec<f32>>,
    history: GanHistory,
    pending_panic: bool,
    spectral: Option<SpectralNorm>,
    /// Stops a run whose generated points left the data (issue 14, item 6).
    runaway: RunawayWatch,
}

/// Seed offsets so that weights, training noise and evaluation sets use separate streams.
const INIT_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;
const EVAL_STREAM: u64 = 0x6a09_e667_f3bc_c909;

/// Pairs of numbers as points.
fn to_points(flat: &[f32]) -> Vec<Point2> {
    flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
}

/// D's forward pass with its weights detached, so that gradients flow only to the input.
fn forward_frozen(net: &Mlp, xs: &Tensor) -> candle_core::Result<Tensor> {
    let last = net.layers().len() - 1;
    let mut h = xs.clone();
    for (i, layer) in net.layers().iter().enumerate() {
        h = h.matmul(&layer.weight.as_tensor().detach())?.broadcast_add(&layer.bias.as_tensor().detach())?;
        if i < last {
            h = net.shape().activation.apply(&h)?;
        }
    }
    Ok(h)
}

/// Refills `values` with `count` noise numbers (the draws [`noise`] makes).
fn fill_noise(values: &mut Vec<f32>, kind: NoiseKind, count: usize, rng: &mut TrainRng) {
    values.clear();
    values.extend((0..count).map(|_| kind.sample(rng)));
}

fn noise(kind: NoiseKind, n: usize, dim: usize, rng: &mut TrainRng, device: &Device) -> Result<Tensor, TrainError> {
    let values: Vec<f32> = (0..n * dim).map(|_| kind.sample(rng)).collect();
    Ok(Tensor::from_vec(values, (n, dim), device)?)
}

/// Packs points into an (n, 2) tensor.
pub fn points_tensor(pts: &[Point2], device: &Device) -> Result<Tensor, TrainError> {
    let flat: Vec<f32> = pts.iter().flat_map(|p| *p).collect();
    Ok(Tensor::from_vec(flat, (pts.len(), 2), device)?)
}

/// Unpacks an (n, 2) tensor into points.
pub fn tensor_points(t: &Tensor) -> Result<Vec<Point2>, TrainError> {
    let flat = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    Ok(flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
}
