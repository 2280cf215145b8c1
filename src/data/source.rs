//! The image sets the AE vs VAE lab offers: the two bundled ones and a folder of IDX files.

use std::path::PathBuf;

use super::images::{self, Split};
use super::DataError;

/// MNIST-5k, bundled (see assets/ATTRIBUTION.md).
const MNIST5K_GZ: &[u8] = include_bytes!("../../assets/mnist_5k.csv.gz");
/// The UCI 8×8 digits, bundled.
const DIGITS_GZ: &[u8] = include_bytes!("../../assets/digits.csv.gz");
/// Seed of the fixed train/test split of the CSV sets (the same for every run seed, so test
/// numbers of different runs compare).
pub const SPLIT_SEED: u64 = 0;

/// Where the images come from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImageSource {
    /// 5000 MNIST digits, 28×28, bundled.
    Mnist5k,
    /// 1797 UCI digits, 8×8, bundled.
    Digits,
    /// A folder of MNIST-format IDX files (train and t10k, gzipped or not).
    Idx(PathBuf),
}

impl ImageSource {
    /// Parses `mnist5k`, `digits` or `idx:DIR`.
    pub fn parse(spec: &str) -> Result<Self, DataError> {
        match spec.trim() {
            "mnist5k" => Ok(Self::Mnist5k),
            "digits" => Ok(Self::Digits),
            s if s.starts_with("idx:") => Ok(Self::Idx(PathBuf::from(&s[4..]))),
            s => Err(DataError::UnknownDataset { name: s.to_owned(), expected: "mnist5k, digits, idx:DIR" }),
        }
    }

    /// A name for titles.
    pub fn label(&self) -> String {
        match self {
            Self::Mnist5k => "MNIST-5k (28×28)".to_owned(),
            Self::Digits => "UCI digits (8×8)".to_owned(),
            Self::Idx(dir) => format!("IDX folder {}", dir.display()),
        }
    }

    /// Loads the images with the fixed split; an IDX folder keeps its own train/test files.
    pub fn load(&self) -> Result<Split, DataError> {
        match self {
            Self::Mnist5k => Ok(images::split(&images::mnist5k_from_bytes(MNIST5K_GZ)?, SPLIT_SEED)),
            Self::Digits => Ok(images::split(&images::digits_from_bytes(DIGITS_GZ)?, SPLIT_SEED)),
            Self::Idx(dir) => images::load_idx_dir(dir),
        }
    }
}
