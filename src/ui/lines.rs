//! The JS vs W1 lab's panels: the θ slider, the closed forms as functions of θ, the learned
//! estimates and their gradients, the two lines in the plane, and the race.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{HLine, Legend, Line, MarkerShape, Plot, PlotPoints, Points, Text, VLine};

use super::lab::{LabHandle, LabSettings, TrainerView};
use super::widgets::{FAKE, REAL};
use super::Tab;
use crate::theory::lines;
use crate::train::lines::{Constraint, LinesCommand, LinesConfig, LinesSnapshot, LinesTrainer};
use crate::train::series::Series;
use crate::train::worker::Control;
use crate::train::TrainError;

const JS_COLOUR: Color32 = Color32::from_rgb(255, 160, 80);
const W1_COLOUR: Color32 = Color32::from_rgb(90, 200, 255);
const TV_COLOUR: Color32 = Color32::from_rgb(200, 140, 255);
const KL_COLOUR: Color32 = Color32::from_rgb(255, 90, 90);

impl LabSettings for LinesTrainer {
    type Config = LinesConfig;
    const CONTROLS: &'static [crate::ui::controls::SettingControl] = &crate::ui::controls::LINES;

    fn build(config: LinesConfig) -> Result<Self, TrainError> {
        Self::new(config)
    }

    fn validate(config: &LinesConfig) -> Result<(), TrainError> {
        config.validate()
    }

    fn config_of(snapshot: &LinesSnapshot) -> &LinesConfig {
        &snapshot.config
    }

    fn set_config(config: LinesConfig) -> LinesCommand {
        LinesCommand::SetConfig(Box::new(config))
    }
}

/// The JS vs W1 lab.
pub struct LinesView {
    lab: LabHandle<LinesTrainer>,
    racing: bool,
    visible: bool,
}

impl TrainerView for LinesView {
    type Trainer = LinesTrainer;
    const TAB: Tab = Tab::JsW1;
    const TITLE: &'static str = "JS vs W1";

    fn handle(&self) -> &LabHandle<LinesTrainer> {
        &self.lab
    }

    fn handle_mut(&mut self) -> &mut LabHandle<LinesTrainer> {
        &mut self.lab
    }

    /// ← and → move θ by 0.05 (this lab has no play button: it trains while shown).
    fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (left, right) = ctx.input(|i| (i.key_pressed(egui::Key::ArrowLeft), i.key_pressed(egui::Key::ArrowRight)));
        let mut c = self.config().clone();
        if left {
            c.theta = ((c.theta - 0.05) * 100.0).round() / 100.0;
        }
        if right {
            c.theta = ((c.theta + 0.05) * 100.0).round() / 100.0;
        }
        c.theta = c.theta.clamp(-2.0, 2.0);
        self.apply_config(c);
    }

    /// The estimators train while the tab is shown and rest while it is hidden.
    fn set_visible(&mut self, visible: bool) {
        if visible != self.visible {
            self.visible = visible;
            self.lab.send(if visible { Control::Play } else { Control::Pause });
        }
    }

    fn draw(&mut self, ui: &mut egui::Ui) {
        let mut c = self.config().clone();
        egui::Panel::top("lines-theta").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("θ").size(20.0).strong());
                ui.spacing_mut().slider_width = 520.0;
                ui.add(
                    egui::Slider::new(&mut c.theta, -2.0..=2.0)
                        .step_by(0.01)
                        .text("θ, the offset of the second line (← → keys)"),
                );
                if ui.button("θ = 0").clicked() {
                    c.theta = 0.0;
                }
            });
        });
        egui::Panel::left("lines-settings").resizable(true).default_size(280.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui, &mut c));
        });
        self.apply_config(c);
        let snapshot = self.lab.snapshot().cloned();
        egui::CentralPanel::default().show(ui, |ui| match &snapshot {
            Some(s) => self.lab_ui(ui, s),
            None => {
                ui.spinner();
            }
        });
        self.lab.message_ui(ui.ctx(), "lines-message");
    }
}

impl LinesView {
    /// Starts the lab (its trainer is built on a background thread); its estimators train
    /// whenever the tab is shown.
    pub fn new(ctx: &egui::Context) -> Self {
        let lab = LabHandle::start(ctx, "lines-trainer", LinesConfig::default(), "Starting the trainer".to_owned());
        Self { lab, racing: false, visible: false }
    }

