//! Latent Lab: watch autoencoders, variational autoencoders and GANs learn, live.
//!
//! `theory` and `data` know nothing of candle or egui; `objective`, `model`, `fast` and
//! `train` know candle but not egui; `ui` knows egui and reads snapshots, never tensors.
//! `objective` writes each loss once (candle form and slice form side by side); `fast` holds
//! every hand-written pass and, in `fast::kernels`, every `unsafe` block. See
//! docs/ARCHITECTURE.md for the layers and where a new objective or lab goes.

pub mod cli;
pub mod data;
pub mod fast;
pub mod model;
pub mod objective;
pub mod theory;
pub mod train;
pub mod ui;
