//! The AE vs VAE lab's panels: latent scatters with the prior, decoding under the mouse,
//! manifold grids, prior samples, reconstructions, curves, ELBO and log p(x), one posterior.

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotPoints, Points, Polygon};
use rand::SeedableRng as _;

use crate::model::autoencoder::Likelihood;
use crate::model::mlp::Activation;
use crate::theory::gaussian::{kl_diag_to_std_normal, kl_monte_carlo, McEstimate};
use crate::train::vae::{
    limits, ImageSource, LatentView, TrainTerms, VaeCommand, VaeConfig, VaeSnapshot, VaeTrainer, GRID_SIDE,
};
use crate::train::worker::Control;
use crate::train::TrainError;
use crate::ui::images::{key_of, mosaic, show, CachedTexture};
use crate::ui::lab::{LabHandle, LabSettings, TrainerView};
use crate::ui::theme::palette;
use crate::ui::widgets::{lr_slider, series_line, FileBrowser};
use crate::ui::Tab;

mod images;
mod numbers;
mod plots;

use plots::{curves_ui, scatter_bounds};

/// Colours of the ten digit classes (Tableau 10).
pub const CLASS_COLOURS: [Color32; 10] = [
    Color32::from_rgb(78, 121, 167),
    Color32::from_rgb(242, 142, 43),
    Color32::from_rgb(225, 87, 89),
    Color32::from_rgb(118, 183, 178),
    Color32::from_rgb(89, 161, 79),
    Color32::from_rgb(237, 201, 72),
    Color32::from_rgb(176, 122, 161),
    Color32::from_rgb(255, 157, 167),
    Color32::from_rgb(156, 117, 95),
    Color32::from_rgb(186, 176, 172),
];

/// Which model a latent plot shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// The plain autoencoder.
    Ae,
    /// The variational autoencoder.
    Vae,
}

impl Model {
    fn label(self) -> &'static str {
        match self {
            Self::Ae => "AE",
            Self::Vae => "VAE",
        }
    }
}

/// The lower panel on show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lower {
    Manifold,
    Prior,
    Recon,
    Curves,
}

/// The mouse's latent point and what both decoders make of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    /// Which plot the pointer is over.
    pub model: Model,
    /// The latent vector under the pointer.
    pub z: Vec<f32>,
    /// The AE's decoding (pixel means in [0, 1]).
    pub ae_image: Vec<f32>,
    /// The VAE's decoding.
    pub vae_image: Vec<f32>,
}

/// The picked test image's posterior, measured.
#[derive(Clone, Debug)]
struct Posterior {
    index: usize,
    kl_analytic: f64,
    kl_mc: McEstimate,
}

impl LabSettings for VaeTrainer {
    type Config = VaeConfig;
    const CONTROLS: &'static [crate::ui::controls::SettingControl] = &crate::ui::controls::VAE;

    fn build(config: VaeConfig) -> Result<Self, TrainError> {
        Self::new(config)
    }

    fn validate(config: &VaeConfig) -> Result<(), TrainError> {
        config.validate()
    }

    fn config_of(snapshot: &VaeSnapshot) -> &VaeConfig {
        &snapshot.config
    }

    fn set_config(config: VaeConfig) -> VaeCommand {
        VaeCommand::SetConfig(Box::new(config))
    }

    const LAB: &'static str = crate::train::vae::LAB;

    fn curves(s: &VaeSnapshot) -> Vec<(&'static str, &crate::train::series::Series)> {
        s.history.named()
    }

    fn command(config: &VaeConfig, steps: u64) -> Option<Result<String, String>> {
        Some(crate::train::reproduce::vae_command(config, steps))
    }
}

