//! The one call into `gemm`: a matrix product on slices, with either factor transposed in place.

/// A row-major matrix, or the transpose of one, over a slice.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> Mat<'a> {
    /// The `rows × cols` row-major matrix stored in `data`.
    ///
    /// # Panics
    /// If `data` does not hold exactly `rows × cols` numbers (a programming error).
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "a {rows}×{cols} matrix needs {} numbers", rows * cols);
        Self { data, rows, cols, transposed: false }
    }

    /// The transpose, without copying.
    pub fn t(self) -> Self {
        Self { rows: self.cols, cols: self.rows, transposed: !self.transposed, ..self }
    }

    /// (row stride, column stride) in elements. A transposed view's element (i, j) is the
    /// stored matrix's (j, i), whose rows are `self.rows` long.
    fn strides(&self) -> (isize, isize) {
        if self.transposed {
            (1, self.rows as isize)
        } else {
            (self.cols as isize, 1)
        }
    }
}

/// `dst = a·b`, or `dst += a·b` when `accumulate`, with `dst` row-major `a.rows × b.cols`.
///
/// # Panics
/// If the shapes do not agree (a programming error).
pub fn matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions differ: {}×{} · {}×{}", a.rows, a.cols, b.rows, b.cols);
    assert_eq!(dst.len(), m * n, "the product is {m}×{n}");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.fill(0.0);
        }
        return;
    }
    let (a_rs, a_cs) = a.strides();
    let (b_rs, b_cs) = b.strides();
    // Threads split minibatches (see `set_threads`), not single products: at these sizes
    // gemm's own split was measured slower than one thread.
    let parallelism = gemm::Parallelism::None;
    // SAFETY: `Mat::new` checked that `a.data` holds `a.rows × a.cols` numbers and `b.data`
    // `b.rows × b.cols`; the strides above address exactly those elements (row-major, or
    // column-major for a transposed view). `dst` holds `m × n` numbers, written with row
    // stride `n` and column stride 1. `dst` is a unique borrow, so it overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    fn random(n: usize, rng: &mut StdRng) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    #[test]
    fn matmul_matches_the_definition_for_every_transposition() {
        let mut rng = StdRng::seed_from_u64(1);
        let (m, k, n) = (5, 7, 3);
        let a = random(m * k, &mut rng);
        let b = random(k * n, &mut rng);
        let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect(); // k×m
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect(); // n×k
        let expect: Vec<f32> =
            (0..m * n).map(|i| (0..k).map(|p| a[(i / n) * k + p] * b[p * n + i % n]).sum::<f32>()).collect();
        let cases = [
            (Mat::new(&a, m, k), Mat::new(&b, k, n)),
            (Mat::new(&at, k, m).t(), Mat::new(&b, k, n)),
            (Mat::new(&a, m, k), Mat::new(&bt, n, k).t()),
            (Mat::new(&at, k, m).t(), Mat::new(&bt, n, k).t()),
        ];
        for (a, b) in cases {
            let mut dst = vec![1.0; m * n];
            matmul(&mut dst, a, b, false);
            for (d, e) in dst.iter().zip(&expect) {
                assert!((d - e).abs() < 1e-5, "{d} vs {e}");
            }
            matmul(&mut dst, a, b, true);
            for (d, e) in dst.iter().zip(&expect) {
                assert!((d - 2.0 * e).abs() < 1e-5, "accumulate: {d} vs {}", 2.0 * e);
            }
        }
    }
}
