//! Two-dimensional principal-component projection of latent codes, used to
//! draw a scatter of a latent space with more than two dimensions and to
//! decode a point picked on that scatter.
//!
//! The covariance eigenproblem is solved with the cyclic Jacobi method, which
//! is exact to rounding, deterministic and fast for the small dimensions of a
//! latent space (a few dozen).

/// Largest dimension [`pca2`] accepts. The Jacobi method costs O(dim³) per
/// sweep, so this keeps a call well under a second; latent spaces are far
/// smaller (≤ 32).
pub const PCA_MAX_DIM: usize = 256;

/// A projection onto the top two principal axes of a point set, and back.
///
/// Produced by [`pca2`]. A point x maps to pₐ = (x − mean) · axisₐ and a
/// picked point p maps back to mean + p₀·axis₀ + p₁·axis₁.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection2 {
    /// Sample mean of the points, one entry per dimension.
    pub mean: Vec<f64>,
    /// First and second principal axes: orthonormal unit vectors, each signed
    /// so that its largest-magnitude component is positive.
    pub axes: [Vec<f64>; 2],
    /// Sample variance (denominator n − 1) along each axis: the two largest
    /// eigenvalues of the sample covariance, in descending order, clamped at 0.
    pub variance: [f64; 2],
    /// Total sample variance: the trace of the sample covariance (sum of all
    /// its eigenvalues).
    pub total_variance: f64,
}

impl Projection2 {
    /// Coordinates of `x` on the two axes: pₐ = Σᵢ (xᵢ − meanᵢ)·axisₐᵢ.
    ///
    /// Returns `[NaN, NaN]` if `x.len()` differs from the dimension of the
    /// projection.
    pub fn project(&self, x: &[f32]) -> [f32; 2] {
        if x.len() != self.mean.len() {
            return [f32::NAN, f32::NAN];
        }
        let coordinate = |axis: &[f64]| -> f32 {
            let sum: f64 = x.iter().zip(&self.mean).zip(axis).map(|((&xi, &mi), &ai)| (f64::from(xi) - mi) * ai).sum();
            sum as f32
        };
        [coordinate(&self.axes[0]), coordinate(&self.axes[1])]
    }

    /// The point mean + p₀·axis₀ + p₁·axis₁ of the full space: used to decode a
    /// point picked on a projected latent scatter. It inverts [`Self::project`]
    /// for points in the plane spanned by the two axes through the mean (and
    /// is the closest such point otherwise).
    pub fn unproject(&self, p: [f32; 2]) -> Vec<f32> {
        let (p0, p1) = (f64::from(p[0]), f64::from(p[1]));
        self.mean
            .iter()
            .zip(&self.axes[0])
            .zip(&self.axes[1])
            .map(|((&m, &a0), &a1)| (m + p0 * a0 + p1 * a1) as f32)
            .collect()
    }

    /// Fraction of the total variance captured by the two axes,
    /// (variance₀ + variance₁) / total_variance, clamped to [0, 1].
    ///
    /// 1 for two-dimensional data or data lying in a plane; also 1 when the
    /// total variance is 0 (all points equal: the projection loses nothing).
    pub fn explained(&self) -> f64 {
        if self.total_variance > 0.0 {
            ((self.variance[0] + self.variance[1]) / self.total_variance).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }
}

/// Top-two principal axes of `points`, an n×dim row-major matrix (one point
/// per row), for drawing a latent scatter of a VAE or AE with more than two
/// latent dimensions.
///
/// Computes the sample mean and sample covariance Σ = Σᵢ (xᵢ − x̄)(xᵢ − x̄)ᵀ / (n − 1),
/// diagonalises Σ with the cyclic Jacobi eigenvalue method (exact to
/// rounding and deterministic: the same input always gives the same output),
/// sorts eigenpairs by eigenvalue in descending order (ties keep the lower
/// coordinate index first) and signs each axis so that its largest-magnitude
/// component is positive (the first such component on a tie). For dim = 2 the
/// axes are the exact eigenvectors of the 2×2 covariance.
///
/// Returns `None` when dim < 2 (a one-dimensional latent needs no projection:
/// plot it directly), when dim > [`PCA_MAX_DIM`], when `points.len()` is not a
/// multiple of dim, when there are fewer than two points, or when any value is
/// not finite.
pub fn pca2(points: &[f32], dim: usize) -> Option<Projection2> {
    if !(2..=PCA_MAX_DIM).contains(&dim) || !points.len().is_multiple_of(dim) || points.len() / dim < 2 {
        return None;
    }
    if points.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = points.len() / dim;
    // Below, every matrix has dim·dim entries and every index is < dim, so
    // the indexing cannot go out of bounds.

    let mut mean = vec![0.0f64; dim];
    for row in points.chunks_exact(dim) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }

