//! "Copy command": the `latent-lab train …` line that reproduces a lab's settings headless,
//! every setting spelled out (so the line does not depend on the defaults of the day), or the
//! reason a setting has no command-line form. Each line parses back to the same settings
//! (tested).

use crate::data::source::ImageSource;
use crate::data::toy2d::Toy2d;
use crate::objective::vae::Likelihood;
use crate::train::gan::GanConfig;
use crate::train::lines::{Constraint, LinesConfig};
use crate::train::optimal_d::{Generator1d, OptimalDConfig};
use crate::train::vae::VaeConfig;

/// The command that trains the GAN lab's `config` for `steps` steps into `runs/gan`.
pub fn gan_command(config: &GanConfig, steps: u64) -> Result<String, String> {
    let c = config;
    let data = match &c.data {
        Toy2d::Ring8 { radius, sigma } if *radius == 2.0 => format!("ring8 --data-sigma {sigma}"),
        Toy2d::Grid25 { spacing, sigma } if *spacing == 2.0 => format!("grid25 --data-sigma {sigma}"),
        d if *d == Toy2d::spiral() => "spiral".to_owned(),
        d if *d == Toy2d::moons() => "moons".to_owned(),
        d if *d == Toy2d::gaussian() => "gaussian".to_owned(),
        Toy2d::Points { name, .. } => {
            return Err(format!(
                "the points \"{name}\" have no command-line form: save them as a CSV file and pass --data csv:FILE"
            ))
        }
        other => return Err(format!("the data \"{}\" with these parameters has no command-line form", other.label())),
    };
    if c.generator.activation != c.discriminator.activation {
        return Err("the command line takes one activation for both networks".to_owned());
    }
    let (d, g) = (&c.opt_d, &c.opt_g);
    if d.beta1 != g.beta1 || d.beta2 != g.beta2 {
        return Err("the command line takes one β1 and one β2 for both optimisers".to_owned());
    }
    let mut line = format!(
        "latent-lab train gan --data {data} --loss {} --seed {} --hidden-g {} --layers-g {} --hidden-d {} \
         --layers-d {} --activation {} --noise-dim {} --noise {} --optimizer-d {} --optimizer-g {} --lr-d {} \
         --lr-g {} --beta1 {} --beta2 {} --d-steps {} --clip {} --gp-lambda {} --batch {} --steps {steps} \
         --out runs/gan",
        c.loss.name(),
        c.seed,
        c.generator.hidden,
        c.generator.layers,
        c.discriminator.hidden,
        c.discriminator.layers,
        c.generator.activation.name(),
        c.noise_dim,
        c.noise.name(),
        d.kind.name(),
        g.kind.name(),
        d.lr,
        g.lr,
        d.beta1,
        d.beta2,
        c.d_steps,
        c.clip,
        c.gp_lambda,
        c.batch,
    );
    if c.spectral_norm {
        line.push_str(" --spectral-norm");
    }
    Ok(line)
}

/// The command that trains the optimal-discriminator lab's `config` for `steps` iterations
/// into `runs/optimal-d`.
pub fn optimal_d_command(config: &OptimalDConfig, steps: u64) -> String {
    let c = config;
    let generator = match c.generator {
        Generator1d::Affine => "--generator affine".to_owned(),
        Generator1d::Mlp { hidden, layers } => format!("--generator mlp --hidden-g {hidden} --layers-g {layers}"),
    };
    let mut line = format!(
        "latent-lab train optimal-d --data '{}' {generator} --hidden-d {} --layers-d {} --activation {} --loss {} \
         --lr-d {} --lr-g {} --batch {} --d-steps {} --seed {} --steps {steps} --out runs/optimal-d",
        c.data.to_spec(),
        c.discriminator.hidden,
        c.discriminator.layers,
        c.discriminator.activation.name(),
        c.loss.name(),
        c.lr_d,
        c.lr_g,
        c.batch,
        c.d_steps,
        c.seed,
    );
    if c.freeze_g {
        line.push_str(" --freeze-g");
    }
    line
}

