//! Two-dimensional toy distributions for watching generative models learn.
//!
//! Every sampler takes the caller's RNG, so a seeded `StdRng` makes the whole
//! run reproducible. Coordinates are `f32`.

use std::f32::consts::PI;
use std::path::Path;

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::data::csv2d;
use crate::data::DataError;

/// A point in the plane, `[x, y]`.
pub type Point2 = [f32; 2];

/// Command-line names accepted by [`Toy2d::parse`], for messages.
pub const DATASET_NAMES: &str = "ring8, grid25, spiral, moons, gaussian, csv:PATH";

/// Number of turns of the [`Toy2d::Spiral`] curve.
pub const SPIRAL_TURNS: f32 = 1.5;

/// Radius growth of the [`Toy2d::Spiral`] curve: radius = angle (radians) / this.
pub const SPIRAL_ANGLE_PER_UNIT_RADIUS: f32 = 3.0;

/// Half-width of the view box of an empty [`Toy2d::Points`] set.
const EMPTY_VIEW_HALF_WIDTH: f32 = 3.0;

/// Margin added on each side of a [`Toy2d::Points`] bounding box, as a fraction of its side.
const POINTS_VIEW_MARGIN_FRACTION: f32 = 0.15;

/// Smallest side of a [`Toy2d::Points`] view box.
const POINTS_VIEW_MIN_SIDE: f32 = 1.0;

/// Noise standard deviations kept inside every view box.
const VIEW_NOISE_SIGMAS: f32 = 4.0;

/// A 2-D data distribution to train on.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Toy2d {
    /// 8 Gaussians evenly spaced on a circle (centre k at angle k·2π/8,
    /// k = 0..7), each with isotropic standard deviation `sigma`, equal weights.
    Ring8 {
        /// Circle radius.
        radius: f32,
        /// Per-axis standard deviation of each component.
        sigma: f32,
    },
    /// 25 Gaussians centred at {-2s, -s, 0, s, 2s}², each with isotropic
    /// standard deviation `sigma`, equal weights.
    Grid25 {
        /// Distance `s` between neighbouring centres.
        spacing: f32,
        /// Per-axis standard deviation of each component.
        sigma: f32,
    },
    /// Archimedean spiral with 1.5 turns: angle θ = 3π·√u with u ~ U(0,1)
    /// (√u makes points roughly uniform along the arc), radius r = θ/3, so the
    /// curve ends at radius π ≈ 3.14 and fits in about [-4,4]². The point is
    /// (r·cos θ, r·sin θ) plus isotropic Gaussian noise of std `noise`.
    Spiral {
        /// Per-axis standard deviation of the added noise.
        noise: f32,
    },
    /// Two interleaving half circles as in scikit-learn's `make_moons`
    /// (outer: (cos t, sin t); inner: (1 − cos t, ½ − sin t); t ~ U(0,π),
    /// each moon with probability ½), shifted so the mixture mean is the
    /// origin and scaled by 4/3 so x spans [-2,2] and y spans [-1,1], then
    /// isotropic Gaussian noise of std `noise` is added (after scaling).
    Moons {
        /// Per-axis standard deviation of the added noise.
        noise: f32,
    },
    /// One Gaussian with the given mean and a full 2×2 covariance
    /// [[sx², ρ·sx·sy], [ρ·sx·sy, sy²]]. ρ is clamped to [-1, 1] and
    /// negative standard deviations are used by absolute value.
    Gaussian {
        /// Mean `[x, y]`.
        mean: Point2,
        /// Standard deviations `[sx, sy]` along x and y.
        std: Point2,
        /// Correlation coefficient ρ between x and y, in (-1, 1).
        rho: f32,
    },
    /// An empirical set (user-drawn or loaded from CSV). Sampling picks points
    /// uniformly with replacement and adds isotropic Gaussian jitter of std
    /// `jitter` (0 gives the points exactly).
    Points {
        /// Display name, e.g. the CSV file name or "Drawn points".
        name: String,
        /// The points.
        points: Vec<Point2>,
        /// Per-axis standard deviation of the jitter added to each sample.
        jitter: f32,
    },
}

