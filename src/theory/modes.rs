//! Mode coverage of generated samples against an isotropic Gaussian mixture
//! (the "modes covered / high-quality samples" measure used for ring and grid
//! toy data in the GAN mode-collapse literature).

use crate::data::toy2d::Point2;

/// A sample is high quality when it is within this many σ (Euclidean
/// distance) of its nearest mode centre.
pub const HIGH_QUALITY_SIGMAS: f32 = 3.0;

/// Number of generated samples the coverage metric is computed on.
pub const COVERAGE_SAMPLES: usize = 2500;

/// A mode is covered when at least this many high-quality samples are assigned to it.
pub const COVERAGE_MIN_COUNT: usize = 20;

/// One-paragraph plain-English definition of the metric, for a UI tooltip.
pub const DEFINITION: &str = "Mode coverage: we draw N = 2500 samples from the generator and \
assign each to its nearest mode centre. A sample is high quality when it lies within 3σ \
(Euclidean distance, σ = the data's per-mode standard deviation) of that centre. A mode is \
covered when at least 20 of the 2500 samples are high-quality samples assigned to it. \
\"Modes covered\" counts such modes; \"high quality\" is the share of all samples that are \
high quality. A collapsed generator covers few modes; a blurry one has a low high-quality share.";

/// Result of [`mode_coverage`].
#[derive(Clone, Debug, PartialEq)]
pub struct ModeCoverage {
    /// Per mode: number of finite samples whose nearest centre is this mode.
    pub assigned: Vec<usize>,
    /// Per mode: of the assigned samples, those within 3σ of the centre.
    pub high_quality: Vec<usize>,
    /// Number of modes whose high-quality count is at least the minimum count.
    pub modes_covered: usize,
    /// Number of modes (centres).
    pub modes_total: usize,
    /// Sum of `high_quality` divided by `n_samples`; 0 when there are no samples.
    pub high_quality_fraction: f64,
    /// Number of samples given, including non-finite ones.
    pub n_samples: usize,
}

impl ModeCoverage {
    /// One-line summary such as "8/8 modes, 99.6% high quality".
    pub fn summary(&self) -> String {
        format!(
            "{}/{} modes, {:.1}% high quality",
            self.modes_covered,
            self.modes_total,
            100.0 * self.high_quality_fraction
        )
    }
}

/// Measures how well `samples` cover the mixture with the given `centres` and
/// per-axis standard deviation `sigma` (its absolute value is used).
///
/// Each finite sample is assigned to its nearest centre (ties go to the lower
/// index) and is high quality when its Euclidean distance to that centre is
/// at most [`HIGH_QUALITY_SIGMAS`]·σ. A mode is covered when its high-quality
/// count is at least `min_count` (a `min_count` of 0 is treated as 1, so a
/// mode with no samples is never covered). Samples with a NaN or infinite
/// coordinate count toward `n_samples` but are assigned to no mode and are
/// never high quality. Centres with non-finite coordinates never attract samples.
/// Use [`COVERAGE_SAMPLES`] samples and [`COVERAGE_MIN_COUNT`] for the standard metric.
pub fn mode_coverage(samples: &[Point2], centres: &[Point2], sigma: f32, min_count: usize) -> ModeCoverage {
    let mut assigned = vec![0usize; centres.len()];
    let mut high_quality = vec![0usize; centres.len()];
    let radius = f64::from(HIGH_QUALITY_SIGMAS) * f64::from(sigma.abs());
    let radius_squared = radius * radius;
    for sample in samples.iter().filter(|s| s[0].is_finite() && s[1].is_finite()) {
        if let Some((mode, distance_squared)) = nearest_centre(*sample, centres) {
            if let Some(count) = assigned.get_mut(mode) {
                *count += 1;
            }
            if distance_squared <= radius_squared {
                if let Some(count) = high_quality.get_mut(mode) {
                    *count += 1;
                }
            }
        }
    }
    let threshold = min_count.max(1);
    let modes_covered = high_quality.iter().filter(|&&c| c >= threshold).count();
    let total_high_quality: usize = high_quality.iter().sum();
    let high_quality_fraction = if samples.is_empty() { 0.0 } else { total_high_quality as f64 / samples.len() as f64 };
    ModeCoverage {
        assigned,
        high_quality,
        modes_covered,
        modes_total: centres.len(),
        high_quality_fraction,
        n_samples: samples.len(),
    }
}

