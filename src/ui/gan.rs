//! The GAN lab's panels: settings, step controls, the data plane over D's heatmap, mode
//! coverage and curves.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Arrows, Bar, BarChart, HLine, Legend, Line, Plot, PlotImage, PlotPoint, PlotPoints, Points};

use super::background::{waiting_ui, Pending, Polled};
use super::lab::{LabHandle, LabSettings, TrainerView};
use super::widgets::{diverging, lr_slider, FileBrowser, FAKE, REAL};
use super::Tab;
use crate::data::csv2d::load_points;
use crate::data::toy2d::{Point2, Toy2d};
use crate::data::DataError;
use crate::model::mlp::Activation;
use crate::model::optim::{OptimizerConfig, OptimizerKind};
use crate::theory::divergence::JS_METHOD;
use crate::theory::modes::{COVERAGE_MIN_COUNT, DEFINITION};
use crate::train::gan::{limits, GanCommand, GanConfig, GanLoss, GanSnapshot, GanTrainer, NetConfig, NoiseKind};
use crate::train::series::Series;
use crate::train::worker::Control;
use crate::train::TrainError;

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
            Self::Gaussian => "Single Gaussian",
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
}

impl LabSettings for GanTrainer {
    type Config = GanConfig;

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
                .on_hover_text("D steps per G step discriminator steps, then one generator step")
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
                    "Generator steps; one step = D steps per G step discriminator steps + one generator step",
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

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        let mut c = self.config().clone();
        ui.heading("Data");
        let mut choice = DataChoice::of(&c.data);
        for option in DataChoice::ALL {
            if ui.radio_value(&mut choice, option, option.label()).clicked() {
                match option {
                    DataChoice::Ring8 => c.data = Toy2d::ring8(),
                    DataChoice::Grid25 => c.data = Toy2d::grid25(),
                    DataChoice::Spiral => c.data = Toy2d::spiral(),
                    DataChoice::Moons => c.data = Toy2d::moons(),
                    DataChoice::Gaussian => c.data = Toy2d::gaussian(),
                    DataChoice::Drawn => self.drawing.active = true,
                    DataChoice::Csv => self.browser.open_in(&std::env::current_dir().unwrap_or_default()),
                }
                if option != DataChoice::Csv {
                    // Another choice wins over a CSV file still being read.
                    self.csv = None;
                }
            }
        }
        if let Some(load) = &self.csv {
            waiting_ui(ui, load.points.what());
        }
        match &mut c.data {
            Toy2d::Ring8 { sigma, .. } | Toy2d::Grid25 { sigma, .. } => {
                ui.add(egui::Slider::new(sigma, 0.005..=0.5).logarithmic(true).text("σ of each mode *"));
            }
            _ => {}
        }
        if self.drawing.active || DataChoice::of(&c.data) == DataChoice::Drawn {
            ui.group(|ui| {
                ui.checkbox(&mut self.drawing.active, "Draw on the plane");
                ui.label(format!("{} points drawn (drag on the plane)", self.drawing.points.len()));
                ui.horizontal(|ui| {
                    if ui.button("Clear").clicked() {
                        self.drawing.points.clear();
                    }
                    let ready = self.drawing.points.len() >= 2;
                    if ui.add_enabled(ready, egui::Button::new("Train on these")).clicked() {
                        let n = self.drawing.points.len();
                        c.data = Toy2d::Points {
                            name: format!("Drawn points ({n})"),
                            points: self.drawing.points.clone(),
                            jitter: 0.05,
                        };
                        self.drawing.active = false;
                    }
                });
            });
        }
        ui.separator();
        ui.heading("Objective");
        for loss in GanLoss::ALL {
            if ui.radio(c.loss == loss, loss.label()).on_hover_text(loss.formula()).clicked() && c.loss != loss {
                // Each objective comes with its customary optimisers and step ratio.
                loss.apply_defaults(&mut c);
            }
        }
        match c.loss {
            GanLoss::WganClip => {
                ui.add(egui::Slider::new(&mut c.clip, 0.001..=1.0).logarithmic(true).text("clip c"));
            }
            GanLoss::WganGp => {
                ui.add(egui::Slider::new(&mut c.gp_lambda, 0.0..=100.0).text("penalty λ"));
            }
            _ => {}
        }
        ui.checkbox(&mut c.spectral_norm, "spectral normalisation of D *")
            .on_hover_text("Each of D's weight matrices divided by its largest singular value (one power iteration per step, persistent vectors): D is then at most 1-Lipschitz.");
        ui.separator();
        ui.heading("Training");
        ui.add(egui::Slider::new(&mut c.d_steps, limits::D_STEPS).text("D steps per G step"));
        ui.add(egui::Slider::new(&mut c.batch, 8..=1024).logarithmic(true).text("batch size"));
        ui.horizontal(|ui| {
            let label = ui.label("Seed *");
            ui.add(egui::DragValue::new(&mut c.seed)).labelled_by(label.id);
        });
        ui.separator();
        egui::CollapsingHeader::new("Generator").default_open(true).show(ui, |ui| {
            net_ui(ui, "g", &mut c.generator);
            ui.add(egui::Slider::new(&mut c.noise_dim, limits::NOISE_DIM).text("noise dimension *"));
            egui::ComboBox::new("noise-kind", "noise *").selected_text(noise_label(c.noise)).show_ui(ui, |ui| {
                for kind in NoiseKind::ALL {
                    ui.selectable_value(&mut c.noise, kind, noise_label(kind));
                }
            });
            optimizer_ui(ui, "g", &mut c.opt_g);
        });
        egui::CollapsingHeader::new("Discriminator").default_open(true).show(ui, |ui| {
            net_ui(ui, "d", &mut c.discriminator);
            optimizer_ui(ui, "d", &mut c.opt_d);
        });
        ui.weak("* restarts the run; everything else applies live.");
        self.apply_config(c);
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
            ui.vertical(|ui| {
                coverage_ui(ui, snap);
                ui.separator();
                curves_ui(ui, snap);
            });
        });
    }

    fn layers_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot) {
        let l = &mut self.layers;
        ui.horizontal_wrapped(|ui| {
            ui.label("Show:");
            ui.checkbox(&mut l.heatmap, "D(x) heatmap");
            ui.checkbox(&mut l.real, "real samples");
            ui.checkbox(&mut l.fake, "generated samples");
            ui.checkbox(&mut l.arrows, "generator gradient arrows").on_hover_text(
                "−∇ₓ of the generator's per-sample loss at 120 generated points: where the generator's loss \
                 pushes each point. Lengths are relative to the longest arrow.",
            );
            ui.checkbox(&mut l.manifold, "generator manifold").on_hover_text(&snap.manifold_note);
            ui.checkbox(&mut l.modes, "mode centres").on_hover_text("White: covered; red: missed.");
        });
        let heat = if snap.config.loss.outputs_probability() {
            "D(x) = σ(logit), from 0 (purple) to 1 (green)"
        } else if snap.config.loss.is_critic() {
            "the critic's unbounded score f(x), a diverging map over its range on the plane (green high, purple low; f is defined up to a constant)"
        } else {
            "D's least-squares score"
        };
        ui.weak(format!(
            "2500 real samples, and G applied to 2500 fixed noise vectors so that each generated point can be \
             followed as it moves. Heatmap: {heat}."
        ));
    }

    fn heat_texture(&mut self, ctx: &egui::Context, snap: &GanSnapshot) -> egui::TextureId {
        let key = std::ptr::from_ref(&snap.heat.values).addr() ^ snap.d_steps as usize;
        let background = ctx.global_style().visuals.extreme_bg_color;
        let heat = &snap.heat;
        let make = || {
            // Grid row 0 is the bottom of the plane; image row 0 is the top.
            let pixels = (0..heat.rows)
                .rev()
                .flat_map(|r| (0..heat.cols).map(move |c| heat.values[r * heat.cols + c]))
                .map(|v| diverging(v, heat.low, heat.high, background))
                .collect();
            egui::ColorImage::new([heat.cols, heat.rows], pixels)
        };
        match &mut self.heat {
            Some((tex, k)) if *k == key => tex.id(),
            Some((tex, k)) => {
                tex.set(make(), egui::TextureOptions::LINEAR);
                *k = key;
                tex.id()
            }
            None => {
                let tex = ctx.load_texture("gan-heat", make(), egui::TextureOptions::LINEAR);
                let id = tex.id();
                self.heat = Some((tex, key));
                id
            }
        }
    }

    fn plane_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot, side: f32) {
        let [lo, hi] = snap.bounds;
        let (w, h) = (f64::from(hi[0] - lo[0]), f64::from(hi[1] - lo[1]));
        let what = if snap.config.loss.outputs_probability() {
            "D(x)"
        } else if snap.config.loss.is_critic() {
            "the critic's score f(x)"
        } else {
            "D(x) (least-squares score)"
        };
        ui.label(
            RichText::new(format!("{} · green: D says real, purple: D says generated", snap.config.data.label()))
                .strong(),
        )
        .on_hover_text(format!(
            "Heatmap: {what}, from {:.2} (purple) to {:.2} (green).",
            snap.heat.low, snap.heat.high
        ));
        let texture = self.heat_texture(ui.ctx(), snap);
        let layers = self.layers;
        let drawing = self.drawing.active;
        let drawn = &self.drawing.points;
        let response = Plot::new("gan-plane")
            .data_aspect(1.0)
            .width(side)
            .height(side)
            .default_x_bounds(f64::from(lo[0]), f64::from(hi[0]))
            .default_y_bounds(f64::from(lo[1]), f64::from(hi[1]))
            .allow_drag(!drawing)
            .legend(Legend::default())
            .show(ui, |plot| {
                if layers.heatmap {
                    let centre = PlotPoint::new(f64::from(lo[0]) + w / 2.0, f64::from(lo[1]) + h / 2.0);
                    plot.image(PlotImage::new(what, texture, centre, [w as f32, h as f32]));
                }
                if layers.manifold {
                    for (i, line) in snap.manifold.iter().enumerate() {
                        let pts: Vec<[f64; 2]> = line.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect();
                        let name = if i == 0 { format!("manifold: {}", snap.manifold_note) } else { String::new() };
                        plot.line(
                            Line::new(name, pts).color(Color32::from_rgba_unmultiplied(255, 200, 80, 110)).width(1.0),
                        );
                    }
                }
                if layers.real {
                    plot.points(Points::new("real", to_plot(&snap.real)).color(REAL).radius(1.5));
                }
                if layers.fake {
                    plot.points(Points::new("generated", to_plot(&snap.fake)).color(FAKE).radius(1.5));
                }
                if layers.arrows && !snap.arrows.is_empty() {
                    let longest = snap.arrows.iter().map(|(_, g)| g[0].hypot(g[1])).fold(0.0f32, f32::max);
                    let scale = if longest > 0.0 { 0.08 * w as f32 / longest } else { 0.0 };
                    let origins: Vec<[f64; 2]> =
                        snap.arrows.iter().map(|(p, _)| [f64::from(p[0]), f64::from(p[1])]).collect();
                    let tips: Vec<[f64; 2]> = snap
                        .arrows
                        .iter()
                        .map(|(p, g)| [f64::from(p[0] + scale * g[0]), f64::from(p[1] + scale * g[1])])
                        .collect();
                    plot.arrows(
                        Arrows::new("−∇ generator loss", origins, tips).color(Color32::from_rgb(255, 220, 120)),
                    );
                }
                if layers.modes {
                    if let (Some(modes), Some(cov)) = (&snap.modes, &snap.metrics.coverage) {
                        let (mut hit, mut miss) = (Vec::new(), Vec::new());
                        for (c, n) in modes.centres.iter().zip(&cov.high_quality) {
                            let p = [f64::from(c[0]), f64::from(c[1])];
                            if *n >= COVERAGE_MIN_COUNT {
                                hit.push(p)
                            } else {
                                miss.push(p)
                            }
                        }
                        plot.points(
                            Points::new("mode covered", hit)
                                .shape(egui_plot::MarkerShape::Circle)
                                .filled(false)
                                .radius(7.0)
                                .color(Color32::WHITE),
                        );
                        plot.points(
                            Points::new("mode missed", miss)
                                .shape(egui_plot::MarkerShape::Circle)
                                .filled(false)
                                .radius(7.0)
                                .color(Color32::from_rgb(255, 80, 80)),
                        );
                    }
                }
                if drawing {
                    plot.points(
                        Points::new("drawn", to_plot(drawn)).color(Color32::from_rgb(90, 180, 255)).radius(2.5),
                    );
                }
                plot.pointer_coordinate()
            });
        self.plane_rect = Some(response.response.rect);
        if drawing {
            let r = &response.response;
            if r.dragged() || r.clicked() {
                if let Some(p) = response.inner {
                    let p = [p.x as f32, p.y as f32];
                    let far =
                        self.drawing.points.last().is_none_or(|q| (p[0] - q[0]).hypot(p[1] - q[1]) > 0.01 * w as f32);
                    if far {
                        self.drawing.points.push(p);
                    }
                }
            }
        }
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

fn noise_label(kind: NoiseKind) -> &'static str {
    match kind {
        NoiseKind::Gaussian => "z ~ N(0, I)",
        NoiseKind::Uniform => "z ~ U[−1, 1]",
    }
}

