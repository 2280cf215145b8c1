//! The GAN lab's panels: settings, step controls, the data plane over D's heatmap, mode
//! coverage and curves.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Arrows, Bar, BarChart, HLine, Line, Plot, PlotImage, PlotPoint, Points};

use crate::data::csv2d::load_points;
use crate::data::stroke::{extend_stroke, STROKE_SPACING};
use crate::data::toy2d::{Point2, Toy2d};
use crate::data::DataError;
use crate::model::mlp::Activation;
use crate::model::optim::{OptimizerConfig, OptimizerKind};
use crate::theory::divergence::JS_METHOD;
use crate::theory::modes::{COVERAGE_MIN_COUNT, DEFINITION};
use crate::train::gan::{limits, GanCommand, GanConfig, GanLoss, GanSnapshot, GanTrainer, NetConfig, NoiseKind};
use crate::train::worker::Control;
use crate::train::TrainError;
use crate::ui::background::{waiting_ui, Pending, Polled};
use crate::ui::lab::{LabHandle, LabSettings, TrainerView};
use crate::ui::theme::palette;
use crate::ui::widgets::{diverging, lr_slider, FileBrowser, REAL};
use crate::ui::Tab;

mod charts;
mod plane;
mod settings;

use charts::{coverage_ui, curves_ui};

/// The GAN lab's hovered mode, for tests.
impl GanView {
    /// The mode whose coverage bar the pointer is over (its centre is ringed on the plane).
    pub fn hovered_mode(&self) -> Option<usize> {
        self.hovered_mode
    }
}

/// Which layers of the data plane are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layers {
    /// D(x) behind everything.
    pub heatmap: bool,
    /// Real samples.
    pub real: bool,
    /// Generated samples.
    pub fake: bool,
    /// −∇ₓ of the generator loss on a subset of generated samples.
    pub arrows: bool,
    /// The warped noise grid.
    pub manifold: bool,
    /// Mode centres, coloured by coverage.
    pub modes: bool,
}

impl Default for Layers {
    fn default() -> Self {
        Self { heatmap: true, real: true, fake: true, arrows: true, manifold: false, modes: true }
    }
}

/// Data-set choices of the side panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DataChoice {
    Ring8,
    Grid25,
    Spiral,
    Moons,
    Gaussian,
    Drawn,
    Csv,
}

impl DataChoice {
    const ALL: [Self; 7] =
        [Self::Ring8, Self::Grid25, Self::Spiral, Self::Moons, Self::Gaussian, Self::Drawn, Self::Csv];

    fn label(self) -> &'static str {
        match self {
            Self::Ring8 => "Ring of 8 Gaussians",
            Self::Grid25 => "Grid of 25 Gaussians",
            Self::Spiral => "Spiral",
            Self::Moons => "Two moons",
            Self::Gaussian => "Correlated Gaussian",
            Self::Drawn => "Points I draw",
            Self::Csv => "CSV file…",
        }
    }

    fn of(data: &Toy2d) -> Self {
        match data {
            Toy2d::Ring8 { .. } => Self::Ring8,
            Toy2d::Grid25 { .. } => Self::Grid25,
            Toy2d::Spiral { .. } => Self::Spiral,
            Toy2d::Moons { .. } => Self::Moons,
            Toy2d::Gaussian { .. } => Self::Gaussian,
            Toy2d::Points { name, .. } if name.starts_with("Drawn") => Self::Drawn,
            Toy2d::Points { .. } => Self::Csv,
        }
    }
}

/// The drawing tool's state.
#[derive(Debug, Default)]
struct Drawing {
    active: bool,
    points: Vec<Point2>,
    /// Whether a drag is under way (its next position extends the stroke).
    in_stroke: bool,
}

/// The most points of the GAN's own data the remembered settings hold.
const REMEMBERED_POINTS: usize = 20_000;

impl LabSettings for GanTrainer {
    type Config = GanConfig;
    const CONTROLS: &'static [crate::ui::controls::SettingControl] = &crate::ui::controls::GAN;

    fn build(config: GanConfig) -> Result<Self, TrainError> {
        Self::new(config)
    }

    fn validate(config: &GanConfig) -> Result<(), TrainError> {
        config.validate()
    }

    fn config_of(snapshot: &GanSnapshot) -> &GanConfig {
        &snapshot.config
    }

    fn set_config(config: GanConfig) -> GanCommand {
        GanCommand::SetConfig(Box::new(config))
    }

    const LAB: &'static str = crate::train::gan::LAB;

