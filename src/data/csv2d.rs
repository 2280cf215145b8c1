//! Reading and writing 2-D points as CSV text.
//!
//! Format accepted by [`parse_points`]:
//! - one point per row, exactly two comma-separated numeric columns `x,y`;
//! - surrounding whitespace (and a pair of double quotes) around each field is ignored;
//! - blank lines and lines whose first non-space character is `#` are skipped;
//! - an optional header row is allowed only as the first remaining line, and
//!   only when neither of its two fields parses as a number (e.g. `x,y`);
//! - every value must be a finite number (`NaN`, `inf` are rejected) of magnitude at most
//!   [`MAX_COORDINATE`].
//!
//! Loading is all-or-nothing: the first problem returns an error naming the
//! file and the 1-based line number, and no points are returned.

use std::io::Write;
use std::path::Path;

use crate::data::toy2d::Point2;
use crate::data::DataError;

/// The largest |coordinate| a file may hold. The GAN lab's view box, its grids and the
/// generator's reach are all scaled from the data: points of 10³⁰ trained to a "success"
/// whose every number was meaningless, and near f32's limit (3·10³⁸) the view box overflowed
/// to infinity. Data on a larger scale should be rescaled before it is loaded.
pub const MAX_COORDINATE: f32 = 1e6;

/// The largest points file read, in bytes (64 MiB, about three million points): the file is
/// read whole, so its size bounds the memory; a larger one is refused before it is read to the
/// end.
pub const MAX_POINTS_BYTES: u64 = 64 << 20;

/// Longest field text quoted back in an error message, in characters.
const MAX_QUOTED_FIELD_CHARS: usize = 40;

/// What parsing points may allocate besides the points themselves: an error's message (a
/// quoted field is cut to 40 characters). Part of the memory bound of [`parse_points`].
pub const PARSE_OVERHEAD: usize = 4 << 10;

