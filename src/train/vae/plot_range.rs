//! The region a latent scatter shows: a robust range of its points (outliers do not set the
//! scale) that always holds the prior's 3σ circle.

/// Share of the points left out at each end of each axis: the 1 % and 99 % quantiles bound
/// the box, so a handful of outlying codes cannot shrink the rest of the cloud.
pub const TAIL: f64 = 0.01;
/// Half the side of the box around the prior's centre that every range holds: its 3σ circle
/// (radius 3) with a margin.
pub const PRIOR_HALF_SIDE: f64 = 3.2;
/// Padding added on each side of the quantile range, as a share of its width.
pub const PAD: f64 = 0.05;

/// The `q`-quantile of `sorted` (ascending, finite, non-empty), linearly interpolated
/// between order statistics (the "type 7" rule of R and NumPy).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The box `[[x_min, y_min], [x_max, y_max]]` a scatter of `points` shows: on each axis the
/// [`TAIL`] and 1 − [`TAIL`] quantiles of its finite coordinates, padded by [`PAD`] of their
/// width, joined with the box of half side [`PRIOR_HALF_SIDE`] around `prior_centre` (so the
/// prior's circles are always in view). Non-finite coordinates are ignored; without finite
/// points it is the prior's box alone.
pub fn robust_bounds(points: &[[f32; 2]], prior_centre: [f32; 2]) -> [[f64; 2]; 2] {
    let mut lo = [0.0; 2];
    let mut hi = [0.0; 2];
    for d in 0..2 {
        let c = f64::from(prior_centre[d]);
        let c = if c.is_finite() { c } else { 0.0 };
        lo[d] = c - PRIOR_HALF_SIDE;
        hi[d] = c + PRIOR_HALF_SIDE;
        let mut v: Vec<f64> = points.iter().map(|p| f64::from(p[d])).filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let (a, b) = (quantile(&v, TAIL), quantile(&v, 1.0 - TAIL));
        let pad = PAD * (b - a);
        lo[d] = lo[d].min(a - pad);
        hi[d] = hi[d].max(b + pad);
    }
    [lo, hi]
}

/// The smallest box holding both `a` and `b` (for scatters drawn on shared axes).
pub fn union(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    [[a[0][0].min(b[0][0]), a[0][1].min(b[0][1])], [a[1][0].max(b[1][0]), a[1][1].max(b[1][1])]]
}

/// `b` widened on one axis, about its centre, so that its width over its height is `aspect`
/// (a plot area's width over its height): drawn there with equal units on both axes it then
/// fills the area, and nothing of `b` is cut. A non-positive or non-finite aspect leaves it.
pub fn fit_aspect(b: [[f64; 2]; 2], aspect: f64) -> [[f64; 2]; 2] {
    let [lo, hi] = b;
    let (w, h) = (hi[0] - lo[0], hi[1] - lo[1]);
    if !(aspect.is_finite() && aspect > 0.0 && w > 0.0 && h > 0.0) {
        return b;
    }
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let (w, h) = if w / h < aspect { (h * aspect, h) } else { (w, w / aspect) };
    [[centre[0] - w / 2.0, centre[1] - h / 2.0], [centre[0] + w / 2.0, centre[1] + h / 2.0]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 0.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.5), 2.0);
        // h = 0.1 · 4 = 0.4: 0.4 of the way from 0 to 1.
        assert!((quantile(&v, 0.1) - 0.4).abs() < 1e-12);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn a_few_outliers_do_not_set_the_range() {
        // 1000 points uniform on [−10, 10] on both axes, and 5 at 1e6.
        let mut pts: Vec<[f32; 2]> = (0..1000).map(|i| [-10.0 + 20.0 * i as f32 / 999.0; 2]).collect();
        pts.extend([[1e6, -1e6]; 5]);
        let [lo, hi] = robust_bounds(&pts, [0.0, 0.0]);
        // The sorted x: 1000 points then 5 at 1e6; the 99 % quantile at h = 0.99 · 1004 = 993.96.
        let mut xs: Vec<f64> = pts.iter().map(|p| f64::from(p[0])).collect();
        xs.sort_by(f64::total_cmp);
        let (a, b) = (quantile(&xs, 0.01), quantile(&xs, 0.99));
        assert!((hi[0] - (b + 0.05 * (b - a))).abs() < 1e-9, "{hi:?}");
        assert!((lo[0] - (a - 0.05 * (b - a))).abs() < 1e-9, "{lo:?}");
        assert!(hi[0] < 12.0 && lo[0] > -12.0, "the outliers at 1e6 are left out: {lo:?} {hi:?}");
        assert!(lo[1] > -12.0, "and at −1e6 on y: {lo:?}");
    }

    #[test]
    fn the_prior_box_is_always_held_and_junk_is_ignored() {
        // A tight cloud near (0.5, 0.5): the range is the prior's box.
        let pts = vec![[0.5f32, 0.5]; 100];
        assert_eq!(robust_bounds(&pts, [0.0, 0.0]), [[-3.2, -3.2], [3.2, 3.2]]);
        // Around another centre (a PCA plane's origin).
        let b = robust_bounds(&[], [1.0, -2.0]);
        let want = [[-2.2, -5.2], [4.2, 1.2]];
        assert!(b.iter().flatten().zip(want.iter().flatten()).all(|(x, y)| (x - y).abs() < 1e-12), "{b:?}");
        // Non-finite codes are ignored; without finite ones only the prior's box remains.
        let junk = vec![[f32::NAN, f32::INFINITY]; 10];
        assert_eq!(robust_bounds(&junk, [0.0, 0.0]), [[-3.2, -3.2], [3.2, 3.2]]);
    }

    #[test]
    fn fitting_an_aspect_widens_one_axis_about_the_centre() {
        // 2 wide, 4 high, into an area twice as wide as high: the width becomes 8.
        assert_eq!(fit_aspect([[0.0, 0.0], [2.0, 4.0]], 2.0), [[-3.0, 0.0], [5.0, 4.0]]);
        // 4 wide, 1 high, into a square: the height becomes 4.
        assert_eq!(fit_aspect([[0.0, 0.0], [4.0, 1.0]], 1.0), [[0.0, -1.5], [4.0, 2.5]]);
        // Already right, or no usable aspect: unchanged.
        assert_eq!(fit_aspect([[0.0, 0.0], [2.0, 2.0]], 1.0), [[0.0, 0.0], [2.0, 2.0]]);
        assert_eq!(fit_aspect([[0.0, 0.0], [2.0, 1.0]], f64::NAN), [[0.0, 0.0], [2.0, 1.0]]);
    }

    #[test]
    fn the_union_holds_both_boxes() {
        let a = [[-1.0, -5.0], [2.0, 1.0]];
        let b = [[-3.0, -2.0], [1.0, 4.0]];
        assert_eq!(union(a, b), [[-3.0, -5.0], [2.0, 4.0]]);
    }
}
