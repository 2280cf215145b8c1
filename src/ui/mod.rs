//! The window: a tab per lab. Panels read snapshots, never tensors.

pub mod background;
pub mod controls;
pub mod files;
pub mod frame_stats;
pub mod gan;
pub mod help;
pub mod images;
pub mod lab;
pub mod lines;
pub mod optimal_d;
pub mod remember;
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
    /// The Run menu: saved runs, ready-made states, export, dropped files.
    pub files: files::Files,
    /// The context (to read the theme when eframe asks for the settings to remember).
    ctx: egui::Context,
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
        Self::remembering(ctx, remember::Remembered::default())
    }

    /// Builds the app with the remembered settings: each lab starts with its own, the tab
    /// and the theme are those of last time, and a notice says what could not be read.
    pub fn remembering(ctx: &egui::Context, mut remembered: remember::Remembered) -> Self {
        install_fonts(ctx);
        // The labs, in the order of their tab buttons; a new lab is one more line here.
        let gan = remembered.recall::<gan::GanView>();
        let vae = remembered.recall::<vae::VaeView>();
        let optimal_d = remembered.recall::<optimal_d::OptimalDView>();
        let lines = remembered.recall::<lines::LinesView>();
        let labs: Vec<Box<dyn LabView>> = vec![
            Box::new(gan::GanView::with_config(ctx, gan)),
            Box::new(vae::VaeView::with_config(ctx, vae)),
            Box::new(optimal_d::OptimalDView::with_config(ctx, optimal_d)),
            Box::new(lines::LinesView::with_config(ctx, lines)),
        ];
        let mut app = Self {
            tab: Tab::Gan,
            labs,
            frame_stats: frame_stats::FrameStats::default(),
            prev_frame_cpu: None,
            files: files::Files::default(),
            ctx: ctx.clone(),
        };
        if let Some(theme) = remembered.theme {
            ctx.set_theme(theme);
        }
        if !remembered.notices.is_empty() {
            app.files.inform(remembered.notices.join("\n"));
        }
        if let Some(lab) = app.shown_mut() {
            lab.on_show();
        }
        if let Some(tab) = remembered.tab {
            app.show_tab(tab);
        }
        app
    }

    /// The settings to remember: the tab, the theme and every lab's settings (see
    /// [`remember`]).
    pub fn remembered(&self) -> String {
        let theme = self.ctx.options(|o| o.theme_preference);
        remember::write(self.tab, theme, self.labs.iter().map(|lab| (lab.run_lab(), lab.settings_json())))
    }

    /// Builds the app as `options` ask: the first tab, training started, frame times
    /// written to a file (an unwritable file is an error).
    pub fn with_options(ctx: &egui::Context, options: &AppOptions) -> anyhow::Result<Self> {
        Self::with_options_remembering(ctx, options, remember::Remembered::default())
    }

    /// [`Self::with_options`], starting from the remembered settings (the options win: a
    /// `--tab` given on the command line is the tab shown).
    pub fn with_options_remembering(
        ctx: &egui::Context,
        options: &AppOptions,
        remembered: remember::Remembered,
    ) -> anyhow::Result<Self> {
        let remembered_tab = remembered.tab;
        let mut app = Self::remembering(ctx, remembered);
        if let Some(path) = &options.frame_stats {
            app.frame_stats
                .write_to(path)
                .map_err(|e| anyhow::anyhow!("cannot write frame stats to {}: {e}", path.display()))?;
        }
        app.frame_stats.visible = options.show_frame_stats || options.frame_stats.is_some();
        app.show_tab(options.tab.or(remembered_tab).unwrap_or(Tab::Gan));
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
        let ctx = ui.ctx().clone();
        self.files.begin_frame(&ctx);
        self.file_shortcuts(&ctx);
        let mut chosen = None;
        egui::Panel::top("tabs").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Latent Lab");
                ui.separator();
                let files = &mut self.files;
                let shown = self.labs.iter().find(|lab| lab.tab() == self.tab);
                ui.menu_button("Run", |ui| {
                    if let Some(lab) = shown {
                        files.menu_ui(ui, &lab.offer());
                    }
                })
                .response
                .on_hover_text("Save or open a run (Ctrl+S, Ctrl+O), ready-made states, export a picture or the curves, the command line.");
                if let Some(what) = self.files.busy() {
                    ui.spinner();
                    ui.weak(format!("{what} …"));
                } else if let Some((notice, at_length)) = self.files.notice() {
                    ui.weak(notice).on_hover_text(at_length);
                    ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));
                }
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
        self.drops(&ctx);
        match self.files.dialogs_ui(&ctx) {
            Some(files::Ask::Save(dest)) => {
                if let Some(lab) = self.shown_mut() {
                    lab.save_run(dest);
                }
            }
            Some(files::Ask::Open(dir, lab_name, name)) => self.open_in_its_lab(dir, &lab_name, name),
            None => {}
        }
    }

    /// Ctrl+S saves the shown lab's run, Ctrl+O opens one (unless a text field has the keys).
    fn file_shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let save = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
        let open = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        let (save, open) = ctx.input_mut(|i| (i.consume_shortcut(&save), i.consume_shortcut(&open)));
        if save {
            if let Some(offer) = self.shown().map(LabView::offer) {
                self.files.ask_save(&offer);
            }
        }
        if open {
            self.files.ask_open();
        }
    }

    /// Opens the run saved in `dir` in the lab called `lab` in its manifest, showing that lab.
    fn open_in_its_lab(&mut self, dir: std::path::PathBuf, lab: &str, name: String) {
        match self.labs.iter().find(|l| l.run_lab() == lab).map(|l| l.tab()) {
            Some(tab) => {
                self.show_tab(tab);
                if let Some(view) = self.shown_mut() {
                    view.open_run(dir, name);
                }
            }
            None => self.files.fail(format!(
                "{}: saved by the \"{lab}\" lab, which this version of Latent Lab does not have",
                dir.join(crate::train::run::MANIFEST).display()
            )),
        }
    }

    /// What a drop of `paths` would do: a saved run's folder opens in its lab; anything else
    /// is the shown lab's to take or refuse.
    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String> {
        if let Some(dir) = files::dropped_run(paths) {
            return Ok(format!("Open the saved run {}", dir.display()));
        }
        match self.shown() {
            Some(lab) => lab.drop_plan(paths),
            None => Err("no lab is shown".to_owned()),
        }
    }

    /// Files hovering over the window get an overlay saying what a drop would do; dropped
    /// files are used, or refused with a message.
    fn drops(&mut self, ctx: &egui::Context) {
        let (hovered, dropped) = ctx.input(|i| {
            let hovered: Vec<_> = i.raw.hovered_files.iter().filter_map(|f| f.path.clone()).collect();
            let dropped: Vec<_> = i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect();
            (hovered, dropped)
        });
        if !hovered.is_empty() {
            files::drop_overlay(ctx, &self.drop_plan(&hovered));
        }
        if dropped.is_empty() {
            return;
        }
        if let Some(dir) = files::dropped_run(&dropped) {
            let dir = dir.to_path_buf();
            self.files.open(ctx, dir);
            return;
        }
        let Some(lab) = self.shown_mut() else { return };
        match lab.drop_plan(&dropped) {
            Ok(_) => lab.drop_files(&dropped),
            Err(why) => self.files.fail(why),
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.prev_frame_cpu = frame.info().cpu_usage;
        App::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        storage.set_string(remember::KEY, self.remembered());
    }
}