    // The data are not among the settings' serialised fields (a saved run keeps them beside);
    // they are remembered beside them, unless they are more points than a settings file should
    // hold (then the default ring comes back: save the run to keep them).
    fn remember(config: &GanConfig) -> serde_json::Value {
        let mut value = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
        let small = !matches!(&config.data, crate::data::toy2d::Toy2d::Points { points, .. } if points.len() > REMEMBERED_POINTS);
        if let (Some(map), true) = (value.as_object_mut(), small) {
            map.insert("data".to_owned(), serde_json::to_value(&config.data).unwrap_or(serde_json::Value::Null));
        }
        value
    }

    fn recall(value: serde_json::Value) -> Result<GanConfig, String> {
        let data = value.get("data").cloned();
        let mut config: GanConfig = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if let Some(data) = data {
            config.data = serde_json::from_value(data).map_err(|e| format!("data: {e}"))?;
        }
        Ok(config)
    }

    fn curves(s: &GanSnapshot) -> Vec<(&'static str, &crate::train::series::Series)> {
        s.history.named()
    }

    fn command(config: &GanConfig, steps: u64) -> Option<Result<String, String>> {
        Some(crate::train::reproduce::gan_command(config, steps))
    }
}

/// A CSV file of points being read on a background thread.
struct CsvLoad {
    /// The file's name, as the data set will be called.
    name: String,
    points: Pending<Result<Vec<Point2>, DataError>>,
}

/// The GAN lab: a trainer thread and what the panels need between frames.
pub struct GanView {
    lab: LabHandle<GanTrainer>,
    ctx: egui::Context,
    /// Which plane layers are drawn.
    pub layers: Layers,
    speed_limited: bool,
    speed_limit: f64,
    drawing: Drawing,
    browser: FileBrowser,
    csv: Option<CsvLoad>,
    heat: Option<(egui::TextureHandle, usize)>,
    plane_rect: Option<egui::Rect>,
    /// The mode whose coverage bar the pointer is over (highlighted on the plane).
    hovered_mode: Option<usize>,
}

impl TrainerView for GanView {
    type Trainer = GanTrainer;
    const TAB: Tab = Tab::Gan;
    const TITLE: &'static str = "GAN";

    fn handle(&self) -> &LabHandle<GanTrainer> {
        &self.lab
    }

    fn handle_mut(&mut self) -> &mut LabHandle<GanTrainer> {
        &mut self.lab
    }

    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String> {
        let name = |p: &std::path::Path| {
            p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
        };
        match paths {
            [one] if one.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) && !one.is_dir() => {
                Ok(format!("Drop to train the GAN on the points in {}", name(one)))
            }
            [one] => Err(format!(
                "The GAN lab takes a CSV file of 2-D points (x,y per row) or a saved run's folder; {} is neither.",
                name(one)
            )),
            _ => Err(format!("The GAN lab takes one CSV file at a time, not {}.", paths.len())),
        }
    }

    fn drop_files(&mut self, paths: &[std::path::PathBuf]) {
        if let [one] = paths {
            self.load_csv(one);
        }
    }

    fn draw(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("gan-controls").show(ui, |ui| self.controls_ui(ui));
        egui::Panel::left("gan-settings").resizable(true).default_size(300.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui));
        });
        let snapshot = self.lab.snapshot().cloned();
        egui::CentralPanel::default().show(ui, |ui| match snapshot {
            Some(snap) => self.lab_ui(ui, &snap),
            None => {
                ui.spinner();
            }
        });
        self.dialogs_ui(ui.ctx());
    }

    /// Trains on the points of a CSV file once its background read is done; a bad file shows
    /// a message and changes nothing.
    fn poll_background(&mut self) {
        let Some(load) = &mut self.csv else { return };
        let result = match load.points.poll() {
            Polled::Waiting => return,
            Polled::Ready(result) => result.map_err(|e| e.to_string()),
            Polled::Lost(reason) => Err(reason),
        };
        let name = std::mem::take(&mut load.name);
        self.csv = None;
        match result {
            Ok(points) => {
                let data = Toy2d::Points { name, points, jitter: 0.0 };
                self.apply_config(GanConfig { data, ..self.config().clone() });
            }
            Err(text) => self.lab.show_message(text),
        }
    }
}

impl GanView {
    /// Starts the GAN lab with default settings.
    pub fn new(ctx: &egui::Context) -> Self {
        Self::with_config(ctx, GanConfig::default())
    }

