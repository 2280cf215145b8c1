//! The GAN games on the discriminator's outputs: the discriminator's loss and the generator's
//! per-sample loss for each objective, in their candle form ([`d_loss`], [`g_loss`]) and
//! their slice form ([`d_loss_and_grad`], [`g_loss_and_grad`], [`g_term`]).
//!
//! D outputs a logit `l`; for the minimax and non-saturating games D(x) = σ(l), and every
//! log-probability is computed from the logit with a stable softplus (−log σ(l) =
//! softplus(−l), −log(1 − σ(l)) = softplus(l)), so that a saturated discriminator gives exact
//! gradients instead of NaN. The other games read `l` as an unbounded score f(x).

use candle_core::{Result, Tensor};

use super::{sigmoid, softplus, softplus_of};

/// The game the two networks play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum GanLoss {
    /// The sheet's min-max game: G minimises E log(1 − D(G(z))) (saturates when D wins).
    Minimax,
    /// G minimises −E log D(G(z)) instead (same fixed point, strong early gradients).
    NonSaturating,
    /// Least squares (Mao et al.): D regresses real to 1 and fake to 0, G pushes fakes to 1.
    LeastSquares,
    /// Wasserstein critic with weight clipping (Arjovsky et al.).
    WganClip,
    /// Wasserstein critic with a gradient penalty (Gulrajani et al.).
    WganGp,
    /// Hinge loss (as in SN-GAN): D minimises E relu(1 − f(x)) + E relu(1 + f(G(z))).
    Hinge,
}

impl GanLoss {
    /// Every objective, in menu order.
    pub const ALL: [Self; 6] =
        [Self::Minimax, Self::NonSaturating, Self::LeastSquares, Self::WganClip, Self::WganGp, Self::Hinge];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minimax => "minimax",
            Self::NonSaturating => "ns",
            Self::LeastSquares => "lsgan",
            Self::WganClip => "wgan-clip",
            Self::WganGp => "wgan-gp",
            Self::Hinge => "hinge",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Name for menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minimax => "Minimax (saturating)",
            Self::NonSaturating => "Non-saturating",
            Self::LeastSquares => "Least squares (LSGAN)",
            Self::WganClip => "Wasserstein, weight clipping",
            Self::WganGp => "Wasserstein, gradient penalty",
            Self::Hinge => "Hinge",
        }
    }

    /// The generator's loss as a formula, for tooltips.
    pub fn formula(self) -> &'static str {
        match self {
            Self::Minimax => "D: −E log D(x) − E log(1 − D(G(z)))   G: min E log(1 − D(G(z)))",
            Self::NonSaturating => "D: −E log D(x) − E log(1 − D(G(z)))   G: min −E log D(G(z))",
            Self::LeastSquares => "D: ½E (D(x) − 1)² + ½E D(G(z))²   G: min ½E (D(G(z)) − 1)²",
            Self::WganClip => "critic: max E f(x) − E f(G(z)), weights clipped to [−c, c]   G: min −E f(G(z))",
            Self::WganGp => {
                "critic: max E f(x) − E f(G(z)) − λ E (‖∇f(x̂)‖ − 1)², x̂ on random interpolates   G: min −E f(G(z))"
            }
            Self::Hinge => "D: E relu(1 − f(x)) + E relu(1 + f(G(z)))   G: min −E f(G(z))",
        }
    }

    /// Whether D is a critic whose output is an unbounded score (Wasserstein, hinge).
    pub fn is_critic(self) -> bool {
        matches!(self, Self::WganClip | Self::WganGp | Self::Hinge)
    }

    /// Whether D's output is a probability (σ of a logit) rather than an unbounded score.
    pub fn outputs_probability(self) -> bool {
        matches!(self, Self::Minimax | Self::NonSaturating)
    }
}

