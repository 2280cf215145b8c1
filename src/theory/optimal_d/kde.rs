//! A kernel density estimate of a generator known only by its samples (Silverman's
//! bandwidth), evaluated on a grid.

use super::*;

/// Kernels further than this many bandwidths from a point are skipped by
/// [`Kde::pdf_grid`]; each skipped kernel is below φ(8) ≈ 5.1e-15 of a peak.
pub(super) const KDE_CUTOFF_BANDWIDTHS: f64 = 8.0;

/// The bandwidth [`silverman_bandwidth`] falls back to when the samples have
/// no spread at all (fewer than two finite values, or all equal).
pub(super) const FALLBACK_BANDWIDTH: f64 = 1e-3;

/// Value at probability `prob` of sorted finite data, by linear
/// interpolation between order statistics (Hyndman–Fan type 7, numpy's
/// default). `sorted` must be non-empty.
pub(super) fn sorted_quantile(sorted: &[f64], prob: f64) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let position = prob * last as f64;
    let below = position.floor();
    let index = below as usize;
    let fraction = position - below;
    match (sorted.get(index), sorted.get(index + 1)) {
        (Some(&a), Some(&b)) => a + fraction * (b - a),
        (Some(&a), None) => a,
        _ => f64::NAN,
    }
}

/// Silverman's rule-of-thumb bandwidth for a Gaussian KDE,
/// h = 0.9 · min(sd, IQR/1.34) · n^(−1/5), used by [`Kde::new`] to estimate a
/// generator's density p_g from its samples (sheet task 3).
///
/// Only finite samples count; sd is the sample standard deviation
/// (divisor n − 1) and IQR the distance between the type-7 (linearly
/// interpolated) quartiles. When IQR is 0 the rule uses sd alone; when sd is
/// 0 too (all samples equal), or there are fewer than 2 finite samples, or
/// the result is not finite, it returns 1e-3.
pub fn silverman_bandwidth(samples: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.len() < 2 {
        return FALLBACK_BANDWIDTH;
    }
    sorted.sort_by(f64::total_cmp);
    let count = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / count;
    let variance = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let sd = variance.sqrt();
    let iqr = sorted_quantile(&sorted, 0.75) - sorted_quantile(&sorted, 0.25);
    let robust = sd.min(iqr / 1.34);
    let spread = if robust > 0.0 {
        robust
    } else if sd > 0.0 {
        sd
    } else {
        return FALLBACK_BANDWIDTH;
    };
    let h = 0.9 * spread * count.powf(-0.2);
    if h > 0.0 && h.is_finite() {
        h
    } else {
        FALLBACK_BANDWIDTH
    }
}

/// A Gaussian kernel density estimate p̂(x) = (1/(n·h)) Σᵢ φ((x − xᵢ)/h),
/// standing in for p_g when a generator's density is known only through its
/// samples, so that D* = p_data/(p_data + p̂_g) can still be drawn (sheet
/// task 3).
#[derive(Clone, Debug, PartialEq)]
pub struct Kde {
    /// The finite samples, sorted ascending.
    samples: Vec<f64>,
    /// The kernel bandwidth h > 0.
    bandwidth: f64,
}

impl Kde {
    /// A KDE of the finite values in `samples` (non-finite ones are dropped)
    /// with bandwidth h = `bandwidth`, or Silverman's rule
    /// ([`silverman_bandwidth`]) when it is None (sheet task 3).
    ///
    /// None when fewer than 2 samples are finite, or when the given bandwidth
    /// is not finite and > 0.
    pub fn new(samples: &[f32], bandwidth: Option<f64>) -> Option<Self> {
        let mut sorted: Vec<f64> = samples.iter().filter(|v| v.is_finite()).map(|&v| f64::from(v)).collect();
        if sorted.len() < 2 {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let bandwidth = match bandwidth {
            Some(h) if h > 0.0 && h.is_finite() => h,
            Some(_) => return None,
            None => silverman_bandwidth(&sorted),
        };
        Some(Self { samples: sorted, bandwidth })
    }

    /// The kernel bandwidth h (sheet task 3).
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }

    /// The number n of (finite) samples the estimate is built on (sheet
    /// task 3).
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// (min xᵢ − k·h, max xᵢ + k·h) for k = `bandwidths`: a range that holds
    /// all but a fraction Φ(−k) of the estimate's mass on each side, for
    /// plotting or integrating p̂ (sheet task 3). NaN `bandwidths` gives NaN.
    pub fn range(&self, bandwidths: f64) -> (f64, f64) {
        let first = self.samples.first().copied().unwrap_or(f64::NAN);
        let last = self.samples.last().copied().unwrap_or(f64::NAN);
        (first - bandwidths * self.bandwidth, last + bandwidths * self.bandwidth)
    }

    /// (1/(n·h)) · Σ over `window` of exp(−½((x − xᵢ)/h)²)/√(2π).
    fn kernel_sum(&self, x: f64, window: &[f64]) -> f64 {
        let h = self.bandwidth;
        let sum: f64 = window
            .iter()
            .map(|&s| {
                let z = (x - s) / h;
                (-0.5 * z * z).exp()
            })
            .sum();
        sum / (self.samples.len() as f64 * h * (2.0 * PI).sqrt())
    }

    /// p̂(x) = (1/(n·h)) Σᵢ φ((x − xᵢ)/h) summed over every sample (exact;
    /// O(n) per point) (sheet task 3). Integrates to 1; NaN for NaN x, 0 at
    /// ±∞.
    pub fn pdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        self.kernel_sum(x, &self.samples)
    }

    /// p̂ at every point of `xs` (any order), for drawing p̂_g and D* on a
    /// plot grid (sheet task 3). Fast: for each point only the samples within
    /// ±8 bandwidths are summed, found by binary search in the sorted samples,
    /// so 400 points × 5000 samples cost about as many kernel evaluations as
    /// samples fall in those windows. The skipped kernels change a value by
    /// less than φ(8)/h ≈ 5.1e-15/h in absolute terms. NaN for a NaN point.
    pub fn pdf_grid(&self, xs: &[f64]) -> Vec<f64> {
        let reach = KDE_CUTOFF_BANDWIDTHS * self.bandwidth;
        xs.iter()
            .map(|&x| {
                if x.is_nan() {
                    return f64::NAN;
                }
                let start = self.samples.partition_point(|&s| s < x - reach);
                let end = self.samples.partition_point(|&s| s <= x + reach);
                match self.samples.get(start..end) {
                    Some(window) => self.kernel_sum(x, window),
                    None => 0.0,
                }
            })
            .collect()
    }
}