fn net_ui(ui: &mut egui::Ui, id: &str, net: &mut NetConfig) {
    ui.add(egui::Slider::new(&mut net.hidden, limits::HIDDEN).logarithmic(true).text("hidden width *"));
    ui.add(egui::Slider::new(&mut net.layers, limits::LAYERS).text("hidden layers *"));
    egui::ComboBox::new(format!("{id}-activation"), "activation *")
        .selected_text(activation_label(net.activation))
        .show_ui(ui, |ui| {
            for a in Activation::ALL {
                ui.selectable_value(&mut net.activation, a, activation_label(a));
            }
        });
}

fn activation_label(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::LeakyRelu => "LeakyReLU(0.2)",
        Activation::Tanh => "tanh",
    }
}

fn optimizer_ui(ui: &mut egui::Ui, id: &str, opt: &mut OptimizerConfig) {
    egui::ComboBox::new(format!("{id}-optimizer"), "optimiser").selected_text(optimizer_label(opt.kind)).show_ui(
        ui,
        |ui| {
            for k in OptimizerKind::ALL {
                ui.selectable_value(&mut opt.kind, k, optimizer_label(k));
            }
        },
    );
    lr_slider(ui, &mut opt.lr, "learning rate");
    match opt.kind {
        OptimizerKind::Adam => {
            ui.add(egui::Slider::new(&mut opt.beta1, 0.0..=0.99).text("β1"));
            ui.add(egui::Slider::new(&mut opt.beta2, 0.9..=0.9999).text("β2"));
        }
        OptimizerKind::RmsProp => {
            ui.add(egui::Slider::new(&mut opt.beta2, 0.9..=0.9999).text("α (smoothing)"));
        }
        OptimizerKind::Sgd => {}
    }
}

