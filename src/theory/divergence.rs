//! Divergences between discrete distributions and between sample sets via
//! histograms. All results are in nats (natural logarithm).

use std::f64::consts::LN_2;

use crate::data::toy2d::Point2;

/// Number of bins per axis of the grid the UI uses for [`js_histogram_2d`].
pub const JS_GRID_BINS: usize = 32;

/// Plain-English description of the sample-based JS estimate, for a UI tooltip.
pub const JS_METHOD: &str = "Jensen–Shannon divergence between generated and real samples, \
estimated by the plug-in method: both sample sets are binned into a 32×32 grid over the plot's \
view box (points outside are put in the edge cells) and the JS divergence of the two normalised \
histograms is reported in nats. It is 0 for identical sample sets and ln 2 ≈ 0.693 for sets in \
disjoint cells; with finite samples it is biased upward by sampling noise, so two independent \
samples of the same distribution give a small positive value.";

/// Jensen–Shannon divergence of two non-negative weight vectors, in nats.
///
/// The vectors are normalised to sum 1 first; terms with zero weight
/// contribute 0 (0·ln 0 = 0). The result lies in [0, ln 2]: exactly 0 for
/// proportional inputs and ln 2 for disjoint supports. Returns NaN when the
/// lengths differ, when either total is zero or not finite, or when any weight
/// is negative or NaN.
pub fn js_discrete(p: &[f64], q: &[f64]) -> f64 {
    let Some((p_total, q_total)) = validated_totals(p, q) else {
        return f64::NAN;
    };
    let mut sum = 0.0;
    for (&p_weight, &q_weight) in p.iter().zip(q) {
        let a = p_weight / p_total;
        let b = q_weight / q_total;
        let m = 0.5 * (a + b);
        if a > 0.0 {
            sum += a * (a / m).ln();
        }
        if b > 0.0 {
            sum += b * (b / m).ln();
        }
    }
    (0.5 * sum).clamp(0.0, LN_2)
}

/// Kullback–Leibler divergence KL(p‖q) of two non-negative weight vectors,
/// in nats, after normalising each to sum 1 (0·ln(0/q) = 0).
///
/// Returns +∞ when p has mass in a bin where q has none, and NaN under the
/// same conditions as [`js_discrete`] (length mismatch, zero or non-finite
/// total, a negative or NaN weight).
pub fn kl_discrete(p: &[f64], q: &[f64]) -> f64 {
    let Some((p_total, q_total)) = validated_totals(p, q) else {
        return f64::NAN;
    };
    let mut sum = 0.0;
    for (&p_weight, &q_weight) in p.iter().zip(q) {
        let a = p_weight / p_total;
        let b = q_weight / q_total;
        if a > 0.0 {
            if b <= 0.0 {
                return f64::INFINITY;
            }
            sum += a * (a / b).ln();
        }
    }
    sum.max(0.0)
}

/// Totals of `p` and `q` if both are valid weight vectors of equal length
/// with positive finite totals.
fn validated_totals(p: &[f64], q: &[f64]) -> Option<(f64, f64)> {
    if p.len() != q.len() {
        return None;
    }
    let valid = |w: &f64| *w >= 0.0;
    if !p.iter().all(valid) || !q.iter().all(valid) {
        return None;
    }
    let p_total: f64 = p.iter().sum();
    let q_total: f64 = q.iter().sum();
    let usable = |t: f64| t > 0.0 && t.is_finite();
    (usable(p_total) && usable(q_total)).then_some((p_total, q_total))
}

/// A square-celled or rectangular histogram grid over the box
/// [min.x, max.x] × [min.y, max.y] with `bins` cells per axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid2 {
    /// Lower-left corner `[xmin, ymin]`.
    pub min: Point2,
    /// Upper-right corner `[xmax, ymax]`.
    pub max: Point2,
    /// Cells per axis (the histogram has `bins * bins` cells).
    pub bins: usize,
}

impl Grid2 {
    /// Grid over a view box `[[xmin, ymin], [xmax, ymax]]` as returned by
    /// `Toy2d::view_bounds`.
    pub fn from_bounds(bounds: [[f32; 2]; 2], bins: usize) -> Self {
        Grid2 { min: bounds[0], max: bounds[1], bins }
    }