/// The component centres of an isotropic Gaussian mixture with equal widths,
/// as needed by the mode-coverage metric.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeSpec {
    /// Component means.
    pub centres: Vec<Point2>,
    /// Per-axis standard deviation shared by all components.
    pub sigma: f32,
}

impl Toy2d {
    /// Ring of 8 Gaussians with radius 2 and sigma 0.02.
    pub fn ring8() -> Self {
        Toy2d::Ring8 { radius: 2.0, sigma: 0.02 }
    }

    /// 5×5 grid of Gaussians with spacing 2 (centres {-4,-2,0,2,4}²) and sigma 0.05.
    pub fn grid25() -> Self {
        Toy2d::Grid25 { spacing: 2.0, sigma: 0.05 }
    }

    /// 1.5-turn spiral with noise 0.05.
    pub fn spiral() -> Self {
        Toy2d::Spiral { noise: 0.05 }
    }

    /// Two moons with noise 0.05.
    pub fn moons() -> Self {
        Toy2d::Moons { noise: 0.05 }
    }

    /// A correlated Gaussian at the origin with std [1.0, 0.5] and ρ = 0.3.
    pub fn gaussian() -> Self {
        Toy2d::Gaussian { mean: [0.0, 0.0], std: [1.0, 0.5], rho: 0.3 }
    }

    /// Human-readable name, e.g. "Ring of 8 Gaussians"; for `Points` its `name`.
    pub fn label(&self) -> String {
        match self {
            Toy2d::Ring8 { .. } => "Ring of 8 Gaussians".to_string(),
            Toy2d::Grid25 { .. } => "Grid of 25 Gaussians".to_string(),
            Toy2d::Spiral { .. } => "Spiral".to_string(),
            Toy2d::Moons { .. } => "Two moons".to_string(),
            Toy2d::Gaussian { .. } => "Correlated Gaussian".to_string(),
            Toy2d::Points { name, .. } => name.clone(),
        }
    }

