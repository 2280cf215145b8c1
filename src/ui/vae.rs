//! The AE vs VAE lab's panels: latent scatters with the prior, decoding under the mouse,
//! manifold grids, prior samples, reconstructions, curves, ELBO and log p(x), one posterior.

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotPoints, Points, Polygon};
use rand::SeedableRng as _;

use super::decode::{decode, interpolate};
use super::images::{key_of, mosaic, show, CachedTexture};
use super::lab::{LabHandle, LabSettings, TrainerView};
use super::widgets::{lr_slider, FileBrowser};
use super::Tab;
use crate::model::autoencoder::Likelihood;
use crate::model::mlp::Activation;
use crate::theory::gaussian::{kl_diag_to_std_normal, kl_monte_carlo, McEstimate};
use crate::train::series::Series;
use crate::train::vae::{limits, ImageSource, LatentView, VaeCommand, VaeConfig, VaeSnapshot, VaeTrainer, GRID_SIDE};
use crate::train::worker::Control;
use crate::train::TrainError;

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
    browser: FileBrowser,
    textures: Textures,
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

    fn draw(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("vae-controls").show(ui, |ui| self.controls_ui(ui));
        egui::Panel::left("vae-settings").resizable(true).default_size(290.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui));
        });
        let snapshot = self.lab.snapshot().cloned();
        egui::Panel::right("vae-numbers").resizable(true).default_size(340.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(s) = &snapshot {
                    self.numbers_ui(ui, s);
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| match &snapshot {
            Some(s) => self.lab_ui(ui, s),
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
        Some([interpolate(&snap.ae_decoder, from, to, 10), interpolate(&snap.vae_decoder, from, to, 10)])
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
        ui.horizontal(|ui| {
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
        ui.add(egui::Slider::new(&mut c.mc_samples, limits::MC_SAMPLES).text("samples L of z per input"));
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
            ui.add(egui::Slider::new(sigma, 0.01..=1.0).logarithmic(true).text("pixel σ"));
        }
        ui.weak(c.likelihood.describe());
        ui.separator();
        ui.heading("Models (same shape)");
        ui.add(egui::Slider::new(&mut c.latent_dim, limits::LATENT).text("latent dimension K *"));
        ui.add(egui::Slider::new(&mut c.hidden, limits::HIDDEN).logarithmic(true).text("hidden width *"));
        ui.add(egui::Slider::new(&mut c.layers, limits::LAYERS).text("hidden layers *"));
        egui::ComboBox::new("vae-activation", "activation *").selected_text(c.activation.name()).show_ui(ui, |ui| {
            for a in Activation::ALL {
                ui.selectable_value(&mut c.activation, a, a.name());
            }
        });
        ui.separator();
        ui.heading("Training (Adam)");
        lr_slider(ui, &mut c.lr, "learning rate");
        ui.add(egui::Slider::new(&mut c.batch, 8..=1024).logarithmic(true).text("batch size"));
        ui.horizontal(|ui| {
            let label = ui.label("Seed *");
            ui.add(egui::DragValue::new(&mut c.seed)).labelled_by(label.id);
        });
        ui.separator();
        ui.heading("log p(x) estimate");
        ui.add(egui::Slider::new(&mut c.iw_samples, 1..=2000).logarithmic(true).text("importance samples k"));
        ui.add(egui::Slider::new(&mut c.iw_images, 10..=2000).logarithmic(true).text("test images"));
        ui.weak("* restarts the run; everything else applies live.");
        self.apply_config(c);
    }

    fn lab_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        let avail = ui.available_size();
        let side = ((avail.x - 190.0) / 2.0).min(avail.y * 0.5).max(150.0);
        let mut hovered = None;
        ui.horizontal(|ui| {
            ui.label("Digits:");
            for (class, colour) in CLASS_COLOURS.iter().enumerate() {
                ui.label(RichText::new(format!("● {class}")).color(*colour).strong());
            }
            ui.weak("   circles: prior N(0, I) at 1σ, 2σ, 3σ · both plots share their axes");
        });
        let bounds = shared_bounds(snap);
        ui.horizontal_top(|ui| {
            for model in [Model::Ae, Model::Vae] {
                ui.vertical(|ui| {
                    ui.set_width(side);
                    if let Some(h) = self.scatter_ui(ui, snap, model, side, bounds) {
                        hovered = Some(h);
                    }
                });
            }
            ui.vertical(|ui| self.under_mouse_ui(ui, snap));
        });
        let stale = !self.hover_snapshot.as_ref().is_some_and(|s| Arc::ptr_eq(s, snap));
        if stale && self.hover.as_ref().is_some_and(|h| h.z.len() != snap.config.latent_dim) {
            // A restart changed the latent dimension: the old point means nothing now.
            self.hover = None;
        }
        let again = || self.hover.as_ref().filter(|_| stale).map(|h| (h.model, h.z.clone()));
        let pointed = hovered.or_else(again);
        if let Some((model, z)) = pointed {
            let (ae_image, vae_image) = (decode(&snap.ae_decoder, &z), decode(&snap.vae_decoder, &z));
            self.hover = Some(Hover { model, ae_image, vae_image, z });
            self.hover_snapshot = Some(Arc::clone(snap));
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.lower, Lower::Manifold, "Manifold grids");
            ui.selectable_value(&mut self.lower, Lower::Prior, "Prior samples");
            ui.selectable_value(&mut self.lower, Lower::Recon, "Reconstructions and interpolation");
            ui.selectable_value(&mut self.lower, Lower::Curves, "Curves");
        });
        match self.lower {
            Lower::Manifold => self.manifold_ui(ui, snap),
            Lower::Prior => self.prior_ui(ui, snap),
            Lower::Recon => self.recon_ui(ui, snap),
            Lower::Curves => curves_ui(ui, snap),
        }
    }

    /// One latent scatter; returns the latent point under the pointer.
    fn scatter_ui(
        &mut self,
        ui: &mut egui::Ui,
        snap: &VaeSnapshot,
        model: Model,
        side: f32,
        bounds: [[f64; 2]; 2],
    ) -> Option<(Model, Vec<f32>)> {
        let k = snap.config.latent_dim;
        let view = match model {
            Model::Ae => &snap.ae_latents,
            Model::Vae => &snap.vae_latents,
        };
        let title = match (k, &view.projection) {
            (1, _) => format!("{}: z (x) by digit (y)", model.label()),
            (2, _) => format!("{}: latent z, test images", model.label()),
            (_, Some(p)) => {
                format!("{}: PCA of the encoded test set ({:.0} % of variance)", model.label(), 100.0 * p.explained())
            }
            (_, None) => format!("{}: first two latent coordinates", model.label()),
        };
        ui.label(RichText::new(title).strong()).on_hover_text(
            "Test images encoded (the VAE's posterior means μ), coloured by digit. Circles: the prior N(0, I) at 1σ, 2σ, 3σ. \
             Hover to decode; click to pin (two pins give an interpolation); right-click picks the nearest test image for the posterior panel.",
        );
        let pins: Vec<[f64; 2]> = self.pins.iter().map(|z| plot_point(view.plot_of(z, k))).collect();
        let posterior = (model == Model::Vae).then(|| posterior_ellipse(view, self.picked, k)).flatten();
        let response = Plot::new(("vae-scatter", model as usize))
            .width(side)
            .height(side)
            .data_aspect(1.0)
            .link_axis(egui::Id::unique("vae-latents"), [true, true])
            .link_cursor(egui::Id::unique("vae-latents-cursor"), [true, true])
            .include_x(bounds[0][0])
            .include_x(bounds[1][0])
            .include_y(bounds[0][1])
            .include_y(bounds[1][1])
            .show(ui, |plot| {
                for class in 0..10u8 {
                    let pts: Vec<[f64; 2]> = view
                        .points
                        .iter()
                        .zip(snap.labels.iter())
                        .filter(|(_, l)| **l == class)
                        .map(|(p, _)| plot_point(*p))
                        .collect();
                    if !pts.is_empty() {
                        plot.points(
                            Points::new(class.to_string(), pts).color(CLASS_COLOURS[class as usize]).radius(1.8),
                        );
                    }
                }
                if k != 1 {
                    let centre = view.plot_of(&vec![0.0; k], k);
                    for r in 1..=3 {
                        plot.line(
                            circle(centre, f64::from(r))
                                .color(Color32::from_white_alpha(150 - 35 * r as u8))
                                .width(1.0)
                                .name(if r == 1 { "prior 1σ, 2σ, 3σ" } else { "" }),
                        );
                    }
                }
                if !pins.is_empty() {
                    plot.points(
                        Points::new("pinned", pins.clone())
                            .shape(MarkerShape::Diamond)
                            .radius(6.0)
                            .color(Color32::WHITE),
                    );
                    if pins.len() == 2 {
                        plot.line(Line::new("", PlotPoints::from(pins.clone())).color(Color32::WHITE).width(1.5));
                    }
                }
                if let Some(poly) = &posterior {
                    plot.polygon(
                        Polygon::new("picked: μ ± σ", PlotPoints::from(poly.clone()))
                            .stroke(egui::Stroke::new(2.0, Color32::YELLOW))
                            .fill_color(Color32::from_rgba_unmultiplied(255, 255, 0, 30)),
                    );
                }
                plot.pointer_coordinate()
            });
        self.scatter_rects[model as usize] = Some(response.response.rect);
        let r = &response.response;
        let p = response.inner.map(|p| [p.x as f32, p.y as f32])?;
        let z = view.latent_at(p, k);
        if r.clicked() {
            if self.pins.len() == 2 {
                self.pins.remove(0);
            }
            self.pins.push(z.clone());
        }
        if r.secondary_clicked() {
            let nearest = view
                .points
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| dist2(**a, p).total_cmp(&dist2(**b, p)))
                .map(|(i, _)| i);
            if let Some(i) = nearest {
                self.picked = i;
                self.posterior = None;
            }
        }
        r.hovered().then_some((model, z))
    }

    fn under_mouse_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
        ui.label(RichText::new("Under the mouse").strong()).on_hover_text(
            "The latent point under the pointer, decoded by both models (pixel means), in this very frame.",
        );
        let Some(h) = &self.hover else {
            ui.weak("Hover a latent plot.");
            return;
        };
        let z: Vec<String> = h.z.iter().take(4).map(|v| format!("{v:.2}")).collect();
        ui.label(format!(
            "z = ({}{}) on the {} plot",
            z.join(", "),
            if h.z.len() > 4 { ", …" } else { "" },
            h.model.label()
        ));
        for (i, (name, img)) in [("AE decodes", &h.ae_image), ("VAE decodes", &h.vae_image)].into_iter().enumerate() {
            ui.label(name);
            let tex = self.textures.hover[i]
                .get(ui.ctx(), "vae-hover", key_of(img), || mosaic(img, snap.width, snap.height, 1, 1));
            show(ui, tex, 150.0);
        }
    }

    fn manifold_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        let k = snap.config.latent_dim;
        let note = match k {
            1 => "15 decodings at z = Φ⁻¹((i + ½)/15), the prior's quantiles (Kingma & Welling, fig. 4).",
            2 => "15×15 decodings on the grid Φ⁻¹((i + ½)/15) × Φ⁻¹((j + ½)/15): the prior's quantiles (Kingma & Welling, fig. 4). The same grid for both models.",
            _ => "15×15 decodings at the prior's quantiles Φ⁻¹((i + ½)/15) along the two PCA axes of each model's scatter.",
        };
        ui.weak(note);
        let key = snapshot_key(snap);
        let rows = if k == 1 { 1 } else { GRID_SIDE };
        let width = ((ui.available_width() - 20.0) / 2.0).min(ui.available_height() - 30.0).max(100.0);
        ui.horizontal_top(|ui| {
            for (i, (name, pixels)) in [("AE", &snap.ae_manifold), ("VAE", &snap.vae_manifold)].into_iter().enumerate()
            {
                ui.vertical(|ui| {
                    ui.label(RichText::new(name).strong());
                    let tex = self.textures.manifold[i].get(ui.ctx(), "vae-manifold", key, || {
                        mosaic(pixels, snap.width, snap.height, rows * GRID_SIDE, GRID_SIDE)
                    });
                    show(ui, tex, width);
                });
            }
        });
    }

    fn prior_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        ui.weak("64 draws z ~ N(0, I), the same z for both models, decoded (task 1.3). Sampling the prior is how a VAE generates; an AE's latent space has no such distribution.");
        let key = snapshot_key(snap);
        let width = ((ui.available_width() - 20.0) / 2.0).min(ui.available_height() - 60.0).max(100.0);
        ui.horizontal_top(|ui| {
            for (i, (name, pixels, report)) in [
                ("AE", &snap.ae_prior, snap.eval.as_ref().map(|e| &e.ae_prior)),
                ("VAE", &snap.vae_prior, snap.eval.as_ref().map(|e| &e.vae_prior)),
            ]
            .into_iter()
            .enumerate()
            {
                ui.vertical(|ui| {
                    let stats = report.map_or(String::new(), |r| {
                        format!(
                            "   nearest training image {:.2} away · class entropy {:.2} nats",
                            r.mean_nn_distance, r.class_entropy
                        )
                    });
                    ui.label(RichText::new(format!("{name}{stats}")).strong());
                    let tex = self.textures.prior[i]
                        .get(ui.ctx(), "vae-prior", key, || mosaic(pixels, snap.width, snap.height, 64, 8));
                    show(ui, tex, width);
                });
            }
        });
    }

    fn recon_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        ui.weak("Rows: 8 test images; the AE's reconstructions f(g(x)); the VAE's, decoding the posterior mean μ(x).");
        let n = snap.originals.len() / (snap.width * snap.height).max(1);
        let mut all = snap.originals.clone();
        all.extend_from_slice(&snap.ae_recons);
        all.extend_from_slice(&snap.vae_recons);
        let key = snapshot_key(snap);
        let tex =
            self.textures.recon.get(ui.ctx(), "vae-recon", key, || mosaic(&all, snap.width, snap.height, 3 * n, n));
        let width = ui.available_width().min(ui.available_height() * 8.0 / 3.0 - 20.0).max(100.0);
        show(ui, tex, width);
        if let Some(strips) = self.strip(snap) {
            ui.separator();
            ui.label(RichText::new("Interpolation between the two pinned points").strong());
            for (i, (name, pixels)) in ["AE", "VAE"].into_iter().zip(strips).enumerate() {
                ui.label(name);
                let tex = self.textures.strip[i]
                    .get(ui.ctx(), "vae-strip", key_of(&pixels), || mosaic(&pixels, snap.width, snap.height, 10, 10));
                show(ui, tex, width.min(600.0));
            }
        } else {
            ui.weak("Click two points on a latent plot to see the interpolation between them.");
        }
    }

    fn numbers_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
        let t = &snap.last;
        ui.heading("ELBO, nats per image");
        ui.label(RichText::new("Training minibatch (VAE)").strong());
        egui::Grid::new("vae-train-terms").num_columns(2).show(ui, |ui| {
            ui.label("reconstruction E_q[−log p(x|z)]");
            ui.label(format!("{:.2}", t.vae_recon));
            ui.end_row();
            ui.label("KL(q(z|x) ‖ p(z))");
            ui.label(format!("{:.2}", t.vae_kl));
            ui.end_row();
            ui.label("−ELBO = recon + KL");
            ui.label(format!("{:.2}", t.vae_recon + t.vae_kl));
            ui.end_row();
            ui.label(format!("loss = recon + β·KL (β = {:.2})", t.beta));
            ui.label(format!("{:.2}", t.vae_recon + t.beta * t.vae_kl));
            ui.end_row();
            ui.label("AE loss −log p(x | g(x))");
            ui.label(format!("{:.2}", t.ae_recon));
            ui.end_row();
        });
        ui.separator();
        let Some(e) = &snap.eval else {
            ui.weak("Measuring the test set…");
            return;
        };
        ui.label(RichText::new(format!("Test set (at step {})", e.step)).strong());
        egui::Grid::new("vae-test-terms").num_columns(2).show(ui, |ui| {
            ui.label("VAE reconstruction");
            ui.label(format!("{:.2}", e.vae_test_recon));
            ui.end_row();
            ui.label("VAE KL");
            ui.label(format!("{:.2}", e.vae_test_kl));
            ui.end_row();
            ui.label("ELBO");
            ui.label(format!("{:.2}", e.vae_test_elbo));
            ui.end_row();
            ui.label("AE reconstruction");
            ui.label(format!("{:.2}", e.ae_test_recon));
            ui.end_row();
        });
        ui.separator();
        ui.label(RichText::new("log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))  (task 2.1)").strong());
        ui.label(format!("on {} test images, k = {} importance samples:", e.iw_images, e.iw_samples));
        egui::Grid::new("vae-logpx").num_columns(2).show(ui, |ui| {
            ui.label("log p(x) ≈ (importance weighted)");
            ui.label(RichText::new(format!("{:.2}", e.log_px_iw)).strong());
            ui.end_row();
            ui.label("ELBO (same images)");
            ui.label(format!("{:.2}", e.elbo_iw_images));
            ui.end_row();
            ui.label("gap ≈ KL(q(z|x) ‖ p(z|x)) ≥ 0");
            ui.label(RichText::new(format!("{:.2}", e.gap())).strong());
            ui.end_row();
        });
        ui.weak("log p̂(x) = log (1/k) Σᵢ p(x|zᵢ) p(zᵢ) / q(zᵢ|x), zᵢ ~ q(z|x) (Burda et al.): a lower bound on log p(x) that tightens as k grows; k = 1 gives the ELBO.");
        ui.separator();
        ui.label(RichText::new("Is it generative? (64 prior samples, task 1.3)").strong());
        egui::Grid::new("vae-prior-metrics").num_columns(3).striped(true).show(ui, |ui| {
            ui.label("");
            ui.label("AE");
            ui.label("VAE");
            ui.end_row();
            ui.label("distance to nearest training image");
            ui.label(format!("{:.2}", e.ae_prior.mean_nn_distance));
            ui.label(format!("{:.2}", e.vae_prior.mean_nn_distance));
            ui.end_row();
            ui.label("class entropy (nats, max 2.30)");
            ui.label(format!("{:.2}", e.ae_prior.class_entropy));
            ui.label(format!("{:.2}", e.vae_prior.class_entropy));
            ui.end_row();
        });
        ui.weak("Each decoded prior sample's Euclidean distance (pixels in [0, 1]) to its nearest training image, and the entropy of the digits a 1-nearest-neighbour classifier assigns them: near real digits and of many classes means generative.");
        ui.separator();
        self.posterior_ui(ui, snap);
    }

    fn posterior_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
        ui.label(RichText::new("One image's posterior q(z|x)").strong())
            .on_hover_text("Right-click a latent plot to pick the nearest test image.");
        let n = snap.labels.len();
        if n == 0 {
            return;
        }
        let mut index = self.picked.min(n - 1);
        ui.horizontal(|ui| {
            let label = ui.label("test image");
            ui.add(egui::DragValue::new(&mut index).range(0..=n - 1)).labelled_by(label.id);
            ui.label(format!("(digit {})", snap.labels[index]));
        });
        if index != self.picked {
            self.picked = index;
        }
        let k = snap.config.latent_dim;
        let v = &snap.vae_latents;
        let (Some(mu), Some(logvar)) =
            (v.codes.get(index * k..(index + 1) * k), v.logvar.get(index * k..(index + 1) * k))
        else {
            return;
        };
        let dim = snap.width * snap.height;
        if let Some(img) = snap.test_images.get(index * dim..(index + 1) * dim) {
            let tex = self
                .textures
                .picked
                .get(ui.ctx(), "vae-picked", index as u64, || mosaic(img, snap.width, snap.height, 1, 1));
            show(ui, tex, 84.0);
        }
        let stale = self.posterior.as_ref().is_none_or(|p| p.index != index);
        if stale
            || self.posterior.as_ref().is_some_and(|p| (p.kl_analytic - kl_diag_to_std_normal(mu, logvar)).abs() > 1e-9)
        {
            let mut rng = rand::rngs::StdRng::seed_from_u64(index as u64);
            self.posterior = Some(Posterior {
                index,
                kl_analytic: kl_diag_to_std_normal(mu, logvar),
                kl_mc: kl_monte_carlo(mu, logvar, KL_MC_SAMPLES, &mut rng),
            });
        }
        let fmt = |v: &[f32]| {
            v.iter().take(4).map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(", ")
                + if v.len() > 4 { ", …" } else { "" }
        };
        let sigma: Vec<f32> = logvar.iter().map(|l| (0.5 * l).exp()).collect();
        ui.label(format!("μ = ({})", fmt(mu)));
        ui.label(format!("σ = ({})", fmt(&sigma)));
        if let Some(p) = &self.posterior {
            egui::Grid::new("vae-posterior").num_columns(2).show(ui, |ui| {
                ui.label("KL(q ‖ p(z)), closed form (task 2.7)");
                ui.label(format!("{:.4}", p.kl_analytic));
                ui.end_row();
                ui.label(format!("Monte Carlo, {} samples", p.kl_mc.samples));
                ui.label(format!("{:.4} ± {:.4}", p.kl_mc.mean, p.kl_mc.std_error));
                ui.end_row();
            });
            ui.weak("½ Σₖ (μₖ² + σₖ² − 1 − log σₖ²) against the mean of log q(z|x) − log p(z) over z = μ + σ ⊙ ε (± one standard error).");
        }
    }
}

