//! The window: a tab per lab. Panels read snapshots, never tensors.

pub mod background;
pub mod controls;
pub mod frame_stats;
pub mod gan;
pub mod help;
pub mod images;
pub mod lab;
pub mod lines;
pub mod optimal_d;
pub mod theme;
pub mod vae;
pub mod widgets;

use eframe::egui;

use lab::LabView;

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
    /// Every tab, in order.
    pub const ALL: [Self; 4] = [Self::Gan, Self::AeVae, Self::OptimalD, Self::JsW1];

    /// Short name, as `--tab` takes it and the frame-stats file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gan => "gan",
            Self::AeVae => "ae-vae",
            Self::OptimalD => "optimal-d",
            Self::JsW1 => "js-w1",
        }
    }

    /// Parses a name given by [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The whole application.
pub struct App {
    tab: Tab,
    /// The labs, one tab each, in the order of their tab buttons.
    labs: Vec<Box<dyn LabView>>,
    /// Per-frame UI times and their readout.
    pub frame_stats: frame_stats::FrameStats,
    /// eframe's CPU time for the previous frame, handed over by the eframe wrapper.
    prev_frame_cpu: Option<f32>,
}

/// How the window starts (from the command line).
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The tab shown first.
    pub tab: Option<Tab>,
    /// Start training the first tab's lab at once.
    pub play: bool,
    /// Write per-frame UI times to this CSV file.
    pub frame_stats: Option<std::path::PathBuf>,
    /// Show the frame-time readout from the start.
    pub show_frame_stats: bool,
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
    /// Nothing slow happens here: each lab builds its trainer (and loads its data) on a
    /// background thread and shows what it is loading until then.
    pub fn new(ctx: &egui::Context) -> Self {
        install_fonts(ctx);
        // The labs, in the order of their tab buttons; a new lab is one more line here.
        let labs: Vec<Box<dyn LabView>> = vec![
            Box::new(gan::GanView::new(ctx)),
            Box::new(vae::VaeView::new(ctx)),
            Box::new(optimal_d::OptimalDView::new(ctx)),
            Box::new(lines::LinesView::new(ctx)),
        ];
        let mut app =
            Self { tab: Tab::Gan, labs, frame_stats: frame_stats::FrameStats::default(), prev_frame_cpu: None };
        if let Some(lab) = app.shown_mut() {
            lab.on_show();
        }
        app
    }

    /// Builds the app as `options` ask: the first tab, training started, frame times
    /// written to a file (an unwritable file is an error).
    pub fn with_options(ctx: &egui::Context, options: &AppOptions) -> anyhow::Result<Self> {
        let mut app = Self::new(ctx);
        if let Some(path) = &options.frame_stats {
            app.frame_stats
                .write_to(path)
                .map_err(|e| anyhow::anyhow!("cannot write frame stats to {}: {e}", path.display()))?;
        }
        app.frame_stats.visible = options.show_frame_stats || options.frame_stats.is_some();
        app.show_tab(options.tab.unwrap_or(Tab::Gan));
        if options.play {
            app.play_shown();
        }
        Ok(app)
    }

    /// The tab shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// The lab of type `V` (for example [`gan::GanView`]), if the app has one.
    pub fn view<V: LabView>(&self) -> Option<&V> {
        self.labs.iter().find_map(|lab| (lab.as_ref() as &dyn std::any::Any).downcast_ref())
    }

    /// The lab of type `V`, to change it, if the app has one.
    pub fn view_mut<V: LabView>(&mut self) -> Option<&mut V> {
        self.labs.iter_mut().find_map(|lab| (lab.as_mut() as &mut dyn std::any::Any).downcast_mut())
    }

    fn shown(&self) -> Option<&dyn LabView> {
        self.labs.iter().find(|lab| lab.tab() == self.tab).map(AsRef::as_ref)
    }

    fn shown_mut(&mut self) -> Option<&mut (dyn LabView + 'static)> {
        let tab = self.tab;
        self.labs.iter_mut().find(|lab| lab.tab() == tab).map(AsMut::as_mut)
    }

    /// Starts training the shown lab.
    pub fn play_shown(&mut self) {
        if let Some(lab) = self.shown_mut() {
            lab.play();
        }
    }

    /// The shown lab's trainer status (none if no lab has the tab).
    fn shown_status(&self) -> Option<&crate::train::worker::Status> {
        self.shown().map(LabView::status)
    }

    /// Switches to another lab; the hidden lab pauses (and resumes when shown again), so the
    /// visible one has the core.
    pub fn show_tab(&mut self, tab: Tab) {
        if tab == self.tab {
            return;
        }
        if let Some(lab) = self.shown_mut() {
            lab.on_hide();
        }
        self.tab = tab;
        if let Some(lab) = self.shown_mut() {
            lab.on_show();
        }
    }

    /// Draws one frame into `ui` (shared by eframe and the UI tests), and records how long
    /// it took.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let started = std::time::Instant::now();
        self.draw(ui);
        let age = self.shown_status().and_then(|s| s.published_at).map(|t| t.elapsed().as_secs_f32() * 1e3);
        let frame = frame_stats::FrameTime {
            ui_ms: started.elapsed().as_secs_f32() * 1e3,
            prev_frame_cpu_ms: self.prev_frame_cpu.map(|s| s * 1e3),
            snapshot_age_ms: age,
        };
        let speed = self.shown_status().map_or(0.0, |s| s.steps_per_sec);
        self.frame_stats.record(frame, self.tab.name(), speed);
        if self.frame_stats.visible {
            // The readout changes every frame.
            ui.ctx().request_repaint();
        }
    }

    fn draw(&mut self, ui: &mut egui::Ui) {
        // Every lab reads its trainer's state each frame, shown or not, so that queued
        // commands go out and statuses stay current.
        for lab in &mut self.labs {
            lab.poll();
        }
        let mut chosen = None;
        egui::Panel::top("tabs").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Latent Lab");
                ui.separator();
                for lab in &self.labs {
                    let button = ui.add(egui::Button::selectable(self.tab == lab.tab(), lab.title()));
                    // A lab paused because its tab is hidden says so (issue 14, item 8).
                    if lab.paused_while_hidden() {
                        ui.weak("paused").on_hover_text(
                            "Paused while hidden, so that the lab shown has the processor; it goes on when you open it.",
                        );
                    }
                    if button.clicked() {
                        chosen = Some(lab.tab());
                    }
                }
                ui.separator();
                help::toggle(ui, self.tab);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    theme::switch(ui);
                    ui.separator();
                    ui.toggle_value(&mut self.frame_stats.visible, "Frame times")
                        .on_hover_text("The UI thread's time per frame (p50, p95) and the age of the picture.");
                    if self.frame_stats.visible {
                        let age = self.shown().and_then(|lab| lab.status().published_at).map(|t| t.elapsed());
                        ui.separator();
                        self.frame_stats.ui(ui, age);
                    }
                });
            });
        });
        if let Some(tab) = chosen {
            self.show_tab(tab);
        }
        if let Some(lab) = self.shown_mut() {
            lab.ui(ui);
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.prev_frame_cpu = frame.info().cpu_usage;
        App::ui(self, ui);
    }
}

/// The smallest inner size of the window (points): every lab has been checked at it.
pub const MIN_WINDOW_SIZE: [f32; 2] = [1024.0, 700.0];

/// Opens the window and runs until it is closed.
pub fn run_app(app_options: AppOptions) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size(MIN_WINDOW_SIZE)
            .with_title("Latent Lab"),
        ..Default::default()
    };
    eframe::run_native(
        "Latent Lab",
        options,
        Box::new(move |cc| Ok(Box::new(App::with_options(&cc.egui_ctx, &app_options).map_err(|e| e.to_string())?))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
