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
        }
    }

    /// Adds one observation. Non-finite values are skipped (a curve cannot show them).
    pub fn push(&mut self, step: f64, value: f64) {
        if !value.is_finite() {
            return;
        }
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

impl Default for Series {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
