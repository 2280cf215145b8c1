//! The window: a tab per lab. Panels read snapshots, never tensors.

pub mod gan;
pub mod images;
pub mod lab;
pub mod lines;
pub mod optimal_d;
pub mod vae;
pub mod widgets;

use eframe::egui;

/// The labs, one tab each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// GAN on 2-D data (sheet task 4.3).
    Gan,
    /// AE vs VAE (tasks 1 and 2).
    AeVae,
    /// Optimal discriminator (task 3).
    OptimalD,
    /// JS vs W1 (tasks 4.1, 4.2, 4.4).
    JsW1,
}

impl Tab {
    const ALL: [Self; 4] = [Self::Gan, Self::AeVae, Self::OptimalD, Self::JsW1];

    fn label(self) -> &'static str {
        match self {
            Self::Gan => "GAN",
            Self::AeVae => "AE vs VAE",
            Self::OptimalD => "Optimal discriminator",
            Self::JsW1 => "JS vs W1",
        }
    }

    fn ready(self) -> bool {
        matches!(self, Self::Gan | Self::AeVae | Self::OptimalD | Self::JsW1)
    }
}

/// The whole application.
pub struct App {
    tab: Tab,
    /// The GAN lab.
    pub gan: gan::GanView,
    /// The AE vs VAE lab.
    pub vae: vae::VaeView,
    /// The optimal-discriminator lab.
    pub optimal_d: optimal_d::OptimalDView,
    /// The JS vs W1 lab.
    pub lines: lines::LinesView,
}

/// DejaVu Sans, a fallback for the mathematical symbols (∇, ‖, ₓ, ≥ …) that egui's own font
/// lacks; see assets/fonts/DejaVu-LICENSE.txt.
const MATH_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Adds the fallback font for mathematical symbols to `ctx`.
pub fn install_fonts(ctx: &egui::Context) {
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .map(|family| egui::epaint::text::InsertFontFamily {
            family,
            priority: egui::epaint::text::FontPriority::Lowest,
        })
        .to_vec();
    ctx.add_font(egui::epaint::text::FontInsert::new("DejaVuSans", egui::FontData::from_static(MATH_FONT), families));
}

impl App {
    /// Builds the app; `ctx` gets the fonts and is used by trainer threads to wake the UI.
    pub fn new(ctx: &egui::Context) -> Self {
        install_fonts(ctx);
        Self {
            tab: Tab::Gan,
            gan: gan::GanView::new(ctx),
            vae: vae::VaeView::new(ctx),
            optimal_d: optimal_d::OptimalDView::new(ctx),
            lines: lines::LinesView::new(ctx),
        }
    }

    /// Switches to another lab; the hidden lab pauses (and resumes when shown again), so the
    /// visible one has the core.
    pub fn show_tab(&mut self, tab: Tab) {
        if tab == self.tab {
            return;
        }
        self.gan.set_visible(tab == Tab::Gan);
        self.vae.set_visible(tab == Tab::AeVae);
        self.optimal_d.set_visible(tab == Tab::OptimalD);
        self.lines.set_visible(tab == Tab::JsW1);
        self.tab = tab;
    }

    /// Draws one frame into `ui` (shared by eframe and the UI tests).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        // Every lab reads its trainer's state each frame, shown or not, so that queued
        // commands go out and statuses stay current.
        self.gan.poll();
        self.vae.poll();
        self.optimal_d.poll();
        self.lines.poll();
        egui::Panel::top("tabs").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Latent Lab");
                ui.separator();
                for tab in Tab::ALL {
                    let response = ui.add_enabled(tab.ready(), egui::Button::selectable(self.tab == tab, tab.label()));
                    let response = response.on_disabled_hover_text("This lab is not built yet.");
                    if response.clicked() {
                        self.show_tab(tab);
                    }
                }
            });
        });
        match self.tab {
            Tab::Gan => self.gan.ui(ui),
            Tab::AeVae => self.vae.ui(ui),
            Tab::OptimalD => self.optimal_d.ui(ui),
            Tab::JsW1 => self.lines.ui(ui),
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }
}

/// Opens the window and runs until it is closed.
pub fn run_app() -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1600.0, 1000.0]).with_title("Latent Lab"),
        ..Default::default()
    };
    eframe::run_native("Latent Lab", options, Box::new(|cc| Ok(Box::new(App::new(&cc.egui_ctx)))))
        .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
