//! A refused setting named by its control, as the window labels it. `train`'s checks name a
//! setting as the lab says it ("discriminator optimiser: learning rate must be a positive
//! number, got -0.1"); the command line says its flag instead (`cli/flags.rs`: "--lr-d must
//! be …") and the window the control a user would move: the slider's text and the section it
//! sits in ("learning rate (Discriminator) must be a positive number, got -0.1"). Each lab's
//! table is tested below against `train`'s messages.

use crate::train::TrainError;

/// How `train` begins the message of a refused setting, and what the window says instead (the
/// control's label, with its section in brackets where the label alone is ambiguous).
pub type SettingControl = (&'static str, &'static str);

/// `err` as the window shows it: a refused setting ([`TrainError::Invalid`]) whose message
/// begins with one of `controls`' beginnings begins with its control instead (and loses
/// "invalid setting: ", which the control makes plain); any other error is unchanged.
pub fn name_the_control(err: &TrainError, controls: &[SettingControl]) -> String {
    if let TrainError::Invalid(message) = err {
        if let Some(named) = rename_setting(message, controls) {
            return named;
        }
    }
    err.to_string()
}

/// A refused setting's bare message (as a running trainer reports it, without "invalid
/// setting: ") with its setting named by its control, if `controls` has it.
pub fn rename_setting(message: &str, controls: &[SettingControl]) -> Option<String> {
    controls.iter().find_map(|(setting, control)| message.strip_prefix(setting).map(|rest| control.to_string() + rest))
}

/// The GAN lab's side panel (ui/gan/settings.rs). β2 is the slider "α (smoothing)" under
/// RMSProp.
pub const GAN: [SettingControl; 17] = [
    ("generator hidden width", "hidden width (Generator)"),
    ("generator hidden layers", "hidden layers (Generator)"),
    ("discriminator hidden width", "hidden width (Discriminator)"),
    ("discriminator hidden layers", "hidden layers (Discriminator)"),
    ("noise dimension", "noise dimension (Generator)"),
    ("D steps per G step", "D steps per G step (Training)"),
    ("batch size", "batch size (Training)"),
    ("generator optimiser: learning rate", "learning rate (Generator)"),
    ("discriminator optimiser: learning rate", "learning rate (Discriminator)"),
    ("generator optimiser: β1", "β1 (Generator)"),
    ("discriminator optimiser: β1", "β1 (Discriminator)"),
    ("generator optimiser: β2", "β2 or α (Generator)"),
    ("discriminator optimiser: β2", "β2 or α (Discriminator)"),
    ("generator optimiser: ε", "the generator's optimiser's ε"),
    ("discriminator optimiser: ε", "the discriminator's optimiser's ε"),
    ("the clipping bound c", "clip c (Objective)"),
    ("the penalty weight λ", "penalty λ (Objective)"),
];

/// The AE vs VAE lab's side panel (ui/vae/mod.rs).
pub const VAE: [SettingControl; 10] = [
    ("latent dimension", "latent dimension K (Models)"),
    ("hidden width", "hidden width (Models)"),
    ("hidden layers", "hidden layers (Models)"),
    ("Monte-Carlo samples", "samples L of z per input (Objective)"),
    ("batch size", "batch size (Training)"),
    ("importance samples", "importance samples k (log p(x) estimate)"),
    (
        "the importance-weighted estimate needs at least one test image",
        "test images (log p(x) estimate) must be at least 1",
    ),
    ("β must", "KL weight β (Objective) must"),
    ("learning rate", "learning rate (Training)"),
    ("the Gaussian likelihood's σ", "pixel σ (Objective)"),
];

/// The optimal-discriminator lab's side panel (ui/optimal_d.rs).
pub const OPTIMAL_D: [SettingControl; 7] = [
    ("discriminator: width", "hidden width and hidden layers (Discriminator): width"),
    ("generator: width", "hidden width and hidden layers (Generator): width"),
    ("discriminator: learning rate", "D learning rate"),
    ("generator: learning rate", "G learning rate"),
    ("batch size", "batch size (Training)"),
    ("D steps per G step", "D steps per G step (Training)"),
    ("component", "p_data: mode"),
];