    /// Short command-line key of the variant: "ring8", "grid25", "spiral",
    /// "moons", "gaussian", or "csv" for `Points`. For the first five,
    /// `Toy2d::parse(d.key())` gives the default of that variant.
    pub fn key(&self) -> &'static str {
        match self {
            Toy2d::Ring8 { .. } => "ring8",
            Toy2d::Grid25 { .. } => "grid25",
            Toy2d::Spiral { .. } => "spiral",
            Toy2d::Moons { .. } => "moons",
            Toy2d::Gaussian { .. } => "gaussian",
            Toy2d::Points { .. } => "csv",
        }
    }

    /// Draws `n` i.i.d. samples using `rng`. An empty `Points` set gives an
    /// empty vector (check [`Toy2d::is_empty_set`] first).
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<Point2> {
        if self.is_empty_set() {
            return Vec::new();
        }
        (0..n).map(|_| self.sample_one(rng)).collect()
    }

    /// Draws one sample; `Points` must be non-empty (an empty set gives the origin).
    fn sample_one<R: Rng + ?Sized>(&self, rng: &mut R) -> Point2 {
        match self {
            Toy2d::Ring8 { radius, sigma } => {
                let centre = ring_centre(*radius, rng.random_range(0..8));
                add_noise(centre, *sigma, rng)
            }
            Toy2d::Grid25 { spacing, sigma } => {
                let centre = grid_centre(*spacing, rng.random_range(0..25));
                add_noise(centre, *sigma, rng)
            }
            Toy2d::Spiral { noise } => {
                let u: f32 = rng.random();
                let angle = SPIRAL_TURNS * 2.0 * PI * u.sqrt();
                let r = angle / SPIRAL_ANGLE_PER_UNIT_RADIUS;
                add_noise([r * angle.cos(), r * angle.sin()], *noise, rng)
            }
            Toy2d::Moons { noise } => {
                let t = rng.random_range(0.0..PI);
                let outer: bool = rng.random();
                let raw = if outer { [t.cos(), t.sin()] } else { [1.0 - t.cos(), 0.5 - t.sin()] };
                // Mixture mean of the raw moons is (0.5, 0.25); x spans [-1, 2].
                let scale = 4.0 / 3.0;
                let point = [(raw[0] - 0.5) * scale, (raw[1] - 0.25) * scale];
                add_noise(point, *noise, rng)
            }
            Toy2d::Gaussian { mean, std, rho } => {
                let z1: f32 = rng.sample(StandardNormal);
                let z2: f32 = rng.sample(StandardNormal);
                let rho = rho.clamp(-1.0, 1.0);
                let [sx, sy] = [std[0].abs(), std[1].abs()];
                let x = mean[0] + sx * z1;
                let y = mean[1] + sy * (rho * z1 + (1.0 - rho * rho).sqrt() * z2);
                [x, y]
            }
            Toy2d::Points { points, jitter, .. } => {
                if points.is_empty() {
                    return [0.0, 0.0];
                }
                let index = rng.random_range(0..points.len());
                let point = points.get(index).copied().unwrap_or_default();
                if *jitter > 0.0 {
                    add_noise(point, *jitter, rng)
                } else {
                    point
                }
            }
        }
    }

    /// Component centres and width for the isotropic mixtures (`Ring8`,
    /// `Grid25`); `None` for every other variant, including `Gaussian`, since
    /// the mode-coverage metric is defined for isotropic mixtures only.
    pub fn modes(&self) -> Option<ModeSpec> {
        match self {
            Toy2d::Ring8 { radius, sigma } => {
                Some(ModeSpec { centres: (0..8).map(|k| ring_centre(*radius, k)).collect(), sigma: sigma.abs() })
            }
            Toy2d::Grid25 { spacing, sigma } => {
                Some(ModeSpec { centres: (0..25).map(|k| grid_centre(*spacing, k)).collect(), sigma: sigma.abs() })
            }
            _ => None,
        }
    }

    /// A square view box `[[xmin, ymin], [xmax, ymax]]` holding essentially
    /// all the mass with a margin: Ring8 ±(1.5·radius + 4σ) (≈ ±3.1 by
    /// default), Grid25 ±(2.75·spacing + 4σ) (≈ ±5.7), Spiral ±(4 + 4·noise),
    /// Moons ±(2.5 + 4·noise), Gaussian centred on the mean with half-width
    /// 4·max(std). Points: the bounding box of the finite points plus 15 % of
    /// its larger side on every side (and 4·jitter), made square, at least 1
    /// wide; an empty set gives [-3,3]².
    pub fn view_bounds(&self) -> [[f32; 2]; 2] {
        match self {
            Toy2d::Ring8 { radius, sigma } => {
                centred_box([0.0, 0.0], 1.5 * radius.abs() + VIEW_NOISE_SIGMAS * sigma.abs())
            }
            Toy2d::Grid25 { spacing, sigma } => {
                centred_box([0.0, 0.0], 2.75 * spacing.abs() + VIEW_NOISE_SIGMAS * sigma.abs())
            }
            Toy2d::Spiral { noise } => centred_box([0.0, 0.0], 4.0 + VIEW_NOISE_SIGMAS * noise.abs()),
            Toy2d::Moons { noise } => centred_box([0.0, 0.0], 2.5 + VIEW_NOISE_SIGMAS * noise.abs()),
            Toy2d::Gaussian { mean, std, .. } => {
                let half = VIEW_NOISE_SIGMAS * std[0].abs().max(std[1].abs());
                centred_box(*mean, half.max(POINTS_VIEW_MIN_SIDE / 2.0))
            }
            Toy2d::Points { points, jitter, .. } => points_view_bounds(points, *jitter),
        }
    }

    /// Parses a command-line data set name: "ring8", "grid25", "spiral",
    /// "moons", "gaussian" (case-insensitive, surrounding spaces ignored) or
    /// "csv:PATH", which loads the file with [`csv2d::load_points`] into a
    /// `Points` set named after the file name, with zero jitter.
    pub fn parse(spec: &str) -> Result<Self, DataError> {
        let trimmed = spec.trim();
        if let Some(path) = trimmed.strip_prefix("csv:") {
            let path = Path::new(path);
            let points = csv2d::load_points(path)?;
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            return Ok(Toy2d::Points { name, points, jitter: 0.0 });
        }
        match trimmed.to_ascii_lowercase().as_str() {
            "ring8" => Ok(Toy2d::ring8()),
            "grid25" => Ok(Toy2d::grid25()),
            "spiral" => Ok(Toy2d::spiral()),
            "moons" => Ok(Toy2d::moons()),
            "gaussian" => Ok(Toy2d::gaussian()),
            _ => Err(DataError::UnknownDataset { name: spec.to_string(), expected: DATASET_NAMES }),
        }
    }

    /// True only for a `Points` set with no points (nothing to sample).
    pub fn is_empty_set(&self) -> bool {
        matches!(self, Toy2d::Points { points, .. } if points.is_empty())
    }
}