fn optimizer_label(k: OptimizerKind) -> &'static str {
    match k {
        OptimizerKind::Sgd => "SGD",
        OptimizerKind::Adam => "Adam",
        OptimizerKind::RmsProp => "RMSProp",
    }
}

fn to_plot(points: &[Point2]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect()
}

fn series_line<'a>(name: &str, s: &Series, color: Color32) -> Line<'a> {
    Line::new(name.to_owned(), PlotPoints::from(s.points().to_vec())).color(color)
}

fn coverage_ui(ui: &mut egui::Ui, snap: &GanSnapshot) {
    ui.label(RichText::new("Mode coverage").strong()).on_hover_text(DEFINITION);
    let Some(cov) = &snap.metrics.coverage else {
        ui.weak("This data set has no known modes; see the JS estimate below.");
        return;
    };
    ui.horizontal(|ui| {
        let colour = if cov.modes_covered == cov.modes_total { REAL } else { Color32::from_rgb(255, 160, 80) };
        ui.label(
            RichText::new(format!("{} / {} modes covered", cov.modes_covered, cov.modes_total))
                .size(18.0)
                .color(colour),
        )
        .on_hover_text(DEFINITION);
        ui.separator();
        ui.label(RichText::new(format!("{:.1} % high quality", 100.0 * cov.high_quality_fraction)).size(18.0))
            .on_hover_text(DEFINITION);
    });
    let bars: Vec<Bar> = cov
        .high_quality
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let colour = if *n >= COVERAGE_MIN_COUNT { REAL } else { Color32::from_rgb(255, 90, 90) };
            Bar::new(i as f64, *n as f64).width(0.8).fill(colour)
        })
        .collect();
    Plot::new("gan-coverage")
        .height(120.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(2500.0 / cov.modes_total as f64 * 1.3)
        .x_axis_label("mode")
        .y_axis_label("samples")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("high-quality samples per mode", bars));
            plot.hline(
                HLine::new(format!("covered at ≥ {COVERAGE_MIN_COUNT}"), COVERAGE_MIN_COUNT as f64)
                    .color(Color32::GRAY),
            );
        })
        .response
        .on_hover_text(DEFINITION);
}