/// The JS vs W1 lab's side panel (ui/lines.rs).
pub const LINES: [SettingControl; 8] = [
    ("θ must", "θ, the offset of the second line, must"),
    ("θ0 must", "θ0 (The race) must"),
    ("the clipping bound", "clip c (The critic's constraint)"),
    ("λ must", "λ (The critic's constraint) must"),
    ("batch must", "batch must"),
    ("inner steps", "D/critic steps per θ step (The race)"),
    ("learning rate", "learning rate"),
    ("θ's learning rate", "θ's learning rate (The race)"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::optimal_d::Component;
    use crate::train::gan::GanConfig;
    use crate::train::lines::{Constraint, LinesConfig};
    use crate::train::optimal_d::OptimalDConfig;
    use crate::train::vae::VaeConfig;

    /// A way to break a setting, and how the window's message then begins.
    type Case<C> = (fn(&mut C), &'static str);

    /// The window's message for settings `train` refuses.
    fn shown<C>(validate: impl Fn(&C) -> Result<(), TrainError>, config: &C, table: &[SettingControl]) -> String {
        name_the_control(&validate(config).expect_err("the setting is refused"), table)
    }

    #[test]
    fn only_a_refused_setting_of_the_table_is_renamed() {
        let table: [SettingControl; 1] = [("θ must", "θ (slider) must")];
        let named = |message: &str| name_the_control(&TrainError::Invalid(message.to_owned()), &table);
        assert_eq!(named("θ must be in [−2, 2], got 3"), "θ (slider) must be in [−2, 2], got 3");
        assert_eq!(named("batch must be in 2..=8192, got 0"), "invalid setting: batch must be in 2..=8192, got 0");
        let other = TrainError::Diverged { step: 3, what: "θ must".to_owned() };
        assert!(name_the_control(&other, &table).starts_with("training diverged at step 3"));
    }

    #[test]
    fn the_gan_labs_settings_are_named_by_their_controls() {
        let name = |c: GanConfig| shown(GanConfig::validate, &c, &GAN);
        let base = GanConfig::default;
        let mut c = base();
        c.opt_d.lr = -0.1;
        assert_eq!(name(c), "learning rate (Discriminator) must be a positive number, got -0.1");
        let mut c = base();
        c.opt_g.lr = 0.0;
        assert!(name(c).starts_with("learning rate (Generator) must"));
        let mut c = base();
        c.opt_g.beta1 = 1.5;
        assert!(name(c).starts_with("β1 (Generator) must"));
        let mut c = base();
        c.opt_d.beta2 = 1.5;
        assert!(name(c).starts_with("β2 or α (Discriminator) must"));
        let mut c = base();
        c.generator.hidden = 0;
        assert!(name(c).starts_with("hidden width (Generator) must be in"));
        let mut c = base();
        c.discriminator.layers = 0;
        assert!(name(c).starts_with("hidden layers (Discriminator) must be in"));
        let mut c = base();
        c.noise_dim = 0;
        assert!(name(c).starts_with("noise dimension (Generator) must be in"));
        let mut c = base();
        c.d_steps = 0;
        assert!(name(c).starts_with("D steps per G step (Training) must be in"));
        let mut c = base();
        c.batch = 0;
        assert!(name(c).starts_with("batch size (Training) must be in"));
        let mut c = base();
        c.clip = -1.0;
        assert!(name(c).starts_with("clip c (Objective) must be positive"));
        let mut c = base();
        c.gp_lambda = -1.0;
        assert!(name(c).starts_with("penalty λ (Objective) must be ≥ 0"));
    }

    #[test]
    fn the_vae_labs_settings_are_named_by_their_controls() {
        let name = |c: VaeConfig| shown(VaeConfig::validate, &c, &VAE);
        let base = VaeConfig::default;
        let cases: [Case<VaeConfig>; 9] = [
            (|c| c.latent_dim = 0, "latent dimension K (Models) must be in"),
            (|c| c.hidden = 0, "hidden width (Models) must be in"),
            (|c| c.layers = 0, "hidden layers (Models) must be in"),
            (|c| c.mc_samples = 0, "samples L of z per input (Objective) must be in"),
            (|c| c.batch = 0, "batch size (Training) must be in"),
            (|c| c.iw_samples = 0, "importance samples k (log p(x) estimate) must be in"),
            (|c| c.iw_images = 0, "test images (log p(x) estimate) must be at least 1"),
            (|c| c.beta = -1.0, "KL weight β (Objective) must be in [0, 4]"),
            (|c| c.lr = -1.0, "learning rate (Training) must be a positive number"),
        ];
        for (break_it, start) in cases {
            let mut c = base();
            break_it(&mut c);
            let message = name(c);
            assert!(message.starts_with(start), "{message}");
        }
        let mut c = base();
        c.likelihood = crate::objective::vae::Likelihood::Gaussian { sigma: 0.0 };
        assert!(name(c).starts_with("pixel σ (Objective) must be positive"));
    }

    #[test]
    fn the_optimal_d_labs_settings_are_named_by_their_controls() {
        let name = |c: OptimalDConfig| shown(OptimalDConfig::validate, &c, &OPTIMAL_D);
        let base = OptimalDConfig::default;
        let mut c = base();
        c.lr_d = -0.1;
        assert_eq!(name(c), "D learning rate must be a positive number, got -0.1");
        let mut c = base();
        c.lr_g = f64::NAN;
        assert!(name(c).starts_with("G learning rate must"));
        let mut c = base();
        c.discriminator.hidden = 1;
        assert!(name(c).starts_with("hidden width and hidden layers (Discriminator): width 2–256"));
        let mut c = base();
        c.batch = 1;
        assert!(name(c).starts_with("batch size (Training) must be in"));
        let mut c = base();
        c.d_steps = 0;
        assert!(name(c).starts_with("D steps per G step (Training) must be in"));
        let mut c = base();
        c.data.components = vec![Component { weight: -1.0, mean: 0.0, std: 1.0 }];
        assert!(name(c).starts_with("p_data: mode 1: weight must be positive"));
    }

    #[test]
    fn the_lines_labs_settings_are_named_by_their_controls() {
        let name = |c: LinesConfig| shown(LinesConfig::validate, &c, &LINES);
        let base = LinesConfig::default;
        let cases: [Case<LinesConfig>; 8] = [
            (|c| c.theta = 3.0, "θ, the offset of the second line, must be in"),
            (|c| c.theta0 = 3.0, "θ0 (The race) must be in"),
            (|c| c.constraint = Constraint::Clip { c: 0.0 }, "clip c (The critic's constraint) must be positive"),
            (|c| c.constraint = Constraint::GradientPenalty { lambda: -1.0 }, "λ (The critic's constraint) must"),
            (|c| c.batch = 1, "batch must be in"),
            (|c| c.inner_steps = 0, "D/critic steps per θ step (The race) must be in"),
            (|c| c.lr = 0.0, "learning rate must be positive"),
            (|c| c.lr_theta = 0.0, "θ's learning rate (The race) must be positive"),
        ];
        for (break_it, start) in cases {
            let mut c = base();
            break_it(&mut c);
            let message = name(c);
            assert!(message.starts_with(start), "{message}");
        }
    }
}
