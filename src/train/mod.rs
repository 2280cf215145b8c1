//! Training: one module per lab (its settings, its `step`, its snapshot) and the worker
//! thread that runs a lab in the background.

pub mod gan;
pub mod lines;
pub mod optimal_d;
pub mod series;
pub mod vae;
pub mod worker;

/// Why training stopped or a setting was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A tensor operation failed.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    /// The run produced a non-finite or exploding value.
    #[error("training diverged at step {step}: {what}; a lower learning rate may help")]
    Diverged {
        /// The step at which it was seen.
        step: u64,
        /// What was seen.
        what: String,
    },
    /// A data file could not be read or is malformed (the message names the file).
    #[error("{0}")]
    Data(#[from] crate::data::DataError),
    /// A setting out of its range.
    #[error("invalid setting: {0}")]
    Invalid(String),
    /// A file could not be written or read.
    #[error("{0}")]
    Io(String),
}

/// Checks that the setting `what` lies in `range`, naming it and the range otherwise.
pub fn check_range(what: &str, value: usize, range: std::ops::RangeInclusive<usize>) -> Result<(), TrainError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(TrainError::Invalid(format!("{what} must be in {}..={}, got {value}", range.start(), range.end())))
    }
}
