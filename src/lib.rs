//! Latent Lab: watch autoencoders, variational autoencoders and GANs learn, live.
//!
//! `theory` and `data` know nothing of candle or egui; `model` and `train` know candle but
//! not egui; `ui` knows egui and reads snapshots, never tensors.

pub mod cli;
pub mod data;
pub mod model;
pub mod theory;
pub mod train;
pub mod ui;