    /// Counts of `pts` per cell, row-major: cell (column ix, row iy) is at
    /// index `iy * bins + ix`, with ix growing with x and iy growing with y.
    /// Cells are half-open `[lo, hi)` except that points on or beyond the box
    /// edge are clamped into the edge cells. Points with a non-finite
    /// coordinate are ignored. An axis with `max <= min` puts every point in
    /// its first cell. `bins == 0` gives an empty vector.
    pub fn histogram(&self, pts: &[Point2]) -> Vec<f64> {
        let mut counts = vec![0.0; self.bins * self.bins];
        if self.bins == 0 {
            return counts;
        }
        for p in pts.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
            let ix = bin_index(p[0], self.min[0], self.max[0], self.bins);
            let iy = bin_index(p[1], self.min[1], self.max[1], self.bins);
            if let Some(count) = counts.get_mut(iy * self.bins + ix) {
                *count += 1.0;
            }
        }
        counts
    }
}

/// Counts of the finite values of `xs` in `bins` equal cells over
/// [min, max], with values outside clamped into the end cells (same rules as
/// [`Grid2::histogram`]).
pub fn histogram_1d(xs: &[f32], min: f32, max: f32, bins: usize) -> Vec<f64> {
    let mut counts = vec![0.0; bins];
    if bins == 0 {
        return counts;
    }
    for x in xs.iter().filter(|x| x.is_finite()) {
        if let Some(count) = counts.get_mut(bin_index(*x, min, max, bins)) {
            *count += 1.0;
        }
    }
    counts
}

/// Cell index of `value` among `bins` (> 0) equal cells over [min, max], clamped.
fn bin_index(value: f32, min: f32, max: f32, bins: usize) -> usize {
    let width = f64::from(max) - f64::from(min);
    let t = (f64::from(value) - f64::from(min)) / width;
    if width <= 0.0 || !t.is_finite() {
        return 0;
    }
    let last = (bins - 1) as f64;
    (t * bins as f64).floor().clamp(0.0, last) as usize
}

/// Plug-in Jensen–Shannon estimate, in nats, between sample sets `a` and `b`
/// binned on `grid` (see [`JS_METHOD`]). NaN when either set has no finite
/// point or the grid has no cells.
pub fn js_histogram_2d(a: &[Point2], b: &[Point2], grid: &Grid2) -> f64 {
    js_discrete(&grid.histogram(a), &grid.histogram(b))
}

/// Plug-in Jensen–Shannon estimate, in nats, between 1-D sample sets `a` and
/// `b` binned into `bins` equal cells over [min, max] (values outside
/// clamped into the end cells, non-finite values ignored). NaN when either
/// set has no finite value or `bins == 0`.
pub fn js_histogram_1d(a: &[f32], b: &[f32], min: f32, max: f32, bins: usize) -> f64 {
    js_discrete(&histogram_1d(a, min, max, bins), &histogram_1d(b, min, max, bins))
}