    // Upper triangle of the scatter matrix, then mirrored and scaled.
    let mut cov = vec![0.0f64; dim * dim];
    let mut centred = vec![0.0f64; dim];
    for row in points.chunks_exact(dim) {
        for ((c, &v), &m) in centred.iter_mut().zip(row).zip(&mean) {
            *c = f64::from(v) - m;
        }
        for (i, &ci) in centred.iter().enumerate() {
            let cov_row = &mut cov[i * dim..(i + 1) * dim];
            for (entry, &cj) in cov_row.iter_mut().zip(&centred).skip(i) {
                *entry += ci * cj;
            }
        }
    }
    let scale = 1.0 / (n as f64 - 1.0);
    for i in 0..dim {
        for j in i..dim {
            let value = cov[i * dim + j] * scale;
            cov[i * dim + j] = value;
            cov[j * dim + i] = value;
        }
    }
    let total_variance: f64 = (0..dim).map(|i| cov[i * dim + i]).sum();

    let (eigenvalues, eigenvectors) = jacobi_eigen(cov, dim);
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| eigenvalues[b].total_cmp(&eigenvalues[a]));

    let axis = |rank: usize| -> (Vec<f64>, f64) {
        let column = order[rank];
        let mut v: Vec<f64> = (0..dim).map(|row| eigenvectors[row * dim + column]).collect();
        fix_sign(&mut v);
        (v, eigenvalues[column].max(0.0))
    };
    let (axis0, variance0) = axis(0);
    let (axis1, variance1) = axis(1);
    Some(Projection2 { mean, axes: [axis0, axis1], variance: [variance0, variance1], total_variance })
}

/// Negates `v` if its largest-magnitude component (the first one on a tie) is
/// negative.
fn fix_sign(v: &mut [f64]) {
    let mut largest = 0.0f64;
    for &x in v.iter() {
        if x.abs() > largest.abs() {
            largest = x;
        }
    }
    if largest < 0.0 {
        for x in v.iter_mut() {
            *x = -*x;
        }
    }
}

