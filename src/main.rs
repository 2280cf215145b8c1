//! `latent-lab`: no arguments opens the window; `latent-lab train …` runs headless.

use latent_lab::cli::Cli;

fn main() -> std::process::ExitCode {
    // candle's matmul thread pool is slower than one thread on these small nets and would
    // take the core the UI needs; respect an explicit RAYON_NUM_THREADS.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let result = Cli::parse_args().run();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
