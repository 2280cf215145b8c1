//! The fast path: every hand-written pass of the labs' models, the instruction-set dispatch,
//! and (in [`kernels`]) every `unsafe` block of the crate.
//!
//! candle's autodiff (the *reference path*) builds a graph and allocates a tensor for every
//! operation; on the small nets of this app that bookkeeping, not the arithmetic, takes most
//! of a step. The fast path computes the same numbers on plain `f32` buffers kept between
//! steps, with the matrix products in `gemm`, and the tests check the two paths against each
//! other and the gradients against finite differences.
//!
//! What lives here, from the bottom up:
//! - [`kernels`]: loops compiled once per instruction set, the one call into `gemm`, and the
//!   only `unsafe` code. Nothing outside `fast`, `model` and `objective` may import it (a test
//!   in `tests/architecture.rs` checks that train/, ui/ and cli/ do not).
//! - [`mlp`]: an MLP's forward and backward passes on the weights of a candle [`crate::model::mlp::Mlp`],
//!   and the way a minibatch is cut into parts that run on their own threads.
//! - [`gan`], [`vae`], [`critic`]: typed steps of the labs' models (a GAN's discriminator and
//!   generator steps, the AE's and the VAE's gradients, a discriminator and a critic on two
//!   lines), built from [`mlp`] and the slice forms of [`crate::objective`].
//!
//! The trainers in [`crate::train`] choose between the two paths with one value,
//! [`Path`], and call the typed steps; they never touch a kernel.

#[allow(unsafe_code)] // the one module that may: see its documentation
pub mod kernels;

pub mod critic;
pub mod gan;
pub mod mlp;
pub mod vae;

pub use kernels::{gemm_isa, processor_name, Isa};
pub use mlp::{row_ranges, NativeMlp, Threads};

/// Rows of numbers a fast step reads (real points, noise, images, ε, mixing weights). A
/// trainer fills them through these typed draws, in the order its candle path draws the same
/// numbers, and never handles the buffer itself; the steps read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    values: Vec<f32>,
}

impl Rows {
    /// Replaces the rows with `count` numbers from `draw`, drawn in order.
    pub fn draw(&mut self, count: usize, mut draw: impl FnMut() -> f32) {
        self.values.clear();
        self.values.extend((0..count).map(|_| draw()));
    }

    /// Replaces the rows with these 2-D points, one row each.
    pub fn set_points(&mut self, points: &[[f32; 2]]) {
        self.values.clear();
        self.values.extend(points.iter().flatten());
    }

    /// Replaces the rows with these numbers (rows of width 1, or already laid out row-major).
    pub fn set(&mut self, values: &[f32]) {
        self.values.clear();
        self.values.extend_from_slice(values);
    }

    /// Replaces the rows with `count` rows of `source` (row-major, rows of `width` numbers),
    /// row `pick()` each time, picked in order.
    pub fn gather(&mut self, source: &[f32], width: usize, count: usize, mut pick: impl FnMut() -> usize) {
        self.values.clear();
        for _ in 0..count {
            let i = pick();
            self.values.extend_from_slice(&source[i * width..(i + 1) * width]);
        }
    }

    /// The numbers, row after row.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
}

/// Which way a trainer computes its steps: the same numbers either way (to float tolerance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Path {
    /// The hand-written passes of this module, where they apply (the default).
    #[default]
    Fast,
    /// candle's autodiff: the reference the fast path is tested and benchmarked against.
    Reference,
}