/// Centre `k` (0..8) of the ring: angle k·2π/8.
fn ring_centre(radius: f32, k: usize) -> Point2 {
    let angle = k as f32 * 2.0 * PI / 8.0;
    [radius * angle.cos(), radius * angle.sin()]
}

/// Centre `k` (0..25) of the grid, row-major from the bottom-left:
/// x index k % 5, y index k / 5, coordinates (index − 2)·spacing.
fn grid_centre(spacing: f32, k: usize) -> Point2 {
    let ix = (k % 5) as f32 - 2.0;
    let iy = (k / 5) as f32 - 2.0;
    [ix * spacing, iy * spacing]
}

/// Adds isotropic Gaussian noise of per-axis std `sigma` to `point`.
fn add_noise<R: Rng + ?Sized>(point: Point2, sigma: f32, rng: &mut R) -> Point2 {
    let dx: f32 = rng.sample(StandardNormal);
    let dy: f32 = rng.sample(StandardNormal);
    let sigma = sigma.abs();
    [point[0] + sigma * dx, point[1] + sigma * dy]
}

/// Square box of half-width `half` around `centre`.
fn centred_box(centre: Point2, half: f32) -> [[f32; 2]; 2] {
    [[centre[0] - half, centre[1] - half], [centre[0] + half, centre[1] + half]]
}