/// The discriminator's loss for a minibatch of real and generated outputs (candle form).
pub fn d_loss(loss: GanLoss, out_real: &Tensor, out_fake: &Tensor) -> Result<Tensor> {
    match loss {
        // −log σ(l) = softplus(−l); −log(1 − σ(l)) = softplus(l).
        GanLoss::Minimax | GanLoss::NonSaturating => {
            softplus(&out_real.neg()?)?.mean_all()? + softplus(out_fake)?.mean_all()?
        }
        GanLoss::LeastSquares => ((out_real - 1.0)?.sqr()?.mean_all()? * 0.5)? + (out_fake.sqr()?.mean_all()? * 0.5)?,
        // The critic maximises E f(x) − E f(G(z)): it minimises the negative.
        GanLoss::WganClip | GanLoss::WganGp => out_fake.mean_all()? - out_real.mean_all()?,
        GanLoss::Hinge => (1.0 - out_real)?.relu()?.mean_all()? + (out_fake + 1.0)?.relu()?.mean_all()?,
    }
}

/// The generator's loss for each generated sample (shape (n, 1)); its mean is the G loss
/// (candle form).
pub fn g_loss(loss: GanLoss, out_fake: &Tensor) -> Result<Tensor> {
    match loss {
        // log(1 − σ(l)) = −softplus(l).
        GanLoss::Minimax => softplus(out_fake)?.neg(),
        GanLoss::NonSaturating => softplus(&out_fake.neg()?),
        GanLoss::LeastSquares => (out_fake - 1.0)?.sqr()? * 0.5,
        GanLoss::WganClip | GanLoss::WganGp | GanLoss::Hinge => out_fake.neg(),
    }
}

/// A per-row loss term on D's output `l`: (value, derivative in `l`).
pub type Term = fn(f32) -> (f32, f32);

/// The per-row terms of [`d_loss`]: (a real row's, a generated row's).
pub fn d_terms(loss: GanLoss) -> (Term, Term) {
    match loss {
        GanLoss::Minimax | GanLoss::NonSaturating => {
            (|l| (softplus_of(-l), -sigmoid(-l)), |l| (softplus_of(l), sigmoid(l)))
        }
        GanLoss::LeastSquares => (|l| (0.5 * (l - 1.0) * (l - 1.0), l - 1.0), |l| (0.5 * l * l, l)),
        GanLoss::WganClip | GanLoss::WganGp => (|l| (-l, -1.0), |l| (l, 1.0)),
        GanLoss::Hinge => (
            |l| if 1.0 - l > 0.0 { (1.0 - l, -1.0) } else { (0.0, 0.0) },
            |l| if 1.0 + l > 0.0 { (1.0 + l, 1.0) } else { (0.0, 0.0) },
        ),
    }
}

/// The per-sample term of [`g_loss`]. Its derivative is where D's gradient pushes a
/// generated point: −(term′(D(x)))·∇ₓD(x).
pub fn g_term(loss: GanLoss) -> Term {
    match loss {
        GanLoss::Minimax => |l| (-softplus_of(l), -sigmoid(l)),
        GanLoss::NonSaturating => |l| (softplus_of(-l), -sigmoid(-l)),
        GanLoss::LeastSquares => |l| (0.5 * (l - 1.0) * (l - 1.0), l - 1.0),
        GanLoss::WganClip | GanLoss::WganGp | GanLoss::Hinge => |l| (-l, -1.0),
    }
}

/// [`d_loss`] on plain outputs of a part of a minibatch of `total` real and `total`
/// generated rows (slice form): the sums of the real rows' and the generated rows' loss
/// terms, with ∂loss/∂output written to `grad` (real rows, then generated rows).
pub fn d_loss_and_grad(loss: GanLoss, real: &[f32], fake: &[f32], grad: &mut [f32], total: usize) -> (f64, f64) {
    let scale = 1.0 / total as f32;
    let (g_real, g_fake) = grad.split_at_mut(real.len());
    let (term_real, term_fake) = d_terms(loss);
    (sum_terms(term_real, real, g_real, scale), sum_terms(term_fake, fake, g_fake, scale))
}

