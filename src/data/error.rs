//! Errors raised while choosing or loading a data set.
//!
//! Every message is a single line that names the file (and the 1-based line
//! number where there is one), so it can be shown as-is in a status bar or
//! printed by the command line.

use std::path::PathBuf;

/// Why a data set could not be chosen or loaded.
///
/// The variants are generic over file formats so that other loaders (CSV or
/// IDX images, …) can reuse them: `Line` for a problem at a known line,
/// `Format` for a problem in a file without lines (a binary header, a size
/// mismatch), `Empty` for a file that holds no usable rows.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read (missing, no permission, not UTF-8, …).
    #[error("cannot read {}: {error}", path.display())]
    Io {
        /// The path as given by the user.
        path: PathBuf,
        /// The underlying operating-system error, said in this error's own message (not
        /// also as its source, which a chain of causes would print a second time).
        error: std::io::Error,
    },

    /// A problem at one line of a text file, e.g. a wrong column count or a
    /// field that is not a finite number.
    #[error("{file} line {line}: {message}")]
    Line {
        /// The file name used in messages (usually without its directory).
        file: String,
        /// 1-based line number in the file.
        line: usize,
        /// What is wrong, without the file and line prefix.
        message: String,
    },

    /// A problem with a file as a whole that has no line number (for example
    /// a bad magic number in a binary header).
    #[error("{file}: {message}")]
    Format {
        /// The file name used in messages.
        file: String,
        /// What is wrong, without the file prefix.
        message: String,
    },

    /// The file was read and parsed but holds no data rows at all.
    #[error("{file}: no data rows")]
    Empty {
        /// The file name used in messages.
        file: String,
    },

    /// A data set name on the command line that is not one of the known ones.
    #[error("unknown dataset '{name}' (expected one of: {expected})")]
    UnknownDataset {
        /// The name as given.
        name: String,
        /// The accepted names, comma-separated, for the message.
        expected: &'static str,
    },
}