    /// Starts the GAN lab with `config` (falls back to the defaults, with a message, if it is
    /// invalid). The trainer is built on a background thread.
    pub fn with_config(ctx: &egui::Context, config: GanConfig) -> Self {
        Self {
            lab: LabHandle::start(ctx, "gan-trainer", config, "Starting the trainer".to_owned()),
            ctx: ctx.clone(),
            layers: Layers::default(),
            speed_limited: false,
            speed_limit: 30.0,
            drawing: Drawing::default(),
            browser: FileBrowser::default(),
            csv: None,
            heat: None,
            plane_rect: None,
            hovered_mode: None,
        }
    }

    /// Where the data plane was drawn in the last frame (read-only; tests draw on it).
    pub fn plane_rect(&self) -> Option<egui::Rect> {
        self.plane_rect
    }

    /// The CSV file being read, while it is ("Loading points.csv").
    pub fn csv_loading(&self) -> Option<&str> {
        self.csv.as_ref().map(|load| load.points.what())
    }

    fn apply_config(&mut self, config: GanConfig) {
        self.lab.apply(config);
    }

    /// Reads points from a CSV file on a background thread, then trains on them (see
    /// [`TrainerView::poll_background`]); a bad file shows a message and changes nothing.
    /// The window goes on drawing meanwhile. A new file replaces one still being read.
    pub fn load_csv(&mut self, path: &std::path::Path) {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let owned = path.to_path_buf();
        match Pending::spawn(&self.ctx, "csv-loader", format!("Loading {name}"), move || load_points(&owned)) {
            Ok(points) => self.csv = Some(CsvLoad { name, points }),
            Err(text) => self.lab.show_message(text),
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            self.lab.play_button(ui);
            if ui.button("Step D").on_hover_text("One discriminator step").clicked() {
                self.lab.send(Control::Lab(GanCommand::StepD));
            }
            if ui.button("Step G").on_hover_text("One generator step").clicked() {
                self.lab.send(Control::Lab(GanCommand::StepG));
            }
            if ui
                .button("Step iteration")
                .on_hover_text("The discriminator steps set by \"D steps per G step\", then one generator step")
                .clicked()
            {
                self.lab.send(Control::Lab(GanCommand::Iteration));
            }
            if ui.button("Reset").on_hover_text("New weights from the seed (R)").clicked() {
                self.lab.send(Control::Reset);
            }
            ui.separator();
            if let Some(s) = self.lab.snapshot() {
                ui.label(RichText::new(format!("Step {}", s.iterations)).strong()).on_hover_text(
                    "Generator steps; each follows the discriminator steps set by \"D steps per G step\"",
                );
                ui.label(format!("(D steps {}, G steps {})", s.d_steps, s.g_steps));
            }
            self.lab.speed_ui(ui);
            ui.separator();
            let mut changed = ui.checkbox(&mut self.speed_limited, "Limit to").changed();
            changed |= ui
                .add_enabled(
                    self.speed_limited,
                    egui::DragValue::new(&mut self.speed_limit).range(0.5..=100_000.0).speed(1.0).suffix(" steps/s"),
                )
                .changed();
            if changed {
                self.lab.send(Control::SetStepsPerSec(self.speed_limited.then_some(self.speed_limit)));
            }
        });
        self.lab.error_ui(ui);
    }
    fn lab_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot) {
        let avail = ui.available_size();
        let plane_side = (avail.x * 0.55).min(avail.y).max(200.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(plane_side);
                self.plane_ui(ui, snap, plane_side - 40.0);
                self.layers_ui(ui, snap);
            });
            // The right column scrolls under the mouse wheel; its charts never take the wheel.
            ui.vertical(|ui| {
                let height = ((ui.available_height() - 190.0) / 4.0 - 30.0).clamp(90.0, 200.0);
                egui::ScrollArea::vertical().id_salt("gan-right-column").show(ui, |ui| {
                    let hovered = coverage_ui(ui, snap);
                    if hovered != self.hovered_mode {
                        self.hovered_mode = hovered;
                        ui.ctx().request_repaint();
                    }
                    ui.separator();
                    curves_ui(ui, snap, height);
                });
            });
        });
    }

    fn dialogs_ui(&mut self, ctx: &egui::Context) {
        if let Some(path) = self.browser.show(
            ctx,
            "Open a CSV of 2-D points (x,y per row)",
            ".csv files",
            &|n| n.ends_with(".csv"),
            false,
        ) {
            self.load_csv(&path);
        }
        self.lab.message_ui(ctx, "gan-message");
    }
}
