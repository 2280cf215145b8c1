//! The GAN lab's snapshot: everything its panels draw, as plain data, and the commands it takes.

use super::*;

/// Losses and mean outputs of the last training steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepLosses {
    /// Discriminator loss.
    pub d_loss: f64,
    /// Generator loss.
    pub g_loss: f64,
    /// Mean D(x) on the real minibatch.
    pub d_real: f64,
    /// Mean D(G(z)) on the generated minibatch.
    pub d_fake: f64,
}

/// Metrics computed on the fixed evaluation sets (2500 real, 2500 generated samples).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalMetrics {
    /// Mean D(x) over the real evaluation set.
    pub d_real: f64,
    /// Mean D(G(z)) over the generated evaluation set.
    pub d_fake: f64,
    /// JS divergence estimated from histograms (see [`crate::theory::divergence::JS_METHOD`]).
    pub js_grid: f64,
    /// JS estimated through the discriminator, (V(D, G) + log 4) / 2 (task 3.3); a lower
    /// bound that is tight only when D is optimal. None for least squares.
    pub js_from_d: Option<f64>,
    /// Mean over generated points of ‖∇ₓ ℓ_G(x)‖, the per-sample generator loss's gradient.
    pub grad_norm: f64,
    /// Mode coverage, on mixtures with known centres.
    pub coverage: Option<ModeCoverage>,
    /// The largest ‖∇ₓD‖ (of the critic's score, or of D's logit) over real and generated
    /// samples and random interpolates: an estimate of D's Lipschitz constant.
    pub lipschitz: f64,
}

/// Histories of every curve the lab draws.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct GanHistory {
    /// D loss per iteration.
    pub d_loss: Series,
    /// G loss per iteration.
    pub g_loss: Series,
    /// Mean D(real) on the evaluation set.
    pub d_real: Series,
    /// Mean D(fake) on the evaluation set.
    pub d_fake: Series,
    /// Mean generator-loss gradient norm at generated points.
    pub grad_norm: Series,
    /// Histogram JS estimate.
    pub js_grid: Series,
    /// JS through the discriminator.
    pub js_from_d: Series,
    /// Modes covered.
    pub modes_covered: Series,
    /// Fraction of high-quality samples.
    pub high_quality: Series,
}

impl GanHistory {
    /// Every curve with the name a CSV gives it (a saved run's `curves.csv`, the window's
    /// export), in the order the panels draw them.
    pub fn named(&self) -> Vec<(&'static str, &Series)> {
        vec![
            ("d_loss", &self.d_loss),
            ("g_loss", &self.g_loss),
            ("d_real", &self.d_real),
            ("d_fake", &self.d_fake),
            ("grad_norm", &self.grad_norm),
            ("js_grid", &self.js_grid),
            ("js_from_d", &self.js_from_d),
            ("modes_covered", &self.modes_covered),
            ("high_quality", &self.high_quality),
        ]
    }
}

/// D evaluated on a regular grid over the view box, row 0 at the bottom (y = min).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeatGrid {
    /// Values, row-major, `cols × rows`.
    pub values: Vec<f32>,
    /// Cells per row.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// The value drawn at the bottom of the colour scale.
    pub low: f32,
    /// The value drawn at the top of the colour scale.
    pub high: f32,
}

/// Everything the GAN panels draw, as plain data.
#[derive(Clone, Debug)]
pub struct GanSnapshot {
    /// Generator steps (iterations) done.
    pub iterations: u64,
    /// Discriminator steps done.
    pub d_steps: u64,
    /// Generator steps done.
    pub g_steps: u64,
    /// The settings in force.
    pub config: GanConfig,
    /// The square box the plane shows.
    pub bounds: [Point2; 2],
    /// The fixed real evaluation sample.
    pub real: Arc<Vec<Point2>>,
    /// G applied to the fixed evaluation noise.
    pub fake: Vec<Point2>,
    /// (point, −∇ₓ ℓ_G) for a subset of generated points.
    pub arrows: Vec<(Point2, Point2)>,
    /// D(x) over the view box.
    pub heat: HeatGrid,
    /// The noise grid pushed through G, as polylines.
    pub manifold: Vec<Vec<Point2>>,
    /// What the manifold shows, for its legend.
    pub manifold_note: String,
    /// Mode centres and σ, on mixtures.
    pub modes: Option<ModeSpec>,
    /// Metrics on the evaluation sets.
    pub metrics: EvalMetrics,
    /// The last training losses.
    pub last: StepLosses,
    /// Curves.
    pub history: GanHistory,
}

/// A command to the GAN trainer.
#[derive(Clone, Debug)]
pub enum GanCommand {
    /// One discriminator step.
    StepD,
    /// One generator step.
    StepG,
    /// One iteration: `d_steps` discriminator steps, then one generator step.
    Iteration,
    /// New settings: live where possible, otherwise a fresh run.
    SetConfig(Box<GanConfig>),
    /// Makes the next step panic; only for testing that the window survives it.
    #[doc(hidden)]
    InjectPanic,
}

/// Side of the heatmap grid.
pub const HEAT_CELLS: usize = 64;
/// Generated points that get gradient arrows.
pub const ARROW_POINTS: usize = 120;
