//! Products with a mostly-zero input, such as a minibatch of MNIST digits (about four pixels
//! in five are exactly 0).
//!
//! An MLP's first layer multiplies its input `X` (`rows × cols`) by the weights, `X·W`, and
//! its backward pass forms `Xᵀ·Δ`. A zero `x_ik` adds exactly nothing to either, so both
//! can skip it: [`SparseRows`] lists each row's non-zero entries (for `X·W`, one scaled row
//! of `W` added per entry) and each column's (for `Xᵀ·Δ`, one scaled row of `Δ` per entry).
//! The sums are the dense product's terms without its zero terms, added in another order:
//! equal to float tolerance. A dense input is left to `gemm`
//! ([`SparseRows::build`] refuses it).
//!
//! The inner loops keep a tile of output columns in registers while they walk the entries,
//! so each entry costs one load and one multiply-add per column: 32 columns in the portable
//! version, 64 with AVX2, a whole hidden layer of 256 with AVX-512 (picked at run time, see
//! [`Isa`]).

use super::Isa;

/// Output columns the portable kernel keeps in registers at once.
const TILE: usize = 32;

/// The largest fraction of non-zero entries for which [`SparseRows`] is used: above it the
/// dense product (which does far more arithmetic, but at `gemm`'s speed) was measured faster.
pub const MAX_DENSITY: f64 = 0.4;

/// Inputs narrower than this always go to `gemm` (a 2-D point is never worth indexing).
pub const MIN_COLS: usize = 32;

/// The non-zero entries of a row-major `rows × cols` matrix, by row and by column.
#[derive(Clone, Debug, Default)]
pub struct SparseRows {
    rows: usize,
    cols: usize,
    /// Row `i`'s entries are `row_entries[row_start[i]..row_start[i + 1]]`.
    row_start: Vec<usize>,
    /// (column, value), by row.
    row_entries: Vec<(u32, f32)>,
    /// Column `k`'s entries are `col_entries[col_start[k]..col_start[k + 1]]`.
    col_start: Vec<usize>,
    /// (row, value), by column.
    col_entries: Vec<(u32, f32)>,
    /// Scratch of [`Self::build`]: each column's next free slot in `col_entries`.
    next_slot: Vec<usize>,
}

impl SparseRows {
    /// Indexes `x` (`rows × cols`, row-major), reusing the buffers, when it is wide and sparse
    /// enough to gain (at most [`MAX_DENSITY`] non-zero, at least [`MIN_COLS`] columns);
    /// returns whether it did. When it returns false the index is stale and must not be used.
    pub fn build(&mut self, x: &[f32], rows: usize, cols: usize) -> bool {
        assert_eq!(x.len(), rows * cols, "a {rows}×{cols} matrix needs {} numbers", rows * cols);
        if cols < MIN_COLS || rows == 0 || rows > u32::MAX as usize || cols > u32::MAX as usize {
            return false;
        }
        let nonzero = x.iter().filter(|v| **v != 0.0).count();
        if nonzero as f64 > MAX_DENSITY * x.len() as f64 {
            return false;
        }
        self.rows = rows;
        self.cols = cols;
        self.row_start.clear();
        self.col_start.clear();
        self.col_start.resize(cols + 1, 0);
        // Sixteen pixels at a time: a bit mask of the non-zero ones, then one entry per set
        // bit (most masks of a digit's border are empty).
        self.row_entries.clear();
        for row in x.chunks_exact(cols) {
            self.row_start.push(self.row_entries.len());
            for (c, chunk) in row.chunks(16).enumerate() {
                let mut mask = chunk.iter().enumerate().fold(0u32, |m, (j, v)| m | (u32::from(*v != 0.0) << j));
                while mask != 0 {
                    let k = c * 16 + mask.trailing_zeros() as usize;
                    self.row_entries.push((k as u32, row[k]));
                    mask &= mask - 1;
                }
            }
        }
        self.row_start.push(self.row_entries.len());
        for &(k, _) in &self.row_entries {
            self.col_start[k as usize + 1] += 1;
        }
        // Columns: a counting sort of the row entries (rows stay in order within a column).
        for k in 0..cols {
            self.col_start[k + 1] += self.col_start[k];
        }
        self.next_slot.clear();
        self.next_slot.extend_from_slice(&self.col_start[..cols]);
        self.col_entries.clear();
        self.col_entries.resize(nonzero, (0, 0.0));
        for i in 0..rows {
            for &(k, v) in &self.row_entries[self.row_start[i]..self.row_start[i + 1]] {
                let slot = &mut self.next_slot[k as usize];
                self.col_entries[*slot] = (i as u32, v);
                *slot += 1;
            }
        }
        true
    }

