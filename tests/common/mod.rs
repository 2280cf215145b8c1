//! What the window tests share: a harness around the real app, and waiting for the trainer.

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use latent_lab::ui::gan::GanView;
use latent_lab::ui::lines::LinesView;
use latent_lab::ui::optimal_d::OptimalDView;
use latent_lab::ui::vae::VaeView;
use latent_lab::ui::App;

/// How long a test waits for a trainer thread before failing.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The whole app in a 1600×1000 window, with its fonts.
#[allow(dead_code)] // Each test file uses the sizes it checks.
pub fn harness() -> Harness<'static, App> {
    harness_sized(1600.0, 1000.0)
}

/// The whole app in a window of `width × height` points, with its fonts.
#[allow(dead_code)] // Each test file uses the sizes it checks.
pub fn harness_sized(width: f32, height: f32) -> Harness<'static, App> {
    let app = App::new(&egui::Context::default());
    Harness::builder()
        .with_size(egui::vec2(width, height))
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

/// Each lab's view, as the tests reach it (the app holds them in one list).
#[allow(dead_code)] // Each test file uses the labs it tests.
pub trait Labs {
    /// The GAN lab.
    fn gan(&self) -> &GanView;
    /// The GAN lab, to drive it.
    fn gan_mut(&mut self) -> &mut GanView;
    /// The AE vs VAE lab.
    fn vae(&self) -> &VaeView;
    /// The AE vs VAE lab, to drive it.
    fn vae_mut(&mut self) -> &mut VaeView;
    /// The optimal-discriminator lab.
    fn optimal_d(&self) -> &OptimalDView;
    /// The JS vs W1 lab.
    fn lines(&self) -> &LinesView;
}

impl Labs for App {
    fn gan(&self) -> &GanView {
        self.view().expect("the app has a GAN lab")
    }

    fn gan_mut(&mut self) -> &mut GanView {
        self.view_mut().expect("the app has a GAN lab")
    }

    fn vae(&self) -> &VaeView {
        self.view().expect("the app has an AE vs VAE lab")
    }

    fn vae_mut(&mut self) -> &mut VaeView {
        self.view_mut().expect("the app has an AE vs VAE lab")
    }

    fn optimal_d(&self) -> &OptimalDView {
        self.view().expect("the app has an optimal-discriminator lab")
    }

    fn lines(&self) -> &LinesView {
        self.view().expect("the app has a JS vs W1 lab")
    }
}
