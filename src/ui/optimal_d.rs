//! The optimal-discriminator lab's panels: p_data, p_g, D and D* on one line plot, the sample
//! histograms under it, and the value of the game against −log 4 + 2·JSD.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use super::lab::{LabHandle, LabSettings, TrainerView};
use super::theme::palette;
use super::widgets::{legend_line, lr_slider, range_line, unlabelled_curve_chart};
use super::Tab;
use crate::model::mlp::Activation;
use crate::theory::optimal_d::{Component, Mixture1d, MINUS_LOG_4};
use crate::train::gan::GanLoss;
use crate::train::optimal_d::{
    Generator1d, OptimalDCommand, OptimalDConfig, OptimalDSnapshot, OptimalDTrainer, MASS_THRESHOLD,
};
use crate::train::series::chart_range;
use crate::train::worker::Control;
use crate::train::TrainError;

/// Colour of the trained D(x).
const D_COLOUR: Color32 = Color32::from_rgb(255, 170, 60);

impl LabSettings for OptimalDTrainer {
    type Config = OptimalDConfig;
    const CONTROLS: &'static [crate::ui::controls::SettingControl] = &crate::ui::controls::OPTIMAL_D;

    fn build(config: OptimalDConfig) -> Result<Self, TrainError> {
        Self::new(config)
    }

    fn validate(config: &OptimalDConfig) -> Result<(), TrainError> {
        config.validate()
    }

    fn config_of(snapshot: &OptimalDSnapshot) -> &OptimalDConfig {
        &snapshot.config
    }

    fn set_config(config: OptimalDConfig) -> OptimalDCommand {
        OptimalDCommand::SetConfig(Box::new(config))
    }

    const LAB: &'static str = crate::train::optimal_d::LAB;

    fn curves(s: &OptimalDSnapshot) -> Vec<(&'static str, &crate::train::series::Series)> {
        s.history.named()
    }

    fn command(config: &OptimalDConfig, steps: u64) -> Option<Result<String, String>> {
        Some(Ok(crate::train::reproduce::optimal_d_command(config, steps)))
    }
}

/// The optimal-discriminator lab.
pub struct OptimalDView {
    lab: LabHandle<OptimalDTrainer>,
    dragging: Option<usize>,
    handles: Vec<egui::Pos2>,
}

impl TrainerView for OptimalDView {
    type Trainer = OptimalDTrainer;
    const TAB: Tab = Tab::OptimalD;
    const TITLE: &'static str = "Optimal discriminator";

    fn handle(&self) -> &LabHandle<OptimalDTrainer> {
        &self.lab
    }

    fn handle_mut(&mut self) -> &mut LabHandle<OptimalDTrainer> {
        &mut self.lab
    }

    fn draw(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("optd-controls").show(ui, |ui| self.controls_ui(ui));
        egui::Panel::left("optd-settings").resizable(true).default_size(300.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui));
        });
        let snapshot = self.lab.snapshot().cloned();
        egui::Panel::right("optd-numbers").resizable(true).default_size(380.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(s) = &snapshot {
                    numbers_ui(ui, s);
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| match &snapshot {
            Some(s) => self.plots_ui(ui, s),
            None => {
                ui.spinner();
            }
        });
        self.lab.message_ui(ui.ctx(), "optd-message");
    }
}

impl OptimalDView {
    /// Starts the lab with the default settings (its trainer is built on a background thread).
    pub fn new(ctx: &egui::Context) -> Self {
        Self::with_config(ctx, OptimalDConfig::default())
    }

    /// Starts the lab with `config` (the defaults, with a message, if it cannot be built).
    pub fn with_config(ctx: &egui::Context, config: OptimalDConfig) -> Self {
        let lab = LabHandle::start(ctx, "optimal-d-trainer", config, "Starting the trainer".to_owned());
        Self { lab, dragging: None, handles: Vec::new() }
    }