/// The command that trains the AE vs VAE lab's `config` for `steps` steps into `runs/vae`.
pub fn vae_command(config: &VaeConfig, steps: u64) -> Result<String, String> {
    let c = config;
    let data = match &c.data {
        ImageSource::Mnist5k => "mnist5k".to_owned(),
        ImageSource::Digits => "digits".to_owned(),
        ImageSource::Idx(dir) => {
            let dir = dir.display().to_string();
            if dir.contains('\'') {
                return Err(format!("the folder {dir} holds a quote, which the command line cannot carry"));
            }
            format!("'idx:{dir}'")
        }
    };
    let likelihood = match c.likelihood {
        Likelihood::Bernoulli => "bernoulli".to_owned(),
        Likelihood::Gaussian { sigma } => format!("gaussian --sigma {sigma}"),
    };
    Ok(format!(
        "latent-lab train vae --data {data} --latent-dim {} --hidden {} --layers {} --activation {} \
         --likelihood {likelihood} --beta {} --mc-samples {} --lr {} --batch {} --seed {} --iw-samples {} \
         --iw-images {} --steps {steps} --out runs/vae",
        c.latent_dim,
        c.hidden,
        c.layers,
        c.activation.name(),
        c.beta,
        c.mc_samples,
        c.lr,
        c.batch,
        c.seed,
        c.iw_samples,
        c.iw_images,
    ))
}

