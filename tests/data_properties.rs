//! Property tests of the file readers (issue 13): the CSV point reader (`data::csv2d`) and the
//! IDX image and label readers (`data::images`, plain and gzip).
//!
//! For arbitrary bytes and arbitrary mutations of valid files (truncation, flipped header
//! bytes, huge declared counts and sizes, trailing data, gzip of all of these, gzip bombs):
//! - a reader never panics and returns `Ok` or an `Err` whose message is one non-empty line
//!   naming the file;
//! - a reader never holds more memory at once than the bound its documentation states
//!   (measured by the counting allocator below: peak live bytes allocated by this thread
//!   during the read, the result included);
//! - what the writers write reads back identically.
//!
//! Proptest runs a few hundred cases per property (the file runs in seconds in release); a
//! failing case is printed shrunk, and is reproducible from the printed seed.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do
#![allow(unsafe_code)] // the counting allocator below: a global allocator is an unsafe trait

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::path::Path;

use latent_lab::data::csv2d::{self, MAX_POINTS_BYTES};
use latent_lab::data::images::{self, IDX_READ_OVERHEAD, MAX_IDX_BYTES};
use latent_lab::data::DataError;
use proptest::prelude::*;
use proptest::test_runner::Config;

// ---------------------------------------------------------------------------
// The counting allocator
// ---------------------------------------------------------------------------

/// The system allocator, counting the bytes live on the thread that measures.
struct Counting;

thread_local! {
    /// Whether this thread is being measured.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    /// Bytes allocated minus bytes freed by this thread since the measure began.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The most `LIVE` reached since the measure began.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Notes that `grown` bytes came (negative: went) on this thread, with `transient` more
/// live for a moment (a moving reallocation holds both blocks).
fn note(grown: isize, transient: isize) {
    let _ = MEASURING.try_with(|measuring| {
        if measuring.get() {
            let live = LIVE.with(Cell::get);
            PEAK.with(|peak| peak.set(peak.get().max(live + grown.max(0) + transient)));
            LIVE.with(|l| l.set(live + grown));
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds GlobalAlloc's contract;
// the counting only touches this thread's `Cell`s (const-initialised, no destructor, no
// allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as given.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            note(layout.size() as isize, 0);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as given.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            note(layout.size() as isize, 0);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer came from this allocator (that is, from System) with
        // this layout.
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize), 0);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for dealloc and alloc: the caller's pointer, layout and size, unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as if the old block were still live while the new one is filled.
            note(new_size as isize - layout.size() as isize, layout.size().min(new_size) as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `read` and returns its result with the peak of the bytes it held live at once.
fn peak_of<T>(read: impl FnOnce() -> T) -> (T, usize) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    MEASURING.with(|m| m.set(true));
    let out = read();
    MEASURING.with(|m| m.set(false));
    (out, PEAK.with(Cell::get).max(0) as usize)
}

/// The counting itself is checked: a vector of a million bytes is seen, and what a read
/// frees is not taken from what it holds.
#[test]
fn the_allocator_counts_what_a_read_holds() {
    let ((), peak) = peak_of(|| {
        let v = vec![1u8; 1 << 20];
        std::hint::black_box(&v);
    });
    assert!((1 << 20..(1 << 20) + 1024).contains(&peak), "peak {peak}");
    let (v, peak) = peak_of(|| {
        let mut v = Vec::new();
        for i in 0..100_000u32 {
            v.push(i);
        }
        v
    });
    assert_eq!(v.len(), 100_000);
    assert!(peak >= 400_000, "a growing vector holds at least its length: peak {peak}");
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// How many bytes a gzip stream inflates to before it ends or turns out corrupt.
fn inflated_len(bytes: &[u8]) -> usize {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0;
    while let Ok(n) = decoder.read(&mut buf) {
        if n == 0 {
            break;
        }
        total += n;
    }
    total
}

/// An error as a reader must give it: one non-empty line that names the file.
fn assert_clear(error: &DataError, file: &str) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(!message.trim().is_empty(), "empty message: {error:?}");
    prop_assert!(!message.contains('\n'), "message on several lines: {message}");
    prop_assert!(message.contains(file), "message does not name {file}: {message}");
    Ok(())
}

fn be(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes()).collect()
}

/// A header field that is interesting to lie with: small, on the edges of the caps, or huge.
fn header_word() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..40, Just(4096), Just(4097), Just(65_536), Just(1 << 30), Just(u32::MAX), any::<u32>(),]
}