    /// `out += X·w`, with `w` row-major `cols × n` and `out` row-major `rows × n`.
    ///
    /// # Panics
    /// If the sizes do not agree (a programming error).
    pub fn add_product(&self, out: &mut [f32], w: &[f32], n: usize) {
        assert_eq!(w.len(), self.cols * n, "the weights must be {}×{n}", self.cols);
        assert_eq!(out.len(), self.rows * n, "the product is {}×{n}", self.rows);
        add_sparse_product(Isa::best(), out, &self.row_start, &self.row_entries, w, n, false);
    }

    /// `out = Xᵀ·d`, with `d` row-major `rows × n` and `out` row-major `cols × n`.
    ///
    /// # Panics
    /// If the sizes do not agree (a programming error).
    pub fn transposed_product(&self, out: &mut [f32], d: &[f32], n: usize) {
        assert_eq!(d.len(), self.rows * n, "the right factor must be {}×{n}", self.rows);
        assert_eq!(out.len(), self.cols * n, "the product is {}×{n}", self.cols);
        add_sparse_product(Isa::best(), out, &self.col_start, &self.col_entries, d, n, true);
    }
}

/// `out[r] += Σ_(s, v) v · src[s]` over the entries `entries[starts[r]..starts[r + 1]]` of
/// each output row `r`, where `src[s]` is row `s` of the row-major `src` and every row is `n`
/// wide, with the instructions of `isa`: AVX-512 holds a whole hidden layer of 256 columns in
/// its 32 registers (16 of them), so each entry's row of `src` is read once, whole; AVX2's
/// sixteen registers hold a tile of 64 columns (eight); the portable version takes 32 columns
/// with plain multiply-adds. (The versions differ in their tile widths, so this dispatch is
/// written out rather than made by `per_isa!`, which compiles one body for every set.)
///
/// With `overwrite`, `out` is set to the sum instead of added to (its old numbers are not
/// read).
fn add_sparse_product(
    isa: Isa,
    out: &mut [f32],
    starts: &[usize],
    entries: &[(u32, f32)],
    src: &[f32],
    n: usize,
    overwrite: bool,
) {
    if n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx2,fma")]
        fn avx512(out: &mut [f32], starts: &[usize], entries: &[(u32, f32)], src: &[f32], n: usize, ow: bool) {
            if n >= 256 {
                add_sparse_product_tiled::<256, true>(out, starts, entries, src, n, ow);
            } else {
                add_sparse_product_tiled::<64, true>(out, starts, entries, src, n, ow);
            }
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2(out: &mut [f32], starts: &[usize], entries: &[(u32, f32)], src: &[f32], n: usize, ow: bool) {
            add_sparse_product_tiled::<64, true>(out, starts, entries, src, n, ow);
        }
        if isa.is_avx512() {
            // SAFETY: an `Isa` is made only after checking that the processor has its
            // instructions (see `Isa`), the only requirement of a function compiled for them;
            // the function itself is safe code.
            return unsafe { avx512(out, starts, entries, src, n, overwrite) };
        }
        if isa != Isa::PORTABLE {
            // SAFETY: as above; the only other set is AVX2 with FMA.
            return unsafe { avx2(out, starts, entries, src, n, overwrite) };
        }
    }
    add_sparse_product_tiled::<TILE, false>(out, starts, entries, src, n, overwrite);
}