/// The Jensen–Shannon estimate through a discriminator (sheet task 3.3): with D = σ(logit),
/// V(D, G) = E log D(real) + E log(1 − D(fake)) = −E softplus(−l_real) − E softplus(l_fake)
/// on the two sets of logits, and JS ≈ (V(D, G) + log 4)/2, exact when D is the optimal
/// D* = p_data/(p_data + p_g) and the expectations are exact. A trained D gives a lower bound
/// in expectation (V(D, G) ≤ V(D*, G)), which sampling noise can push below 0. NaN for an
/// empty set.
pub fn js_through_discriminator(real_logits: &[f32], fake_logits: &[f32]) -> f64 {
    let softplus = |a: f64| a.max(0.0) + (-a.abs()).exp().ln_1p();
    let mean = |v: &[f32], sign: f64| v.iter().map(|&l| softplus(sign * f64::from(l))).sum::<f64>() / v.len() as f64;
    let v = -(mean(real_logits, -1.0) + mean(fake_logits, 1.0));
    (v + 4f64.ln()) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy2d::Toy2d;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn js_of_identical_inputs_is_exactly_zero() {
        let p = [0.1, 0.0, 0.3, 0.6, 1e-300];
        assert_eq!(js_discrete(&p, &p), 0.0);
        // Proportional weights are the same distribution.
        let scaled: Vec<f64> = p.iter().map(|w| w * 4.0).collect();
        assert_eq!(js_discrete(&p, &scaled), 0.0);
    }

    #[test]
    fn js_of_disjoint_supports_is_ln_2() {
        let js = js_discrete(&[1.0, 2.0, 0.0, 0.0], &[0.0, 0.0, 5.0, 0.5]);
        assert!((js - LN_2).abs() < 1e-12, "{js}");
    }

    #[test]
    fn js_two_point_case_matches_hand_computation() {
        // p = (½, ½), q = (1, 0), m = (¾, ¼).
        // KL(p‖m) = ½ ln(½/¾) + ½ ln(½/¼) = ½ ln(2/3) + ½ ln 2 = ½ ln(4/3).
        // KL(q‖m) = 1·ln(1/¾) = ln(4/3).
        // JS = ½(½ ln(4/3) + ln(4/3)) = ¾ ln(4/3) ≈ 0.215761554.
        let expected = 0.75 * (4.0f64 / 3.0).ln();
        let js = js_discrete(&[0.5, 0.5], &[1.0, 0.0]);
        assert!((js - expected).abs() < 1e-12, "{js} vs {expected}");
        // Unnormalised weights give the same value.
        let js = js_discrete(&[3.0, 3.0], &[7.0, 0.0]);
        assert!((js - expected).abs() < 1e-12, "{js} vs {expected}");
    }

    #[test]
    fn js_is_symmetric_and_bounded() {
        let p = [0.2, 0.5, 0.3, 0.0];
        let q = [0.6, 0.1, 0.1, 0.2];
        let forward = js_discrete(&p, &q);
        let backward = js_discrete(&q, &p);
        assert!((forward - backward).abs() < 1e-15);
        assert!(forward > 0.0 && forward < LN_2);
    }

    #[test]
    fn js_invalid_inputs_are_nan() {
        assert!(js_discrete(&[1.0], &[1.0, 0.0]).is_nan());
        assert!(js_discrete(&[0.0, 0.0], &[1.0, 0.0]).is_nan());
        assert!(js_discrete(&[1.0, 0.0], &[0.0, 0.0]).is_nan());
        assert!(js_discrete(&[], &[]).is_nan());
        assert!(js_discrete(&[1.0, -0.5], &[1.0, 1.0]).is_nan());
        assert!(js_discrete(&[1.0, f64::NAN], &[1.0, 1.0]).is_nan());
        assert!(js_discrete(&[1.0, f64::INFINITY], &[1.0, 1.0]).is_nan());
        assert!(kl_discrete(&[1.0], &[1.0, 0.0]).is_nan());
        assert!(kl_discrete(&[0.0], &[1.0]).is_nan());
    }

    #[test]
    fn kl_matches_hand_computation_and_is_zero_for_identical() {
        // KL((½,½) ‖ (¼,¾)) = ½ ln 2 + ½ ln(2/3).
        let expected = 0.5 * 2.0f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
        let kl = kl_discrete(&[0.5, 0.5], &[0.25, 0.75]);
        assert!((kl - expected).abs() < 1e-12, "{kl} vs {expected}");
        assert_eq!(kl_discrete(&[0.2, 0.0, 0.8], &[0.2, 0.0, 0.8]), 0.0);
        // Zero mass in p where q has mass is fine.
        let kl = kl_discrete(&[1.0, 0.0], &[0.5, 0.5]);
        assert!((kl - LN_2).abs() < 1e-12, "{kl}");
    }

    #[test]
    fn kl_is_infinite_where_q_has_no_mass() {
        assert_eq!(kl_discrete(&[0.5, 0.5], &[1.0, 0.0]), f64::INFINITY);
    }

    #[test]
    fn histogram_counts_small_hand_example_with_clamping() {
        // 2×2 cells over [0,2]²: cell (ix, iy) at index iy*2 + ix.
        let grid = Grid2 { min: [0.0, 0.0], max: [2.0, 2.0], bins: 2 };
        let pts = [
            [0.5, 0.5],           // (0,0)
            [1.0, 0.0],           // (1,0): left-closed cell boundary
            [1.5, 1.5],           // (1,1)
            [0.2, 1.9],           // (0,1)
            [2.0, 2.0],           // (1,1): on the max edge, clamped
            [-5.0, 0.5],          // (0,0): clamped from the left
            [9.0, -9.0],          // (1,0): clamped from right and below
            [0.5, 100.0],         // (0,1): clamped from above
            [f32::NAN, 1.0],      // ignored
            [1.0, f32::INFINITY], // ignored
        ];
        assert_eq!(grid.histogram(&pts), vec![2.0, 2.0, 2.0, 2.0]);
        let grid3 = Grid2 { min: [0.0, 0.0], max: [3.0, 3.0], bins: 3 };
        let mut expected = vec![0.0; 9];
        expected[2 * 3 + 1] = 1.0; // x in column 1, y in row 2
        assert_eq!(grid3.histogram(&[[1.5, 2.5]]), expected);
    }

    #[test]
    fn histogram_degenerate_grids() {
        let empty = Grid2 { min: [0.0, 0.0], max: [1.0, 1.0], bins: 0 };
        assert!(empty.histogram(&[[0.5, 0.5]]).is_empty());
        let flat = Grid2 { min: [0.0, 1.0], max: [1.0, 1.0], bins: 2 };
        // y axis has zero height: every point lands in row 0.
        assert_eq!(flat.histogram(&[[0.75, 5.0], [0.25, -5.0]]), vec![1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn histogram_1d_counts_with_clamping() {
        let xs = [-1.0, 0.0, 0.49, 0.5, 0.99, 1.0, 7.0, f32::NAN];
        assert_eq!(histogram_1d(&xs, 0.0, 1.0, 2), vec![3.0, 4.0]);
        assert!(histogram_1d(&xs, 0.0, 1.0, 0).is_empty());
    }

    #[test]
    fn js_histogram_2d_closed_forms() {
        let grid = Grid2::from_bounds([[-3.0, -3.0], [3.0, 3.0]], JS_GRID_BINS);
        let a = Toy2d::ring8().sample(1000, &mut StdRng::seed_from_u64(1));
        assert_eq!(js_histogram_2d(&a, &a, &grid), 0.0);
        let left: Vec<Point2> = a.iter().map(|p| [p[0] - 10.0, p[1]]).collect();
        let right: Vec<Point2> = a.iter().map(|p| [p[0] + 10.0, p[1]]).collect();
        let js = js_histogram_2d(&left, &right, &grid);
        assert!((js - LN_2).abs() < 1e-12, "{js}");
        assert!(js_histogram_2d(&a, &[], &grid).is_nan());
    }

    #[test]
    fn js_histogram_2d_is_small_for_two_samples_of_the_same_data() {
        let data = Toy2d::ring8();
        let grid = Grid2::from_bounds(data.view_bounds(), JS_GRID_BINS);
        let a = data.sample(2500, &mut StdRng::seed_from_u64(1));
        let b = data.sample(2500, &mut StdRng::seed_from_u64(2));
        let same = js_histogram_2d(&a, &b, &grid);
        let c = Toy2d::grid25().sample(2500, &mut StdRng::seed_from_u64(3));
        let different = js_histogram_2d(&a, &c, &grid);
        assert!(same > 0.0 && same < 0.05, "same-distribution JS {same}");
        assert!(different > 0.5, "different-distribution JS {different}");
        assert!((same - js_histogram_2d(&b, &a, &grid)).abs() < 1e-15);
    }

    #[test]
    fn js_histogram_1d_closed_forms() {
        let a = [0.1, 0.2, 0.3, 0.8];
        assert_eq!(js_histogram_1d(&a, &a, 0.0, 1.0, 10), 0.0);
        let b = [5.1, 5.2];
        let js = js_histogram_1d(&a, &b, 0.0, 10.0, 10);
        assert!((js - LN_2).abs() < 1e-12, "{js}");
        // Two bins over [0,1]: a → (½,½), c → (1,0); hand value ¾ ln(4/3).
        let a2 = [0.25, 0.75];
        let c = [0.1, 0.2, 0.3];
        let js = js_histogram_1d(&a2, &c, 0.0, 1.0, 2);
        assert!((js - 0.75 * (4.0f64 / 3.0).ln()).abs() < 1e-12, "{js}");
    }

    /// Two Gaussians in 2-D with D set to D* from their densities: the estimate through D
    /// converges to the JSD computed by quadrature (the midpoint rule on a fine grid), within
    /// four standard errors of its Monte-Carlo mean.
    #[test]
    fn js_through_the_optimal_discriminator_is_the_jsd_of_two_gaussians() {
        use rand_distr::{Distribution as _, StandardNormal};
        // p = N((0, 0), I), q = N((1.5, 0.5), diag(0.7², 1.2²)).
        let log_n = |x: f64, y: f64, mx: f64, my: f64, sx: f64, sy: f64| {
            let (u, v) = ((x - mx) / sx, (y - my) / sy);
            -0.5 * (u * u + v * v) - (2.0 * std::f64::consts::PI * sx * sy).ln()
        };
        let log_p = |x: f64, y: f64| log_n(x, y, 0.0, 0.0, 1.0, 1.0);
        let log_q = |x: f64, y: f64| log_n(x, y, 1.5, 0.5, 0.7, 1.2);
        // JSD = ½ ∫ p log(2p/(p+q)) + ½ ∫ q log(2q/(p+q)) on [−9, 10]², 1200² cells.
        let (lo, hi, cells) = (-9.0, 10.0, 1200);
        let h = (hi - lo) / cells as f64;
        let mut jsd = 0.0;
        for i in 0..cells {
            for j in 0..cells {
                let (x, y) = (lo + (i as f64 + 0.5) * h, lo + (j as f64 + 0.5) * h);
                let (lp, lq) = (log_p(x, y), log_q(x, y));
                let lm = (lp.exp() + lq.exp()).ln();
                jsd += 0.5
                    * (lp.exp() * (std::f64::consts::LN_2 + lp - lm) + lq.exp() * (std::f64::consts::LN_2 + lq - lm))
                    * h
                    * h;
            }
        }
        assert!(jsd > 0.1 && jsd < 0.6, "a JSD that tells the two apart: {jsd}");
        let mut rng = StdRng::seed_from_u64(9);
        let n = 200_000;
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        // D* = p/(p + q): its logit is log p − log q.
        let real: Vec<f32> =
            (0..n).map(|_| (normal(), normal())).map(|(x, y)| (log_p(x, y) - log_q(x, y)) as f32).collect();
        let fake: Vec<f32> = (0..n)
            .map(|_| (1.5 + 0.7 * normal(), 0.5 + 1.2 * normal()))
            .map(|(x, y)| (log_p(x, y) - log_q(x, y)) as f32)
            .collect();
        let got = js_through_discriminator(&real, &fake);
        // Standard error of (−E softplus(−l_r) − E softplus(l_f))/2.
        let sd = |v: &[f32], sign: f64| {
            let t: Vec<f64> = v
                .iter()
                .map(|&l| {
                    let a = sign * f64::from(l);
                    a.max(0.0) + (-a.abs()).exp().ln_1p()
                })
                .collect();
            let m = t.iter().sum::<f64>() / t.len() as f64;
            (t.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (t.len() - 1) as f64).sqrt()
        };
        let se = 0.5 * ((sd(&real, -1.0).powi(2) + sd(&fake, 1.0).powi(2)) / n as f64).sqrt();
        assert!((got - jsd).abs() < 4.0 * se + 1e-4, "through D*: {got} ± {se} against {jsd} by quadrature");
    }

    /// A case where both estimates are exact: p uniform on [0, 2] × [0, 1], q uniform on
    /// [1, 3] × [0, 1], both sampled on the same lattice so that every histogram cell gets the
    /// same count; JSD = ½ ln 2 (half of each law's mass is shared). The histogram estimate on
    /// a grid aligned with the lattice, and the estimate through D* (logit +∞ where only p
    /// lives, −∞ where only q does, 0 on the overlap; ±40 stands for ∞), both give it.
    #[test]
    fn histogram_and_discriminator_estimates_agree_where_both_are_exact() {
        let half_ln2 = 0.5 * LN_2;
        let lattice = |x0: f32| -> Vec<Point2> {
            (0..40)
                .flat_map(|i| (0..20).map(move |j| [x0 + (i as f32 + 0.5) / 20.0, (j as f32 + 0.5) / 20.0]))
                .collect()
        };
        let (p, q) = (lattice(0.0), lattice(1.0));
        let grid = Grid2 { min: [0.0, 0.0], max: [3.0, 1.0], bins: 6 };
        let hist = js_histogram_2d(&p, &q, &grid);
        assert!((hist - half_ln2).abs() < 1e-12, "histogram: {hist}");
        let logit = |pt: &Point2| {
            if pt[0] < 1.0 {
                40.0
            } else if pt[0] > 2.0 {
                -40.0
            } else {
                0.0
            }
        };
        let real: Vec<f32> = p.iter().map(logit).collect();
        let fake: Vec<f32> = q.iter().map(logit).collect();
        let through_d = js_through_discriminator(&real, &fake);
        assert!((through_d - half_ln2).abs() < 1e-12, "through D*: {through_d}");
    }
}