/// [`g_loss`] on plain outputs of a part of a minibatch of `total` rows (slice form): the
/// sum of the rows' loss terms, with ∂(mean loss)/∂output written to `grad`.
pub fn g_loss_and_grad(loss: GanLoss, fake: &[f32], grad: &mut [f32], total: usize) -> f64 {
    sum_terms(g_term(loss), fake, grad, 1.0 / total as f32)
}

/// Σ term(l) over `outputs`, with each derivative times `scale` written to `grad`.
fn sum_terms(term: Term, outputs: &[f32], grad: &mut [f32], scale: f32) -> f64 {
    let mut sum = 0.0f64;
    for (g, &l) in grad.iter_mut().zip(outputs) {
        let (value, slope) = term(l);
        sum += f64::from(value);
        *g = slope * scale;
    }
    sum
}

/// The sum of D's outputs read as probabilities (σ of the logits) or as raw scores, as
/// [`mean_output`] averages them (slice form).
pub fn output_sum_of(loss: GanLoss, out: &[f32]) -> f64 {
    if loss.outputs_probability() {
        out.iter().map(|&l| f64::from(sigmoid(l))).sum()
    } else {
        out.iter().map(|&l| f64::from(l)).sum()
    }
}

/// [`mean_output`] on plain outputs (slice form); 0 for none.
pub fn mean_output_of(loss: GanLoss, out: &[f32]) -> f64 {
    output_sum_of(loss, out) / out.len().max(1) as f64
}