/// A mutation of a valid file.
#[derive(Clone, Debug)]
enum Mutation {
    /// Cut the file at this fraction of its length.
    Truncate(f64),
    /// Flip these bits of the byte at this index (modulo the length).
    Flip(usize, u8),
    /// Overwrite the big-endian header word at this index (modulo the header's words).
    Word(usize, u32),
    /// Append these bytes.
    Append(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        (0usize..64, 1u8..=255).prop_map(|(i, bits)| Mutation::Flip(i, bits)),
        (0usize..4, header_word()).prop_map(|(i, w)| Mutation::Word(i, w)),
        prop::collection::vec(any::<u8>(), 1..64).prop_map(Mutation::Append),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation, header_words: usize) {
    match mutation {
        Mutation::Truncate(fraction) => bytes.truncate((bytes.len() as f64 * fraction) as usize),
        Mutation::Flip(i, bits) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] ^= bits;
            }
        }
        Mutation::Word(i, word) => {
            let at = 4 * (i % header_words);
            if bytes.len() >= at + 4 {
                bytes[at..at + 4].copy_from_slice(&word.to_be_bytes());
            }
        }
        Mutation::Append(tail) => bytes.extend_from_slice(tail),
    }
}

// ---------------------------------------------------------------------------
// CSV points
// ---------------------------------------------------------------------------

/// What `parse_points` may hold, as its documentation states: the points, at most one per
/// four bytes of text, in a vector grown by doubling (24 bytes a point while it moves), and a
/// message.
fn points_bound(text_len: usize) -> usize {
    6 * (text_len + 1) + csv2d::PARSE_OVERHEAD
}

/// What `load_points` may hold, as its documentation states: the file's bytes (at most
/// MAX_POINTS_BYTES + 1, in a buffer grown by doubling) and the points parsed from them.
fn load_bound(file_len: usize) -> usize {
    let read = file_len.min(MAX_POINTS_BYTES as usize + 1);
    8 * (read + 1) + csv2d::PARSE_OVERHEAD
}

