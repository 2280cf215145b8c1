//! Training: one module per lab (its settings, its `step`, its snapshot) and the worker
//! thread that runs a lab in the background.

pub mod gan;
pub mod lines;
pub mod optimal_d;
pub mod pair;
pub mod reproduce;
pub mod rng;
pub mod run;
pub mod series;
pub mod states;
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
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// A setting out of its range.
    #[error("invalid setting: {0}")]
    Invalid(String),
    /// A file could not be written or read.
    #[error("{0}")]
    Io(String),
}

/// The largest loss magnitude a lab accepts as training (nats per sample or image, or a critic's
/// score): a loss beyond it means the weights have blown up, even while every number is still
/// finite (an optimal-D run at a learning rate of 10⁶ reached 9·10²⁸ and went on).
pub const MAX_LOSS: f64 = 1e8;

/// Why `loss` means the run has diverged: not finite, or beyond [`MAX_LOSS`]; None if it is a
/// loss to train on.
pub fn loss_blow_up(loss: f64) -> Option<String> {
    if !loss.is_finite() {
        Some(format!("{loss}"))
    } else if loss.abs() > MAX_LOSS {
        Some(format!("{loss:.3e}, beyond ±{MAX_LOSS:.0e}"))
    } else {
        None
    }
}

/// Checks that the setting `what` lies in `range`, naming it and the range otherwise.
pub fn check_range(what: &str, value: usize, range: std::ops::RangeInclusive<usize>) -> Result<(), TrainError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(TrainError::Invalid(format!("{what} must be in {}..={}, got {value}", range.start(), range.end())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loss_is_a_blow_up_when_not_finite_or_beyond_the_bound() {
        assert_eq!(loss_blow_up(0.5), None);
        assert_eq!(loss_blow_up(-MAX_LOSS), None);
        assert!(loss_blow_up(f64::NAN).is_some_and(|w| w == "NaN"));
        assert!(loss_blow_up(f64::INFINITY).is_some());
        assert!(
            loss_blow_up(9e28).is_some_and(|w| w.contains("9.000e28") && w.contains("1e8")),
            "{:?}",
            loss_blow_up(9e28)
        );
        assert!(loss_blow_up(-2e8).is_some());
    }
}