/// The AE vs VAE lab.
pub struct VaeView {
    lab: LabHandle<VaeTrainer>,
    lower: Lower,
    hover: Option<Hover>,
    /// The snapshot whose decoders made `hover`'s images: a newer one decodes the same z
    /// again, so that a pointer at rest (or gone) still shows what the models make of it now.
    hover_snapshot: Option<Arc<VaeSnapshot>>,
    pins: Vec<Vec<f32>>,
    picked: usize,
    posterior: Option<Posterior>,
    scatter_rects: [Option<egui::Rect>; 2],
    /// The plotted region of each latent scatter in the last frame ([min, max] corners).
    scatter_bounds: [Option<[[f64; 2]; 2]>; 2],
    /// The plot area of each scatter in the last frame (its shape sets the box's aspect).
    scatter_frames: [Option<egui::Rect>; 2],
    /// Both scatters on the same axes (off: each on its own robust range).
    shared_axes: bool,
    /// The user panned or zoomed a scatter (a drag, Ctrl+wheel): its region is then theirs
    /// until a double click, or until the axes are switched.
    scatter_moved: bool,
    /// Where each panel and picture of the lab was drawn in the last frame.
    layout: Layout,
    browser: FileBrowser,
    textures: Textures,
}

/// Where the lab's panels and pictures were drawn in the last frame, for tests: the side
/// panels, the middle column's visible area, and each named picture or plot in it.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The settings panel on the left.
    pub left: Option<egui::Rect>,
    /// The numbers panel on the right.
    pub right: Option<egui::Rect>,
    /// The visible part of the middle column (its scroll area).
    pub middle: Option<egui::Rect>,
    /// Each picture or plot of the middle column, by name ("AE scatter", "VAE manifold",
    /// "interpolation", …), as drawn (parts may lie below the visible area until scrolled to).
    pub items: Vec<(&'static str, egui::Rect)>,
}

impl Layout {
    /// The rect of the item called `name`, if it was drawn.
    pub fn item(&self, name: &str) -> Option<egui::Rect> {
        self.items.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }
}

#[derive(Default)]
struct Textures {
    manifold: [CachedTexture; 2],
    prior: [CachedTexture; 2],
    recon: CachedTexture,
    hover: [CachedTexture; 2],
    strip: [CachedTexture; 2],
    picked: CachedTexture,
}

impl TrainerView for VaeView {
    type Trainer = VaeTrainer;
    const TAB: Tab = Tab::AeVae;
    const TITLE: &'static str = "AE vs VAE";

    fn handle(&self) -> &LabHandle<VaeTrainer> {
        &self.lab
    }

    fn handle_mut(&mut self) -> &mut LabHandle<VaeTrainer> {
        &mut self.lab
    }

    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String> {
        idx_folder_of(paths).map(|dir| format!("Drop to train on the IDX images in {}", dir.display()))
    }

    fn drop_files(&mut self, paths: &[std::path::PathBuf]) {
        if let Ok(dir) = idx_folder_of(paths) {
            self.choose_idx_folder(dir);
        }
    }

    fn draw(&mut self, ui: &mut egui::Ui) {
        self.layout = Layout::default();
        // Side panels sized from the window, so the middle keeps at least half of it; they can
        // be dragged within their ranges but never grow past them.
        let width = ui.available_width();
        let (left, right) = side_panel_sizes(width);
        egui::Panel::top("vae-controls").show(ui, |ui| self.controls_ui(ui));
        let shown = egui::Panel::left("vae-settings")
            .resizable(true)
            .default_size(left.0)
            .size_range(left.1..=left.2)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui));
            });
        self.layout.left = Some(shown.response.rect);
        let snapshot = self.lab.snapshot().cloned();
        let shown = egui::Panel::right("vae-numbers")
            .resizable(true)
            .default_size(right.0)
            .size_range(right.1..=right.2)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(s) = &snapshot {
                        self.numbers_ui(ui, s);
                    }
                });
            });
        self.layout.right = Some(shown.response.rect);
        egui::CentralPanel::default().show(ui, |ui| match &snapshot {
            Some(s) => {
                let view = ui.available_size();
                let area = egui::ScrollArea::vertical()
                    .id_salt("vae-middle")
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.lab_ui(ui, s, view));
                self.layout.middle = Some(area.inner_rect);
                // Every picture of the middle column can be exported (Run ▸ Export a plot), as
                // much of it as is on screen.
                for (name, rect) in &self.layout.items {
                    let shown = rect.intersect(area.inner_rect);
                    if shown.is_positive() && !name.ends_with("under the mouse") {
                        crate::ui::files::exportable(ui, name, shown);
                    }
                }
            }
            None => {
                ui.spinner();
            }
        });
        if let Some(dir) = self.browser.show(
            ui.ctx(),
            "Choose a folder of MNIST-format IDX files",
            "IDX files",
            &|n| n.contains("-ubyte") || n.contains(".idx"),
            true,
        ) {
            self.choose_idx_folder(dir);
        }
        self.lab.message_ui(ui.ctx(), "vae-message");
    }
}

