//! Labelled grey image sets: CSV files (gzipped or plain), the MNIST IDX
//! format (gzipped or plain), the two built-in sets and a fixed seeded
//! train/test split.
//!
//! Pixels are stored as `f32` in `[0, 1]`, row-major, one image after another;
//! labels are digits `0..=9`.
//!
//! Loading is all-or-nothing: the first problem returns one [`DataError`] whose
//! message names the file (and the 1-based line for CSV), and nothing is
//! returned half-loaded.
//!
//! CSV format accepted by [`parse_csv_images`]: one image per row, no header,
//! `width * height` pixel columns (integers or decimals in `0..=max_pixel`)
//! then the label (an integer `0..=9`; `7.0` is accepted as `7`),
//! comma-separated. Whitespace around fields and blank lines are ignored.
//!
//! IDX format (big-endian): images are magic `0x00000803`, `u32` count,
//! `u32` rows, `u32` cols, then `count * rows * cols` `u8` pixels; labels are
//! magic `0x00000801`, `u32` count, then `count` `u8` labels.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use crate::data::DataError;

/// A labelled set of grey images, pixels in [0, 1], row-major, one image after another.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    /// Name shown to the user (e.g. `MNIST-5k`, or an IDX folder's name).
    pub name: String,
    /// Image width in pixels.
    pub width: usize,
    /// Image height in pixels.
    pub height: usize,
    /// All pixels in `[0, 1]`, `len() * dim()` of them, image after image, each row-major.
    pub pixels: Vec<f32>,
    /// One label `0..=9` per image.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// Number of images (the number of labels).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image: `width * height`.
    pub fn dim(&self) -> usize {
        self.width.saturating_mul(self.height)
    }

    /// The pixels of image `i` (`dim()` values), or `None` if `i` is out of range.
    pub fn image(&self, i: usize) -> Option<&[f32]> {
        if i >= self.len() {
            return None;
        }
        let dim = self.dim();
        let start = i.checked_mul(dim)?;
        let end = start.checked_add(dim)?;
        self.pixels.get(start..end)
    }

    /// A new set with the images at `indices`, in that order (an index given
    /// twice gives the image twice). Out-of-range indices are ignored. The name
    /// and image size are kept.
    pub fn subset(&self, indices: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(indices.len().saturating_mul(self.dim()));
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            if let (Some(image), Some(&label)) = (self.image(i), self.labels.get(i)) {
                pixels.extend_from_slice(image);
                labels.push(label);
            }
        }
        ImageSet { name: self.name.clone(), width: self.width, height: self.height, pixels, labels }
    }
}

/// A train/test pair.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The images to train on.
    pub train: ImageSet,
    /// The held-out images.
    pub test: ImageSet,
}

/// Fraction of a CSV set that [`split`] puts in the training set (this
/// matches the PyTorch reference, which keeps 85 % for training).
pub const TRAIN_FRACTION: f64 = 0.85;

/// The indices of a fixed seeded split of `n` items: a Fisher–Yates
/// permutation of `0..n` drawn from `StdRng::seed_from_u64(seed)`; the first
/// `floor(TRAIN_FRACTION * n)` go to train (first vector), the rest to test.
pub fn split_indices(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    // n * 0.85 always has a fractional part that is a multiple of 0.05, so the
    // small nudge only undoes floating-point error (e.g. 20 * 0.85 = 16.999…).
    let n_train = ((n as f64) * TRAIN_FRACTION + 1e-6).floor() as usize;
    let test = order.split_off(n_train.min(n));
    (order, test)
}

/// Fixed seeded split used for the CSV sets: a Fisher–Yates permutation of 0..n drawn from
/// `rand::rngs::StdRng::seed_from_u64(seed)`, first floor(0.85 n) go to train, the rest to test
/// (see [`split_indices`]). Both halves keep the set's name.
pub fn split(set: &ImageSet, seed: u64) -> Split {
    let (train, test) = split_indices(set.len(), seed);
    Split { train: set.subset(&train), test: set.subset(&test) }
}

// ---------------------------------------------------------------------------
// gzip
// ---------------------------------------------------------------------------

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The most a gzip CSV image set may decompress to (MNIST-5k is 18 MB of text; the full
/// 70 000-image MNIST as CSV about 130 MB).
pub const MAX_CSV_BYTES: usize = 512 << 20;

/// The most an IDX file's data may hold, as its header states it (Fashion-MNIST's training
/// images are 47 MB).
pub const MAX_IDX_BYTES: usize = 1 << 30;

/// What reading an IDX file may allocate besides its bytes: the gzip decoder's fixed state (a
/// 32 KiB window, its tables and buffers) and an error's message. Part of the memory bound of
/// [`parse_idx_images`] and [`parse_idx_labels`].
pub const IDX_READ_OVERHEAD: usize = 256 << 10;

/// `bytes` gunzipped if they start with the gzip magic, else `bytes` as they are. At most
/// `max` bytes are decompressed: a file that would give more is refused as soon as it passes
/// that size, before the rest is inflated (nothing the file says, such as gzip's size trailer,
/// sizes an allocation). Concatenated gzip members are all decoded; corrupt or truncated data
/// is an error.
fn maybe_gunzip<'a>(bytes: &'a [u8], source: &str, max: usize) -> Result<Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    read_at_most(&mut decoder, &mut out, max, source)?;
    Ok(Cow::Owned(out))
}

/// Appends at most `max` bytes of `reader` to `out`; an error if more follow.
fn read_at_most(reader: &mut impl Read, out: &mut Vec<u8>, max: usize, source: &str) -> Result<(), DataError> {
    let gzip_error = |e: std::io::Error| DataError::Format {
        file: source.to_string(),
        message: format!("not a valid gzip file ({e})"),
    };
    let start = out.len();
    reader.take(max as u64 + 1).read_to_end(out).map_err(gzip_error)?;
    if out.len() - start > max {
        return Err(DataError::Format {
            file: source.to_string(),
            message: format!("decompresses to more than {max} bytes, more than it may hold"),
        });
    }
    Ok(())
}

