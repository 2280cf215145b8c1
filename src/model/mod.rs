//! candle building blocks: the MLP and the optimisers.

pub mod mlp;
pub mod optim;