/// The folder of MNIST-format IDX files that dropping `paths` names: one folder, or IDX files
/// (names holding "-ubyte" or ".idx") that all lie in one folder; or why the drop is refused.
fn idx_folder_of(paths: &[std::path::PathBuf]) -> Result<std::path::PathBuf, String> {
    let refused =
        "The AE vs VAE lab takes a folder of MNIST-format IDX files (or those files), or a saved run's folder";
    let is_idx = |p: &std::path::Path| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy().to_ascii_lowercase();
            n.contains("-ubyte") || n.contains(".idx")
        })
    };
    match paths {
        [one] if one.is_dir() => Ok(one.clone()),
        [] => Err(format!("{refused}.")),
        files => {
            let parent = files[0].parent().map(std::path::Path::to_path_buf).unwrap_or_default();
            if files.iter().all(|p| is_idx(p) && p.parent() == Some(parent.as_path())) {
                Ok(parent)
            } else {
                let names: Vec<String> = files
                    .iter()
                    .filter(|p| !is_idx(p))
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                if names.is_empty() {
                    Err(format!("{refused}; these files lie in different folders."))
                } else {
                    Err(format!("{refused}; {} is not one.", names.join(", ")))
                }
            }
        }
    }
}

/// Monte-Carlo samples for the posterior's KL estimate.
const KL_MC_SAMPLES: usize = 2000;

impl VaeView {
    /// Starts the trainer with the default settings (MNIST-5k, K = 2).
    pub fn new(ctx: &egui::Context) -> Self {
        Self::with_config(ctx, VaeConfig::default())
    }

    /// Starts the lab with `config`; its data are loaded and its trainer built on a
    /// background thread, and the tab says what it is loading until then ("Loading MNIST-5k").
    /// Data that fail to load give a message and the default settings.
    pub fn with_config(ctx: &egui::Context, config: VaeConfig) -> Self {
        let label = config.data.label();
        // "MNIST-5k (28×28)" is loaded as "MNIST-5k".
        let name = label.split(" (").next().unwrap_or(&label);
        Self {
            lab: LabHandle::start(ctx, "vae-trainer", config, format!("Loading {name}")),
            lower: Lower::Manifold,
            hover: None,
            hover_snapshot: None,
            pins: Vec::new(),
            picked: 0,
            posterior: None,
            scatter_rects: [None, None],
            scatter_bounds: [None, None],
            scatter_frames: [None, None],
            shared_axes: false,
            scatter_moved: false,
            layout: Layout::default(),
            browser: FileBrowser::default(),
            textures: Textures::default(),
        }
    }

    /// What the decoders make of the point under the mouse, if any.
    pub fn hover(&self) -> Option<&Hover> {
        self.hover.as_ref()
    }

    /// Where a model's latent scatter was drawn in the last frame.
    pub fn scatter_rect(&self, model: Model) -> Option<egui::Rect> {
        self.scatter_rects[model as usize]
    }

    /// The region a model's latent scatter showed in the last frame: [[x_min, y_min], [x_max, y_max]].
    pub fn scatter_bounds(&self, model: Model) -> Option<[[f64; 2]; 2]> {
        self.scatter_bounds[model as usize]
    }