/// Text made of what CSV point files are made of, so that cases reach past the first line.
fn csvish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("0".to_string()),
        Just("1.5".to_string()),
        Just("-2e3".to_string()),
        Just("1e30".to_string()),
        Just("3e38".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just(",".to_string()),
        Just(",,,,".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just(" ".to_string()),
        Just("\"".to_string()),
        Just("#".to_string()),
        Just("x,y".to_string()),
        Just("\u{feff}".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn coordinate() -> impl Strategy<Value = f32> {
    prop_oneof![
        -csv2d::MAX_COORDINATE..=csv2d::MAX_COORDINATE,
        -1.0f32..1.0,
        Just(0.0f32),
        Just(-0.0f32),
        Just(csv2d::MAX_COORDINATE),
        Just(-csv2d::MAX_COORDINATE),
        Just(f32::MIN_POSITIVE),
        Just(1e-45f32),
    ]
}

fn finite_point() -> impl Strategy<Value = [f32; 2]> {
    [coordinate(), coordinate()]
}

fn valid_points_text(points: &[[f32; 2]]) -> String {
    let mut text = String::from("x,y\n");
    for [x, y] in points {
        text.push_str(&format!("{x},{y}\n"));
    }
    text
}

proptest! {
    #![proptest_config(config(400))]

    /// Any text: no panic, a clear error or points within the bound; memory within the bound.
    #[test]
    fn points_from_any_text(text in prop_oneof![csvish(), any::<String>()]) {
        let (result, peak) = peak_of(|| csv2d::parse_points(&text, "p.csv"));
        prop_assert!(peak <= points_bound(text.len()), "peak {peak} > bound {} for {} bytes", points_bound(text.len()), text.len());
        match result {
            Ok(points) => {
                prop_assert!(!points.is_empty());
                for [x, y] in points {
                    prop_assert!(x.abs() <= csv2d::MAX_COORDINATE && y.abs() <= csv2d::MAX_COORDINATE);
                }
            }
            Err(error) => assert_clear(&error, "p.csv")?,
        }
    }

    /// A valid file mutated (cut, bits flipped, bytes appended): the same, through the bytes
    /// (a flipped bit may make it invalid UTF-8, which is refused, naming the file).
    #[test]
    fn points_from_mutated_files(
        points in prop::collection::vec(finite_point(), 1..40),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = valid_points_text(&points).into_bytes();
        for m in &mutations {
            mutate(&mut bytes, m, 1);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mutated.csv");
        std::fs::write(&path, &bytes).unwrap();
        let (result, peak) = peak_of(|| csv2d::load_points(&path));
        prop_assert!(peak <= load_bound(bytes.len()), "peak {peak} > bound {}", load_bound(bytes.len()));
        if let Err(error) = result {
            assert_clear(&error, "mutated.csv")?;
        }
    }

    /// What `write_points` writes, `load_points` reads back to the bit (and an empty set is
    /// refused as empty).
    #[test]
    fn points_round_trip(points in prop::collection::vec(finite_point(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.csv");
        csv2d::write_points(&path, &points).unwrap();
        let file_len = std::fs::metadata(&path).unwrap().len() as usize;
        let (result, peak) = peak_of(|| csv2d::load_points(&path));
        prop_assert!(peak <= load_bound(file_len), "peak {peak} > bound {}", load_bound(file_len));
        if points.is_empty() {
            prop_assert!(matches!(result, Err(DataError::Empty { .. })), "{result:?}");
        } else {
            let loaded = result.unwrap();
            let bits = |p: &[[f32; 2]]| p.iter().map(|[x, y]| [x.to_bits(), y.to_bits()]).collect::<Vec<_>>();
            prop_assert_eq!(bits(&loaded), bits(&points));
        }
    }
}

/// A long line of commas and a file just past the cap: within the bound, and refused.
#[test]
fn points_long_line_and_oversized_file_stay_within_the_bound() {
    let text = format!("1{}\n", ",".repeat(4_000_000));
    let (result, peak) = peak_of(|| csv2d::parse_points(&text, "long.csv"));
    assert!(result.is_err());
    // The line's fields are counted, not held: far below even the text's own size.
    assert!(peak < 64 << 10, "a 4 MB line held {peak} bytes");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_POINTS_BYTES + 4096).unwrap(); // NUL bytes: valid UTF-8, not a point
    let (result, peak) = peak_of(|| csv2d::load_points(&path));
    let message = result.unwrap_err().to_string();
    assert!(message.contains("larger than 64 MiB"), "{message}");
    // Read no further than one byte past the cap, whatever the file's size.
    assert!(peak <= load_bound(MAX_POINTS_BYTES as usize + 1), "peak {peak}");
    assert!(peak > MAX_POINTS_BYTES as usize, "the cap's worth was read: peak {peak}");
}

// ---------------------------------------------------------------------------
// IDX
// ---------------------------------------------------------------------------

/// What an IDX reader may hold, as its documentation states: for plain bytes, the returned
/// data (never more than the input); for gzip, three times the header and the smaller of what
/// the header promises and what the stream inflates to (the inflated bytes, grown by
/// doubling, and the returned copy); and the decoder's fixed state.
fn idx_bound(bytes: &[u8], header: usize, promised: impl Fn(&[u8]) -> usize) -> usize {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut head = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes).take(header as u64).read_to_end(&mut head).ok();
        let body = promised(&head).min(MAX_IDX_BYTES);
        let inflated = inflated_len(bytes);
        3 * (header + body.min(inflated.saturating_sub(header)) + 1) + IDX_READ_OVERHEAD
    } else {
        bytes.len() + IDX_READ_OVERHEAD
    }
}

/// The body an image header promises (count × rows × cols), 0 when the header is short.
fn images_promise(head: &[u8]) -> usize {
    if head.len() < 16 {
        return 0;
    }
    let word = |i: usize| u32::from_be_bytes(head[i..i + 4].try_into().unwrap()) as usize;
    word(4).saturating_mul(word(8)).saturating_mul(word(12))
}

/// The body a label header promises (count), 0 when the header is short.
fn labels_promise(head: &[u8]) -> usize {
    if head.len() < 8 {
        return 0;
    }
    u32::from_be_bytes(head[4..8].try_into().unwrap()) as usize
}

/// Valid IDX image bytes as the crate's writer writes them (plain or gzipped).
fn written_images(rows: usize, cols: usize, pixels: &[u8], gz: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if gz { "images.gz" } else { "images" });
    images::write_idx_images(&path, rows, cols, pixels).unwrap();
    std::fs::read(path).unwrap()
}

/// Valid IDX label bytes as the crate's writer writes them (plain or gzipped).
fn written_labels(labels: &[u8], gz: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if gz { "labels.gz" } else { "labels" });
    images::write_idx_labels(&path, labels).unwrap();
    std::fs::read(path).unwrap()
}

/// A small image set: (rows, cols, pixels of 1 to 6 images).
fn image_set() -> impl Strategy<Value = (usize, usize, Vec<u8>)> {
    (1usize..12, 1usize..12, 1usize..6)
        .prop_flat_map(|(r, c, n)| (Just(r), Just(c), prop::collection::vec(any::<u8>(), r * c * n)))
}

fn check_images(bytes: &[u8]) -> Result<(), TestCaseError> {
    let bound = idx_bound(bytes, 16, images_promise);
    let (result, peak) = peak_of(|| images::parse_idx_images(bytes, "imgs"));
    prop_assert!(peak <= bound, "peak {peak} > bound {bound} ({} input bytes)", bytes.len());
    match result {
        Ok((count, rows, cols, pixels)) => prop_assert_eq!(pixels.len(), count * rows * cols),
        Err(error) => assert_clear(&error, "imgs")?,
    }
    Ok(())
}

fn check_labels(bytes: &[u8]) -> Result<(), TestCaseError> {
    let bound = idx_bound(bytes, 8, labels_promise);
    let (result, peak) = peak_of(|| images::parse_idx_labels(bytes, "lbls"));
    prop_assert!(peak <= bound, "peak {peak} > bound {bound} ({} input bytes)", bytes.len());
    match result {
        Ok(labels) => prop_assert!(!labels.is_empty() && labels.iter().all(|&l| l <= 9)),
        Err(error) => assert_clear(&error, "lbls")?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    /// Arbitrary bytes, raw or gzipped, and bytes after a valid magic: no panic, a clear
    /// error or a consistent set, within the bound.
    #[test]
    fn idx_from_any_bytes(
        body in prop::collection::vec(any::<u8>(), 0..300),
        words in prop::collection::vec(header_word(), 0..4),
        gz in any::<bool>(),
    ) {
        for magic in [None, Some(0x803u32), Some(0x801u32)] {
            let mut bytes = magic.map(|m| be(&[m])).unwrap_or_default();
            bytes.extend(be(&words));
            bytes.extend_from_slice(&body);
            let bytes = if gz { gzip(&bytes) } else { bytes };
            check_images(&bytes)?;
            check_labels(&bytes)?;
        }
    }

    /// Valid files mutated (cut, bits flipped, header words set to huge or zero values, bytes
    /// appended), plain or gzipped, and gzip streams cut or flipped after compression.
    #[test]
    fn idx_from_mutated_files(
        (rows, cols, pixels) in image_set(),
        labels in prop::collection::vec(0u8..=9, 1..40),
        mutations in prop::collection::vec(mutation(), 1..4),
        gz_before in any::<bool>(),
        gz_after in any::<bool>(),
    ) {
        let mut images_bytes = written_images(rows, cols, &pixels, gz_before);
        let mut labels_bytes = written_labels(&labels, gz_before);
        if gz_before {
            // Mutate the stream itself: a corrupt or cut gzip file.
            for m in &mutations {
                mutate(&mut images_bytes, m, 1);
                mutate(&mut labels_bytes, m, 1);
            }
        } else {
            for m in &mutations {
                mutate(&mut images_bytes, m, 4);
                mutate(&mut labels_bytes, m, 2);
            }
            if gz_after {
                images_bytes = gzip(&images_bytes);
                labels_bytes = gzip(&labels_bytes);
            }
        }
        check_images(&images_bytes)?;
        check_labels(&labels_bytes)?;
    }

}

proptest! {
    #![proptest_config(config(40))]

    /// gzip bombs: a header promising little (or, lying, a lot) followed by megabytes of
    /// zeros. The reader inflates only what the header promises. (Fewer cases: each
    /// compresses and inflates megabytes.)
    #[test]
    fn idx_gzip_bombs_stay_within_the_promise(
        count in header_word(),
        rows in 0u32..64,
        cols in 0u32..64,
        zeros in 1usize..(4 << 20),
    ) {
        let mut images_bytes = be(&[0x803, count, rows, cols]);
        images_bytes.resize(16 + zeros, 0);
        check_images(&gzip(&images_bytes))?;
        let mut labels_bytes = be(&[0x801, count]);
        labels_bytes.resize(8 + zeros, 0);
        check_labels(&gzip(&labels_bytes))?;
    }

}

proptest! {
    #![proptest_config(config(300))]

    /// What the writers write (plain or gzipped), the readers read back identically.
    #[test]
    fn idx_round_trip(
        (rows, cols, pixels) in image_set(),
        labels in prop::collection::vec(0u8..=9, 1..200),
        gz in any::<bool>(),
    ) {
        let bytes = written_images(rows, cols, &pixels, gz);
        let bound = idx_bound(&bytes, 16, images_promise);
        let (result, peak) = peak_of(|| images::parse_idx_images(&bytes, "imgs"));
        prop_assert!(peak <= bound, "peak {peak} > bound {bound}");
        let (count, r, c, read) = result.unwrap();
        prop_assert_eq!((count, r, c), (pixels.len() / (rows * cols), rows, cols));
        prop_assert_eq!(read, pixels);
        let bytes = written_labels(&labels, gz);
        prop_assert_eq!(images::parse_idx_labels(&bytes, "lbls").unwrap(), labels);
    }
}

/// The gzip bombs of the issue, at full size: 64 MB of zeros behind a 10-label header, and a
/// gzip labels file whose size trailer lies (says 4 GiB - 1): both refused within the bound.
#[test]
fn idx_issue_bombs_stay_within_the_bound() {
    let mut bomb = be(&[0x801, 10]);
    bomb.resize(8 + (64 << 20), 0);
    let bomb = gzip(&bomb);
    let ((), peak) = peak_of(|| {
        let error = images::parse_idx_labels(&bomb, "bomb.gz").unwrap_err();
        assert!(error.to_string().contains("promises 10 bytes"), "{error}");
    });
    assert!(peak <= 3 * 19 + IDX_READ_OVERHEAD, "a 64 MB bomb held {peak} bytes");

    let mut liar = gzip(&[be(&[0x801, 3]), vec![1, 2, 3]].concat());
    let n = liar.len();
    liar[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let (result, peak) = peak_of(|| images::parse_idx_labels(&liar, "liar.gz"));
    assert!(peak <= 3 * 12 + IDX_READ_OVERHEAD, "a lying trailer cost {peak} bytes");
    // flate2 checks the trailer's size: the file is refused as corrupt, naming it.
    if let Err(error) = result {
        assert!(error.to_string().starts_with("liar.gz: "), "{error}");
    }
}

/// Not a test of the readers: the bound the IDX readers state is met by a real folder loaded
/// whole (the fixture as `load_idx_dir` reads it), to keep the helpers honest.
#[test]
fn idx_folder_written_by_the_writers_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train: Vec<u8> = (0..60).map(|i| (i * 4) as u8).collect();
    let test: Vec<u8> = (0..30).map(|i| (255 - i) as u8).collect();
    images::write_idx_images(&d.join("train-images-idx3-ubyte.gz"), 3, 5, &train).unwrap();
    images::write_idx_labels(&d.join("train-labels-idx1-ubyte.gz"), &[1, 2, 3, 4]).unwrap();
    images::write_idx_images(&d.join("t10k-images-idx3-ubyte"), 3, 5, &test).unwrap();
    images::write_idx_labels(&d.join("t10k-labels-idx1-ubyte"), &[9, 0]).unwrap();
    let split = images::load_idx_dir(d).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (4, 2));
    assert_eq!((split.train.width, split.train.height), (5, 3));
    let back: Vec<u8> = split.train.pixels.iter().map(|p| (p * 255.0).round() as u8).collect();
    assert_eq!(back, train);
    assert_eq!(split.test.labels, vec![9, 0]);
    assert!(Path::new(d).join("t10k-labels-idx1-ubyte").is_file());
}