/// An IDX file's bytes, gunzipped if they start with the gzip magic: the `header` bytes
/// first, then exactly as many bytes as `body_len` says the header promises (at most
/// [`MAX_IDX_BYTES`]). A gzip stream is inflated only that far: one that holds more is refused
/// without inflating the rest. Fewer bytes than promised are returned as they are (the caller
/// reports the truncation); so is the header alone when `body_len` finds it invalid (None:
/// the caller says what is wrong with it).
fn idx_bytes<'a>(
    bytes: &'a [u8],
    source: &str,
    header: usize,
    body_len: impl Fn(&[u8]) -> Option<usize>,
) -> Result<Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::with_capacity(header);
    read_at_most(&mut (&mut decoder).take(header as u64), &mut out, header, source)?;
    if out.len() < header {
        return Ok(Cow::Owned(out));
    }
    let Some(body) = body_len(&out) else {
        return Ok(Cow::Owned(out));
    };
    if body > MAX_IDX_BYTES {
        return Err(DataError::Format {
            file: source.to_string(),
            message: format!("its header promises {body} bytes of data, more than the {MAX_IDX_BYTES} this app reads"),
        });
    }
    // Nothing is reserved from the header's promise: the buffer grows with the bytes that
    // actually arrive.
    read_at_most(&mut decoder, &mut out, body, source).map_err(|e| match e {
        DataError::Format { message, .. } if message.starts_with("decompresses to more") => DataError::Format {
            file: source.to_string(),
            message: format!("its header promises {body} bytes of data and it decompresses to more (trailing bytes)"),
        },
        other => other,
    })?;
    Ok(Cow::Owned(out))
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Longest field text quoted back in an error message, in characters.
const MAX_QUOTED_FIELD_CHARS: usize = 40;

/// Parses a CSV image set (format in the module docs) from `bytes`, gunzipping
/// first when they start with the gzip magic. `source` is the file name used in
/// messages; the set's name is `source` without a trailing `.gz` and `.csv`.
/// Pixels are divided by `max_pixel` (255 for MNIST, 16 for the 8x8 digits).
///
/// Errors: [`DataError::Line`] for a wrong column count, a non-numeric field,
/// a pixel outside `[0, max_pixel]` or a label that is not an integer `0..=9`;
/// [`DataError::Empty`] when there is no row; [`DataError::Format`] for corrupt
/// gzip or a zero image size / non-positive `max_pixel`.
pub fn parse_csv_images(
    bytes: &[u8],
    source: &str,
    width: usize,
    height: usize,
    max_pixel: f32,
) -> Result<ImageSet, DataError> {
    let format_error = |message: String| DataError::Format { file: source.to_string(), message };
    let dim = width.checked_mul(height).filter(|&d| d > 0).ok_or_else(|| {
        format_error(format!("image size {width}x{height} is invalid (both sides must be at least 1)"))
    })?;
    if !(max_pixel.is_finite() && max_pixel > 0.0) {
        return Err(format_error(format!("maximum pixel value {max_pixel} must be a positive number")));
    }
    let data = maybe_gunzip(bytes, source, MAX_CSV_BYTES)?;
    let data = data.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(&data);

    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (index, raw_line) in data.split(|&b| b == b'\n').enumerate() {
        let line_number = index + 1;
        let line_error = |message: String| DataError::Line { file: source.to_string(), line: line_number, message };
        let line = std::str::from_utf8(raw_line).map_err(|_| line_error("line is not UTF-8 text".to_string()))?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let columns = line.split(',').count();
        if columns != dim + 1 {
            return Err(line_error(format!(
                "expected {} columns ({dim} pixels and a label), found {columns}",
                dim + 1
            )));
        }
        let mut fields = line.split(',').map(str::trim);
        for column in 1..=dim {
            let field = fields.next().unwrap_or("");
            let value: f32 = field
                .parse()
                .map_err(|_| line_error(format!("column {column}: pixel {} is not a number", quote(field))))?;
            if !(0.0..=max_pixel).contains(&value) {
                return Err(line_error(format!("column {column}: pixel value {field} is outside 0..={max_pixel}")));
            }
            pixels.push(value / max_pixel);
        }
        let field = fields.next().unwrap_or("");
        let label = parse_label(field)
            .ok_or_else(|| line_error(format!("column {}: label {} is not an integer 0..9", dim + 1, quote(field))))?;
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(DataError::Empty { file: source.to_string() });
    }
    let name = source.strip_suffix(".gz").unwrap_or(source);
    let name = name.strip_suffix(".csv").unwrap_or(name);
    Ok(ImageSet { name: name.to_string(), width, height, pixels, labels })
}

/// A label field as a digit: `7` or an integral decimal such as `7.0`.
fn parse_label(field: &str) -> Option<u8> {
    if let Ok(label) = field.parse::<u8>() {
        return (label <= 9).then_some(label);
    }
    let value: f64 = field.parse().ok()?;
    let digits = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    digits.iter().position(|&d| d == value).and_then(|i| u8::try_from(i).ok())
}

/// `field` in single quotes, cut to [`MAX_QUOTED_FIELD_CHARS`] characters.
fn quote(field: &str) -> String {
    if field.chars().count() > MAX_QUOTED_FIELD_CHARS {
        let cut: String = field.chars().take(MAX_QUOTED_FIELD_CHARS).collect();
        format!("'{cut}…'")
    } else {
        format!("'{field}'")
    }
}

/// Reads and parses the CSV image file at `path` (see [`parse_csv_images`]).
/// A read failure is [`DataError::Io`] with the path; other messages name the
/// file by its file name.
pub fn load_csv_images(path: &Path, width: usize, height: usize, max_pixel: f32) -> Result<ImageSet, DataError> {
    let bytes = read_file(path)?;
    parse_csv_images(&bytes, &display_name(path), width, height, max_pixel)
}

/// The built-in MNIST-5k set (28x28, pixels 0..255, 5000 rows) from the bytes
/// of `mnist_5k.csv.gz` (gzipped or plain); named `MNIST-5k`.
pub fn mnist5k_from_bytes(bytes: &[u8]) -> Result<ImageSet, DataError> {
    let mut set = parse_csv_images(bytes, "mnist_5k.csv.gz", 28, 28, 255.0)?;
    set.name = "MNIST-5k".to_string();
    Ok(set)
}

