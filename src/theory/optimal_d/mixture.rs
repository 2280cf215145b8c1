//! The 1-D Gaussian mixtures that play p_data and p_g in sheet task 3, with closed-form
//! densities, samplers and the presets.

use super::*;

/// Most components a [`Mixture1d`] may have.
pub(super) const MAX_COMPONENTS: usize = 3;

/// One Gaussian component w·N(mean, std²) of a 1-D mixture (sheet task 3,
/// where mixtures play p_data and p_g).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Component {
    /// Unnormalised mixing weight; must be finite and > 0. The mixture divides
    /// by the sum of its weights, so only ratios matter.
    pub weight: f64,
    /// Mean of the component; must be finite.
    pub mean: f64,
    /// Standard deviation of the component; must be finite and > 0.
    pub std: f64,
}

/// A 1-D mixture of 1 to 3 Gaussians, p(x) = Σᵢ (wᵢ/Σⱼwⱼ)·N(x; μᵢ, σᵢ²);
/// weights are normalised on use. It plays p_data or p_g in the
/// optimal-discriminator demo of sheet task 3.
///
/// Build it with [`Mixture1d::new`], [`Mixture1d::parse`] or a preset so that
/// it is valid. The fields are public (and serde can fill them), so a mixture
/// can also be built invalid: then every density, moment and range method
/// returns NaN and [`Mixture1d::sample`] returns NaN samples;
/// [`Mixture1d::validate`] says what is wrong.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mixture1d {
    /// The 1 to 3 components.
    pub components: Vec<Component>,
}

/// Names accepted by [`Mixture1d::preset`] and [`Mixture1d::parse`]:
/// "gaussian" = N(1, 0.7²), "mix2" = ½N(−2, 0.5²) + ½N(2, 0.5²),
/// "mix3" = 0.3N(−3, 0.4²) + 0.4N(0, 0.6²) + 0.3N(3, 0.4²) (sheet task 3).
pub const PRESETS: [&str; 3] = ["gaussian", "mix2", "mix3"];

impl Mixture1d {
    /// A validated mixture: 1 to 3 components, each with a finite weight > 0,
    /// a finite mean and a finite standard deviation > 0 (sheet task 3).
    ///
    /// The error names the offending component (1-based) and field, e.g.
    /// "component 2: standard deviation must be positive, got 0".
    pub fn new(components: Vec<Component>) -> Result<Self, String> {
        let mixture = Self { components };
        mixture.validate()?;
        Ok(mixture)
    }

    /// Checks the rules of [`Mixture1d::new`] on an existing value (e.g. one
    /// filled by serde); `Ok(())` when it is valid, else the same message
    /// `new` would give (sheet task 3).
    pub fn validate(&self) -> Result<(), String> {
        self.checked_total_weight().map(|_| ())
    }

    /// The sum of the weights after checking every rule of
    /// [`Mixture1d::new`].
    fn checked_total_weight(&self) -> Result<f64, String> {
        let count = self.components.len();
        if !(1..=MAX_COMPONENTS).contains(&count) {
            return Err(format!("a mixture needs 1 to {MAX_COMPONENTS} components, got {count}"));
        }
        let mut total = 0.0;
        for (index, c) in self.components.iter().enumerate() {
            let k = index + 1;
            if !c.weight.is_finite() {
                return Err(format!("component {k}: weight must be finite, got {}", c.weight));
            }
            if c.weight <= 0.0 {
                return Err(format!("component {k}: weight must be positive, got {}", c.weight));
            }
            if !c.mean.is_finite() {
                return Err(format!("component {k}: mean must be finite, got {}", c.mean));
            }
            if !c.std.is_finite() {
                return Err(format!("component {k}: standard deviation must be finite, got {}", c.std));
            }
            if c.std <= 0.0 {
                return Err(format!("component {k}: standard deviation must be positive, got {}", c.std));
            }
            total += c.weight;
        }
        if !total.is_finite() {
            return Err(format!("the weights must have a finite sum, got {total}"));
        }
        Ok(total)
    }

    /// The weight total of a valid mixture, None for an invalid one.
    fn total_weight(&self) -> Option<f64> {
        self.checked_total_weight().ok()
    }

    /// Preset "gaussian": a single N(1, 0.7²), a unimodal p_data for
    /// sheet task 3.
    pub fn gaussian() -> Self {
        Self { components: vec![Component { weight: 1.0, mean: 1.0, std: 0.7 }] }
    }

