//! Closed forms and estimators: plain Rust, no candle, no egui.

pub mod divergence;
pub mod modes;
