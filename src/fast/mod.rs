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
pub use mlp::{row_ranges, run_parts, set_threads, threads, NativeMlp};

/// Which way a trainer computes its steps: the same numbers either way (to float tolerance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Path {
    /// The hand-written passes of this module, where they apply (the default).
    #[default]
    Fast,
    /// candle's autodiff: the reference the fast path is tested and benchmarked against.
    Reference,
}