fn curves_ui(ui: &mut egui::Ui, snap: &GanSnapshot) {
    let h = &snap.history;
    let m = &snap.metrics;
    let link = egui::Id::unique("gan-curves");
    let height = ((ui.available_height() - 110.0) / 4.0).clamp(70.0, 200.0);
    let plot = |id: &str| Plot::new(id).height(height).link_axis(link, [true, false]).legend(Legend::default());
    ui.label(RichText::new(format!("Losses   D {:.3}   G {:.3}", snap.last.d_loss, snap.last.g_loss)).strong())
        .on_hover_text(snap.config.loss.formula());
    plot("gan-losses").show(ui, |plot| {
        plot.line(series_line("D loss", &h.d_loss, Color32::from_rgb(90, 170, 255)));
        plot.line(series_line("G loss", &h.g_loss, FAKE));
    });
    ui.label(RichText::new(format!("Mean D(real) {:.3}   mean D(generated) {:.3}", m.d_real, m.d_fake)).strong())
        .on_hover_text("Means over the 2500 real and 2500 generated evaluation samples.");
    plot("gan-d-outputs").show(ui, |plot| {
        plot.line(series_line("mean D(real)", &h.d_real, REAL));
        plot.line(series_line("mean D(generated)", &h.d_fake, FAKE));
    });
    ui.label(
        RichText::new(format!(
            "Mean gradient norm at generated points ‖∇ₓ ℓ_G‖ {:.3}   ·   Lipschitz estimate max ‖∇ₓD‖ {:.3}",
            m.grad_norm, m.lipschitz
        ))
        .strong(),
    )
    .on_hover_text(
        "Mean over the 2500 generated evaluation points of the norm of the gradient, in x, of the per-sample \
             generator loss: how hard the generator is pushed. Near 0, the generator is starved of signal.",
    );
    plot("gan-grad").include_y(0.0).show(ui, |plot| {
        plot.line(series_line("mean ‖∇ₓ ℓ_G‖", &h.grad_norm, Color32::from_rgb(255, 220, 120)));
    });
    let js_d = m.js_from_d.map_or(String::new(), |v| format!("   via D {v:.3}"));
    ui.label(
        RichText::new(format!("JS estimate: grid {:.3}{js_d}   (log 2 = {:.3})", m.js_grid, std::f64::consts::LN_2))
            .strong(),
    )
    .on_hover_text(format!(
        "{JS_METHOD}\n\nVia D: (V(D, G) + log 4) / 2 on the evaluation samples (task 3.3); \
         a lower bound on JS, equal to it only when D is optimal."
    ));
    plot("gan-js").include_y(0.0).show(ui, |plot| {
        plot.line(series_line("JS (grid)", &h.js_grid, Color32::from_rgb(255, 160, 80)));
        plot.line(series_line("JS (via D)", &h.js_from_d, Color32::from_rgb(160, 160, 255)));
        plot.hline(HLine::new("log 2", std::f64::consts::LN_2).color(Color32::GRAY));
    });
}