/// Index of the nearest centre to `point` and the squared distance to it
/// (in f64); `None` when there is no finite centre.
fn nearest_centre(point: Point2, centres: &[Point2]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (index, centre) in centres.iter().enumerate() {
        let dx = f64::from(point[0]) - f64::from(centre[0]);
        let dy = f64::from(point[1]) - f64::from(centre[1]);
        let distance_squared = dx * dx + dy * dy;
        let closer = match best {
            None => distance_squared.is_finite(),
            Some((_, best_squared)) => distance_squared < best_squared,
        };
        if closer {
            best = Some((index, distance_squared));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy2d::Toy2d;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn standard(dataset: &Toy2d, samples: &[Point2]) -> ModeCoverage {
        let spec = dataset.modes().expect("mixture");
        mode_coverage(samples, &spec.centres, spec.sigma, COVERAGE_MIN_COUNT)
    }

    #[test]
    fn ring8_data_itself_covers_all_modes_with_high_quality() {
        let data = Toy2d::ring8();
        let samples = data.sample(COVERAGE_SAMPLES, &mut StdRng::seed_from_u64(1));
        let coverage = standard(&data, &samples);
        assert_eq!(coverage.modes_total, 8);
        assert_eq!(coverage.modes_covered, 8);
        assert_eq!(coverage.n_samples, COVERAGE_SAMPLES);
        assert_eq!(coverage.assigned.iter().sum::<usize>(), COVERAGE_SAMPLES);
        // P(Rayleigh > 3σ) = e^{-4.5} ≈ 1.1 %, so about 98.9 % are expected.
        assert!(coverage.high_quality_fraction >= 0.98, "{coverage:?}");
    }

    #[test]
    fn grid25_data_itself_covers_all_modes_with_high_quality() {
        let data = Toy2d::grid25();
        let samples = data.sample(COVERAGE_SAMPLES, &mut StdRng::seed_from_u64(2));
        let coverage = standard(&data, &samples);
        assert_eq!(coverage.modes_total, 25);
        assert_eq!(coverage.modes_covered, 25);
        assert!(coverage.high_quality_fraction >= 0.98, "{coverage:?}");
    }

    #[test]
    fn samples_from_one_mode_cover_exactly_one_mode() {
        let data = Toy2d::ring8();
        let spec = data.modes().expect("mixture");
        let single = Toy2d::Gaussian { mean: spec.centres[3], std: [spec.sigma, spec.sigma], rho: 0.0 };
        let samples = single.sample(COVERAGE_SAMPLES, &mut StdRng::seed_from_u64(3));
        let coverage = standard(&data, &samples);
        assert_eq!(coverage.modes_covered, 1);
        assert_eq!(coverage.assigned[3], COVERAGE_SAMPLES);
        assert!(coverage.high_quality[3] >= 2400, "{coverage:?}");
    }

    #[test]
    fn samples_at_the_origin_are_never_high_quality_for_ring8() {
        let samples = vec![[0.0, 0.0]; COVERAGE_SAMPLES];
        let coverage = standard(&Toy2d::ring8(), &samples);
        assert_eq!(coverage.high_quality, vec![0; 8]);
        assert_eq!(coverage.modes_covered, 0);
        assert_eq!(coverage.high_quality_fraction, 0.0);
        assert_eq!(coverage.assigned.iter().sum::<usize>(), COVERAGE_SAMPLES);
    }

    #[test]
    fn tiny_hand_made_case_has_exact_counts() {
        let centres = [[0.0, 0.0], [10.0, 0.0]];
        // σ = 1: high quality means distance ≤ 3.
        let samples = [
            [0.0, 0.0],      // mode 0, HQ
            [3.0, 0.0],      // mode 0, HQ (exactly 3σ counts)
            [0.0, -3.5],     // mode 0, not HQ
            [4.9, 0.0],      // mode 0, not HQ
            [8.0, 1.0],      // mode 1, HQ (distance √5)
            [12.0, 2.5],     // mode 1, not HQ (distance √10.25)
            [f32::NAN, 0.0], // ignored but counted
            [f32::INFINITY, 0.0],
        ];
        let coverage = mode_coverage(&samples, &centres, 1.0, 2);
        assert_eq!(
            coverage,
            ModeCoverage {
                assigned: vec![4, 2],
                high_quality: vec![2, 1],
                modes_covered: 1,
                modes_total: 2,
                high_quality_fraction: 3.0 / 8.0,
                n_samples: 8,
            }
        );
        assert_eq!(coverage.summary(), "1/2 modes, 37.5% high quality");
    }

    #[test]
    fn min_count_boundary_19_is_not_covered_20_is() {
        let centres = [[0.0, 0.0], [5.0, 5.0]];
        let mut samples = vec![[0.1, 0.0]; 19];
        samples.extend(vec![[5.0, 5.1]; 20]);
        let coverage = mode_coverage(&samples, &centres, 0.1, COVERAGE_MIN_COUNT);
        assert_eq!(coverage.high_quality, vec![19, 20]);
        assert_eq!(coverage.modes_covered, 1);
        samples.push([0.0, 0.1]);
        let coverage = mode_coverage(&samples, &centres, 0.1, COVERAGE_MIN_COUNT);
        assert_eq!(coverage.modes_covered, 2);
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let coverage = mode_coverage(&[[0.0, 0.0]], &[[-1.0, 0.0], [1.0, 0.0]], 1.0, 1);
        assert_eq!(coverage.assigned, vec![1, 0]);
        assert_eq!(coverage.high_quality, vec![1, 0]);
    }

    #[test]
    fn empty_inputs_give_zeros() {
        let coverage = mode_coverage(&[], &[[0.0, 0.0]], 1.0, 0);
        assert_eq!(coverage.n_samples, 0);
        assert_eq!(coverage.modes_covered, 0, "min_count 0 acts as 1");
        assert_eq!(coverage.high_quality_fraction, 0.0);
        let coverage = mode_coverage(&[[1.0, 1.0]], &[], 1.0, 1);
        assert_eq!(coverage.modes_total, 0);
        assert_eq!(coverage.high_quality_fraction, 0.0);
    }

    #[test]
    fn definition_states_the_thresholds() {
        assert!(DEFINITION.contains("3σ"));
        assert!(DEFINITION.contains("20"));
        assert!(DEFINITION.contains("2500"));
        assert_eq!(HIGH_QUALITY_SIGMAS, 3.0);
        assert_eq!(COVERAGE_SAMPLES, 2500);
        assert_eq!(COVERAGE_MIN_COUNT, 20);
    }
}