/// Eigen-decomposition of the symmetric n×n row-major matrix `a` by the
/// cyclic Jacobi method. Returns the eigenvalues and the row-major matrix
/// whose columns are the corresponding orthonormal eigenvectors. `a` must
/// have n·n finite entries (guaranteed by the caller).
fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let norm2: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let mut off2 = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off2 += a[p * n + q] * a[p * n + q];
            }
        }
        // Off-diagonal part negligible (relative 1e-32 in squared norm,
        // i.e. 1e-16 in magnitude) or exactly zero: done.
        if off2 <= 1e-32 * norm2 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    let t = 1.0 / (theta.abs() + (theta * theta + 1.0).sqrt());
                    if theta < 0.0 {
                        -t
                    } else {
                        t
                    }
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    if k == p || k == q {
                        continue;
                    }
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    let new_kp = c * akp - s * akq;
                    let new_kq = s * akp + c * akq;
                    a[k * n + p] = new_kp;
                    a[p * n + k] = new_kp;
                    a[k * n + q] = new_kq;
                    a[q * n + k] = new_kq;
                }
                a[p * n + p] -= t * apq;
                a[q * n + q] += t * apq;
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let eigenvalues = (0..n).map(|i| a[i * n + i]).collect();
    (eigenvalues, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Sample covariance computed independently (two passes, plain loops).
    fn covariance(points: &[f32], dim: usize) -> Vec<f64> {
        let n = points.len() / dim;
        let mut mean = vec![0.0; dim];
        for row in points.chunks(dim) {
            for j in 0..dim {
                mean[j] += f64::from(row[j]) / n as f64;
            }
        }
        let mut cov = vec![0.0; dim * dim];
        for row in points.chunks(dim) {
            for i in 0..dim {
                for j in 0..dim {
                    cov[i * dim + j] += (f64::from(row[i]) - mean[i]) * (f64::from(row[j]) - mean[j]) / (n - 1) as f64;
                }
            }
        }
        cov
    }

    fn mat_vec(m: &[f64], v: &[f64]) -> Vec<f64> {
        m.chunks(v.len()).map(|row| dot(row, v)).collect()
    }

    #[test]
    fn recovers_an_exactly_representable_rotated_ellipse() {
        // Ellipse with semi-axes a = 125, b = 50 sampled at the 12 angles with
        // (cos t, sin t) ∈ {(±1, 0), (0, ±1), (±0.6, ±0.8), (±0.8, ±0.6)},
        // rotated by θ with cos θ = 0.6, sin θ = 0.8. Every coordinate is an
        // integer, so the f32 data are exact. Σ cos² t = Σ sin² t = 6 and
        // Σ cos t sin t = 0, so the covariance has eigenvalues a²·6/11 and
        // b²·6/11 with eigenvectors u = (0.6, 0.8) and v = (−0.8, 0.6) → (0.8, −0.6).
        let (a, b) = (125.0f64, 50.0f64);
        let mut angles = vec![(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)];
        for (c, s) in [(0.6, 0.8), (0.8, 0.6)] {
            for (sc, ss) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                angles.push((sc * c, ss * s));
            }
        }
        let (offset_x, offset_y) = (7.0, -3.0);
        let mut points = Vec::new();
        for (c, s) in angles {
            let (ex, ey) = (a * c, b * s);
            let x = 0.6 * ex - 0.8 * ey + offset_x;
            let y = 0.8 * ex + 0.6 * ey + offset_y;
            assert_eq!(x, x.round());
            assert_eq!(y, y.round());
            points.extend([x as f32, y as f32]);
        }
        let proj = pca2(&points, 2).unwrap();
        assert!((proj.mean[0] - offset_x).abs() < 1e-12 && (proj.mean[1] - offset_y).abs() < 1e-12);
        let tol = 1e-9;
        assert!((proj.axes[0][0] - 0.6).abs() < tol && (proj.axes[0][1] - 0.8).abs() < tol, "{:?}", proj.axes);
        assert!((proj.axes[1][0] - 0.8).abs() < tol && (proj.axes[1][1] + 0.6).abs() < tol, "{:?}", proj.axes);
        let (v0, v1) = (a * a * 6.0 / 11.0, b * b * 6.0 / 11.0);
        assert!((proj.variance[0] - v0).abs() < 1e-9 * v0, "{:?}", proj.variance);
        assert!((proj.variance[1] - v1).abs() < 1e-9 * v1, "{:?}", proj.variance);
        assert!((proj.total_variance - (v0 + v1)).abs() < 1e-9 * v0);
        assert!((proj.explained() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn recovers_a_generic_rotated_ellipse() {
        let theta = 0.3f64;
        let (a, b) = (3.0f64, 1.0f64);
        let n = 360;
        let mut points = Vec::new();
        for i in 0..n {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            let (ex, ey) = (a * t.cos(), b * t.sin());
            points.push((theta.cos() * ex - theta.sin() * ey + 1.0) as f32);
            points.push((theta.sin() * ex + theta.cos() * ey - 2.0) as f32);
        }
        let proj = pca2(&points, 2).unwrap();
        // f32 data: tolerance 1e-6.
        let expected0 = [theta.cos(), theta.sin()];
        let expected1 = [-theta.sin(), theta.cos()];
        for j in 0..2 {
            assert!((proj.axes[0][j] - expected0[j]).abs() < 1e-6, "{:?}", proj.axes);
            assert!((proj.axes[1][j] - expected1[j]).abs() < 1e-6, "{:?}", proj.axes);
        }
        let scale = (n as f64 / 2.0) / (n as f64 - 1.0);
        assert!((proj.variance[0] - a * a * scale).abs() < 1e-6 * a * a);
        assert!((proj.variance[1] - b * b * scale).abs() < 1e-6 * a * a);
    }

    #[test]
    fn axes_are_orthonormal_top_eigenvectors_in_higher_dimensions() {
        let dim = 8;
        let mut rng = StdRng::seed_from_u64(3);
        let scales: Vec<f32> = (0..dim).map(|j| 0.3 + j as f32 * 0.4).collect();
        let mut points = Vec::new();
        for _ in 0..500 {
            // Correlated data: a random mixing of independent scaled coordinates.
            let raw: Vec<f32> = scales.iter().map(|s| s * rng.random_range(-1.0f32..1.0)).collect();
            for j in 0..dim {
                points.push(raw[j] + 0.5 * raw[(j + 1) % dim] - 0.25 * raw[(j + 3) % dim]);
            }
        }
        let proj = pca2(&points, dim).unwrap();
        let cov = covariance(&points, dim);
        assert!((dot(&proj.axes[0], &proj.axes[0]) - 1.0).abs() < 1e-12);
        assert!((dot(&proj.axes[1], &proj.axes[1]) - 1.0).abs() < 1e-12);
        assert!(dot(&proj.axes[0], &proj.axes[1]).abs() < 1e-12);
        // Σ·axis = variance·axis (eigenpairs), to 1e-9 relative.
        for (axis, &variance) in proj.axes.iter().zip(&proj.variance) {
            let av = mat_vec(&cov, axis);
            for (&avj, &aj) in av.iter().zip(axis) {
                assert!((avj - variance * aj).abs() < 1e-9 * proj.variance[0]);
            }
        }
        assert!(proj.variance[0] >= proj.variance[1]);
        let trace: f64 = (0..dim).map(|i| cov[i * dim + i]).sum();
        assert!((proj.total_variance - trace).abs() < 1e-9 * trace);
        // No unit vector has more variance than axis 0; none orthogonal to
        // axis 0 has more than axis 1.
        for _ in 0..200 {
            let mut u: Vec<f64> = (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect();
            let norm = dot(&u, &u).sqrt();
            u.iter_mut().for_each(|x| *x /= norm);
            assert!(dot(&u, &mat_vec(&cov, &u)) <= proj.variance[0] * (1.0 + 1e-12));
            let along = dot(&u, &proj.axes[0]);
            u.iter_mut().zip(&proj.axes[0]).for_each(|(x, a)| *x -= along * a);
            let norm = dot(&u, &u).sqrt();
            u.iter_mut().for_each(|x| *x /= norm);
            assert!(dot(&u, &mat_vec(&cov, &u)) <= proj.variance[1] * (1.0 + 1e-12));
        }
        assert!(proj.explained() > 0.0 && proj.explained() < 1.0);
    }

    #[test]
    fn planar_data_in_r5_is_fully_explained_and_round_trips() {
        let centre = [1.0f64, -2.0, 0.5, 3.0, -1.0];
        let u = [0.5f64, 0.5, 0.5, 0.5, 0.0];
        let v = [0.1f64, -0.3, 0.2, 0.0, 0.9];
        let mut rng = StdRng::seed_from_u64(5);
        let mut points = Vec::new();
        for _ in 0..200 {
            let (s, t): (f64, f64) = (rng.random_range(-3.0..3.0), rng.random_range(-1.0..1.0));
            points.extend((0..5).map(|j| (centre[j] + s * u[j] + t * v[j]) as f32));
        }
        let proj = pca2(&points, 5).unwrap();
        assert!((proj.explained() - 1.0).abs() < 1e-9, "{}", proj.explained());
        for row in points.chunks(5) {
            let back = proj.unproject(proj.project(row));
            assert_eq!(back.len(), 5);
            for (b, x) in back.iter().zip(row) {
                assert!((b - x).abs() < 1e-5, "{back:?} vs {row:?}");
            }
        }
        // unproject ∘ project is the identity on the projected plane too.
        let p = [1.25f32, -0.5];
        let q = proj.project(&proj.unproject(p));
        assert!((q[0] - p[0]).abs() < 1e-5 && (q[1] - p[1]).abs() < 1e-5);
        // The mean projects to the origin.
        let mean: Vec<f32> = proj.mean.iter().map(|&m| m as f32).collect();
        let origin = proj.project(&mean);
        assert!(origin[0].abs() < 1e-5 && origin[1].abs() < 1e-5);
    }

    #[test]
    fn signs_are_deterministic() {
        let mut rng = StdRng::seed_from_u64(9);
        let dim = 4;
        let points: Vec<f32> = (0..400).map(|i| rng.random_range(-1.0f32..1.0) * (1.0 + (i % dim) as f32)).collect();
        let proj = pca2(&points, dim).unwrap();
        for axis in &proj.axes {
            let largest = axis.iter().copied().fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            assert!(largest > 0.0);
        }
        // Same axes, signs included, for the rows in reverse order and for
        // the data reflected through the origin (x → −x: same covariance).
        let reversed: Vec<f32> = points.chunks(dim).rev().flatten().copied().collect();
        let reflected: Vec<f32> = points.iter().map(|x| -x).collect();
        for other in [pca2(&reversed, dim).unwrap(), pca2(&reflected, dim).unwrap()] {
            for k in 0..2 {
                for j in 0..dim {
                    assert!((proj.axes[k][j] - other.axes[k][j]).abs() < 1e-9, "{:?} vs {:?}", proj.axes, other.axes);
                }
            }
        }
        assert_eq!(pca2(&points, dim), pca2(&points, dim));
    }

    #[test]
    fn rejects_degenerate_input() {
        assert!(pca2(&[1.0, 2.0, 3.0], 1).is_none());
        assert!(pca2(&[1.0, 2.0], 0).is_none());
        assert!(pca2(&[1.0, 2.0], 2).is_none()); // one point
        assert!(pca2(&[], 2).is_none());
        assert!(pca2(&[1.0, 2.0, 3.0], 2).is_none()); // ragged
        assert!(pca2(&[1.0, 2.0, f32::NAN, 0.0], 2).is_none());
        assert!(pca2(&[1.0, 2.0, f32::INFINITY, 0.0], 2).is_none());
        assert!(pca2(&vec![0.0; 2 * (PCA_MAX_DIM + 1)], PCA_MAX_DIM + 1).is_none());
        // Identical points: zero variance, still a valid projection.
        let same = pca2(&[1.0, 2.0, 3.0, 1.0, 2.0, 3.0], 3).unwrap();
        assert_eq!(same.variance, [0.0, 0.0]);
        assert_eq!(same.total_variance, 0.0);
        assert_eq!(same.explained(), 1.0);
        assert_eq!(same.project(&[1.0, 2.0, 3.0]), [0.0, 0.0]);
        // Wrong-length query.
        let p = same.project(&[1.0, 2.0]);
        assert!(p[0].is_nan() && p[1].is_nan());
    }
}
