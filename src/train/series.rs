//! A metric history with bounded memory: values are averaged into buckets whose width
//! doubles each time the history fills, so a run of millions of steps keeps a flat footprint
//! and an honest (averaged, not sub-sampled) curve.

/// A bounded, self-decimating series of (step, value) points.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    points: Vec<[f64; 2]>,
    capacity: usize,
    stride: u64,
    acc_x: f64,
    acc_y: f64,
    acc_n: u64,
    /// The last observation (step, value), so that another at the same step replaces it.
    last_obs: Option<(f64, f64)>,
}

impl Series {
    /// Default number of points kept before decimating.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// An empty series keeping at most `capacity` points (at least 4).
    pub fn new(capacity: usize) -> Self {
        Self {
            points: Vec::with_capacity(capacity),
            capacity: capacity.max(4),
            stride: 1,
            acc_x: 0.0,
            acc_y: 0.0,
            acc_n: 0,
            last_obs: None,
        }
    }

    /// Adds one observation, or replaces the last one if it was made at the same step (a
    /// metric evaluated again at a step, after a discriminator step or a redraw while paused,
    /// drew a vertical segment at that step; issue 14, item 11). Non-finite values are skipped.
    pub fn record(&mut self, step: f64, value: f64) {
        if !value.is_finite() {
            return;
        }
        match self.last_obs {
            Some((last_step, last_value)) if last_step == step => {
                let change = value - last_value;
                if self.acc_n > 0 {
                    self.acc_y += change;
                } else if let Some(p) = self.points.last_mut() {
                    // The last point averages `stride` observations, the last one among them.
                    p[1] += change / self.stride as f64;
                }
                self.last_obs = Some((step, value));
            }
            _ => self.push(step, value),
        }
    }

    /// Adds one observation. Non-finite values are skipped (a curve cannot show them).
    pub fn push(&mut self, step: f64, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.last_obs = Some((step, value));
        self.acc_x += step;
        self.acc_y += value;
        self.acc_n += 1;
        if self.acc_n >= self.stride {
            let n = self.acc_n as f64;
            self.points.push([self.acc_x / n, self.acc_y / n]);
            self.acc_x = 0.0;
            self.acc_y = 0.0;
            self.acc_n = 0;
            if self.points.len() >= self.capacity {
                self.halve();
            }
        }
    }

    fn halve(&mut self) {
        let merged: Vec<[f64; 2]> = self
            .points
            .chunks(2)
            .map(|c| if c.len() == 2 { [(c[0][0] + c[1][0]) / 2.0, (c[0][1] + c[1][1]) / 2.0] } else { c[0] })
            .collect();
        self.points = merged;
        self.stride *= 2;
    }

    /// The stored points, oldest first.
    pub fn points(&self) -> &[[f64; 2]] {
        &self.points
    }

    /// The most recent stored value.
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|p| p[1])
    }

    /// How many observations each stored point now averages.
    pub fn stride(&self) -> u64 {
        self.stride
    }
}

/// Named curves as CSV, one row per stored point: `curve,step,value,averages` (`averages`:
/// how many observations the point averages, as [`Series::stride`] says), after a header.
/// Steps and values are written so that they read back to the same numbers.
pub fn curves_csv(curves: &[(&str, &Series)]) -> String {
    let mut out = String::from("curve,step,value,averages\n");
    for (name, series) in curves {
        // A name is a plain word here; quote it anyway if it ever holds a comma or quote.
        let name = if name.contains([',', '"', '\n']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            (*name).to_owned()
        };
        for p in series.points() {
            out.push_str(&format!("{name},{},{},{}\n", p[0], p[1], series.stride()));
        }
    }
    out
}

impl Default for Series {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

/// What a chart of some series shows: its x and y ranges. Computed here, not in the UI, so
/// that it is tested (issue 14, items 10 and 11).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartRange {
    /// Steps shown, `[first, last]`.
    pub x: [f64; 2],
    /// Values shown, `[low, high]`.
    pub y: [f64; 2],
    /// Whether some values lie beyond `y` (a spike the range leaves out).
    pub clipped: bool,
}

/// Fraction of the y range left free above the data, for the legend.
pub const LEGEND_HEADROOM: f64 = 0.35;
/// The smallest x span a chart shows, so that a history of one step still gets ticks.
pub const MIN_STEP_SPAN: f64 = 10.0;