/// One box holding both models' points and the prior's 3σ circle, so that both scatters
/// show the same region at the same scale.
fn shared_bounds(snap: &VaeSnapshot) -> [[f64; 2]; 2] {
    let mut lo = [-3.2f64, -3.2];
    let mut hi = [3.2f64, 3.2];
    for p in snap.ae_latents.points.iter().chain(&snap.vae_latents.points) {
        for d in 0..2 {
            let v = f64::from(p[d]);
            if v.is_finite() {
                lo[d] = lo[d].min(v);
                hi[d] = hi[d].max(v);
            }
        }
    }
    [lo, hi]
}

fn snapshot_key(snap: &Arc<VaeSnapshot>) -> u64 {
    Arc::as_ptr(snap) as usize as u64 ^ snap.steps.rotate_left(32)
}

fn plot_point(p: [f32; 2]) -> [f64; 2] {
    [f64::from(p[0]), f64::from(p[1])]
}

fn dist2(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn circle<'a>(centre: [f32; 2], r: f64) -> Line<'a> {
    let pts: Vec<[f64; 2]> = (0..=96)
        .map(|i| {
            let t = i as f64 / 96.0 * std::f64::consts::TAU;
            [f64::from(centre[0]) + r * t.cos(), f64::from(centre[1]) + r * t.sin()]
        })
        .collect();
    Line::new("", PlotPoints::from(pts))
}

/// The 1σ ellipse of the picked point's posterior, drawn for K = 2 (axis-aligned in z).
fn posterior_ellipse(view: &LatentView, index: usize, k: usize) -> Option<Vec<[f64; 2]>> {
    if k != 2 {
        return None;
    }
    let mu = view.codes.get(index * 2..index * 2 + 2)?;
    let lv = view.logvar.get(index * 2..index * 2 + 2)?;
    let (sx, sy) = (f64::from((0.5 * lv[0]).exp()), f64::from((0.5 * lv[1]).exp()));
    Some(
        (0..64)
            .map(|i| {
                let t = i as f64 / 64.0 * std::f64::consts::TAU;
                [f64::from(mu[0]) + sx * t.cos(), f64::from(mu[1]) + sy * t.sin()]
            })
            .collect(),
    )
}

fn series_line<'a>(name: &str, s: &Series, color: Color32) -> Line<'a> {
    Line::new(name.to_owned(), PlotPoints::from(s.points().to_vec())).color(color)
}

fn curves_ui(ui: &mut egui::Ui, snap: &VaeSnapshot) {
    let h = &snap.history;
    let link = egui::Id::unique("vae-curves");
    let height = (ui.available_height() - 50.0).max(120.0);
    let width = (ui.available_width() - 20.0) / 2.0;
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label(
                RichText::new("Terms (nats per image): VAE −ELBO, reconstruction, KL; AE reconstruction").strong(),
            );
            Plot::new("vae-terms")
                .width(width)
                .height(height)
                .link_axis(link, [true, false])
                .legend(Legend::default())
                .show(ui, |plot| {
                    plot.line(series_line("−ELBO train", &h.train_neg_elbo, Color32::from_rgb(90, 170, 255)));
                    plot.line(series_line("−ELBO test", &h.test_neg_elbo, Color32::from_rgb(40, 90, 220)).width(2.5));
                    plot.line(series_line("recon train", &h.train_recon, Color32::from_rgb(120, 200, 120)));
                    plot.line(series_line("recon test", &h.test_recon, Color32::from_rgb(40, 150, 40)).width(2.5));
                    plot.line(series_line("AE recon train", &h.ae_train_recon, Color32::from_rgb(255, 170, 90)));
                    plot.line(
                        series_line("AE recon test", &h.ae_test_recon, Color32::from_rgb(230, 110, 20)).width(2.5),
                    );
                });
        });
        ui.vertical(|ui| {
            ui.label(RichText::new("KL terms and the gap log p(x) − ELBO").strong());
            Plot::new("vae-kl")
                .width(width)
                .height(height)
                .link_axis(link, [true, false])
                .include_y(0.0)
                .legend(Legend::default())
                .show(ui, |plot| {
                    plot.line(series_line("KL train", &h.train_kl, Color32::from_rgb(200, 140, 255)));
                    plot.line(series_line("KL test", &h.test_kl, Color32::from_rgb(150, 80, 230)).width(2.5));
                    plot.line(series_line("log p̂(x) − ELBO", &h.gap, Color32::from_rgb(255, 220, 120)).width(2.5));
                });
        });
    });
}