    /// Whether both latent scatters share their axes (the "same axes for both" box).
    pub fn shared_axes(&self) -> bool {
        self.shared_axes
    }

    /// Where the panels and pictures were drawn in the last frame.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The pinned latent points, oldest first (a click on a latent plot pins one; at most two).
    pub fn pins(&self) -> &[Vec<f32>] {
        &self.pins
    }

    /// The interpolation strip between the two pins, as the reconstructions panel draws it
    /// with the newest snapshot's decoders: for the AE then the VAE, 10 decodings (pixel
    /// means, `width × height` each) from the first pin to the second. None with fewer pins.
    pub fn interpolation(&self) -> Option<[Vec<f32>; 2]> {
        self.lab.snapshot().and_then(|s| self.strip(s))
    }

    fn strip(&self, snap: &VaeSnapshot) -> Option<[Vec<f32>; 2]> {
        let [from, to] = self.pins.as_slice() else { return None };
        Some([snap.ae_decoder.decode_segment(from, to, 10), snap.vae_decoder.decode_segment(from, to, 10)])
    }

    /// Trains on the IDX files of `dir` (loaded by the trainer thread); a folder that cannot
    /// be read gives a message and changes nothing.
    pub fn choose_idx_folder(&mut self, dir: std::path::PathBuf) {
        self.apply_config(VaeConfig { data: ImageSource::Idx(dir), ..self.config().clone() });
    }

