//! `latent-lab`: no arguments opens the window; `latent-lab train …` runs headless.

use latent_lab::cli::{bench, lines, train_gan, train_optimal_d, train_vae, Cli, Command, TrainLab};

fn main() -> std::process::ExitCode {
    // candle's matmul thread pool is slower than one thread on these small nets and would
    // take the core the UI needs; respect an explicit RAYON_NUM_THREADS.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let cli = Cli::parse_args();
    let result = match cli.command {
        None => cli.app_options().and_then(latent_lab::ui::run_app),
        Some(Command::Train { lab: TrainLab::Gan(args) }) => train_gan(&args).map(|_| ()),
        Some(Command::Train { lab: TrainLab::Vae(args) }) => train_vae(&args).map(|_| ()),
        Some(Command::Train { lab: TrainLab::OptimalD(args) }) => train_optimal_d(&args).map(|_| ()),
        Some(Command::Lines(args)) => lines(&args).map(|_| ()),
        Some(Command::Bench { lab }) => bench(&lab).map(|_| ()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