    /// Where each mode's drag handle (its centre, on p_data) was drawn in the last frame.
    pub fn mode_handles(&self) -> &[egui::Pos2] {
        &self.handles
    }

    fn apply_config(&mut self, config: OptimalDConfig) {
        self.lab.apply(config);
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            self.lab.play_button(ui);
            if ui.button("Step D").clicked() {
                self.lab.send(Control::Lab(OptimalDCommand::StepD));
            }
            if ui.button("Step G").clicked() {
                self.lab.send(Control::Lab(OptimalDCommand::StepG));
            }
            if ui.button("Reset").on_hover_text("New weights from the seed (R)").clicked() {
                self.lab.send(Control::Reset);
            }
            ui.separator();
            let mut frozen = self.config().freeze_g;
            if ui
                .toggle_value(&mut frozen, RichText::new("Freeze G, train D").strong())
                .on_hover_text(
                    "Hold the generator fixed and let D train: watch D approach D* = p_data/(p_data + p_g) (task 3.2).",
                )
                .changed()
            {
                self.apply_config(OptimalDConfig { freeze_g: frozen, ..self.config().clone() });
            }
            ui.separator();
            if let Some(s) = self.lab.snapshot() {
                ui.label(RichText::new(format!("D steps {}   G steps {}", s.d_steps, s.g_steps)).strong());
            }
            self.lab.speed_ui(ui);
        });
        self.lab.error_ui(ui);
    }

    fn plots_ui(&mut self, ui: &mut egui::Ui, s: &OptimalDSnapshot) {
        let pal = palette(ui);
        let link = egui::Id::unique("optd-x");
        let p_g_label = match s.metrics.kde_bandwidth {
            None => "p_g (exact: N(b, a²))".to_owned(),
            Some(h) => format!("p_g (Gaussian KDE of 5000 samples, bandwidth {h:.3})"),
        };
        ui.label(RichText::new("Densities, D(x) and D*(x) = p_data(x) / (p_data(x) + p_g(x))").strong());
        let height = ui.available_height();
        let centres: Vec<[f64; 2]> =
            self.config().data.components.iter().map(|c| [c.mean, self.config().data.pdf(c.mean)]).collect();
        // Headroom above D ≤ 1 keeps the legend off the curves (it covered the right-hand peak).
        let response = Plot::new("optd-main")
            .id(egui::Id::unique("optd-main"))
            .allow_scroll(false)
            .height(height * 0.62)
            .link_axis(link, [true, false])
            .include_y(0.0)
            .include_y(1.6)
            .allow_drag(false)
            .legend(Legend::default())
            .show(ui, |plot| {
                plot.line(line("p_data", &s.xs, &s.p_data, pal.real).width(2.0));
                plot.line(line(&p_g_label, &s.xs, &s.p_g, pal.fake).width(2.0));
                plot.line(line("D*(x)", &s.xs, &s.d_star, pal.ink).style(LineStyle::dashed_loose()).width(2.0));
                plot.line(line("D(x), trained", &s.xs, &s.d, pal.line(D_COLOUR)).width(3.0));
                plot.hline(HLine::new("½", 0.5).color(Color32::from_gray(110)));
                plot.points(
                    Points::new("mode centres (drag them)", centres.clone())
                        .shape(MarkerShape::Diamond)
                        .radius(6.0)
                        .color(pal.real),
                );
                plot.pointer_coordinate()
            });
        crate::ui::files::exportable(ui, "D(x) against D*(x)", response.response.rect);
        self.drag_modes_ui(&response, &centres);
        ui.label(RichText::new("Histograms of 5000 real and 5000 generated samples (densities)").strong());
        let (lo, hi, bins) = s.hist_range;
        let width = (hi - lo) / bins as f64;
        let bars = |h: &[f64], colour: Color32| -> Vec<Bar> {
            h.iter()
                .enumerate()
                .map(|(i, v)| {
                    Bar::new(lo + (i as f64 + 0.5) * width, *v)
                        .width(width * 0.95)
                        .fill(colour.gamma_multiply(0.5))
                        .stroke(egui::Stroke::new(0.5, colour))
                })
                .collect()
        };
        let tallest = s.hist_real.iter().chain(&s.hist_fake).copied().fold(0.0f64, f64::max);
        Plot::new("optd-hist")
            .id(egui::Id::unique("optd-hist"))
            .allow_scroll(false)
            .height(ui.available_height() - 8.0)
            .link_axis(link, [true, false])
            .include_y(0.0)
            .include_y(tallest * 1.45)
            .legend(Legend::default())
            .show(ui, |plot| {
                plot.bar_chart(BarChart::new("real", bars(&s.hist_real, pal.real)).color(pal.real));
                plot.bar_chart(BarChart::new("generated", bars(&s.hist_fake, pal.fake)).color(pal.fake));
            });
    }

    /// Dragging a mode's centre (its diamond) moves that mode's mean; p_data changes live.
    fn drag_modes_ui(
        &mut self,
        response: &egui_plot::PlotResponse<Option<egui_plot::PlotPoint>>,
        centres: &[[f64; 2]],
    ) {
        let t = &response.transform;
        self.handles = centres.iter().map(|c| t.position_from_point(&egui_plot::PlotPoint::new(c[0], c[1]))).collect();
        let r = &response.response;
        if r.drag_started() {
            // Where the button went down, not where the pointer is now: a quick drag may
            // already have left the handle by the frame that recognises it.
            let pointer = r.ctx.input(|i| i.pointer.press_origin()).or_else(|| r.interact_pointer_pos());
            self.dragging = pointer.and_then(|p| {
                self.handles
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (i, h.distance(p)))
                    .filter(|(_, d)| *d < 24.0)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i)
            });
        }
        if let (Some(i), true) = (self.dragging, r.dragged()) {
            if let Some(p) = r.interact_pointer_pos() {
                let x = t.value_from_position(p).x.clamp(-10.0, 10.0);
                let mut c = self.config().clone();
                if let Some(component) = c.data.components.get_mut(i) {
                    component.mean = (x * 100.0).round() / 100.0;
                }
                self.apply_config(c);
            }
        }
        if r.drag_stopped() {
            self.dragging = None;
        }
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        let mut c = self.config().clone();
        ui.heading("p_data");
        ui.horizontal(|ui| {
            for (name, preset) in [
                ("one Gaussian", Mixture1d::gaussian()),
                ("two modes", Mixture1d::mix2()),
                ("three modes", Mixture1d::mix3()),
            ] {
                if ui.selectable_label(c.data == preset, name).clicked() {
                    c.data = preset;
                }
            }
        });
        egui::Grid::new("optd-components").num_columns(4).show(ui, |ui| {
            ui.label("");
            ui.label("weight");
            ui.label("mean");
            ui.label("std");
            ui.end_row();
            let mut remove = None;
            let n = c.data.components.len();
            for (i, comp) in c.data.components.iter_mut().enumerate() {
                let label = ui.label(format!("mode {}", i + 1));
                ui.add(egui::DragValue::new(&mut comp.weight).range(0.01..=10.0).speed(0.01)).labelled_by(label.id);
                ui.add(egui::DragValue::new(&mut comp.mean).range(-10.0..=10.0).speed(0.02)).labelled_by(label.id);
                ui.add(egui::DragValue::new(&mut comp.std).range(0.05..=5.0).speed(0.01)).labelled_by(label.id);
                if n > 1 && ui.small_button("✕").on_hover_text("Remove this mode").clicked() {
                    remove = Some(i);
                }
                ui.end_row();
            }
            if let Some(i) = remove {
                c.data.components.remove(i);
            }
        });
        if c.data.components.len() < 3 && ui.small_button("Add a mode").clicked() {
            c.data.components.push(Component { weight: 0.5, mean: 4.0, std: 0.5 });
        }
        ui.separator();
        ui.heading("Generator");
        let affine = c.generator == Generator1d::Affine;
        if ui.radio(affine, "affine: x = a·z + b (p_g exact)").clicked() {
            c.generator = Generator1d::Affine;
        }
        if ui.radio(!affine, "MLP (p_g by kernel density estimate)").clicked() && affine {
            c.generator = Generator1d::Mlp { hidden: 32, layers: 2 };
        }
        if let Generator1d::Mlp { hidden, layers } = &mut c.generator {
            ui.add(egui::Slider::new(hidden, 2..=256).logarithmic(true).text("hidden width *"))
                .on_hover_text("Units in each hidden layer of the generator. Changing it restarts the run.");
            ui.add(egui::Slider::new(layers, 1..=4).text("hidden layers *"))
                .on_hover_text("How many hidden layers the generator has. Changing it restarts the run.");
        }
        ui.label("G's objective:");
        for loss in [GanLoss::Minimax, GanLoss::NonSaturating] {
            ui.radio_value(&mut c.loss, loss, loss.label()).on_hover_text(loss.formula());
        }
        lr_slider(ui, &mut c.lr_g, "G learning rate");
        ui.separator();
        ui.heading("Discriminator");
        ui.add(egui::Slider::new(&mut c.discriminator.hidden, 2..=256).logarithmic(true).text("hidden width *"))
            .on_hover_text(
                "Units in each hidden layer of D: wider can follow D* more closely. Changing it restarts the run.",
            );
        ui.add(egui::Slider::new(&mut c.discriminator.layers, 1..=4).text("hidden layers *"))
            .on_hover_text("How many hidden layers D has. Changing it restarts the run.");
        egui::ComboBox::new("optd-activation", "activation *")
            .selected_text(c.discriminator.activation.name())
            .show_ui(ui, |ui| {
                for a in Activation::ALL {
                    ui.selectable_value(&mut c.discriminator.activation, a, a.name());
                }
            });
        lr_slider(ui, &mut c.lr_d, "D learning rate");
        ui.separator();
        ui.heading("Training (Adam, β1 = 0.5)");
        ui.add(egui::Slider::new(&mut c.d_steps, 1..=10).text("D steps per G step"))
            .on_hover_text("How many discriminator steps come before each generator step: more keeps D nearer D*.");
        ui.add(egui::Slider::new(&mut c.batch, 8..=4096).logarithmic(true).text("batch size"))
            .on_hover_text("Real and generated samples per step: larger gives steadier but slower steps.");
        ui.horizontal(|ui| {
            let label = ui.label("Seed *");
            ui.add(egui::DragValue::new(&mut c.seed)).labelled_by(label.id);
        });
        ui.weak("* restarts the run; everything else applies live.");
        self.apply_config(c);
    }
}