    fn apply_config(&mut self, config: VaeConfig) {
        if config.latent_dim != self.config().latent_dim {
            self.pins.clear();
        }
        self.lab.apply(config);
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            self.lab.play_button(ui);
            if ui.button("Step").on_hover_text("One step of both models on the same minibatch").clicked() {
                self.lab.send(Control::Lab(VaeCommand::Step));
            }
            if ui.button("Reset").on_hover_text("New weights from the seed (R)").clicked() {
                self.lab.send(Control::Reset);
            }
            if ui
                .button("Measure test set now")
                .on_hover_text("Test ELBO, log p(x) and prior samples are measured every 5 s while training")
                .clicked()
            {
                self.lab.send(Control::Lab(VaeCommand::EvaluateNow));
            }
            ui.separator();
            if let Some(s) = self.lab.snapshot() {
                ui.label(RichText::new(format!("Step {}", s.steps)).strong());
            }
            self.lab.speed_ui(ui);
            ui.separator();
            ui.weak("All losses are sums over pixels and latent dimensions, averaged over images: nats per image.");
        });
        self.lab.error_ui(ui);
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        // Shorter sliders in a narrow panel, so that their labels fit beside them.
        ui.spacing_mut().slider_width = (ui.available_width() - 190.0).clamp(60.0, 100.0);
        let mut c = self.config().clone();
        ui.heading("Data");
        for (source, label) in [
            (ImageSource::Mnist5k, "MNIST-5k (28×28, bundled)"),
            (ImageSource::Digits, "UCI digits (8×8, bundled, fast)"),
        ] {
            if ui.radio(c.data == source, label).clicked() {
                c.data = source;
            }
        }
        let idx = matches!(c.data, ImageSource::Idx(_));
        if ui.radio(idx, "IDX folder…").on_hover_text("A folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzipped or not (Fashion-MNIST: apt-get install dataset-fashion-mnist)").clicked() {
            let start = std::path::Path::new("/usr/share/datasets");
            let dir = if start.is_dir() { start.to_path_buf() } else { std::env::current_dir().unwrap_or_default() };
            self.browser.open_in(&dir);
        }
        if let Some(s) = self.lab.snapshot() {
            ui.weak(format!("{}: {}×{} images", s.config.data.label(), s.width, s.height));
        }
        ui.separator();
        ui.heading("Objective");
        ui.add(egui::Slider::new(&mut c.beta, limits::BETA).text("KL weight β").step_by(0.05))
            .on_hover_text("loss = E_q[−log p(x|z)] + β·KL(q(z|x) ‖ p(z)). β = 1: the negative ELBO. β = 0: the KL term dropped (task 1.4).");
        ui.horizontal(|ui| {
            if ui.small_button("β = 0 (drop KL)").clicked() {
                c.beta = 0.0;
            }
            if ui.small_button("β = 1 (ELBO)").clicked() {
                c.beta = 1.0;
            }
        });
        ui.add(egui::Slider::new(&mut c.mc_samples, limits::MC_SAMPLES).text("samples L of z per input"))
            .on_hover_text("How many z ~ q(z|x) the reconstruction term averages over per image: more gives a less noisy gradient, slower steps.");
        let mut gaussian = matches!(c.likelihood, Likelihood::Gaussian { .. });
        ui.horizontal(|ui| {
            ui.label("p(x|z):");
            ui.radio_value(&mut gaussian, false, "Bernoulli");
            ui.radio_value(&mut gaussian, true, "Gaussian");
        });
        c.likelihood = match (gaussian, c.likelihood) {
            (false, _) => Likelihood::Bernoulli,
            (true, Likelihood::Gaussian { sigma }) => Likelihood::Gaussian { sigma },
            (true, Likelihood::Bernoulli) => Likelihood::Gaussian { sigma: 0.1 },
        };
        if let Likelihood::Gaussian { sigma } = &mut c.likelihood {
            ui.add(egui::Slider::new(sigma, 0.01..=1.0).logarithmic(true).text("pixel σ"))
                .on_hover_text("The Gaussian likelihood's spread per pixel: a smaller σ weighs reconstruction more against the KL term.");
        }
        // A non-breaking space keeps "[0, 1]" on one line.
        ui.weak(c.likelihood.describe().replace("[0, 1]", "[0,\u{a0}1]"));
        ui.separator();
        ui.heading("Models (same shape)");
        ui.add(egui::Slider::new(&mut c.latent_dim, limits::LATENT).text("latent dimension K *"))
            .on_hover_text("The size of z for both models: with 2 the plots show z itself, with more a PCA of it. Changing it restarts the run.");
        ui.add(egui::Slider::new(&mut c.hidden, limits::HIDDEN).logarithmic(true).text("hidden width *"))
            .on_hover_text("Units in each hidden layer of both encoders and decoders. Changing it restarts the run.");
        ui.add(egui::Slider::new(&mut c.layers, limits::LAYERS).text("hidden layers *"))
            .on_hover_text("How many hidden layers each encoder and decoder has. Changing it restarts the run.");
        egui::ComboBox::new("vae-activation", "activation *").selected_text(c.activation.name()).show_ui(ui, |ui| {
            for a in Activation::ALL {
                ui.selectable_value(&mut c.activation, a, a.name());
            }
        });
        ui.separator();
        ui.heading("Training (Adam)");
        lr_slider(ui, &mut c.lr, "learning rate");
        ui.add(egui::Slider::new(&mut c.batch, 8..=1024).logarithmic(true).text("batch size")).on_hover_text(
            "Images per step, the same minibatch for both models: larger gives steadier but slower steps.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Seed *");
            ui.add(egui::DragValue::new(&mut c.seed)).labelled_by(label.id);
        });
        ui.separator();
        ui.heading("log p(x) estimate");
        ui.add(egui::Slider::new(&mut c.iw_samples, 1..=2000).logarithmic(true).text("importance samples k"))
            .on_hover_text("How many z per test image the log p(x) estimate uses: more gives a tighter bound and a slower measurement.");
        ui.add(egui::Slider::new(&mut c.iw_images, 10..=2000).logarithmic(true).text("test images"))
            .on_hover_text("How many test images the log p(x) estimate averages over.");
        ui.weak("* restarts the run; everything else applies live.");
        self.apply_config(c);
    }
    /// The middle column, laid out in `view` (the size of its visible area): everything is
    /// sized from the width it has, and what does not fit below is reached by scrolling.
    fn lab_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>, view: egui::Vec2) {
        let width = ui.available_width();
        let gap = ui.spacing().item_spacing.x;
        // A narrow column puts "Under the mouse" below the scatters instead of beside them.
        let stacked = width < 600.0;
        let mouse_width = if stacked { 0.0 } else { (0.2 * width).clamp(110.0, 170.0) };
        let side = ((width - mouse_width - 2.0 * gap) / 2.0).min(0.55 * view.y).max(100.0);
        let mut hovered = None;
        ui.horizontal_wrapped(|ui| {
            ui.label("Digits:");
            for (class, colour) in CLASS_COLOURS.iter().enumerate() {
                ui.label(RichText::new(format!("● {class}")).color(palette(ui).text(*colour)).strong());
            }
            ui.weak("circles: prior N(0, I) at 1σ, 2σ, 3σ");
            if ui.checkbox(&mut self.shared_axes, "same axes for both").changed() {
                self.scatter_moved = false;
            }
        });
        let bounds = scatter_bounds(snap, self.shared_axes);
        ui.horizontal_top(|ui| {
            for model in [Model::Ae, Model::Vae] {
                ui.vertical(|ui| {
                    ui.set_width(side);
                    if let Some(h) = self.scatter_ui(ui, snap, model, side, bounds[model as usize]) {
                        hovered = Some(h);
                    }
                });
            }
            if !stacked {
                ui.vertical(|ui| {
                    ui.set_width(mouse_width);
                    self.under_mouse_ui(ui, snap, (mouse_width - 8.0).min(0.5 * side).max(64.0), false);
                });
            }
        });
        if stacked {
            self.under_mouse_ui(ui, snap, (0.4 * side).max(64.0), true);
        }
        let stale = !self.hover_snapshot.as_ref().is_some_and(|s| Arc::ptr_eq(s, snap));
        if stale && self.hover.as_ref().is_some_and(|h| h.z.len() != snap.config.latent_dim) {
            // A restart changed the latent dimension: the old point means nothing now.
            self.hover = None;
        }
        let again = || self.hover.as_ref().filter(|_| stale).map(|h| (h.model, h.z.clone()));
        let pointed = hovered.or_else(again);
        if let Some((model, z)) = pointed {
            let (ae_image, vae_image) = (snap.ae_decoder.decode_means(&z), snap.vae_decoder.decode_means(&z));
            self.hover = Some(Hover { model, ae_image, vae_image, z });
            self.hover_snapshot = Some(Arc::clone(snap));
        }
        // Two pins give the strip wherever they were pinned, above whichever panel is shown.
        self.strip_ui(ui, snap, width);
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut self.lower, Lower::Manifold, "Manifold grids");
            ui.selectable_value(&mut self.lower, Lower::Prior, "Prior samples");
            ui.selectable_value(&mut self.lower, Lower::Recon, "Reconstructions and interpolation");
            ui.selectable_value(&mut self.lower, Lower::Curves, "Curves");
        });
        match self.lower {
            Lower::Manifold => self.manifold_ui(ui, snap),
            Lower::Prior => self.prior_ui(ui, snap),
            Lower::Recon => self.recon_ui(ui, snap),
            Lower::Curves => {
                let rects = curves_ui(ui, snap, view.y);
                self.layout.items.extend(rects);
            }
        }
    }
}

/// The side panels' (default, least, largest) widths in a window `width` points wide: the
/// settings on the left, the numbers on the right. Together they never take more than
/// about half of the window, so the middle column keeps the rest.
fn side_panel_sizes(width: f32) -> ((f32, f32, f32), (f32, f32, f32)) {
    let max = (0.3 * width).max(200.0);
    let left = ((0.22 * width).clamp(240.0, 290.0).min(max), 160.0, max);
    let right = ((0.27 * width).clamp(270.0, 340.0).min(max), 180.0, max);
    (left, right)
}
