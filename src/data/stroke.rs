//! Points drawn with the mouse, sampled along the stroke by distance: a frame gives one
//! pointer position, so a fast 2-second circle gave only 14 points (issue 14, item 13). The
//! stroke is filled in between frames at a fixed spacing in data units.

use super::toy2d::Point2;

/// The spacing of drawn points, as a fraction of the plane's width (0.01: a stroke across the
/// plane gives 100 points).
pub const STROKE_SPACING: f32 = 0.01;

/// Extends a stroke whose last point is `points.last()` towards `to`: adds points on the
/// segment every `spacing` from the last point, the last one at most `spacing` short of `to`
/// (the rest is carried to the next call, which starts from it). An empty stroke starts at
/// `to`. Returns how many points were added. A non-positive or non-finite spacing adds `to`.
pub fn extend_stroke(points: &mut Vec<Point2>, to: Point2, spacing: f32) -> usize {
    let Some(&from) = points.last() else {
        points.push(to);
        return 1;
    };
    if !(spacing.is_finite() && spacing > 0.0) {
        points.push(to);
        return 1;
    }
    let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
    let length = dx.hypot(dy);
    // Integer steps along the segment, so that rounding never drifts along a long stroke.
    let steps = (length / spacing + 1e-4).floor() as usize;
    for k in 1..=steps {
        let t = k as f32 * spacing / length;
        points.push([from[0] + t * dx, from[1] + t * dy]);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_stroke_gets_a_point_every_spacing() {
        let mut pts = Vec::new();
        assert_eq!(extend_stroke(&mut pts, [0.0, 0.0], 0.1), 1);
        // One jump of length 1: 10 more points, 0.1 apart, the last at (1, 0).
        assert_eq!(extend_stroke(&mut pts, [1.0, 0.0], 0.1), 10);
        assert_eq!(pts.len(), 11);
        for (k, p) in pts.iter().enumerate() {
            assert!((p[0] - 0.1 * k as f32).abs() < 1e-5 && p[1] == 0.0, "{k}: {p:?}");
        }
        // Short moves add nothing until the spacing is reached, measured from the last point.
        assert_eq!(extend_stroke(&mut pts, [1.04, 0.0], 0.1), 0);
        assert_eq!(extend_stroke(&mut pts, [1.25, 0.0], 0.1), 2);
        assert!((pts[12][0] - 1.2).abs() < 1e-5);
    }

    #[test]
    fn a_circle_drawn_in_few_frames_is_sampled_along_its_length() {
        // 14 pointer positions around a circle of radius 2 (the 14 points): its
        // chords, sampled every 0.06, give about 2πr·(chord/arc)/0.06 ≈ 207 points.
        let mut pts = Vec::new();
        let spacing = 0.06;
        for i in 0..=14 {
            let a = 2.0 * std::f32::consts::PI * i as f32 / 14.0;
            extend_stroke(&mut pts, [2.0 * a.cos(), 2.0 * a.sin()], spacing);
        }
        let chord = 2.0 * 2.0 * (std::f32::consts::PI / 14.0).sin();
        let expected = 14.0 * chord / spacing;
        assert!((pts.len() as f32 - expected).abs() <= 15.0, "{} points, expected about {expected}", pts.len());
        for w in pts.windows(2) {
            assert!((w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]) <= spacing + 1e-4);
        }
    }
}
