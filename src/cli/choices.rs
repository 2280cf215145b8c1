//! The command line's choices as clap values. The labs' enums know nothing of clap: here they
//! implement [`ValueEnum`], spelled by their own `name()` where they have one, so a bad choice
//! gets clap's error naming the flag and listing the choices (`invalid value 'x' for
//! '--loss <LOSS>' [possible values: …]`). A choice that carries a number (a Gaussian
//! likelihood's σ, a constraint's λ or c, an MLP generator's shape) is parsed with a
//! placeholder that the number's own flag replaces ([`likelihood`], [`constraint`],
//! [`generator`]). Choices with a free-form part (`csv:PATH`, `idx:DIR`, `mix:…`) are parsed
//! by their own `parse`, as clap value parsers.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::ValueEnum;

use crate::data::toy2d::Toy2d;
use crate::model::mlp::Activation;
use crate::model::optim::OptimizerKind;
use crate::objective::gan::GanLoss;
use crate::objective::vae::Likelihood;
use crate::train::gan::NoiseKind;
use crate::train::lines::Constraint;
use crate::train::optimal_d::Generator1d;
use crate::train::vae::Models;
use crate::ui::Tab;

impl ValueEnum for GanLoss {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for NoiseKind {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Activation {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for OptimizerKind {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Tab {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// σ of a Gaussian likelihood, or λ or c of a constraint, as parsed: not a number, so that a
/// choice whose flag did not give it its number is refused by the lab's validation.
const PLACEHOLDER: f64 = f64::NAN;

impl ValueEnum for Likelihood {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::Bernoulli, Self::Gaussian { sigma: PLACEHOLDER as f32 }]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// The likelihood chosen by `--likelihood`, a Gaussian with `--sigma`'s σ.
pub fn likelihood(choice: Likelihood, sigma: f32) -> Likelihood {
    match choice {
        Likelihood::Gaussian { .. } => Likelihood::Gaussian { sigma },
        Likelihood::Bernoulli => Likelihood::Bernoulli,
    }
}

impl ValueEnum for Constraint {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::GradientPenalty { lambda: PLACEHOLDER }, Self::Clip { c: PLACEHOLDER }, Self::SpectralNorm]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Self::GradientPenalty { .. } => "gp",
            Self::Clip { .. } => "clip",
            Self::SpectralNorm => "sn",
        }))
    }
}

/// The constraint chosen by `--constraint`, with `--gp-lambda`'s λ or `--clip`'s c.
pub fn constraint(choice: Constraint, lambda: f64, c: f64) -> Constraint {
    match choice {
        Constraint::GradientPenalty { .. } => Constraint::GradientPenalty { lambda },
        Constraint::Clip { .. } => Constraint::Clip { c },
        Constraint::SpectralNorm => Constraint::SpectralNorm,
    }
}

impl ValueEnum for Generator1d {
    fn value_variants<'a>() -> &'a [Self] {
        // The MLP's shape is a placeholder too: a width of 0 is refused by the lab.
        &[Self::Affine, Self::Mlp { hidden: 0, layers: 0 }]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Self::Affine => "affine",
            Self::Mlp { .. } => "mlp",
        }))
    }
}

/// The generator chosen by `--generator`, an MLP with `--hidden-g` and `--layers-g`.
pub fn generator(choice: Generator1d, hidden: usize, layers: usize) -> Generator1d {
    match choice {
        Generator1d::Mlp { .. } => Generator1d::Mlp { hidden, layers },
        Generator1d::Affine => Generator1d::Affine,
    }
}

impl ValueEnum for Models {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::Both, Self::Vae, Self::Ae]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Self::Both => "both",
            Self::Vae => "vae",
            Self::Ae => "ae",
        }))
    }
}

/// A choice as the command line spells it.
pub fn name_of(choice: &impl ValueEnum) -> String {
    choice.to_possible_value().map_or_else(String::new, |v| v.get_name().to_owned())
}

/// A parser of `T` that takes only `choices` (spelled as `T` spells them) and lists them in
/// its errors and help: for a lab that plays only some of an enum's variants.
pub fn one_of<T: ValueEnum + Send + Sync + 'static>(choices: &'static [T]) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(choices.iter().filter_map(T::to_possible_value)).try_map(move |name| {
        choices
            .iter()
            .find(|choice| choice.to_possible_value().is_some_and(|v| v.matches(&name, false)))
            .cloned()
            .ok_or("not one of the choices")
    })
}

/// Checks a GAN data set's name (`--data`): a preset is parsed now, so that an unknown name
/// is the command line's error; `csv:PATH` is read when the run starts (by [`Toy2d::parse`]),
/// so that a missing or malformed file is the run's error, named in one line.
pub fn toy2d_spec(spec: &str) -> Result<String, crate::data::DataError> {
    if !spec.trim().starts_with("csv:") {
        Toy2d::parse(spec)?;
    }
    Ok(spec.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every choice is spelled as its enum spells it (so the flags take what they took before
    /// clap parsed them), and back.
    #[test]
    fn choices_are_spelled_by_their_enums() {
        for loss in GanLoss::ALL {
            assert_eq!(GanLoss::from_str(loss.name(), false), Ok(loss));
        }
        for kind in NoiseKind::ALL {
            assert_eq!(NoiseKind::from_str(kind.name(), false), Ok(kind));
        }
        for activation in Activation::ALL {
            assert_eq!(Activation::from_str(activation.name(), false), Ok(activation));
        }
        for kind in OptimizerKind::ALL {
            assert_eq!(OptimizerKind::from_str(kind.name(), false), Ok(kind));
        }
        for tab in Tab::ALL {
            assert_eq!(Tab::from_str(tab.name(), false), Ok(tab));
        }
        assert_eq!(name_of(&GanLoss::NonSaturating), "ns");
        assert_eq!(name_of(&Models::Both), "both");
    }

    /// A choice's number comes from its own flag; the parsed placeholder never survives.
    #[test]
    fn a_choice_s_number_comes_from_its_flag() {
        let gaussian = Likelihood::from_str("gaussian", false).unwrap();
        assert_eq!(likelihood(gaussian, 0.3), Likelihood::Gaussian { sigma: 0.3 });
        assert_eq!(likelihood(Likelihood::from_str("bernoulli", false).unwrap(), 0.3), Likelihood::Bernoulli);
        let gp = Constraint::from_str("gp", false).unwrap();
        assert_eq!(constraint(gp, 5.0, 0.1), Constraint::GradientPenalty { lambda: 5.0 });
        let clip = Constraint::from_str("clip", false).unwrap();
        assert_eq!(constraint(clip, 5.0, 0.1), Constraint::Clip { c: 0.1 });
        assert_eq!(constraint(Constraint::from_str("sn", false).unwrap(), 5.0, 0.1), Constraint::SpectralNorm);
        let mlp = Generator1d::from_str("mlp", false).unwrap();
        assert_eq!(generator(mlp, 16, 3), Generator1d::Mlp { hidden: 16, layers: 3 });
        assert_eq!(generator(Generator1d::from_str("affine", false).unwrap(), 16, 3), Generator1d::Affine);
    }
}