/// The built-in UCI digits set (8x8, pixels 0..16, 1797 rows) from the bytes
/// of `digits.csv.gz` (gzipped or plain); named `UCI digits 8x8`.
pub fn digits_from_bytes(bytes: &[u8]) -> Result<ImageSet, DataError> {
    let mut set = parse_csv_images(bytes, "digits.csv.gz", 8, 8, 16.0)?;
    set.name = "UCI digits 8x8".to_string();
    Ok(set)
}

// ---------------------------------------------------------------------------
// IDX
// ---------------------------------------------------------------------------

/// Magic number of an IDX image file (unsigned bytes, 3 dimensions).
const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX label file (unsigned bytes, 1 dimension).
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
/// Largest accepted `rows * cols` for one image.
const MAX_IMAGE_PIXELS: usize = 4096 * 4096;

/// The big-endian `u32` at byte `offset` of `bytes`, if there are four bytes there.
fn be_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let four = bytes.get(offset..end)?;
    <[u8; 4]>::try_from(four).ok().map(u32::from_be_bytes)
}

/// What an IDX magic number stands for, for messages about the wrong kind of file.
fn describe_magic(magic: u32) -> String {
    match magic {
        IDX_IMAGES_MAGIC => "an image file".to_string(),
        IDX_LABELS_MAGIC => "a label file".to_string(),
        _ => "not an MNIST IDX file".to_string(),
    }
}

/// Parses an IDX image file (gunzipping first when it starts with the gzip
/// magic); `source` is the file name used in messages. Returns
/// `(count, rows, cols, pixels)` with `count * rows * cols` pixels.
///
/// Errors are [`DataError::Format`] (too short, wrong magic, zero or absurd
/// image size, truncated data, trailing bytes, corrupt gzip) or
/// [`DataError::Empty`] for a file of zero images.
///
/// Memory: for plain bytes, the returned pixels (never more than `bytes.len()`); for gzip,
/// at most `3 × (16 + b + 1)` where `b` is the smaller of what the header promises (capped at
/// [`MAX_IDX_BYTES`]) and what the stream holds: the inflated bytes, in a buffer grown by
/// doubling (`2×`, `3×` while it moves) and the returned copy; plus [`IDX_READ_OVERHEAD`]. Nothing the file says sizes an allocation
/// before its bytes arrive. Checked by the property tests (tests/data_properties.rs).
pub fn parse_idx_images(bytes: &[u8], source: &str) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    let format_error = |message: String| DataError::Format { file: source.to_string(), message };
    // The header's promise (count × rows × cols bytes) bounds the decompression; the checks
    // below report what is wrong with the header itself.
    let promised = |h: &[u8]| -> Option<usize> {
        let (magic, count, rows, cols) = (be_u32(h, 0)?, be_u32(h, 4)?, be_u32(h, 8)?, be_u32(h, 12)?);
        let dim = (rows as usize).checked_mul(cols as usize).filter(|d| (1..=MAX_IMAGE_PIXELS).contains(d))?;
        (magic == IDX_IMAGES_MAGIC).then(|| (count as usize).saturating_mul(dim))
    };
    let data = idx_bytes(bytes, source, 16, promised)?;
    let too_short =
        || format_error(format!("too short for an IDX image header (16 bytes), file has {} bytes", data.len()));
    let magic = be_u32(&data, 0).ok_or_else(too_short)?;
    if magic != IDX_IMAGES_MAGIC {
        return Err(format_error(format!(
            "magic 0x{magic:08x} is {}, expected an image file (0x{IDX_IMAGES_MAGIC:08x})",
            describe_magic(magic)
        )));
    }
    let (Some(count), Some(rows), Some(cols)) = (be_u32(&data, 4), be_u32(&data, 8), be_u32(&data, 12)) else {
        return Err(too_short());
    };
    let (count, rows, cols) = (count as usize, rows as usize, cols as usize);
    if rows == 0 || cols == 0 {
        return Err(format_error(format!("image size {rows}x{cols} is invalid (both sides must be at least 1)")));
    }
    let dim = rows.checked_mul(cols).filter(|&d| d <= MAX_IMAGE_PIXELS).ok_or_else(|| {
        format_error(format!("image size {rows}x{cols} is too large (at most {MAX_IMAGE_PIXELS} pixels)"))
    })?;
    let body = data.get(16..).unwrap_or_default();
    let expected = count
        .checked_mul(dim)
        .ok_or_else(|| format_error(format!("header says {count} images of {rows}x{cols}, which is too large")))?;
    if body.len() < expected {
        return Err(format_error(format!(
            "truncated: header says {count} images of {rows}x{cols} = {expected} bytes, file has {}",
            body.len()
        )));
    }
    if body.len() > expected {
        return Err(format_error(format!(
            "header says {count} images of {rows}x{cols} = {expected} bytes, file has {} ({} trailing bytes)",
            body.len(),
            body.len() - expected
        )));
    }
    if count == 0 {
        return Err(DataError::Empty { file: source.to_string() });
    }
    Ok((count, rows, cols, body.to_vec()))
}

/// Parses an IDX label file (gunzipping first when it starts with the gzip
/// magic); `source` is the file name used in messages. Every label must be `0..=9`.
///
/// Errors are [`DataError::Format`] (too short, wrong magic, truncated data,
/// trailing bytes, a label above 9, corrupt gzip) or [`DataError::Empty`] for a
/// file of zero labels.
///
/// Memory: as for [`parse_idx_images`], `3 × (8 + b + 1)` with `b` the smaller of the label
/// count and what the stream holds, plus [`IDX_READ_OVERHEAD`].
pub fn parse_idx_labels(bytes: &[u8], source: &str) -> Result<Vec<u8>, DataError> {
    let format_error = |message: String| DataError::Format { file: source.to_string(), message };
    let promised = |h: &[u8]| -> Option<usize> {
        match (be_u32(h, 0)?, be_u32(h, 4)?) {
            (IDX_LABELS_MAGIC, count) => Some(count as usize),
            _ => None,
        }
    };
    let data = idx_bytes(bytes, source, 8, promised)?;
    let too_short =
        || format_error(format!("too short for an IDX label header (8 bytes), file has {} bytes", data.len()));
    let magic = be_u32(&data, 0).ok_or_else(too_short)?;
    if magic != IDX_LABELS_MAGIC {
        return Err(format_error(format!(
            "magic 0x{magic:08x} is {}, expected a label file (0x{IDX_LABELS_MAGIC:08x})",
            describe_magic(magic)
        )));
    }
    let count = be_u32(&data, 4).ok_or_else(too_short)? as usize;
    let body = data.get(8..).unwrap_or_default();
    if body.len() < count {
        return Err(format_error(format!(
            "truncated: header says {count} labels = {count} bytes, file has {}",
            body.len()
        )));
    }
    if body.len() > count {
        return Err(format_error(format!(
            "header says {count} labels = {count} bytes, file has {} ({} trailing bytes)",
            body.len(),
            body.len() - count
        )));
    }
    if let Some((index, label)) = body.iter().enumerate().find(|(_, &label)| label > 9) {
        return Err(format_error(format!("label {label} at index {index} is not a digit 0..9")));
    }
    if count == 0 {
        return Err(DataError::Empty { file: source.to_string() });
    }
    Ok(body.to_vec())
}

