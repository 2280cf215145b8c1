//! A runaway generator: its samples leave the data's region and stay away. SGD at a learning
//! rate of 10 on G alone sent every generated point to about (−9, −69), far outside the view,
//! where D tells them from the data at once (D loss 0.000) and G's gradient vanishes; training
//! went on for 30 000 steps with no message (issue 14, item 6). [`RunawayWatch`] stops such a
//! run: the median distance of the generated evaluation points from the view box (the data's
//! bounding box with its margin) beyond [`RUNAWAY_WIDTHS`] widths of that box, at
//! [`RUNAWAY_EVALUATIONS`] evaluations in a row.

use crate::data::toy2d::Point2;

/// How far outside the view box, in widths of the box, the median generated point must be.
pub const RUNAWAY_WIDTHS: f64 = 2.0;
/// At how many evaluations in a row (at different steps) it must be that far.
pub const RUNAWAY_EVALUATIONS: usize = 3;

/// Distance from `p` to the box `[lo, hi]` (0 inside).
pub fn distance_to_box(p: Point2, [lo, hi]: [Point2; 2]) -> f64 {
    let dx = (lo[0] - p[0]).max(p[0] - hi[0]).max(0.0);
    let dy = (lo[1] - p[1]).max(p[1] - hi[1]).max(0.0);
    f64::from(dx.hypot(dy))
}

/// The median of the points' distances to the box (the upper median for an even count; 0
/// for no points). Non-finite points count as infinitely far.
pub fn median_distance_to_box(points: &[Point2], bounds: [Point2; 2]) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    let mut d: Vec<f64> = points
        .iter()
        .map(|p| if p[0].is_finite() && p[1].is_finite() { distance_to_box(*p, bounds) } else { f64::INFINITY })
        .collect();
    let mid = d.len() / 2;
    let (_, median, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    *median
}

/// Counts the evaluations in a row at which the generator's samples were far from the data.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunawayWatch {
    far: usize,
    last_step: Option<u64>,
}

impl RunawayWatch {
    /// Records the evaluation at `step` of the generated `points` against the view box
    /// `bounds`; returns why the run must stop once the median point has been beyond
    /// [`RUNAWAY_WIDTHS`] box widths outside the box at [`RUNAWAY_EVALUATIONS`] evaluations in
    /// a row. A second evaluation at the same step (a picture redrawn while paused) counts once.
    pub fn check(&mut self, step: u64, points: &[Point2], bounds: [Point2; 2]) -> Option<String> {
        if self.last_step == Some(step) {
            return None;
        }
        self.last_step = Some(step);
        let [lo, hi] = bounds;
        let width = f64::from((hi[0] - lo[0]).max(hi[1] - lo[1]));
        let median = median_distance_to_box(points, bounds);
        if median > RUNAWAY_WIDTHS * width {
            self.far += 1;
        } else {
            self.far = 0;
        }
        (self.far >= RUNAWAY_EVALUATIONS).then(|| {
            format!(
                "the generated points left the data: at {RUNAWAY_EVALUATIONS} evaluations in a row the median \
                 generated point lay {median:.1} outside the view, more than {RUNAWAY_WIDTHS} × its width ({width:.1}). \
                 Out there D tells them from the data at once and the generator's gradient vanishes, so they \
                 will not come back. Try a smaller generator's learning rate (or Adam), then reset"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: [Point2; 2] = [[-3.0, -3.0], [3.0, 3.0]];

    #[test]
    fn distances_to_the_box_are_zero_inside_and_euclidean_outside() {
        assert_eq!(distance_to_box([0.0, 2.9], BOX), 0.0);
        assert_eq!(distance_to_box([5.0, 0.0], BOX), 2.0);
        assert_eq!(distance_to_box([-6.0, -7.0], BOX), 5.0); // (3, 4) from the corner
                                                             // The points at (−9, −69): 66.27 from the corner (−3, −3).
        let d = distance_to_box([-9.0, -69.0], BOX);
        assert!((d - 6.0f64.hypot(66.0)).abs() < 1e-4, "{d}");
        let pts = [[0.0, 0.0], [4.0, 0.0], [0.0, 10.0], [f32::NAN, 0.0], [0.0, -3.5]];
        // Distances 0, 1, 7, ∞, 0.5: the median is 1.
        assert_eq!(median_distance_to_box(&pts, BOX), 1.0);
        assert_eq!(median_distance_to_box(&[], BOX), 0.0);
    }

    #[test]
    fn a_run_stops_after_the_stated_number_of_far_evaluations_in_a_row() {
        let far = vec![[-9.0f32, -69.0]; 10];
        // 12 outside a box of width 6 is exactly 2 widths: not beyond.
        let edge = vec![[15.0f32, 0.0]; 10];
        let near = vec![[0.5f32, 0.5]; 10];
        let mut w = RunawayWatch::default();
        assert!(
            w.check(1, &edge, BOX).is_none() && w.check(2, &edge, BOX).is_none() && w.check(3, &edge, BOX).is_none()
        );
        for step in 4..4 + RUNAWAY_EVALUATIONS as u64 - 1 {
            assert!(w.check(step, &far, BOX).is_none());
            // Redrawn at the same step: not another evaluation.
            assert!(w.check(step, &far, BOX).is_none());
        }
        // One evaluation back near the data starts the count again.
        assert!(w.check(100, &near, BOX).is_none());
        for step in 101..100 + RUNAWAY_EVALUATIONS as u64 {
            assert!(w.check(step, &far, BOX).is_none());
        }
        let why = w.check(200, &far, BOX).expect("stopped at the stated count");
        assert!(why.contains("66.3 outside the view") && why.contains("learning rate"), "{why}");
    }
}