    fn apply_config(&mut self, config: LinesConfig) {
        self.lab.apply(config);
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui, c: &mut LinesConfig) {
        ui.heading("The critic's constraint");
        let gp = matches!(c.constraint, Constraint::GradientPenalty { .. });
        let clip = matches!(c.constraint, Constraint::Clip { .. });
        if ui.radio(gp, "gradient penalty (WGAN-GP)").clicked() && !gp {
            c.constraint = Constraint::GradientPenalty { lambda: 10.0 };
        }
        if ui.radio(clip, "weight clipping (WGAN)").clicked() && !clip {
            c.constraint = Constraint::Clip { c: 0.01 };
        }
        if ui.radio(c.constraint == Constraint::SpectralNorm, "spectral normalisation").clicked() {
            c.constraint = Constraint::SpectralNorm;
        }
        match &mut c.constraint {
            Constraint::GradientPenalty { lambda } => {
                ui.add(egui::Slider::new(lambda, 0.0..=100.0).text("λ"));
            }
            Constraint::Clip { c } => {
                ui.add(egui::Slider::new(c, 0.001..=1.0).logarithmic(true).text("clip c"));
                ui.weak("A clipped critic is K-Lipschitz for some unknown K, so its estimate is K·W1, not W1.");
            }
            Constraint::SpectralNorm => {
                ui.weak("Each layer divided by its largest singular value: the critic is at most 1-Lipschitz, so its estimate is at most W1.");
            }
        }
        ui.add(
            egui::Slider::new(&mut c.lr, 1e-5..=1e-2)
                .logarithmic(true)
                .text("learning rate")
                .custom_formatter(|v, _| format!("{v:.1e}")),
        );
        ui.add(egui::Slider::new(&mut c.batch, 16..=2048).logarithmic(true).text("batch"));
        ui.separator();
        ui.heading("The race (task 4.2)");
        ui.weak("θ starts at θ0 and follows gradient descent, once against a GAN discriminator (the sheet's minimax loss) and once against the critic.");
        ui.add(egui::Slider::new(&mut c.theta0, -2.0..=2.0).text("θ0"));
        ui.add(egui::Slider::new(&mut c.lr_theta, 1e-3..=0.2).logarithmic(true).text("θ's learning rate"));
        ui.add(egui::Slider::new(&mut c.inner_steps, 1..=20).text("D/critic steps per θ step"));
        ui.horizontal(|ui| {
            let label = if self.racing { "Pause race" } else { "Start race" };
            if ui.button(label).clicked() {
                self.racing = !self.racing;
                self.lab.send(Control::Lab(LinesCommand::SetRacing(self.racing)));
            }
            if ui.button("Reset race").clicked() {
                self.lab.send(Control::Lab(LinesCommand::ResetRace));
            }
        });
        self.lab.error_ui(ui);
    }

    fn lab_ui(&mut self, ui: &mut egui::Ui, s: &LinesSnapshot) {
        let e = &s.estimates;
        let theta = self.config().theta;
        let avail = ui.available_size();
        let top = (avail.y * 0.5).max(200.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(top * 0.8);
                ui.label(RichText::new(format!("The lines: (0, Y) and (θ, Y), θ = {theta:.2}")).strong());
                Plot::new("lines-plane")
                    .width(top * 0.8)
                    .height(top)
                    .data_aspect(1.0)
                    .include_x(-2.2)
                    .include_x(2.2)
                    .include_y(-0.1)
                    .include_y(1.1)
                    .legend(Legend::default())
                    .show(ui, |plot| {
                        let pts =
                            |v: &[[f32; 2]]| v.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect::<Vec<_>>();
                        plot.points(Points::new("μ0 = (0, Y)", pts(&s.samples.0)).color(REAL).radius(1.5));
                        plot.points(Points::new("μθ = (θ, Y)", pts(&s.samples.1)).color(FAKE).radius(1.5));
                    });
            });
            ui.vertical(|ui| {
                ui.label(RichText::new("Divergences as functions of θ (closed forms)").strong());
                divergence_plot(ui, theta, top);
            });
        });
        ui.separator();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(avail.x * 0.5);
                readouts_ui(ui, e, s);
            });
            ui.vertical(|ui| race_ui(ui, s, ui.available_height() - 30.0));
        });
    }
}

