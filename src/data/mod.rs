//! Data sets. Nothing here knows candle or egui.

pub mod csv2d;
mod error;
pub mod images;
pub mod source;
pub mod stroke;
pub mod toy2d;

pub use error::DataError;