/// The remembered settings eframe's storage holds, read back; a storage file that exists but
/// gave nothing (eframe drops a file it cannot parse) is reported, and kept beside it as
/// `app.ron.unreadable` so that nothing is lost.
fn read_remembered(storage: Option<&dyn eframe::Storage>) -> remember::Remembered {
    let text = storage.and_then(|s| s.get_string(remember::KEY));
    let mut remembered = remember::Remembered::parse(text.as_deref());
    if text.is_none() {
        if let Some(file) = eframe::storage_dir(APP_ID).map(|d| d.join("app.ron")).filter(|f| f.is_file()) {
            let kept = file.with_file_name("app.ron.unreadable");
            let copied = std::fs::copy(&file, &kept).is_ok();
            remembered.notices.push(format!(
                "The remembered settings in {} could not be read; the defaults are used{}.",
                file.display(),
                if copied { format!(" (the file is kept as {})", kept.display()) } else { String::new() }
            ));
        }
    }
    remembered
}

/// The name eframe keeps the remembered settings under (~/.local/share/latentlab on Linux).
const APP_ID: &str = "Latent Lab";

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
        APP_ID,
        options,
        Box::new(move |cc| {
            let remembered = read_remembered(cc.storage);
            let app =
                App::with_options_remembering(&cc.egui_ctx, &app_options, remembered).map_err(|e| e.to_string())?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