fn divergence_plot(ui: &mut egui::Ui, theta: f64, height: f32) {
    let grid: Vec<f64> = (0..=400).map(|i| -2.0 + 4.0 * f64::from(i) / 400.0).collect();
    // JS and TV jump at θ = 0: draw each side as its own line and the value at 0 as a dot.
    let side = |f: fn(f64) -> f64, negative: bool| -> PlotPoints<'static> {
        grid.iter()
            .filter(|t| if negative { **t < 0.0 } else { **t > 0.0 })
            .map(|t| [*t, f(*t)])
            .collect::<Vec<_>>()
            .into()
    };
    let w1: Vec<[f64; 2]> = grid.iter().map(|t| [*t, lines::w1(*t)]).collect();
    Plot::new("lines-divergences").height(height).include_y(0.0).include_y(2.3).legend(Legend::default()).show(
        ui,
        |plot| {
            plot.line(Line::new("JS(μ0, μθ)", side(lines::js, true)).color(JS_COLOUR).width(2.5));
            plot.line(Line::new("", side(lines::js, false)).color(JS_COLOUR).width(2.5));
            plot.line(Line::new("TV", side(lines::tv, true)).color(TV_COLOUR).width(1.5));
            plot.line(Line::new("", side(lines::tv, false)).color(TV_COLOUR).width(1.5));
            plot.points(
                Points::new("all four are 0 at θ = 0", vec![[0.0, 0.0]])
                    .shape(MarkerShape::Circle)
                    .radius(5.0)
                    .color(Color32::WHITE),
            );
            plot.line(Line::new("W1 = |θ|", PlotPoints::from(w1)).color(W1_COLOUR).width(2.5));
            plot.hline(HLine::new("log 2", std::f64::consts::LN_2).color(Color32::from_gray(110)));
            plot.text(Text::new(
                "KL",
                [0.0, 2.2].into(),
                RichText::new("KL = ∞ for every θ ≠ 0").color(KL_COLOUR).size(15.0),
            ));
            plot.vline(VLine::new(format!("θ = {theta:.2}"), theta).color(Color32::YELLOW).width(1.5));
        },
    );
}

fn readouts_ui(ui: &mut egui::Ui, e: &crate::train::lines::Estimates, s: &LinesSnapshot) {
    ui.label(RichText::new(format!("At θ = {:.2}", e.theta)).strong().size(18.0));
    egui::Grid::new("lines-readouts").num_columns(4).striped(true).show(ui, |ui| {
        ui.label("");
        ui.label(RichText::new("closed form").strong());
        ui.label(RichText::new("learned").strong());
        ui.label(RichText::new("d/dθ of the learned").strong());
        ui.end_row();
        ui.label(RichText::new("JS(μ0, μθ)").color(JS_COLOUR));
        ui.label(format!("JS = {}", lines::format_divergence(e.js)));
        ui.label(format!("{:.3}", e.js_estimate))
            .on_hover_text("(V(D, G) + log 4)/2 with the trained discriminator: C(G) = −log 4 + 2·JSD (task 3.3).");
        ui.label(format!("{:+.4}", e.js_grad_theta))
            .on_hover_text("∂/∂θ of the estimate with D held fixed, by autodiff through θ: near 0 once D saturates.");
        ui.end_row();
        ui.label(RichText::new("W1(μ0, μθ)").color(W1_COLOUR));
        ui.label(format!("W1 = {:.3}", e.w1));
        ui.label(format!("{:.3}", e.w1_estimate))
            .on_hover_text(format!("E f(θ, Y) − E f(0, Y) with the critic under {}.", s.config.constraint.label()));
        ui.label(format!("{:+.4}", e.w1_grad_theta))
            .on_hover_text("∂/∂θ of the estimate with f held fixed: near sign(θ).");
        ui.end_row();
        ui.label(RichText::new("KL(μ0 ‖ μθ), KL(μθ ‖ μ0)").color(KL_COLOUR));
        ui.label(format!("KL = {}, {}", lines::format_divergence(e.kl), lines::format_divergence(e.kl_reverse)));
        ui.label("");
        ui.label("");
        ui.end_row();
        ui.label(RichText::new("total variation").color(TV_COLOUR));
        ui.label(format!("TV = {}", lines::format_divergence(e.tv)));
        ui.label("");
        ui.label("");
        ui.end_row();
    });
    ui.label(format!(
        "{} training steps at this θ · critic's Lipschitz estimate max ‖∇ₓf‖ = {:.3}",
        e.steps_at_theta, e.lipschitz_estimate
    ))
    .on_hover_text("The largest gradient norm of the critic over the samples and their midpoints.");
    ui.weak("For θ ≠ 0 the lines are disjoint: JS is stuck at log 2 and a discriminator separates them perfectly, so its gradient in θ vanishes. W1 = |θ| keeps pointing θ home (task 4.1).");
}

fn race_ui(ui: &mut egui::Ui, s: &LinesSnapshot, height: f32) {
    let (g, w) = s.race_theta;
    ui.label(RichText::new(format!("The race: θ_GAN = {g:.3}, θ_WGAN = {w:.3} after {} steps", s.race_steps)).strong());
    let series = |name: &str, v: &Series, c: Color32| {
        Line::new(name.to_owned(), PlotPoints::from(v.points().to_vec())).color(c).width(2.0)
    };
    Plot::new("lines-race").height(height.max(120.0)).include_y(0.0).legend(Legend::default()).show(ui, |plot| {
        plot.line(series("θ under the GAN discriminator", &s.race.theta_gan, JS_COLOUR));
        plot.line(series("θ under the Wasserstein critic", &s.race.theta_wgan, W1_COLOUR));
        plot.hline(HLine::new("θ = 0 (the target)", 0.0).color(Color32::from_gray(110)));
    });
}