/// View box of an empirical set (see [`Toy2d::view_bounds`]).
fn points_view_bounds(points: &[Point2], jitter: f32) -> [[f32; 2]; 2] {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for &[x, y] in points.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        lo = [lo[0].min(x), lo[1].min(y)];
        hi = [hi[0].max(x), hi[1].max(y)];
    }
    if lo[0] > hi[0] {
        return centred_box([0.0, 0.0], EMPTY_VIEW_HALF_WIDTH);
    }
    let side = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    let padded = side * (1.0 + 2.0 * POINTS_VIEW_MARGIN_FRACTION) + 2.0 * VIEW_NOISE_SIGMAS * jitter.abs();
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    centred_box(centre, padded.max(POINTS_VIEW_MIN_SIDE) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const N: usize = 20_000;

    fn samples(dataset: &Toy2d, seed: u64) -> Vec<Point2> {
        dataset.sample(N, &mut StdRng::seed_from_u64(seed))
    }

    fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
        let n = values.clone().count() as f64;
        let mean = values.clone().sum::<f64>() / n;
        let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    /// Index of the nearest centre and the offset from it.
    fn nearest(p: Point2, centres: &[Point2]) -> (usize, [f64; 2]) {
        let mut best = (0, [f64::INFINITY; 2]);
        for (k, c) in centres.iter().enumerate() {
            let d = [(p[0] - c[0]) as f64, (p[1] - c[1]) as f64];
            if d[0].hypot(d[1]) < best.1[0].hypot(best.1[1]) {
                best = (k, d);
            }
        }
        best
    }

    /// Checks per-mode counts and per-axis residual std of a mixture.
    fn check_mixture(dataset: &Toy2d, count_tol: usize) {
        let spec = dataset.modes().expect("mixture");
        let pts = samples(dataset, 11);
        let mut counts = vec![0usize; spec.centres.len()];
        let mut residuals = Vec::new();
        for p in &pts {
            let (k, d) = nearest(*p, &spec.centres);
            counts[k] += 1;
            residuals.extend(d);
        }
        let expected = N / spec.centres.len();
        for count in counts {
            assert!(count.abs_diff(expected) <= count_tol, "count {count} vs {expected}");
        }
        let (mean, std) = mean_std(residuals.iter().copied());
        assert!(mean.abs() < 0.05 * spec.sigma as f64, "residual mean {mean}");
        let rel = (std / spec.sigma as f64 - 1.0).abs();
        assert!(rel < 0.03, "residual std {std} vs sigma {}", spec.sigma);
    }

    #[test]
    fn ring8_modes_counts_and_spread_match_parameters() {
        // Expected 2500 per mode, binomial sd ≈ 47: allow ~4 sd.
        check_mixture(&Toy2d::ring8(), 200);
        let pts = samples(&Toy2d::ring8(), 3);
        let (mx, _) = mean_std(pts.iter().map(|p| p[0] as f64));
        let (my, _) = mean_std(pts.iter().map(|p| p[1] as f64));
        assert!(mx.abs() < 0.05 && my.abs() < 0.05, "mean ({mx}, {my})");
    }

    #[test]
    fn grid25_modes_counts_and_spread_match_parameters() {
        // Expected 800 per mode, binomial sd ≈ 28: allow ~4.5 sd.
        check_mixture(&Toy2d::grid25(), 125);
    }

    #[test]
    fn ring8_samples_are_within_5_sigma_of_a_centre() {
        // The radial offset is Rayleigh: P(r > 5σ) = e^{-12.5} ≈ 3.7e-6 per sample,
        // so ~7 % of seeds would have one of 20k samples beyond 5σ. Require none
        // beyond 6σ (P ≈ 3e-4 per run) and at most 2 beyond 5σ.
        let spec = Toy2d::ring8().modes().expect("mixture");
        let sigma = spec.sigma as f64;
        let mut beyond_5_sigma = 0;
        for p in samples(&Toy2d::ring8(), 5) {
            let (_, d) = nearest(p, &spec.centres);
            let r = d[0].hypot(d[1]);
            assert!(r < 6.0 * sigma, "{p:?} is {} σ from its centre", r / sigma);
            beyond_5_sigma += usize::from(r >= 5.0 * sigma);
        }
        assert!(beyond_5_sigma <= 2, "{beyond_5_sigma} samples beyond 5σ");
    }

    #[test]
    fn ring8_centres_are_on_the_circle_at_multiples_of_45_degrees() {
        let spec = Toy2d::ring8().modes().expect("mixture");
        assert_eq!(spec.sigma, 0.02);
        assert_eq!(spec.centres.len(), 8);
        assert_eq!(spec.centres[0], [2.0, 0.0]);
        for (k, c) in spec.centres.iter().enumerate() {
            let angle = (c[1] as f64).atan2(c[0] as f64).rem_euclid(std::f64::consts::TAU);
            let expected = k as f64 * std::f64::consts::FRAC_PI_4;
            assert!((angle - expected).abs() < 1e-6, "centre {k} at {angle}");
            assert!(((c[0] as f64).hypot(c[1] as f64) - 2.0).abs() < 1e-6);
        }
    }

    #[test]
    fn grid25_centres_are_exactly_the_25_expected_points() {
        let spec = Toy2d::grid25().modes().expect("mixture");
        assert_eq!(spec.sigma, 0.05);
        let mut expected = Vec::new();
        for y in [-4.0, -2.0, 0.0, 2.0, 4.0] {
            for x in [-4.0, -2.0, 0.0, 2.0, 4.0] {
                expected.push([x, y]);
            }
        }
        assert_eq!(spec.centres, expected);
    }

    #[test]
    fn gaussian_mean_std_and_correlation_match_parameters() {
        let dataset = Toy2d::Gaussian { mean: [0.5, -1.0], std: [1.0, 0.5], rho: 0.3 };
        let pts = samples(&dataset, 7);
        let (mx, sx) = mean_std(pts.iter().map(|p| p[0] as f64));
        let (my, sy) = mean_std(pts.iter().map(|p| p[1] as f64));
        // Standard errors of the means: 0.007 and 0.0035.
        assert!((mx - 0.5).abs() < 0.03, "mean x {mx}");
        assert!((my + 1.0).abs() < 0.015, "mean y {my}");
        assert!((sx / 1.0 - 1.0).abs() < 0.03, "std x {sx}");
        assert!((sy / 0.5 - 1.0).abs() < 0.03, "std y {sy}");
        let cov = pts.iter().map(|p| (p[0] as f64 - mx) * (p[1] as f64 - my)).sum::<f64>() / N as f64;
        let rho = cov / (sx * sy);
        // Standard error of rho ≈ (1 − 0.09)/√N ≈ 0.0064.
        assert!((rho - 0.3).abs() < 0.03, "rho {rho}");
    }

    #[test]
    fn spiral_radius_and_extent_match_the_curve() {
        let pts = samples(&Toy2d::spiral(), 13);
        let radii: Vec<f64> = pts.iter().map(|p| (p[0] as f64).hypot(p[1] as f64)).collect();
        // r = π·√u, so E[r] = 2π/3 and E[r²] = π²/2.
        let (mean_r, _) = mean_std(radii.iter().copied());
        assert!((mean_r - 2.0 * std::f64::consts::PI / 3.0).abs() < 0.03, "mean r {mean_r}");
        let max_r = radii.iter().copied().fold(0.0, f64::max);
        assert!(max_r < std::f64::consts::PI + 0.3, "max r {max_r}");
        // Noise-free points lie on r = θ/3, θ ∈ [0, 3π]; check a noise-free spiral exactly.
        let clean = Toy2d::Spiral { noise: 0.0 }.sample(1000, &mut StdRng::seed_from_u64(1));
        for p in clean {
            let r = (p[0] as f64).hypot(p[1] as f64);
            let theta = 3.0 * r;
            assert!((r * theta.cos() - p[0] as f64).abs() < 1e-4, "{p:?}");
            assert!((r * theta.sin() - p[1] as f64).abs() < 1e-4, "{p:?}");
        }
    }

    #[test]
    fn moons_are_centred_and_span_the_stated_box() {
        let pts = samples(&Toy2d::moons(), 17);
        let (mx, _) = mean_std(pts.iter().map(|p| p[0] as f64));
        let (my, _) = mean_std(pts.iter().map(|p| p[1] as f64));
        assert!(mx.abs() < 0.03 && my.abs() < 0.03, "mean ({mx}, {my})");
        let clean = Toy2d::Moons { noise: 0.0 }.sample(N, &mut StdRng::seed_from_u64(2));
        let min_x = clean.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min);
        let max_x = clean.iter().map(|p| p[0]).fold(f32::NEG_INFINITY, f32::max);
        let min_y = clean.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min);
        let max_y = clean.iter().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max);
        assert!((min_x + 2.0).abs() < 0.01 && (max_x - 2.0).abs() < 0.01, "x [{min_x}, {max_x}]");
        assert!((min_y + 1.0).abs() < 0.01 && (max_y - 1.0).abs() < 0.01, "y [{min_y}, {max_y}]");
        // Noise std: residual from the scaled unit circle of the outer moon.
        let noisy = samples(&Toy2d::moons(), 19);
        let scale = 4.0 / 3.0;
        let outer_residuals: Vec<f64> = noisy
            .iter()
            .map(|p| [p[0] as f64 / scale + 0.5, p[1] as f64 / scale + 0.25])
            // Inner-moon points have raw y ≤ 0.5 (+ noise ≈ 0.04 per σ); keep the outer arc top.
            .filter(|q| q[1] > 0.75)
            .map(|q| (q[0].hypot(q[1]) - 1.0) * scale)
            .collect();
        let (_, std) = mean_std(outer_residuals.iter().copied());
        assert!((std / 0.05 - 1.0).abs() < 0.1, "outer moon radial noise {std}");
    }

    #[test]
    fn same_seed_gives_identical_samples_and_other_seeds_differ() {
        let all = [
            Toy2d::ring8(),
            Toy2d::grid25(),
            Toy2d::spiral(),
            Toy2d::moons(),
            Toy2d::gaussian(),
            Toy2d::Points { name: "p".into(), points: vec![[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]], jitter: 0.1 },
        ];
        for dataset in all {
            let a = dataset.sample(500, &mut StdRng::seed_from_u64(42));
            let b = dataset.sample(500, &mut StdRng::seed_from_u64(42));
            let c = dataset.sample(500, &mut StdRng::seed_from_u64(43));
            assert_eq!(a.len(), 500);
            assert_eq!(a, b, "{}", dataset.label());
            assert_ne!(a, c, "{}", dataset.label());
        }
    }

    #[test]
    fn sample_works_through_a_dyn_rng() {
        let mut rng = StdRng::seed_from_u64(9);
        let dyn_rng: &mut dyn rand::Rng = &mut rng;
        assert_eq!(Toy2d::ring8().sample(10, dyn_rng).len(), 10);
    }

    #[test]
    fn points_without_jitter_resample_the_given_points_uniformly() {
        let given = vec![[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5], [4.0, 4.0]];
        let dataset = Toy2d::Points { name: "drawn".into(), points: given.clone(), jitter: 0.0 };
        let pts = samples(&dataset, 23);
        let mut counts = [0usize; 4];
        for p in pts {
            let k = given.iter().position(|g| *g == p).expect("one of the given points");
            counts[k] += 1;
        }
        // Expected 5000 each, sd ≈ 61.
        assert!(counts.iter().all(|c| c.abs_diff(5000) < 300), "{counts:?}");
    }

    #[test]
    fn points_jitter_has_the_stated_std() {
        let dataset = Toy2d::Points { name: "one".into(), points: vec![[1.0, -1.0]], jitter: 0.2 };
        let pts = samples(&dataset, 29);
        let (mx, sx) = mean_std(pts.iter().map(|p| p[0] as f64));
        let (my, sy) = mean_std(pts.iter().map(|p| p[1] as f64));
        assert!((mx - 1.0).abs() < 0.01 && (my + 1.0).abs() < 0.01);
        assert!((sx / 0.2 - 1.0).abs() < 0.03 && (sy / 0.2 - 1.0).abs() < 0.03);
    }

    #[test]
    fn empty_points_set_samples_nothing() {
        let dataset = Toy2d::Points { name: "empty".into(), points: vec![], jitter: 0.1 };
        assert!(dataset.is_empty_set());
        assert!(!Toy2d::ring8().is_empty_set());
        assert!(dataset.sample(10, &mut StdRng::seed_from_u64(0)).is_empty());
        assert_eq!(dataset.view_bounds(), [[-3.0, -3.0], [3.0, 3.0]]);
    }

    #[test]
    fn modes_only_for_isotropic_mixtures() {
        assert!(Toy2d::ring8().modes().is_some());
        assert!(Toy2d::grid25().modes().is_some());
        assert!(Toy2d::spiral().modes().is_none());
        assert!(Toy2d::moons().modes().is_none());
        assert!(Toy2d::gaussian().modes().is_none());
        let points = Toy2d::Points { name: "p".into(), points: vec![[0.0, 0.0]], jitter: 0.0 };
        assert!(points.modes().is_none());
    }

    #[test]
    fn view_bounds_are_square_and_hold_the_samples() {
        let ring = Toy2d::ring8().view_bounds();
        assert!((ring[0][0] + 3.0).abs() < 0.2 && (ring[1][1] - 3.0).abs() < 0.2, "{ring:?}");
        let grid = Toy2d::grid25().view_bounds();
        assert!((grid[0][0] + 5.5).abs() < 0.3 && (grid[1][1] - 5.5).abs() < 0.3, "{grid:?}");
        for dataset in [Toy2d::ring8(), Toy2d::grid25(), Toy2d::spiral(), Toy2d::moons(), Toy2d::gaussian()] {
            let [lo, hi] = dataset.view_bounds();
            assert!(((hi[0] - lo[0]) - (hi[1] - lo[1])).abs() < 1e-5, "{}", dataset.label());
            let pts = samples(&dataset, 31);
            let inside =
                pts.iter().filter(|p| p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1]).count();
            assert!(inside as f64 >= 0.999 * N as f64, "{}: {inside}", dataset.label());
        }
    }

    #[test]
    fn points_view_bounds_add_margin_and_are_square() {
        let dataset =
            Toy2d::Points { name: "p".into(), points: vec![[0.0, 0.0], [10.0, 2.0], [f32::NAN, 100.0]], jitter: 0.0 };
        // Box x [0,10], y [0,2]; side 10 → 13 with margins, centred at (5, 1).
        let [lo, hi] = dataset.view_bounds();
        for (got, want) in [(lo[0], -1.5), (lo[1], -5.5), (hi[0], 11.5), (hi[1], 7.5)] {
            assert!((got - want).abs() < 1e-5, "{lo:?} {hi:?}");
        }
        let single = Toy2d::Points { name: "one".into(), points: vec![[2.0, 3.0]], jitter: 0.0 };
        assert_eq!(single.view_bounds(), [[1.5, 2.5], [2.5, 3.5]]);
    }

    #[test]
    fn labels_are_human_names() {
        assert_eq!(Toy2d::ring8().label(), "Ring of 8 Gaussians");
        assert_eq!(Toy2d::grid25().label(), "Grid of 25 Gaussians");
        let points = Toy2d::Points { name: "my.csv".into(), points: vec![], jitter: 0.0 };
        assert_eq!(points.label(), "my.csv");
    }

    #[test]
    fn parse_round_trips_the_named_datasets() {
        for dataset in [Toy2d::ring8(), Toy2d::grid25(), Toy2d::spiral(), Toy2d::moons(), Toy2d::gaussian()] {
            assert_eq!(Toy2d::parse(dataset.key()).expect("known"), dataset);
        }
        assert_eq!(Toy2d::parse(" Ring8 ").expect("known"), Toy2d::ring8());
    }

    #[test]
    fn parse_csv_loads_points_named_after_the_file() {
        let dir = std::env::temp_dir().join(format!("latent-lab-toy2d-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("heart.csv");
        let points = vec![[0.25, 1.0], [-1.0, 0.5]];
        csv2d::write_points(&path, &points).expect("write");
        let dataset = Toy2d::parse(&format!("csv:{}", path.display())).expect("loads");
        assert_eq!(dataset, Toy2d::Points { name: "heart.csv".into(), points, jitter: 0.0 });
        assert_eq!(dataset.key(), "csv");
        let missing = Toy2d::parse(&format!("csv:{}", dir.join("nope.csv").display()));
        assert!(matches!(missing, Err(DataError::Io { .. })));
    }

    #[test]
    fn parse_unknown_name_lists_the_expected_names() {
        let error = Toy2d::parse("rings").expect_err("unknown");
        assert!(matches!(
            &error,
            DataError::UnknownDataset { name, expected } if name == "rings" && *expected == DATASET_NAMES
        ));
        assert_eq!(
            error.to_string(),
            "unknown dataset 'rings' (expected one of: ring8, grid25, spiral, moons, gaussian, csv:PATH)"
        );
    }
}