    /// Preset "mix2": ½N(−2, 0.5²) + ½N(2, 0.5²), two well separated modes
    /// for sheet task 3.
    pub fn mix2() -> Self {
        Self {
            components: vec![
                Component { weight: 0.5, mean: -2.0, std: 0.5 },
                Component { weight: 0.5, mean: 2.0, std: 0.5 },
            ],
        }
    }

    /// Preset "mix3": 0.3N(−3, 0.4²) + 0.4N(0, 0.6²) + 0.3N(3, 0.4²), three
    /// modes for sheet task 3.
    pub fn mix3() -> Self {
        Self {
            components: vec![
                Component { weight: 0.3, mean: -3.0, std: 0.4 },
                Component { weight: 0.4, mean: 0.0, std: 0.6 },
                Component { weight: 0.3, mean: 3.0, std: 0.4 },
            ],
        }
    }

    /// The preset called `name` (one of [`PRESETS`], exact lower-case match),
    /// None for any other name (sheet task 3).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "gaussian" => Some(Self::gaussian()),
            "mix2" => Some(Self::mix2()),
            "mix3" => Some(Self::mix3()),
            _ => None,
        }
    }

    /// Parses a preset name (case-insensitive, surrounding spaces ignored) or
    /// `mix:w,m,s;w,m,s;…` with 1 to 3 groups of weight, mean, standard
    /// deviation (spaces around numbers and one trailing ';' allowed), e.g.
    /// `mix:0.5,-2,0.5;0.5,2,0.5` (sheet task 3).
    ///
    /// Errors name the group and field that is wrong; numbers are then
    /// checked as in [`Mixture1d::new`] ("component k: …", k = group number).
    /// [`Mixture1d::to_spec`] gives a string that parses back to an equal
    /// mixture.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let trimmed = spec.trim();
        let lower = trimmed.to_ascii_lowercase();
        if let Some(mixture) = Self::preset(&lower) {
            return Ok(mixture);
        }
        let Some(body) = lower.strip_prefix("mix:").map(|_| trimmed.get(4..).unwrap_or("")) else {
            return Err(format!(
                "unknown distribution \"{trimmed}\": expected one of {} or mix:w,m,s;w,m,s \
                 (1 to {MAX_COMPONENTS} groups of weight,mean,std)",
                PRESETS.join(", ")
            ));
        };
        let mut groups: Vec<&str> = body.split(';').map(str::trim).collect();
        if groups.len() > 1 && groups.last().is_some_and(|g| g.is_empty()) {
            groups.pop();
        }
        if groups.iter().all(|g| g.is_empty()) {
            return Err(format!(
                "mix: expects 1 to {MAX_COMPONENTS} groups weight,mean,std separated by ';', got none"
            ));
        }
        if groups.len() > MAX_COMPONENTS {
            return Err(format!(
                "mix: expects 1 to {MAX_COMPONENTS} groups weight,mean,std separated by ';', got {}",
                groups.len()
            ));
        }
        let mut components = Vec::with_capacity(groups.len());
        for (index, group) in groups.iter().enumerate() {
            let k = index + 1;
            let fields: Vec<&str> = group.split(',').map(str::trim).collect();
            if fields.len() != 3 {
                return Err(format!(
                    "group {k} (\"{group}\"): expected 3 numbers weight,mean,std, got {}",
                    fields.len()
                ));
            }
            let mut values = [0.0; 3];
            for ((slot, text), name) in values.iter_mut().zip(&fields).zip(["weight", "mean", "standard deviation"]) {
                *slot = text.parse::<f64>().map_err(|_| format!("group {k}: {name} is not a number: \"{text}\""))?;
            }
            let [weight, mean, std] = values;
            components.push(Component { weight, mean, std });
        }
        Self::new(components)
    }

    /// The `mix:w,m,s;…` spec of this mixture, with every number written in
    /// Rust's shortest round-trip form, so `parse(&m.to_spec()) == Ok(m)` for
    /// any valid `m` (sheet task 3).
    pub fn to_spec(&self) -> String {
        let groups: Vec<String> =
            self.components.iter().map(|c| format!("{},{},{}", c.weight, c.mean, c.std)).collect();
        format!("mix:{}", groups.join(";"))
    }

    /// The density p(x) = Σᵢ (wᵢ/Σⱼwⱼ)·N(x; μᵢ, σᵢ²), the p_data or p_g that
    /// enters D* = p_data/(p_data + p_g) (sheet task 3). 0 at ±∞; NaN for NaN
    /// x or an invalid mixture.
    pub fn pdf(&self, x: f64) -> f64 {
        let Some(total) = self.total_weight() else {
            return f64::NAN;
        };
        self.components.iter().map(|c| c.weight * gaussian_pdf(x, c.mean, c.std)).sum::<f64>() / total
    }

    /// The distribution function F(x) = Σᵢ (wᵢ/Σⱼwⱼ)·Φ((x − μᵢ)/σᵢ), with Φ
    /// from [`std_normal_cdf`] (error about 1e-16 absolute), clamped to
    /// [0, 1] (sheet task 3). 0 at −∞, 1 at +∞; NaN for NaN x or an invalid
    /// mixture.
    pub fn cdf(&self, x: f64) -> f64 {
        let Some(total) = self.total_weight() else {
            return f64::NAN;
        };
        let sum: f64 = self.components.iter().map(|c| c.weight * std_normal_cdf((x - c.mean) / c.std)).sum();
        (sum / total).clamp(0.0, 1.0)
    }

    /// `n` independent draws: a component i with probability wᵢ/Σⱼwⱼ, then
    /// μᵢ + σᵢ·z with z ∼ N(0, 1), rounded to f32 (the precision of the
    /// app's networks). These are the "real" samples of sheet task 3. An
    /// invalid mixture gives `n` NaNs.
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<f32> {
        let Some(total) = self.total_weight() else {
            return vec![f32::NAN; n];
        };
        (0..n)
            .map(|_| {
                let u = rng.random::<f64>() * total;
                let mut chosen = None;
                let mut cumulative = 0.0;
                for c in &self.components {
                    chosen = Some(c);
                    cumulative += c.weight;
                    if u < cumulative {
                        break;
                    }
                }
                let z: f64 = rng.sample(StandardNormal);
                match chosen {
                    Some(c) => (c.mean + c.std * z) as f32,
                    None => f32::NAN,
                }
            })
            .collect()
    }

    /// The mean E\[X\] = Σᵢ (wᵢ/Σⱼwⱼ)·μᵢ (sheet task 3); NaN for an invalid
    /// mixture.
    pub fn mean(&self) -> f64 {
        let Some(total) = self.total_weight() else {
            return f64::NAN;
        };
        self.components.iter().map(|c| c.weight * c.mean).sum::<f64>() / total
    }

    /// The variance Var\[X\] = Σᵢ (wᵢ/Σⱼwⱼ)·(σᵢ² + (μᵢ − E\[X\])²) (law of total
    /// variance; sheet task 3); NaN for an invalid mixture.
    pub fn variance(&self) -> f64 {
        let Some(total) = self.total_weight() else {
            return f64::NAN;
        };
        let mean = self.mean();
        self.components.iter().map(|c| c.weight * (c.std * c.std + (c.mean - mean).powi(2))).sum::<f64>() / total
    }

    /// The plotting and integration range (minᵢ(μᵢ − k·σᵢ), maxᵢ(μᵢ + k·σᵢ))
    /// for k = `sigmas` ≥ 0 (sheet task 3); with k = 10 the mass outside is
    /// below 2e-23. (NaN, NaN) for an invalid mixture or NaN `sigmas`.
    pub fn range(&self, sigmas: f64) -> (f64, f64) {
        if self.total_weight().is_none() || sigmas.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        let lo = self.components.iter().map(|c| c.mean - sigmas * c.std).fold(f64::INFINITY, f64::min);
        let hi = self.components.iter().map(|c| c.mean + sigmas * c.std).fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

/// The normal density N(x; μ, σ²) = exp(−(x − μ)²/(2σ²)) / (σ√(2π)), the
/// building block of the mixtures of sheet task 3. 0 at x = ±∞; NaN for NaN
/// x, a non-finite mean, or a standard deviation that is not finite and > 0.
pub fn gaussian_pdf(x: f64, mean: f64, std: f64) -> f64 {
    if !(mean.is_finite() && std > 0.0 && std.is_finite()) {
        return f64::NAN;
    }
    let z = (x - mean) / std;
    (-0.5 * z * z).exp() / (std * (2.0 * PI).sqrt())
}