/// The four IDX files of a folder, by their standard (plain) names.
const IDX_FILES: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// The file in `dir` standing for the standard IDX name `standard`: the plain
/// file, the `.gz` one, or the dotted variant (`train-images.idx3-ubyte`),
/// plain or `.gz`, tried in that order.
fn find_idx_file(dir: &Path, standard: &str) -> Option<PathBuf> {
    let dotted = standard.replacen("-idx", ".idx", 1);
    [standard.to_string(), format!("{standard}.gz"), dotted.clone(), format!("{dotted}.gz")]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Loads the MNIST-style IDX folder `dir`: `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each plain or `.gz` (the dotted
/// `train-images.idx3-ubyte` spellings are accepted too; a plain file is
/// preferred over a `.gz` one). Pixels are divided by 255; both sets are named
/// after the folder.
///
/// Errors: [`DataError::Io`] if the folder or a file cannot be read;
/// [`DataError::Format`] naming the folder if files are missing (all missing
/// ones are listed), if image and label counts differ, or if train and test
/// images differ in size; the errors of [`parse_idx_images`] and
/// [`parse_idx_labels`] naming the bad file.
pub fn load_idx_dir(dir: &Path) -> Result<Split, DataError> {
    std::fs::read_dir(dir).map_err(|error| DataError::Io { path: dir.to_path_buf(), error })?;
    let dir_name = folder_name(dir);
    let found: Vec<Option<PathBuf>> = IDX_FILES.iter().map(|name| find_idx_file(dir, name)).collect();
    let missing: Vec<String> = IDX_FILES
        .iter()
        .zip(&found)
        .filter(|(_, path)| path.is_none())
        .map(|(name, _)| format!("{name}[.gz]"))
        .collect();
    let [Some(train_images), Some(train_labels), Some(test_images), Some(test_labels)] = found.as_slice() else {
        return Err(DataError::Format {
            file: dir_name,
            message: format!(
                "missing {} (an IDX folder needs train-images-idx3-ubyte, train-labels-idx1-ubyte, \
                 t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzipped or not)",
                join_and(&missing)
            ),
        });
    };
    let train = load_idx_pair(&dir_name, train_images, train_labels)?;
    let test = load_idx_pair(&dir_name, test_images, test_labels)?;
    if (train.width, train.height) != (test.width, test.height) {
        return Err(DataError::Format {
            file: dir_name,
            message: format!(
                "train images ({}) are {}x{} but test images ({}) are {}x{}",
                display_name(train_images),
                train.height,
                train.width,
                display_name(test_images),
                test.height,
                test.width
            ),
        });
    }
    Ok(Split { train, test })
}

/// One image file and its label file as an [`ImageSet`] named `dir_name`.
fn load_idx_pair(dir_name: &str, images_path: &Path, labels_path: &Path) -> Result<ImageSet, DataError> {
    let images_name = display_name(images_path);
    let labels_name = display_name(labels_path);
    let (count, rows, cols, raw) = parse_idx_images(&read_file(images_path)?, &images_name)?;
    let labels = parse_idx_labels(&read_file(labels_path)?, &labels_name)?;
    if labels.len() != count {
        return Err(DataError::Format {
            file: dir_name.to_string(),
            message: format!("{images_name} has {count} images but {labels_name} has {} labels", labels.len()),
        });
    }
    let pixels: Vec<f32> = raw.iter().map(|&p| f32::from(p) / 255.0).collect();
    Ok(ImageSet { name: dir_name.to_string(), width: cols, height: rows, pixels, labels })
}

/// Writes an IDX image file: `pixels.len() / (rows * cols)` images of
/// `rows` x `cols`; gzipped when `path` ends in `.gz`. Fails with
/// `InvalidInput` if a side is zero or too large for the format, or if
/// `pixels` is not a whole number of images.
pub fn write_idx_images(path: &Path, rows: usize, cols: usize, pixels: &[u8]) -> std::io::Result<()> {
    let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
    let dim =
        rows.checked_mul(cols).filter(|&d| d > 0).ok_or_else(|| invalid(format!("bad image size {rows}x{cols}")))?;
    if !pixels.len().is_multiple_of(dim) {
        return Err(invalid(format!("{} pixels is not a whole number of {rows}x{cols} images", pixels.len())));
    }
    let to_u32 = |n: usize| u32::try_from(n).map_err(|_| invalid(format!("{n} does not fit an IDX header")));
    let mut header = Vec::with_capacity(16);
    for field in [IDX_IMAGES_MAGIC, to_u32(pixels.len() / dim)?, to_u32(rows)?, to_u32(cols)?] {
        header.extend_from_slice(&field.to_be_bytes());
    }
    write_maybe_gzipped(path, &header, pixels)
}

/// Writes an IDX label file holding `labels`; gzipped when `path` ends in
/// `.gz`. Labels are written as given (no 0..9 check).
pub fn write_idx_labels(path: &Path, labels: &[u8]) -> std::io::Result<()> {
    let count = u32::try_from(labels.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} labels do not fit an IDX header", labels.len()),
        )
    })?;
    let mut header = Vec::with_capacity(8);
    header.extend_from_slice(&IDX_LABELS_MAGIC.to_be_bytes());
    header.extend_from_slice(&count.to_be_bytes());
    write_maybe_gzipped(path, &header, labels)
}

/// Writes `header` then `body` to `path`, gzipped when the path ends in `.gz`.
fn write_maybe_gzipped(path: &Path, header: &[u8], body: &[u8]) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    if path.extension().is_some_and(|ext| ext == "gz") {
        let mut out = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        out.write_all(header)?;
        out.write_all(body)?;
        out.finish()?.flush()
    } else {
        let mut out = file;
        out.write_all(header)?;
        out.write_all(body)?;
        out.flush()
    }
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/// The whole file at `path`, or [`DataError::Io`] naming the path.
fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|error| DataError::Io { path: path.to_path_buf(), error })
}

/// The name used for `path` in messages: its file name, or the whole path if
/// it has none.
fn display_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// The name of folder `dir` (resolving `.` and the like), or the path as given.
fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .or_else(|| dir.canonicalize().ok()?.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Directory of the real data files shipped with the project.
    const SHARED_DATA: &str = "/work/shared/data";
    /// Where `apt-get install dataset-fashion-mnist` puts Fashion-MNIST.
    const FASHION_DIR: &str = "/usr/share/datasets/fashion-mnist";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn read_shared(name: &str) -> Vec<u8> {
        let path = Path::new(SHARED_DATA).join(name);
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e} (the real data file must exist)", path.display()))
    }

    /// A gzip IDX file is inflated only as far as its header promises: 10 labels followed by
    /// 64 MB of zeros (about 64 kB compressed) is refused once it passes the 10 bytes (before,
    /// all 64 MB were inflated to count the trailing bytes). A header that promises more than
    /// the cap is refused before its data is inflated.
    #[test]
    fn gzip_idx_is_inflated_only_as_far_as_its_header_promises() {
        let mut bomb = Vec::new();
        bomb.extend(0x801u32.to_be_bytes());
        bomb.extend(10u32.to_be_bytes());
        bomb.resize(8 + (64 << 20), 0);
        let err = message(&parse_idx_labels(&gzip(&bomb), "bomb.gz").unwrap_err());
        assert!(err.contains("promises 10 bytes") && err.contains("decompresses to more"), "{err}");
        let mut big = Vec::new();
        for word in [0x803u32, 100_000, 100, 200] {
            big.extend(word.to_be_bytes());
        }
        let err = message(&parse_idx_images(&gzip(&big), "big.gz").unwrap_err());
        assert!(err.contains(&format!("more than the {MAX_IDX_BYTES}")), "{err}");
        // A gzip CSV is bounded by its own cap the same way.
        let mut rest = Vec::new();
        let mut too_long = std::io::repeat(b'0').take(MAX_CSV_BYTES as u64 + 10);
        let err = read_at_most(&mut too_long, &mut rest, MAX_CSV_BYTES, "x.csv.gz").unwrap_err();
        assert!(message(&err).contains("more than"), "{}", message(&err));
        assert_eq!(rest.len(), MAX_CSV_BYTES + 1, "it stopped one byte past the cap");
    }

    fn counts_per_label(labels: &[u8]) -> [usize; 10] {
        let mut counts = [0; 10];
        for &l in labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }

    fn message(err: &DataError) -> String {
        err.to_string()
    }

    // A tiny IDX folder: 3 train and 2 test images of 2x3.
    fn train_pixels() -> Vec<u8> {
        (0..18).map(|i| (i * 14) as u8).collect()
    }
    fn test_pixels() -> Vec<u8> {
        vec![255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 128]
    }

    fn write_idx_folder(dir: &Path, gz: bool) {
        let ext = if gz { ".gz" } else { "" };
        write_idx_images(&dir.join(format!("train-images-idx3-ubyte{ext}")), 2, 3, &train_pixels()).unwrap();
        write_idx_labels(&dir.join(format!("train-labels-idx1-ubyte{ext}")), &[0, 9, 4]).unwrap();
        write_idx_images(&dir.join(format!("t10k-images-idx3-ubyte{ext}")), 2, 3, &test_pixels()).unwrap();
        write_idx_labels(&dir.join(format!("t10k-labels-idx1-ubyte{ext}")), &[7, 1]).unwrap();
    }

    fn idx_image_bytes(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for f in [IDX_IMAGES_MAGIC, count, rows, cols] {
            bytes.extend_from_slice(&f.to_be_bytes());
        }
        bytes.extend_from_slice(pixels);
        bytes
    }

    fn idx_label_bytes(count: u32, labels: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for f in [IDX_LABELS_MAGIC, count] {
            bytes.extend_from_slice(&f.to_be_bytes());
        }
        bytes.extend_from_slice(labels);
        bytes
    }

    // ---- ImageSet ----

    #[test]
    fn image_set_accessors_and_subset() {
        let set = ImageSet {
            name: "t".into(),
            width: 2,
            height: 1,
            pixels: vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
            labels: vec![3, 4, 5],
        };
        assert_eq!((set.len(), set.dim(), set.is_empty()), (3, 2, false));
        assert_eq!(set.image(1), Some(&[0.2, 0.3][..]));
        assert_eq!(set.image(3), None);
        let sub = set.subset(&[2, 99, 0, 2]);
        assert_eq!(sub.labels, vec![5, 3, 5]);
        assert_eq!(sub.pixels, vec![0.4, 0.5, 0.0, 0.1, 0.4, 0.5]);
        assert!(set.subset(&[]).is_empty());
    }

    // ---- IDX ----

    #[test]
    fn idx_round_trip_plain_and_gzipped() {
        for gz in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let folder = dir.path().join("tiny-mnist");
            std::fs::create_dir(&folder).unwrap();
            write_idx_folder(&folder, gz);
            let split = load_idx_dir(&folder).unwrap();
            let scaled = |p: &[u8]| p.iter().map(|&v| v as f32 / 255.0).collect::<Vec<f32>>();
            assert_eq!(
                split.train,
                ImageSet {
                    name: "tiny-mnist".into(),
                    width: 3,
                    height: 2,
                    pixels: scaled(&train_pixels()),
                    labels: vec![0, 9, 4]
                },
                "gz = {gz}"
            );
            assert_eq!(
                split.test,
                ImageSet {
                    name: "tiny-mnist".into(),
                    width: 3,
                    height: 2,
                    pixels: scaled(&test_pixels()),
                    labels: vec![7, 1]
                },
                "gz = {gz}"
            );
            // The raw parsers give back exactly what was written.
            let ext = if gz { ".gz" } else { "" };
            let raw = std::fs::read(folder.join(format!("train-images-idx3-ubyte{ext}"))).unwrap();
            assert_eq!(raw.starts_with(&GZIP_MAGIC), gz);
            assert_eq!(parse_idx_images(&raw, "x").unwrap(), (3, 2, 3, train_pixels()));
        }
    }

    #[test]
    fn idx_dotted_file_names_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write_idx_images(&d.join("train-images.idx3-ubyte"), 2, 3, &train_pixels()).unwrap();
        write_idx_labels(&d.join("train-labels.idx1-ubyte.gz"), &[0, 9, 4]).unwrap();
        write_idx_images(&d.join("t10k-images.idx3-ubyte"), 2, 3, &test_pixels()).unwrap();
        write_idx_labels(&d.join("t10k-labels.idx1-ubyte"), &[7, 1]).unwrap();
        let split = load_idx_dir(d).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (3, 2));
    }

    #[test]
    fn idx_truncated_image_file() {
        let bytes = idx_image_bytes(10, 28, 28, &vec![0; 7839]);
        let err = parse_idx_images(&bytes, "train-images-idx3-ubyte").unwrap_err();
        assert!(matches!(err, DataError::Format { .. }), "{err:?}");
        assert_eq!(
            message(&err),
            "train-images-idx3-ubyte: truncated: header says 10 images of 28x28 = 7840 bytes, file has 7839"
        );
        // Cut inside the header.
        let err = parse_idx_images(&bytes[..10], "a.idx").unwrap_err();
        assert_eq!(message(&err), "a.idx: too short for an IDX image header (16 bytes), file has 10 bytes");
        let err = parse_idx_images(&[], "a.idx").unwrap_err();
        assert!(message(&err).starts_with("a.idx: too short"), "{err}");
        // Truncated labels.
        let err = parse_idx_labels(&idx_label_bytes(5, &[1, 2]), "l.idx").unwrap_err();
        assert_eq!(message(&err), "l.idx: truncated: header says 5 labels = 5 bytes, file has 2");
        // A truncated gzip stream is an error too, not a short file.
        let gz = gzip(&idx_image_bytes(2, 2, 2, &[1; 8]));
        let err = parse_idx_images(&gz[..gz.len() - 6], "cut.gz").unwrap_err();
        assert!(message(&err).starts_with("cut.gz: not a valid gzip file"), "{err}");
    }

    #[test]
    fn idx_trailing_bytes_are_an_error() {
        let err = parse_idx_images(&idx_image_bytes(2, 2, 2, &[0; 9]), "img").unwrap_err();
        assert_eq!(message(&err), "img: header says 2 images of 2x2 = 8 bytes, file has 9 (1 trailing bytes)");
        let err = parse_idx_labels(&idx_label_bytes(2, &[1, 2, 3, 4]), "lab").unwrap_err();
        assert_eq!(message(&err), "lab: header says 2 labels = 2 bytes, file has 4 (2 trailing bytes)");
    }

    #[test]
    fn idx_mislabelled_files_name_what_they_are() {
        let labels = idx_label_bytes(2, &[1, 2]);
        let err = parse_idx_images(&labels, "train-images-idx3-ubyte").unwrap_err();
        assert_eq!(
            message(&err),
            "train-images-idx3-ubyte: magic 0x00000801 is a label file, expected an image file (0x00000803)"
        );
        let images = idx_image_bytes(1, 1, 1, &[0]);
        let err = parse_idx_labels(&images, "train-labels-idx1-ubyte").unwrap_err();
        assert_eq!(
            message(&err),
            "train-labels-idx1-ubyte: magic 0x00000803 is an image file, expected a label file (0x00000801)"
        );
        let err = parse_idx_images(b"PK\x03\x04 not idx at all", "x.zip").unwrap_err();
        assert_eq!(
            message(&err),
            "x.zip: magic 0x504b0304 is not an MNIST IDX file, expected an image file (0x00000803)"
        );

        // Swapped inside a folder: the folder loader reports the bad file.
        let dir = tempfile::tempdir().unwrap();
        write_idx_folder(dir.path(), false);
        std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), idx_label_bytes(2, &[7, 1])).unwrap();
        let err = load_idx_dir(dir.path()).unwrap_err();
        assert_eq!(
            message(&err),
            "t10k-images-idx3-ubyte: magic 0x00000801 is a label file, expected an image file (0x00000803)"
        );
    }

    #[test]
    fn idx_label_ten_is_rejected_with_its_index() {
        let err = parse_idx_labels(&idx_label_bytes(4, &[0, 9, 3, 10]), "t10k-labels-idx1-ubyte").unwrap_err();
        assert!(matches!(err, DataError::Format { .. }));
        assert_eq!(message(&err), "t10k-labels-idx1-ubyte: label 10 at index 3 is not a digit 0..9");
    }

    #[test]
    fn idx_zero_absurd_and_empty_sizes() {
        let err = parse_idx_images(&idx_image_bytes(0, 0, 28, &[]), "z").unwrap_err();
        assert_eq!(message(&err), "z: image size 0x28 is invalid (both sides must be at least 1)");
        let err = parse_idx_images(&idx_image_bytes(1, 5000, 5000, &[]), "big").unwrap_err();
        assert_eq!(message(&err), "big: image size 5000x5000 is too large (at most 16777216 pixels)");
        let err = parse_idx_images(&idx_image_bytes(0, 28, 28, &[]), "none").unwrap_err();
        assert!(matches!(err, DataError::Empty { ref file } if file == "none"), "{err:?}");
        let err = parse_idx_labels(&idx_label_bytes(0, &[]), "nolabels").unwrap_err();
        assert!(matches!(err, DataError::Empty { .. }), "{err:?}");
        // A huge count with tiny data is "truncated", without allocating.
        let err = parse_idx_images(&idx_image_bytes(u32::MAX, 4096, 4096, &[1, 2]), "huge").unwrap_err();
        assert!(message(&err).starts_with("huge: "), "{err}");
    }

    #[test]
    fn idx_count_mismatch_names_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("mnist");
        std::fs::create_dir(&folder).unwrap();
        write_idx_folder(&folder, true);
        write_idx_labels(&folder.join("train-labels-idx1-ubyte.gz"), &[0, 9]).unwrap();
        let err = load_idx_dir(&folder).unwrap_err();
        assert!(matches!(err, DataError::Format { ref file, .. } if file == "mnist"), "{err:?}");
        assert_eq!(
            message(&err),
            "mnist: train-images-idx3-ubyte.gz has 3 images but train-labels-idx1-ubyte.gz has 2 labels"
        );
    }

    #[test]
    fn idx_train_and_test_sizes_must_agree() {
        let dir = tempfile::tempdir().unwrap();
        write_idx_folder(dir.path(), false);
        write_idx_images(&dir.path().join("t10k-images-idx3-ubyte"), 3, 2, &test_pixels()).unwrap();
        let err = load_idx_dir(dir.path()).unwrap_err();
        assert!(
            message(&err).contains(
                "train images (train-images-idx3-ubyte) are 2x3 but test images (t10k-images-idx3-ubyte) are 3x2"
            ),
            "{err}"
        );
    }

    #[test]
    fn idx_folder_missing_one_file_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("fashion");
        std::fs::create_dir(&folder).unwrap();
        write_idx_folder(&folder, true);
        std::fs::remove_file(folder.join("t10k-labels-idx1-ubyte.gz")).unwrap();
        let err = load_idx_dir(&folder).unwrap_err();
        assert!(matches!(err, DataError::Format { ref file, .. } if file == "fashion"), "{err:?}");
        assert_eq!(
            message(&err),
            "fashion: missing t10k-labels-idx1-ubyte[.gz] (an IDX folder needs train-images-idx3-ubyte, \
             train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzipped or not)"
        );
    }

    #[test]
    fn idx_folder_missing_all_files_names_each() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("empty");
        std::fs::create_dir(&folder).unwrap();
        let err = load_idx_dir(&folder).unwrap_err();
        let text = message(&err);
        assert!(
            text.starts_with(
                "empty: missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], \
                 t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] ("
            ),
            "{text}"
        );
    }

    #[test]
    fn idx_non_existent_folder_is_io_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder");
        let err = load_idx_dir(&missing).unwrap_err();
        assert!(matches!(err, DataError::Io { ref path, .. } if path == &missing), "{err:?}");
        assert!(message(&err).contains(&missing.display().to_string()), "{err}");
        // A file where a folder is expected is an Io error as well.
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(load_idx_dir(&file), Err(DataError::Io { .. })));
    }

    #[test]
    fn idx_writers_reject_bad_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        assert_eq!(write_idx_images(&p, 2, 2, &[0; 5]).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(write_idx_images(&p, 0, 2, &[]).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn fashion_mnist_loads_from_the_debian_package() {
        let dir = Path::new(FASHION_DIR);
        assert!(dir.is_dir(), "{FASHION_DIR} is missing: run `apt-get install dataset-fashion-mnist` (CI installs it)");
        let split = load_idx_dir(dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((split.train.len(), split.test.len()), (60000, 10000));
        for set in [&split.train, &split.test] {
            assert_eq!((set.width, set.height), (28, 28));
            assert_eq!(set.pixels.len(), set.len() * 784);
            assert!(set.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
            assert_eq!(set.name, "fashion-mnist");
        }
        assert_eq!(counts_per_label(&split.train.labels), [6000; 10]);
        assert_eq!(counts_per_label(&split.test.labels), [1000; 10]);
        assert_eq!(split.train.pixels.iter().copied().fold(0.0, f32::max), 1.0);
    }

    // ---- CSV ----

    #[test]
    fn csv_parses_small_plain_file() {
        let text = "0,255,128,1\n16, 0.5 ,0,9\n\n\n";
        let set = parse_csv_images(text.as_bytes(), "tiny.csv", 3, 1, 255.0).unwrap();
        assert_eq!(set.name, "tiny");
        assert_eq!((set.width, set.height, set.len()), (3, 1, 2));
        assert_eq!(set.labels, vec![1, 9]);
        assert_eq!(set.pixels, vec![0.0, 1.0, 128.0 / 255.0, 16.0 / 255.0, 0.5 / 255.0, 0.0]);
        // CRLF line ends and a 7.0-style label are fine.
        let set = parse_csv_images(b"1,2,3,7.0\r\n", "crlf.csv", 3, 1, 16.0).unwrap();
        assert_eq!(set.labels, vec![7]);
    }

    #[test]
    fn csv_wrong_column_count_names_file_and_line() {
        let mut text = String::new();
        for _ in 0..4 {
            text.push_str(&vec!["0"; 785].join(","));
            text.push('\n');
        }
        text.push_str("1,2,3\n");
        let err = parse_csv_images(text.as_bytes(), "mnist.csv", 28, 28, 255.0).unwrap_err();
        assert!(matches!(err, DataError::Line { line: 5, .. }), "{err:?}");
        assert_eq!(message(&err), "mnist.csv line 5: expected 785 columns (784 pixels and a label), found 3");
    }

    #[test]
    fn csv_bad_label() {
        for (label, line) in [("10", "1,2,10"), ("3.5", "1,2,3.5"), ("-1", "1,2,-1"), ("x", "1,2,x"), ("", "1,2,")] {
            let text = format!("0,0,0\n{line}\n");
            let err = parse_csv_images(text.as_bytes(), "d.csv", 2, 1, 16.0).unwrap_err();
            assert_eq!(message(&err), format!("d.csv line 2: column 3: label '{label}' is not an integer 0..9"));
        }
    }

    #[test]
    fn csv_pixel_out_of_range_or_not_a_number() {
        let err = parse_csv_images(b"0,17,3\n", "digits.csv", 2, 1, 16.0).unwrap_err();
        assert_eq!(message(&err), "digits.csv line 1: column 2: pixel value 17 is outside 0..=16");
        let err = parse_csv_images(b"-0.5,1,3\n", "digits.csv", 2, 1, 16.0).unwrap_err();
        assert_eq!(message(&err), "digits.csv line 1: column 1: pixel value -0.5 is outside 0..=16");
        let err = parse_csv_images(b"NaN,1,3\n", "digits.csv", 2, 1, 16.0).unwrap_err();
        assert_eq!(message(&err), "digits.csv line 1: column 1: pixel value NaN is outside 0..=16");
        let err = parse_csv_images(b"1,abc,3\n", "digits.csv", 2, 1, 16.0).unwrap_err();
        assert_eq!(message(&err), "digits.csv line 1: column 2: pixel 'abc' is not a number");
    }

    #[test]
    fn csv_empty_corrupt_and_bad_arguments() {
        for input in [&b""[..], b"\n\n  \n"] {
            let err = parse_csv_images(input, "e.csv", 2, 1, 1.0).unwrap_err();
            assert!(matches!(err, DataError::Empty { ref file } if file == "e.csv"), "{err:?}");
        }
        let err = parse_csv_images(&gzip(b""), "e.csv.gz", 2, 1, 1.0).unwrap_err();
        assert!(matches!(err, DataError::Empty { .. }), "{err:?}");
        let mut corrupt = gzip(b"0,0,1\n0,0,2\n");
        let n = corrupt.len();
        corrupt[n / 2] ^= 0xff;
        corrupt[n / 2 + 1] ^= 0x55;
        let err = parse_csv_images(&corrupt, "c.csv.gz", 2, 1, 1.0).unwrap_err();
        assert!(matches!(err, DataError::Format { ref file, .. } if file == "c.csv.gz"), "{err:?}");
        assert!(message(&err).starts_with("c.csv.gz: not a valid gzip file"), "{err}");
        let err = parse_csv_images(b"\xff,0,0\n", "u.csv", 2, 1, 1.0).unwrap_err();
        assert_eq!(message(&err), "u.csv line 1: line is not UTF-8 text");
        assert!(matches!(parse_csv_images(b"0,1", "a.csv", 0, 1, 1.0), Err(DataError::Format { .. })));
        assert!(matches!(parse_csv_images(b"0,1", "a.csv", 1, 1, 0.0), Err(DataError::Format { .. })));
    }

    #[test]
    fn csv_gzip_and_plain_give_the_same_set() {
        let text = "0,1,2,3,4\n4,3,2,1,0\n";
        let plain = parse_csv_images(text.as_bytes(), "s.csv", 2, 2, 4.0).unwrap();
        let zipped = parse_csv_images(&gzip(text.as_bytes()), "s.csv", 2, 2, 4.0).unwrap();
        assert_eq!(plain, zipped);
        // Concatenated gzip members are all read (nothing silently dropped).
        let mut two = gzip(b"0,1,2,3,4\n");
        two.extend(gzip(b"4,3,2,1,0\n"));
        assert_eq!(parse_csv_images(&two, "s.csv", 2, 2, 4.0).unwrap(), plain);
        // And on disk, through load_csv_images.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv.gz");
        std::fs::write(&path, gzip(text.as_bytes())).unwrap();
        let loaded = load_csv_images(&path, 2, 2, 4.0).unwrap();
        assert_eq!((loaded.name.as_str(), &loaded.pixels, &loaded.labels), ("s", &plain.pixels, &plain.labels));
        let missing = dir.path().join("nope.csv");
        assert!(
            matches!(load_csv_images(&missing, 2, 2, 4.0), Err(DataError::Io { ref path, .. }) if path == &missing)
        );
    }

    #[test]
    fn real_mnist_5k_file() {
        let bytes = read_shared("mnist_5k.csv.gz");
        let set = mnist5k_from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.name, "MNIST-5k");
        assert_eq!((set.width, set.height, set.len(), set.dim()), (28, 28, 5000, 784));
        assert_eq!(set.pixels.len(), 5000 * 784);
        assert_eq!(counts_per_label(&set.labels), [500; 10]);
        assert!(set.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        assert_eq!(set.pixels.iter().copied().fold(0.0, f32::max), 1.0);
        // Most images use the full range.
        let full = (0..set.len()).filter(|&i| set.image(i).unwrap().contains(&1.0)).count();
        assert!(full > 2500, "{full}");
    }

    #[test]
    fn real_digits_file() {
        let bytes = read_shared("digits.csv.gz");
        let set = digits_from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.name, "UCI digits 8x8");
        assert_eq!((set.width, set.height, set.len()), (8, 8, 1797));
        assert_eq!(set.pixels.len(), 1797 * 64);
        let counts = counts_per_label(&set.labels);
        assert_eq!(counts.iter().sum::<usize>(), 1797);
        assert!(counts.iter().all(|&c| (170..=190).contains(&c)), "{counts:?}");
        assert!(set.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        assert_eq!(set.pixels.iter().copied().fold(0.0, f32::max), 1.0);
    }

    // ---- split ----

    /// 5000 one-pixel images whose pixel encodes the index.
    fn indexed_set(n: usize) -> ImageSet {
        ImageSet {
            name: "idx".into(),
            width: 1,
            height: 1,
            pixels: (0..n).map(|i| i as f32).collect(),
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
        }
    }

    #[test]
    fn split_sizes_disjoint_and_complete() {
        let set = indexed_set(5000);
        let s = split(&set, 42);
        assert_eq!((s.train.len(), s.test.len()), (4250, 750));
        assert_eq!(s.train.name, "idx");
        let mut seen: Vec<usize> = s.train.pixels.iter().chain(&s.test.pixels).map(|&p| p as usize).collect();
        // Labels still match their images.
        for part in [&s.train, &s.test] {
            for (p, l) in part.pixels.iter().zip(&part.labels) {
                assert_eq!((*p as usize % 10) as u8, *l);
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..5000).collect::<Vec<_>>(), "every index exactly once");
        // The permutation is not the identity.
        let (train, _) = split_indices(5000, 42);
        assert_ne!(train, (0..4250).collect::<Vec<_>>());
    }

    #[test]
    fn split_is_reproducible_per_seed() {
        let set = indexed_set(5000);
        assert_eq!(split(&set, 7), split(&set, 7));
        assert_ne!(split(&set, 7), split(&set, 8));
    }

    #[test]
    fn split_train_size_is_floor_of_85_percent() {
        for n in 0..2000 {
            let (train, test) = split_indices(n, 1);
            assert_eq!(train.len(), n * 85 / 100, "n = {n}");
            assert_eq!(train.len() + test.len(), n);
        }
        let (train, test) = split_indices(1797, 0);
        assert_eq!((train.len(), test.len()), (1527, 270));
    }
}