fn line<'a>(name: &str, xs: &[f64], ys: &[f64], colour: Color32) -> Line<'a> {
    let pts: Vec<[f64; 2]> = xs.iter().zip(ys).filter(|(_, y)| y.is_finite()).map(|(x, y)| [*x, *y]).collect();
    Line::new(name.to_owned(), PlotPoints::from(pts)).color(colour)
}

fn numbers_ui(ui: &mut egui::Ui, s: &OptimalDSnapshot) {
    let pal = palette(ui);
    let m = &s.metrics;
    ui.heading("D against D*");
    ui.label(RichText::new(format!("sup |D − D*| = {:.4}", m.max_abs_d_minus_dstar)).size(18.0).color(pal.text(D_COLOUR)))
        .on_hover_text(format!("Largest |D(x) − D*(x)| over the plotted x where p_data + p_g is at least {:.0} % of its peak (elsewhere D* is 0/0 in the limit and no sample teaches D anything).", 100.0 * MASS_THRESHOLD));
    if let Some((a, b)) = s.affine {
        ui.label(format!("G: x = {a:.3}·z + {b:.3}, so p_g = N({b:.3}, {:.3}²)", a.abs()));
    }
    ui.separator();
    ui.heading("The value of the game (task 3.3)");
    egui::Grid::new("optd-values").num_columns(2).striped(true).show(ui, |ui| {
        ui.label("V(D, G) on samples");
        ui.label(format!("{:.4}", m.v_d_g));
        ui.end_row();
        ui.label("V(D, G) by quadrature");
        ui.label(format!("{:.4}", m.v_d_g_quadrature));
        ui.end_row();
        ui.label("C(G) = max_D V = V(D*, G)");
        ui.label(RichText::new(format!("{:.4}", m.v_dstar_g)).strong());
        ui.end_row();
        ui.label("−log 4 + 2·JSD(p_data ‖ p_g)");
        ui.label(RichText::new(format!("{:.4}", m.minus_log4_plus_2jsd)).strong());
        ui.end_row();
        ui.label("JSD(p_data ‖ p_g)");
        ui.label(format!("{:.4} nats", m.jsd));
        ui.end_row();
        ui.label("−log 4");
        ui.label(format!("{MINUS_LOG_4:.4}"));
        ui.end_row();
    });
    ui.weak("V(D, G) = E_p_data log D(x) + E_z log(1 − D(G(z))) ≤ C(G); C(G) is computed from its definition ∫ p_data log D* + ∫ p_g log(1 − D*) and, separately, as −log 4 + 2·JSD, both by Simpson's rule on 8000 intervals over ±10σ of every mode. C(G) reaches its minimum −log 4 exactly when p_g = p_data.");
    ui.separator();
    ui.heading("D's loss is a cross-entropy (task 3.1)");
    egui::Grid::new("optd-bce").num_columns(2).striped(true).show(ui, |ui| {
        ui.label("−E log D(x) − E log(1 − D(G(z)))");
        ui.label(format!("{:.5}", m.d_loss));
        ui.end_row();
        ui.label("BCE(D(x), 1) + BCE(D(G(z)), 0)");
        ui.label(format!("{:.5}", m.d_loss_as_bce));
        ui.end_row();
        ui.label("−V(D, G)");
        ui.label(format!("{:.5}", -m.v_d_g));
        ui.end_row();
    });
    ui.weak("The same 5000 + 5000 samples through two formulas: the stable softplus form the trainer minimises, and candle's binary cross-entropy with label 1 for real and 0 for generated samples.");
    ui.separator();
    let h = &s.history;
    ui.label(RichText::new("Over steps").strong());
    let steps = (s.d_steps + s.g_steps) as f64;
    let range = chart_range(&[&h.max_gap, &h.v_d_g, &h.c_g], steps, &[MINUS_LOG_4], None);
    // The legend is a line above the chart: in the narrow column it covered the curves.
    let v_colour = pal.line(Color32::from_rgb(120, 180, 255));
    legend_line(
        ui,
        &[
            ("—", pal.line(D_COLOUR), "sup |D − D*|"),
            ("—", v_colour, "V(D, G)"),
            ("—", pal.ink, "−log 4 + 2·JSD"),
            ("—", Color32::from_gray(110), "−log 4"),
        ],
    );
    let exported = unlabelled_curve_chart("optd-curves", &range, 180.0).show(ui, |plot| {
        plot.line(range_line("sup |D − D*|", &h.max_gap, pal.line(D_COLOUR), &range));
        plot.line(range_line("V(D, G)", &h.v_d_g, v_colour, &range));
        plot.line(range_line("−log 4 + 2·JSD", &h.c_g, pal.ink, &range));
        plot.hline(HLine::new("−log 4", MINUS_LOG_4).color(Color32::from_gray(110)));
    });
    crate::ui::files::exportable(ui, "D and the game over steps", exported.response.rect);
}