/// Reads 2-D points from the CSV file at `path` (format in the module docs).
///
/// Messages name the file by its file name only (e.g. `points.csv line 7: …`),
/// except for [`DataError::Io`], which carries the full path as given.
///
/// Memory: at most `8 × (n + 1)` bytes plus [`PARSE_OVERHEAD`], where `n` is the file's size
/// read no further than [`MAX_POINTS_BYTES`]` + 1`: its bytes, in a buffer grown by doubling
/// (`3 n` while the buffer moves, `2 n` after), then the bound of [`parse_points`] on them.
/// Checked by the property tests (tests/data_properties.rs).
pub fn load_points(path: &Path) -> Result<Vec<Point2>, DataError> {
    use std::io::Read as _;
    let io = |error| DataError::Io { path: path.to_path_buf(), error };
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(MAX_POINTS_BYTES + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > MAX_POINTS_BYTES {
        return Err(DataError::Format {
            file: display_name(path),
            message: format!("larger than {} MiB, more than a file of 2-D points may hold", MAX_POINTS_BYTES >> 20),
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| io(std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")))?;
    parse_points(&text, &display_name(path))
}

/// Parses 2-D points from CSV `text` (format in the module docs); `source` is
/// the file name used in error messages.
///
/// Memory: at most `6 × (text.len() + 1)` bytes plus [`PARSE_OVERHEAD`]: a point (8 bytes)
/// takes at least 4 bytes of text (`0,0` and a line break), its vector grows by doubling (old
/// and new blocks live at once while it moves: 24 bytes per point), and a line's fields are
/// counted without being held.
pub fn parse_points(text: &str, source: &str) -> Result<Vec<Point2>, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points = Vec::new();
    let mut header_allowed = true;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Two fields, counted without holding the rest (a long line of commas costs no memory).
        let mut fields = line.split(',');
        let (x_field, y_field) = (fields.next().map(clean_field), fields.next().map(clean_field));
        let extra = fields.count();
        let (Some(x_field), Some(y_field), 0) = (x_field, y_field, extra) else {
            let found = 1 + usize::from(y_field.is_some()) + extra;
            return Err(line_error(source, line_number, format!("expected 2 columns (x,y), found {found}")));
        };
        let is_first_row = header_allowed;
        header_allowed = false;
        if is_first_row && x_field.parse::<f32>().is_err() && y_field.parse::<f32>().is_err() {
            continue;
        }
        let x = parse_finite(x_field, source, line_number)?;
        let y = parse_finite(y_field, source, line_number)?;
        points.push([x, y]);
    }
    if points.is_empty() {
        return Err(DataError::Empty { file: source.to_string() });
    }
    Ok(points)
}

/// Writes `points` to `path` as CSV: a header line `x,y`, then one `x,y` row
/// per point, using Rust's shortest round-trip float formatting (so finite
/// points read back bit-identically with [`load_points`]). Overwrites the file.
pub fn write_points(path: &Path, points: &[Point2]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "x,y")?;
    for [x, y] in points {
        writeln!(out, "{x},{y}")?;
    }
    out.flush()
}

/// The name used for `path` in messages: its file name, or the whole path if
/// it has none.
fn display_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Trims whitespace and one pair of surrounding double quotes from a field.
fn clean_field(field: &str) -> &str {
    let field = field.trim();
    field.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).map(str::trim).unwrap_or(field)
}

/// Parses one field as a finite `f32`, or explains why it is not one.
fn parse_finite(field: &str, source: &str, line_number: usize) -> Result<f32, DataError> {
    match field.parse::<f32>() {
        Ok(value) if value.abs() <= MAX_COORDINATE => Ok(value),
        Ok(value) if value.is_finite() => Err(line_error(
            source,
            line_number,
            format!(
                "'{}' is beyond ±{MAX_COORDINATE:.0e}, the largest coordinate accepted (rescale the data)",
                quoted_field(field)
            ),
        )),
        _ => Err(line_error(source, line_number, format!("'{}' is not a finite number", quoted_field(field)))),
    }
}

/// Shortens a field for quoting in a one-line message.
fn quoted_field(field: &str) -> String {
    if field.chars().count() <= MAX_QUOTED_FIELD_CHARS {
        field.to_string()
    } else {
        let head: String = field.chars().take(MAX_QUOTED_FIELD_CHARS).collect();
        format!("{head}…")
    }
}

/// Builds a [`DataError::Line`].
fn line_error(source: &str, line: usize, message: String) -> DataError {
    DataError::Line { file: source.to_string(), line, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh path in the system temp dir, unique per test and process.
    fn temp_path(test_name: &str, file_name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("latent-lab-csv2d-{}-{}", std::process::id(), test_name));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir.join(file_name)
    }

    fn err_text(text: &str) -> String {
        parse_points(text, "points.csv").expect_err("should fail").to_string()
    }

    #[test]
    fn good_file_with_header_comments_and_blank_lines() {
        let text = "\n# drawn by hand\n  x , y \n\n1,2\n  -3.5 ,\t4e-1  \n# mid comment\n\"5\",\"6\"\r\n7,8\n\n";
        let points = parse_points(text, "points.csv").expect("parses");
        assert_eq!(points, vec![[1.0, 2.0], [-3.5, 0.4], [5.0, 6.0], [7.0, 8.0]]);
    }

    #[test]
    fn file_without_header_and_with_bom() {
        let points = parse_points("\u{feff}0.5,-0.25\n1,1", "p.csv").expect("parses");
        assert_eq!(points, vec![[0.5, -0.25], [1.0, 1.0]]);
    }

    #[test]
    fn header_only_allowed_on_first_row() {
        let message = err_text("x,y\n1,2\nx,y\n");
        assert_eq!(message, "points.csv line 3: 'x' is not a finite number");
    }

    #[test]
    fn half_numeric_first_row_is_not_a_header() {
        let message = err_text("x,1\n1,2\n");
        assert_eq!(message, "points.csv line 1: 'x' is not a finite number");
    }

    #[test]
    fn wrong_column_count_names_file_and_line() {
        let message = err_text("x,y\n1,2\n\n# c\n3,4\n5,6\n1,2,3\n");
        assert_eq!(message, "points.csv line 7: expected 2 columns (x,y), found 3");
        let message = err_text("1 2\n");
        assert_eq!(message, "points.csv line 1: expected 2 columns (x,y), found 1");
        let message = err_text("1,2,\n");
        assert_eq!(message, "points.csv line 1: expected 2 columns (x,y), found 3");
    }

    #[test]
    fn non_numbers_and_non_finite_values_are_rejected() {
        assert_eq!(err_text("x,y\n1,2\n3,4\nabc,5\n"), "points.csv line 4: 'abc' is not a finite number");
        assert_eq!(err_text("1,NaN\n"), "points.csv line 1: 'NaN' is not a finite number");
        assert_eq!(err_text("1,2\ninf,0\n"), "points.csv line 2: 'inf' is not a finite number");
        // Overflows f32 to infinity.
        assert_eq!(err_text("1e39,0\n"), "points.csv line 1: '1e39' is not a finite number");
        assert_eq!(err_text("1,\n"), "points.csv line 1: '' is not a finite number");
    }

    /// Issue 13, defect 5: points of 10³⁰ trained to an exit 0 of meaningless numbers, and
    /// near f32's limit the view box overflowed. Beyond ±10⁶ a coordinate is refused, naming
    /// the line and the bound; the bound itself is accepted.
    #[test]
    fn coordinates_beyond_the_bound_are_rejected_with_the_bound() {
        assert_eq!(
            err_text("x,y\n0,0\n1e30,2\n"),
            "points.csv line 3: '1e30' is beyond ±1e6, the largest coordinate accepted (rescale the data)"
        );
        assert!(err_text("0,-3e38\n").contains("line 1: '-3e38' is beyond ±1e6"));
        assert!(err_text("1000001,0\n").contains("beyond"));
        let ok = parse_points("1e6,-1e6\n-1000000,999999.9\n", "points.csv").unwrap();
        assert_eq!(ok, vec![[1e6, -1e6], [-1e6, 999_999.9]]);
    }

    #[test]
    fn long_bad_field_is_shortened_in_message() {
        let long = "z".repeat(100);
        let message = err_text(&format!("1,2\n1,{long}\n"));
        assert!(message.starts_with("points.csv line 2: 'zzzz"), "{message}");
        assert!(message.chars().count() < 100, "{message}");
        assert!(!message.contains('\n'));
    }

    #[test]
    fn no_data_rows_is_an_error() {
        assert_eq!(err_text(""), "points.csv: no data rows");
        assert_eq!(err_text("# only a comment\n\n"), "points.csv: no data rows");
        assert_eq!(err_text("x,y\n"), "points.csv: no data rows");
    }

    #[test]
    fn missing_file_gives_io_error_naming_path() {
        let path = temp_path("missing", "no-such-points.csv");
        let error = load_points(&path).expect_err("missing file");
        assert!(matches!(error, DataError::Io { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with("cannot read "), "{message}");
        assert!(message.contains("no-such-points.csv"), "{message}");
        assert!(!message.contains('\n'));
    }

    #[test]
    fn load_errors_use_file_name_not_full_path() {
        let path = temp_path("bad", "bad-points.csv");
        std::fs::write(&path, "x,y\n1,2\n1,2,3\n").expect("write");
        let message = load_points(&path).expect_err("bad file").to_string();
        assert_eq!(message, "bad-points.csv line 3: expected 2 columns (x,y), found 3");
    }

    /// Issue 13, defect 9 and the loaders' bound: a file past the cap is refused after reading
    /// at most one byte more than it, and a line of a million commas is refused with its count.
    #[test]
    fn an_oversized_file_or_line_is_refused_with_bounded_memory() {
        let path = temp_path("oversized", "big.csv");
        let line = "0.5,0.5\n";
        let copies = (MAX_POINTS_BYTES as usize) / line.len() + 1;
        std::fs::write(&path, line.repeat(copies)).expect("write");
        let message = load_points(&path).expect_err("too big").to_string();
        assert_eq!(message, "big.csv: larger than 64 MiB, more than a file of 2-D points may hold");
        std::fs::write(&path, line.repeat(copies - 2)).expect("write");
        assert_eq!(load_points(&path).expect("under the cap").len(), copies - 2);
        let commas = format!("1{}\n", ",".repeat(1_000_000));
        assert_eq!(err_text(&commas), "points.csv line 1: expected 2 columns (x,y), found 1000001");
    }

    #[test]
    fn write_then_load_round_trips_exactly() {
        let path = temp_path("roundtrip", "samples.csv");
        let points: Vec<Point2> = vec![[0.1, -0.2], [1e-7, 9.876_543e5], [-0.0, 123.456], [1.0 / 3.0, 2.0]];
        write_points(&path, &points).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("x,y\n"), "{text}");
        assert_eq!(text.lines().count(), points.len() + 1);
        let loaded = load_points(&path).expect("load");
        assert_eq!(loaded, points);
    }
}