/// The command that runs the JS vs W1 lab's race with `config` for `steps` steps into
/// `runs/race`.
pub fn lines_race_command(config: &LinesConfig, steps: u64) -> String {
    let c = config;
    let constraint = match c.constraint {
        Constraint::GradientPenalty { lambda } => format!("gp --gp-lambda {lambda}"),
        Constraint::Clip { c } => format!("clip --clip {c}"),
        Constraint::SpectralNorm => "sn".to_owned(),
    };
    format!(
        "latent-lab lines --race --theta {} --theta0 {} --constraint {constraint} --lr {} --lr-theta {} \
         --inner-steps {} --batch {} --seed {} --steps {steps} --out runs/race",
        c.theta, c.theta0, c.lr, c.lr_theta, c.inner_steps, c.batch, c.seed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse;
    use crate::cli::{Command, TrainLab};
    use crate::data::toy2d::Toy2d;
    use crate::model::mlp::Activation;
    use crate::model::optim::OptimizerKind;
    use crate::objective::gan::GanLoss;
    use crate::theory::optimal_d::Mixture1d;
    use crate::train::gan::{NetConfig, NoiseKind};

    /// Splits a command line as a shell would (words, and '…' quoted words).
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = line;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (word, after) = match rest.strip_prefix('\'') {
                Some(quoted) => {
                    let end = quoted.find('\'').unwrap();
                    (&quoted[..end], &quoted[end + 1..])
                }
                None => rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len())),
            };
            out.push(word.to_owned());
            rest = after;
        }
        out
    }

    fn parsed(line: &str) -> Command {
        let w = words(line);
        assert_eq!(w[0], "latent-lab");
        let args: Vec<&str> = w[1..].iter().map(String::as_str).collect();
        parse(&args).unwrap_or_else(|e| panic!("{line}: {e}")).command.unwrap()
    }

    #[test]
    fn every_gan_command_parses_back_to_the_same_settings() {
        let mut configs = vec![GanConfig::default()];
        for loss in GanLoss::ALL {
            let mut c =
                GanConfig { seed: 7, batch: 100, noise_dim: 3, noise: NoiseKind::Uniform, ..GanConfig::default() };
            loss.apply_defaults(&mut c);
            configs.push(c);
        }
        configs.push(GanConfig {
            data: Toy2d::Grid25 { spacing: 2.0, sigma: 0.1 },
            generator: NetConfig { hidden: 17, layers: 1, activation: Activation::Tanh },
            discriminator: NetConfig { hidden: 200, layers: 4, activation: Activation::Tanh },
            spectral_norm: true,
            d_steps: 3,
            clip: 0.05,
            gp_lambda: 2.5,
            ..GanConfig::default()
        });
        let mut sgd = GanConfig { data: Toy2d::moons(), ..GanConfig::default() };
        sgd.opt_g.kind = OptimizerKind::Sgd;
        sgd.opt_g.lr = 10.0;
        sgd.opt_d.lr = 3.3e-4;
        configs.push(sgd);
        for config in configs {
            let line = gan_command(&config, 1234).unwrap();
            match parsed(&line) {
                Command::Train { lab: TrainLab::Gan(args) } => {
                    assert_eq!(args.settings.config().unwrap(), config, "{line}");
                    assert_eq!(args.steps, 1234);
                }
                other => panic!("{line}: not train gan: {other:?}"),
            }
        }
    }

    #[test]
    fn settings_without_a_command_line_form_say_why() {
        let drawn = GanConfig {
            data: Toy2d::Points { name: "Drawn points".into(), points: vec![[0.0, 0.0]], jitter: 0.0 },
            ..GanConfig::default()
        };
        assert!(gan_command(&drawn, 1).unwrap_err().contains("save them as a CSV file"));
        let mut mixed = GanConfig::default();
        mixed.discriminator.activation = Activation::Tanh;
        assert!(gan_command(&mixed, 1).unwrap_err().contains("one activation"));
        let wide_ring = GanConfig { data: Toy2d::Ring8 { radius: 3.0, sigma: 0.02 }, ..GanConfig::default() };
        assert!(gan_command(&wide_ring, 1).unwrap_err().contains("no command-line form"));
    }

    #[test]
    fn every_optimal_d_command_parses_back_to_the_same_settings() {
        let configs = [
            OptimalDConfig::default(),
            OptimalDConfig {
                data: Mixture1d::parse("mix:0.2,-1.5,0.3;0.8,2,0.7").unwrap(),
                generator: Generator1d::Mlp { hidden: 16, layers: 3 },
                loss: GanLoss::Minimax,
                lr_d: 0.0025,
                lr_g: 1e-4,
                batch: 333,
                d_steps: 4,
                freeze_g: true,
                seed: 99,
                ..OptimalDConfig::default()
            },
        ];
        for config in configs {
            let line = optimal_d_command(&config, 500);
            match parsed(&line) {
                Command::Train { lab: TrainLab::OptimalD(args) } => {
                    assert_eq!(args.config().unwrap(), config, "{line}");
                    assert_eq!(args.steps, 500);
                }
                other => panic!("{line}: not train optimal-d: {other:?}"),
            }
        }
    }

    #[test]
    fn every_vae_command_parses_back_to_the_same_settings() {
        let configs = [
            VaeConfig::default(),
            VaeConfig {
                data: ImageSource::Digits,
                latent_dim: 7,
                hidden: 33,
                layers: 3,
                activation: Activation::Tanh,
                likelihood: Likelihood::Gaussian { sigma: 0.25 },
                beta: 0.3,
                mc_samples: 4,
                lr: 3.3e-4,
                batch: 77,
                seed: 12,
                iw_samples: 20,
                iw_images: 50,
            },
            VaeConfig { data: ImageSource::Idx("/tmp/some folder/x".into()), ..VaeConfig::default() },
        ];
        for config in configs {
            let line = vae_command(&config, 321).unwrap();
            match parsed(&line) {
                Command::Train { lab: TrainLab::Vae(args) } => {
                    assert_eq!(args.settings.config().unwrap(), config, "{line}");
                    assert_eq!(args.steps, 321);
                }
                other => panic!("{line}: not train vae: {other:?}"),
            }
        }
        let quoted = VaeConfig { data: ImageSource::Idx("/tmp/it's".into()), ..VaeConfig::default() };
        assert!(vae_command(&quoted, 1).unwrap_err().contains("quote"));
    }

    #[test]
    fn every_race_command_parses_back_to_the_same_settings() {
        let configs = [
            LinesConfig::default(),
            LinesConfig {
                theta: -0.75,
                constraint: Constraint::Clip { c: 0.05 },
                batch: 64,
                lr: 2e-3,
                theta0: -1.5,
                lr_theta: 0.1,
                inner_steps: 3,
                seed: 5,
            },
            LinesConfig { constraint: Constraint::SpectralNorm, ..LinesConfig::default() },
            LinesConfig { constraint: Constraint::GradientPenalty { lambda: 2.5 }, ..LinesConfig::default() },
        ];
        for config in configs {
            let line = lines_race_command(&config, 600);
            match parsed(&line) {
                Command::Lines(args) => {
                    assert!(args.race, "{line}");
                    assert_eq!(args.config().unwrap(), config, "{line}");
                    assert_eq!(args.steps, 600);
                }
                other => panic!("{line}: not lines: {other:?}"),
            }
        }
    }
}
