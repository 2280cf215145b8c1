//! Latent Lab: watch autoencoders, variational autoencoders and GANs learn, live.
//!
//! `theory` and `data` know nothing of candle or egui; `model` and `train` know candle but
//! not egui; `ui` knows egui and reads snapshots, never tensors. `kernels` (the hand-written
//! loops per instruction set, the call into `gemm`, and every `unsafe` block) knows only slices.

pub mod cli;
pub mod data;
#[allow(unsafe_code)] // the one module that may: see its documentation
pub mod kernels;
pub mod model;
pub mod theory;
pub mod train;
pub mod ui;