/// The kernel. Each output row takes `T` columns at a time, kept in a local array
/// (registers) while the row's entries are walked; `FMA` fuses each multiply-add.
#[inline(always)]
fn add_sparse_product_tiled<const T: usize, const FMA: bool>(
    out: &mut [f32],
    starts: &[usize],
    entries: &[(u32, f32)],
    src: &[f32],
    n: usize,
    overwrite: bool,
) {
    let madd = |acc: f32, v: f32, s: f32| if FMA { v.mul_add(s, acc) } else { acc + v * s };
    for (r, out_row) in out.chunks_exact_mut(n).enumerate() {
        let row_entries = &entries[starts[r]..starts[r + 1]];
        if row_entries.is_empty() {
            if overwrite {
                out_row.fill(0.0);
            }
            continue;
        }
        let mut c0 = 0;
        while c0 + T <= n {
            let mut acc: [f32; T] =
                if overwrite { [0.0; T] } else { out_row[c0..c0 + T].try_into().expect("a whole tile") };
            for &(s, v) in row_entries {
                let s: &[f32; T] = src[s as usize * n + c0..][..T].try_into().expect("a whole tile");
                for j in 0..T {
                    acc[j] = madd(acc[j], v, s[j]);
                }
            }
            out_row[c0..c0 + T].copy_from_slice(&acc);
            c0 += T;
        }
        if c0 < n {
            let tail = &mut out_row[c0..];
            if overwrite {
                tail.fill(0.0);
            }
            for &(s, v) in row_entries {
                let s = &src[s as usize * n + c0..(s as usize + 1) * n];
                tail.iter_mut().zip(s).for_each(|(a, b)| *a = madd(*a, v, *b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::kernels::{matmul, Mat};
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng};

    /// A `rows × cols` matrix with about `density` of its entries non-zero.
    fn sparse_matrix(rows: usize, cols: usize, density: f64, rng: &mut StdRng) -> Vec<f32> {
        (0..rows * cols)
            .map(|_| if rng.random::<f64>() < density { rng.random_range(-1.0f32..1.0) } else { 0.0 })
            .collect()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "entry {i}: {x} against {y}");
        }
    }

    #[test]
    fn products_equal_the_dense_ones() {
        let mut rng = StdRng::seed_from_u64(3);
        // Widths that fill whole tiles of each kernel (32, 64 and 256 columns), leave a tail,
        // and are narrower than a tile.
        for (rows, cols, n) in [(7, 40, 64), (16, 100, 70), (5, 33, 9), (1, 32, 1), (9, 50, 256), (3, 40, 300)] {
            let x = sparse_matrix(rows, cols, 0.2, &mut rng);
            let w: Vec<f32> = (0..cols * n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            let d: Vec<f32> = (0..rows * n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            let mut sparse = SparseRows::default();
            assert!(sparse.build(&x, rows, cols), "{rows}×{cols} at 20 % is sparse");

            let bias: Vec<f32> = (0..rows * n).map(|i| i as f32 * 0.01).collect();
            let (mut want, mut got) = (bias.clone(), bias);
            matmul(&mut want, Mat::new(&x, rows, cols), Mat::new(&w, cols, n), true);
            sparse.add_product(&mut got, &w, n);
            close(&got, &want);

            let mut want = vec![0.0; cols * n];
            matmul(&mut want, Mat::new(&x, rows, cols).t(), Mat::new(&d, rows, n), false);
            let mut got = vec![f32::NAN; cols * n];
            sparse.transposed_product(&mut got, &d, n);
            close(&got, &want);

            // Every version this processor has, and each tile width with plain multiply-adds.
            let mut want = vec![0.0; rows * n];
            matmul(&mut want, Mat::new(&x, rows, cols), Mat::new(&w, cols, n), false);
            let check = |got: &[f32], name: &str| {
                assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() <= 1e-5 * (1.0 + b.abs())), "{name}");
            };
            type Kernel = fn(&mut [f32], &[usize], &[(u32, f32)], &[f32], usize, bool);
            let tiles: [(Kernel, &str); 3] = [
                (add_sparse_product_tiled::<TILE, false>, "portable tile"),
                (add_sparse_product_tiled::<64, false>, "64 columns"),
                (add_sparse_product_tiled::<256, false>, "256 columns"),
            ];
            for (kernel, name) in tiles {
                let mut got = vec![0.0; rows * n];
                kernel(&mut got, &sparse.row_start, &sparse.row_entries, &w, n, false);
                check(&got, name);
                let mut got = vec![f32::NAN; rows * n];
                kernel(&mut got, &sparse.row_start, &sparse.row_entries, &w, n, true);
                check(&got, name);
            }
            for isa in Isa::available() {
                let mut got = vec![0.0; rows * n];
                add_sparse_product(isa, &mut got, &sparse.row_start, &sparse.row_entries, &w, n, false);
                check(&got, isa.name());
                // Overwriting ignores what was there (NaN would poison a sum).
                let mut got = vec![f32::NAN; rows * n];
                add_sparse_product(isa, &mut got, &sparse.row_start, &sparse.row_entries, &w, n, true);
                check(&got, isa.name());
            }
        }
        eprintln!("versions run: {:?}", Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>());
    }

    #[test]
    fn dense_or_narrow_inputs_are_refused() {
        let mut rng = StdRng::seed_from_u64(4);
        let mut sparse = SparseRows::default();
        assert!(!sparse.build(&sparse_matrix(8, 64, 0.9, &mut rng), 8, 64), "90 % non-zero");
        assert!(!sparse.build(&sparse_matrix(8, 2, 0.1, &mut rng), 8, 2), "two columns");
        // Exactly at the bound is still sparse: 25 of 64 is under 40 %.
        let mut x = vec![0.0f32; 64];
        x[..25].fill(1.0);
        assert!(sparse.build(&x, 1, 64));
        x[..26].fill(1.0);
        assert!(!sparse.build(&x, 1, 64), "26 of 64 is over 40 %");
    }
}