/// The range a chart of `series` shows. x runs from 0 to `last_step` (at least
/// [`MIN_STEP_SPAN`]) plus 4 % so that the last tick's label is not cut off. y spans the
/// values and `include`; when the full span is more than 5 times the span of the middle 96 %
/// of the values (a loss spike of 1000 among losses near 1 flattened the whole history), it
/// spans the 2nd to 98th percentiles instead and `clipped` says so. 5 % margins, then
/// [`LEGEND_HEADROOM`] on top; the low end never goes below `floor` (0 for a norm).
pub fn chart_range(series: &[&Series], last_step: f64, include: &[f64], floor: Option<f64>) -> ChartRange {
    let x_hi = last_step.max(MIN_STEP_SPAN) * 1.04;
    let mut values: Vec<f64> = series.iter().flat_map(|s| s.points().iter().map(|p| p[1])).collect();
    values.sort_by(f64::total_cmp);
    let (mut lo, mut hi, mut clipped) = match (values.first(), values.last()) {
        (Some(&first), Some(&last)) => {
            let q = |f: f64| values[((values.len() - 1) as f64 * f).round() as usize];
            let (q_lo, q_hi) = (q(0.02), q(0.98));
            if last - first > 5.0 * (q_hi - q_lo).max(1e-12) && values.len() >= 20 {
                (q_lo, q_hi, true)
            } else {
                (first, last, false)
            }
        }
        _ => (0.0, 1.0, false),
    };
    for v in include.iter().filter(|v| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if clipped {
        clipped = values.first().is_some_and(|v| *v < lo) || values.last().is_some_and(|v| *v > hi);
    }
    let span = (hi - lo).max(1e-3 * hi.abs().max(lo.abs())).max(1e-9);
    let mut low = lo - 0.05 * span;
    if let Some(f) = floor {
        low = low.max(f);
    }
    let high = hi + (0.05 + LEGEND_HEADROOM) * span;
    ChartRange { x: [0.0, x_hi], y: [low, high], clipped }
}

#[cfg(test)]
mod tests {
    #[test]
    fn curves_csv_has_a_row_per_point_that_reads_back_to_the_numbers() {
        let mut a = super::Series::new(8);
        a.push(0.0, 0.1);
        a.push(1.0, 1.0 / 3.0);
        let mut b = super::Series::new(8);
        b.push(5.0, -2.5e-7);
        let csv = super::curves_csv(&[("d_loss", &a), ("odd, name", &b)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "curve,step,value,averages");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "d_loss,0,0.1,1");
        let third: f64 = lines[2].split(',').nth(2).unwrap().parse().unwrap();
        assert_eq!(third, 1.0 / 3.0, "bit for bit");
        assert_eq!(lines[3], "\"odd, name\",5,-0.00000025,1");
    }

    use super::*;

    #[test]
    fn an_observation_at_the_same_step_replaces_the_last() {
        let mut s = Series::new(8);
        s.record(0.0, 1.0);
        s.record(0.0, 5.0);
        s.record(0.0, 3.0);
        assert_eq!(s.points(), &[[0.0, 3.0]], "one point at step 0: no vertical segment");
        s.record(1.0, 2.0);
        assert_eq!(s.points(), &[[0.0, 3.0], [1.0, 2.0]]);
        // In a bucket of 2 (after halving), replacing the last observation moves the bucket's mean.
        let mut b = Series::new(4);
        for i in 0..4 {
            b.record(f64::from(i), f64::from(i));
        }
        b.record(4.0, 4.0);
        b.record(5.0, 6.0);
        assert_eq!(b.points()[2], [4.5, 5.0]);
        b.record(5.0, 8.0);
        assert_eq!(b.points()[2], [4.5, 6.0]);
    }

    #[test]
    fn chart_ranges_leave_out_a_spike_keep_a_floor_and_room_for_the_legend() {
        let mut s = Series::new(1024);
        for i in 0..100 {
            s.push(f64::from(i), 1.0 + 0.01 * f64::from(i % 10));
        }
        s.push(100.0, 1500.0);
        let r = chart_range(&[&s], 100.0, &[], None);
        // Values 1.00..1.09 and one 1500: the range is the 2nd..98th percentiles, 1.00..1.09.
        assert!(r.clipped);
        let span = 0.09;
        assert!((r.y[0] - (1.0 - 0.05 * span)).abs() < 1e-9, "{r:?}");
        assert!((r.y[1] - (1.09 + (0.05 + LEGEND_HEADROOM) * span)).abs() < 1e-9, "{r:?}");
        assert_eq!(r.x, [0.0, 104.0]);
        // Without the spike, the full range.
        let mut g = Series::new(1024);
        for i in 0..50 {
            g.push(f64::from(i), f64::from(i) / 49.0);
        }
        let r = chart_range(&[&g], 0.0, &[0.0], Some(0.0));
        assert!(!r.clipped);
        assert_eq!(r.y[0], 0.0, "a norm's axis never goes below 0");
        assert!((r.y[1] - 1.4).abs() < 1e-9, "{r:?}");
        assert_eq!(r.x, [0.0, MIN_STEP_SPAN * 1.04], "one step still gets an x span");
        let empty = chart_range(&[], 0.0, &[], None);
        assert!(empty.y[0] < empty.y[1]);
    }

    #[test]
    fn memory_stays_bounded_over_millions_of_points() {
        let mut s = Series::new(256);
        for i in 0..3_000_000u64 {
            s.push(i as f64, 1.0);
        }
        assert!(s.points().len() < 256);
        assert!(s.points().len() >= 128);
        let last_x = s.points().last().unwrap()[0];
        assert!(last_x > 2_900_000.0, "{last_x}");
        assert!(s.points().iter().all(|p| p[1] == 1.0));
    }

    #[test]
    fn buckets_are_means() {
        let mut s = Series::new(4);
        for i in 0..4 {
            s.push(i as f64, i as f64);
        }
        // Filled at 4 points: merged into [0.5, 0.5], [2.5, 2.5], stride 2.
        assert_eq!(s.points(), &[[0.5, 0.5], [2.5, 2.5]]);
        assert_eq!(s.stride(), 2);
        s.push(4.0, 4.0);
        assert_eq!(s.points().len(), 2);
        s.push(5.0, f64::NAN);
        s.push(5.0, 6.0);
        assert_eq!(s.points()[2], [4.5, 5.0]);
    }
}