/// The mean of D's outputs read as probabilities or as raw scores (candle form): the "mean
/// D(real)" and "mean D(fake)" the labs show.
pub fn mean_output(loss: GanLoss, out: &Tensor) -> Result<f64> {
    let read = if loss.outputs_probability() { candle_nn::ops::sigmoid(out)? } else { out.clone() };
    Ok(f64::from(read.mean_all()?.to_vec0::<f32>()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use rand::rngs::StdRng;
    use rand::{RngExt as _, SeedableRng as _};

    /// Outputs spread over both signs, including saturated logits and hinge kinks' sides.
    fn outputs(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut v: Vec<f32> = (0..n).map(|_| rng.random_range(-4.0f32..4.0)).collect();
        v.extend([-40.0, 40.0, 0.0]);
        v
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn the_slice_form_of_each_d_loss_is_the_candle_form_and_its_gradient() {
        let device = Device::Cpu;
        let (real, fake) = (outputs(37, 1), outputs(37, 2));
        let n = real.len();
        for loss in GanLoss::ALL {
            let r = Var::from_slice(&real, (n, 1), &device).unwrap();
            let f = Var::from_slice(&fake, (n, 1), &device).unwrap();
            let value = d_loss(loss, r.as_tensor(), f.as_tensor()).unwrap();
            let grads = value.backward().unwrap();
            let want_real = grads.get(r.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let want_fake = grads.get(f.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();

            let mut grad = vec![f32::NAN; 2 * n];
            let (sum_real, sum_fake) = d_loss_and_grad(loss, &real, &fake, &mut grad, n);
            let candle = f64::from(value.to_vec0::<f32>().unwrap());
            assert!(
                close((sum_real + sum_fake) / n as f64, candle, 1e-5),
                "{loss:?}: {sum_real} + {sum_fake} vs {candle}"
            );
            for (i, (got, want)) in grad.iter().zip(want_real.iter().chain(&want_fake)).enumerate() {
                assert!(close(f64::from(*got), f64::from(*want), 1e-5), "{loss:?} row {i}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn the_slice_form_of_each_g_loss_is_the_candle_form_and_its_gradient() {
        let device = Device::Cpu;
        let fake = outputs(41, 3);
        let n = fake.len();
        for loss in GanLoss::ALL {
            let f = Var::from_slice(&fake, (n, 1), &device).unwrap();
            let per_sample = g_loss(loss, f.as_tensor()).unwrap();
            let mean = per_sample.mean_all().unwrap();
            let grads = mean.backward().unwrap();
            let want = grads.get(f.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let values = per_sample.flatten_all().unwrap().to_vec1::<f32>().unwrap();

            let mut grad = vec![f32::NAN; n];
            let sum = g_loss_and_grad(loss, &fake, &mut grad, n);
            let candle = f64::from(mean.to_vec0::<f32>().unwrap());
            assert!(close(sum / n as f64, candle, 1e-5), "{loss:?}: {} vs {candle}", sum / n as f64);
            for i in 0..n {
                assert!(
                    close(f64::from(grad[i]), f64::from(want[i]), 1e-5),
                    "{loss:?} row {i}: {} vs {}",
                    grad[i],
                    want[i]
                );
                let (value, slope) = g_term(loss)(fake[i]);
                assert!(close(f64::from(value), f64::from(values[i]), 1e-5), "{loss:?} term {i}");
                assert!(close(f64::from(slope), f64::from(want[i]) * n as f64, 1e-5), "{loss:?} slope {i}");
            }
        }
    }

    #[test]
    fn the_losses_take_their_closed_forms_at_known_outputs() {
        let device = Device::Cpu;
        let zeros = Tensor::zeros((4, 1), candle_core::DType::F32, &device).unwrap();
        let scalar = |t: Tensor| f64::from(t.to_vec0::<f32>().unwrap());
        // D(x) = ½ everywhere: the minimax D loss is 2 log 2, the value at D* when p_g = p_data.
        let ln4 = 4f64.ln();
        assert!(close(scalar(d_loss(GanLoss::Minimax, &zeros, &zeros).unwrap()), ln4, 1e-6));
        assert!(close(scalar(d_loss(GanLoss::NonSaturating, &zeros, &zeros).unwrap()), ln4, 1e-6));
        // Least squares: ½(0 − 1)² + ½·0² = ½; hinge: relu(1) + relu(1) = 2; a critic: 0.
        assert!(close(scalar(d_loss(GanLoss::LeastSquares, &zeros, &zeros).unwrap()), 0.5, 1e-6));
        assert!(close(scalar(d_loss(GanLoss::Hinge, &zeros, &zeros).unwrap()), 2.0, 1e-6));
        assert!(close(scalar(d_loss(GanLoss::WganGp, &zeros, &zeros).unwrap()), 0.0, 1e-6));
        // A critic scoring real rows 3 and generated rows 1 has loss E f(G(z)) − E f(x) = −2.
        let (threes, ones) = ((&zeros + 3.0).unwrap(), (&zeros + 1.0).unwrap());
        assert!(close(scalar(d_loss(GanLoss::WganClip, &threes, &ones).unwrap()), -2.0, 1e-6));
        // The mean D output reads logits as probabilities only for the σ games.
        assert!(close(mean_output(GanLoss::NonSaturating, &zeros).unwrap(), 0.5, 1e-6));
        assert!(close(mean_output(GanLoss::Hinge, &threes).unwrap(), 3.0, 1e-6));
        assert!(close(mean_output_of(GanLoss::Minimax, &[0.0, 40.0]), 0.75, 1e-6));
        assert_eq!(mean_output_of(GanLoss::WganGp, &[]), 0.0);
    }

    #[test]
    fn names_round_trip_and_only_the_sigma_games_output_probabilities() {
        for loss in GanLoss::ALL {
            assert_eq!(GanLoss::parse(loss.name()), Some(loss));
            assert_eq!(loss.outputs_probability(), !loss.is_critic() && loss != GanLoss::LeastSquares);
        }
        assert_eq!(GanLoss::parse("wgan"), None);
    }
}
