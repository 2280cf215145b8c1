//! The command line: no arguments opens the window; `train gan …` runs the same training
//! headless and writes its results for scripts, benchmarks and tests.
//!
//! Each headless lab has its file (`gan`, `vae`, `optimal_d`, `lines`: its flags, its summary
//! and its part of the loop); [`runner`] is the one training loop they all go through, and
//! [`output`] where and how they write. [`choices`] makes the labs' enums clap values,
//! [`flags`] names a refused setting by its flag, and [`bench`](mod@bench) times a lab's step.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub mod bench;
pub mod choices;
pub mod flags;
pub mod gan;
pub mod lines;
pub mod optimal_d;
pub mod output;
pub mod runner;
pub mod vae;

pub use bench::{bench, BenchLab, BenchOptions, BenchReport};
pub use gan::{train_gan, GanArgs, GanSettings, GanSummary};
pub use lines::{lines, LinesArgs, LinesSummary};
pub use optimal_d::{train_optimal_d, OptimalDArgs, OptimalDSummary};
pub use output::OutputArgs;
pub use vae::{train_vae, VaeArgs, VaeSettings, VaeSummary};

/// Latent Lab: watch autoencoders, VAEs and GANs learn, live.
#[derive(Debug, Parser)]
#[command(name = "latent-lab", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run; nothing opens the window.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The window's first tab.
    #[arg(long, value_enum)]
    pub tab: Option<crate::ui::Tab>,
    /// Start training the first tab's lab at once.
    #[arg(long)]
    pub play: bool,
    /// Write every frame's UI time, the previous frame's CPU time and the snapshot's age to
    /// FILE (CSV); the frame-time readout is shown too.
    #[arg(long, value_name = "FILE")]
    pub frame_stats: Option<PathBuf>,
    /// Show the frame-time readout from the start.
    #[arg(long)]
    pub show_frame_times: bool,
}

impl Cli {
    /// Parses the process's arguments, exiting with clap's message on an error, as
    /// [`Parser::parse`] does but with negative numbers accepted as values everywhere
    /// (`--lr-d -0.1` reaches the range check, which names the flag).
    pub fn parse_args() -> Self {
        Self::parse_from_args(std::env::args_os())
    }

    /// [`Self::parse_args`] on the given arguments (the first is the program's name).
    pub fn parse_from_args<I, T>(args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::try_parse_from_args(args).unwrap_or_else(|e| e.exit())
    }

    /// [`Self::parse_from_args`], returning clap's error (or its help, or its version) instead
    /// of printing it and exiting.
    pub fn try_parse_from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory as _, FromArgMatches as _};
        fn allow_negative(command: clap::Command) -> clap::Command {
            command.allow_negative_numbers(true).mut_subcommands(allow_negative)
        }
        let matches = allow_negative(Self::command()).try_get_matches_from(args)?;
        Self::from_arg_matches(&matches)
    }
}

impl Cli {
    /// Runs what the command line asks for: a headless command, or the window.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            None => crate::ui::run_app(self.app_options()),
            Some(Command::Train { lab: TrainLab::Gan(args) }) => train_gan(&args).map(|_| ()),
            Some(Command::Train { lab: TrainLab::Vae(args) }) => train_vae(&args).map(|_| ()),
            Some(Command::Train { lab: TrainLab::OptimalD(args) }) => train_optimal_d(&args).map(|_| ()),
            Some(Command::Lines(args)) => lines(&args).map(|_| ()),
            Some(Command::Bench { lab }) => bench(&lab).map(|_| ()),
        }
    }

    /// The window's options.
    pub fn app_options(&self) -> crate::ui::AppOptions {
        crate::ui::AppOptions {
            tab: self.tab,
            play: self.play,
            frame_stats: self.frame_stats.clone(),
            show_frame_stats: self.show_frame_times,
        }
    }
}

/// Headless commands (parsed once at start-up, so their size does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a lab's models without a window and write metrics, a summary and a checkpoint.
    Train {
        /// Which lab.
        #[command(subcommand)]
        lab: TrainLab,
    },
    /// Time a lab's training step: median steps per second over a few repeats after a
    /// warm-up (prints JSON with --json).
    Bench {
        /// Which lab.
        #[command(subcommand)]
        lab: BenchLab,
    },
    /// The JS vs W1 lab: the parallel lines (0, Y) and (θ, Y); closed forms, learned estimates
    /// and their gradients in θ, or (with --race) gradient descent on θ under each objective.
    Lines(LinesArgs),
}

/// Labs that train headless.
#[derive(Debug, Subcommand)]
pub enum TrainLab {
    /// The GAN lab: 2-D toy data, MLP generator and discriminator.
    Gan(GanArgs),
    /// The AE vs VAE lab: an autoencoder and a VAE trained side by side on real images.
    Vae(VaeArgs),
    /// The optimal-discriminator lab: a GAN on a line, D against D* = p_data/(p_data + p_g).
    #[command(name = "optimal-d")]
    OptimalD(OptimalDArgs),
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Parses `latent-lab ARGS` as the binary does, returning clap's error.
    pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from_args(std::iter::once("latent-lab").chain(args.iter().copied()))
    }

    /// `--tab` takes the tabs' names; a bad one names the flag and lists them.
    #[test]
    fn the_first_tab_is_chosen_by_name() {
        assert_eq!(parse(&["--tab", "js-w1"]).unwrap().app_options().tab, Some(crate::ui::Tab::JsW1));
        assert_eq!(parse(&[]).unwrap().app_options().tab, None);
        let err = parse(&["--tab", "nope"]).unwrap_err().to_string();
        assert!(
            err.contains("invalid value 'nope' for '--tab <TAB>'")
                && err.contains("[possible values: gan, ae-vae, optimal-d, js-w1]"),
            "{err}"
        );
    }
}
