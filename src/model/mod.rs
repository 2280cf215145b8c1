//! candle building blocks: the MLP and the optimisers.

pub mod autoencoder;
pub mod critic;
pub mod frozen;
pub mod mlp;
pub mod optim;
