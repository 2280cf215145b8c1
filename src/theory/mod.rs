//! Closed forms and estimators: plain Rust, no candle, no egui.

pub mod divergence;
pub mod gaussian;
pub mod lines;
pub mod modes;
pub mod neighbors;
pub mod normal;
pub mod optimal_d;
pub mod pca;
