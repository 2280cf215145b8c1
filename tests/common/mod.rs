//! What the window tests share: a harness around the real app, and waiting for the trainer.

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use latent_lab::ui::App;

/// How long a test waits for a trainer thread before failing.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The whole app in a 1600×1000 window, with its fonts.
pub fn harness() -> Harness<'static, App> {
    let app = App::new(&egui::Context::default());
    Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_context_setup(latent_lab::ui::install_fonts)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

/// Steps frames until `pred` holds for the app, or fails after [`TIMEOUT`].
pub fn step_until(h: &mut Harness<'static, App>, what: &str, pred: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if pred(h.state()) {
            return;
        }
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
