//! The JS vs W1 lab's panels: the θ slider, the closed forms as functions of θ, the learned
//! estimates and their gradients, the two lines in the plane, and the race.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{HLine, Legend, Line, MarkerShape, Plot, PlotPoints, Points, Text, VLine};

use super::lab::{LabHandle, LabSettings, TrainerView};
use super::theme::palette;
use super::Tab;
use crate::theory::lines;
use crate::train::lines::{self as lines_train, Constraint, LinesCommand, LinesConfig, LinesSnapshot, LinesTrainer};
use crate::train::series::chart_range;
use crate::train::series::Series;
use crate::train::worker::Control;
use crate::train::TrainError;
use crate::ui::widgets::{curve_chart, range_line};

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

    const LAB: &'static str = crate::train::lines::LAB;

    fn curves(s: &LinesSnapshot) -> Vec<(&'static str, &crate::train::series::Series)> {
        s.race.named()
    }

    fn command(config: &LinesConfig, steps: u64) -> Option<Result<String, String>> {
        Some(Ok(crate::train::reproduce::lines_race_command(config, steps)))
    }
}

/// The JS vs W1 lab.
pub struct LinesView {
    lab: LabHandle<LinesTrainer>,
    racing: bool,
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

    /// Space plays or pauses and R resets, as in every lab; ← and → move θ by 0.05.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        self.lab.shortcuts(ctx);
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

    fn draw(&mut self, ui: &mut egui::Ui) {
        let mut c = self.config().clone();
        egui::Panel::top("lines-theta").show(ui, |ui| {
            ui.horizontal(|ui| {
                // Like every lab, it trains once Play is pressed (it used to start when shown).
                self.lab.play_button(ui);
                ui.separator();
                ui.label(RichText::new("θ").size(20.0).strong());
                ui.spacing_mut().slider_width = 520.0;
                ui.add(
                    egui::Slider::new(&mut c.theta, -2.0..=2.0)
                        .step_by(0.01)
                        .text("θ, the offset of the second line (← → keys)"),
                )
                .on_hover_text(format!(
                    "Moves the second line to x = θ; the divergences, the estimates and the plane follow. \
                     Snaps to 0 within ±{}: the one θ where the two laws meet.",
                    lines_train::THETA_SNAP
                ));
                if ui.button("θ = 0").clicked() {
                    c.theta = 0.0;
                }
            });
        });
        egui::Panel::left("lines-settings").resizable(true).default_size(280.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui, &mut c));
        });
        // Dragging skipped 0, where the two laws meet: the slider lands on it.
        c.theta = lines_train::snap_theta(c.theta);
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
    /// once Play is pressed, like every lab's.
    pub fn new(ctx: &egui::Context) -> Self {
        Self::with_config(ctx, LinesConfig::default())
    }

    /// Starts the lab with `config` (the defaults, with a message, if it cannot be built).
    pub fn with_config(ctx: &egui::Context, config: LinesConfig) -> Self {
        let lab = LabHandle::start(ctx, "lines-trainer", config, "Starting the trainer".to_owned());
        Self { lab, racing: false }
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
                ui.add(egui::Slider::new(lambda, 0.0..=100.0).text("λ"))
                    .on_hover_text("Weight of the gradient penalty: larger holds the critic's slope nearer 1.");
            }
            Constraint::Clip { c } => {
                ui.add(egui::Slider::new(c, 0.001..=1.0).logarithmic(true).text("clip c"))
                    .on_hover_text("After each step the critic's weights are clipped to [−c, c]: a smaller c makes a smoother, weaker critic.");
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
        )
        .on_hover_text(
            "Step size of the discriminator's and the critic's Adam: larger learns faster but may oscillate.",
        );
        ui.add(egui::Slider::new(&mut c.batch, 16..=2048).logarithmic(true).text("batch"))
            .on_hover_text("Samples of each line per step of the discriminator and the critic.");
        ui.separator();
        ui.heading("The race (task 4.2)");
        ui.weak("θ starts at θ0 and follows gradient descent, once against a GAN discriminator (the sheet's minimax loss) and once against the critic.");
        ui.add(egui::Slider::new(&mut c.theta0, -2.0..=2.0).text("θ0")).on_hover_text("Where θ starts in the race.");
        ui.add(egui::Slider::new(&mut c.lr_theta, 1e-3..=0.2).logarithmic(true).text("θ's learning rate"))
            .on_hover_text("Step size of gradient descent on θ in the race.");
        ui.add(egui::Slider::new(&mut c.inner_steps, 1..=20).text("D/critic steps per θ step"))
            .on_hover_text("How many steps the discriminator and the critic take before each step of θ in the race.");
        ui.horizontal(|ui| {
            let label = if self.racing { "Pause race" } else { "Start race" };
            if ui.button(label).clicked() {
                self.racing = !self.racing;
                self.lab.send(Control::Lab(LinesCommand::SetRacing(self.racing)));
                // The race runs while the lab trains.
                if self.racing {
                    self.lab.play();
                }
            }
            if ui.button("Reset race").clicked() {
                self.lab.send(Control::Lab(LinesCommand::ResetRace));
            }
        });
        self.lab.error_ui(ui);
    }

    fn lab_ui(&mut self, ui: &mut egui::Ui, s: &LinesSnapshot) {
        let pal = palette(ui);
        let e = &s.estimates;
        let theta = self.config().theta;
        let avail = ui.available_size();
        let top = (avail.y * 0.5).max(200.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(top * 0.8);
                ui.label(RichText::new(format!("The lines: (0, Y) and (θ, Y), θ = {theta:.2}")).strong());
                let exported = Plot::new("lines-plane")
                    .id(egui::Id::unique("lines-plane"))
                    .allow_scroll(false)
                    .width(top * 0.8)
                    .height(top)
                    .data_aspect(1.0)
                    .include_x(-2.2)
                    .include_x(2.2)
                    .include_y(-0.1)
                    .include_y(1.5)
                    .legend(Legend::default().position(egui_plot::Corner::LeftTop))
                    .show(ui, |plot| {
                        let pts =
                            |v: &[[f32; 2]]| v.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect::<Vec<_>>();
                        plot.points(Points::new("μ0 = (0, Y)", pts(&s.samples.0)).color(pal.real).radius(1.5));
                        plot.points(Points::new("μθ = (θ, Y)", pts(&s.samples.1)).color(pal.fake).radius(1.5));
                    });
                crate::ui::files::exportable(ui, "μ0 and μθ on the plane", exported.response.rect);
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
    let pal = palette(ui);
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
    // The legend and the KL label sit in headroom above the curves (W1 reaches 2 at the edges).
    let exported = Plot::new("lines-divergences")
        .id(egui::Id::unique("lines-divergences"))
        .allow_scroll(false)
        .height(height)
        .include_y(-0.05)
        .include_y(3.6)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot| {
            plot.line(Line::new("JS(μ0, μθ)", side(lines::js, true)).color(pal.line(JS_COLOUR)).width(2.5));
            plot.line(Line::new("", side(lines::js, false)).color(pal.line(JS_COLOUR)).width(2.5));
            plot.line(Line::new("TV", side(lines::tv, true)).color(pal.line(TV_COLOUR)).width(1.5));
            plot.line(Line::new("", side(lines::tv, false)).color(pal.line(TV_COLOUR)).width(1.5));
            plot.points(
                Points::new("all four are 0 at θ = 0", vec![[0.0, 0.0]])
                    .shape(MarkerShape::Circle)
                    .radius(5.0)
                    .color(pal.ink),
            );
            plot.line(Line::new("W1 = |θ|", PlotPoints::from(w1)).color(pal.line(W1_COLOUR)).width(2.5));
            plot.hline(HLine::new("", std::f64::consts::LN_2).color(Color32::from_gray(110)));
            plot.text(
                Text::new("", [1.98, std::f64::consts::LN_2].into(), RichText::new("log 2").color(pal.guide))
                    .anchor(egui::Align2::RIGHT_BOTTOM),
            );
            plot.text(
                Text::new(
                    "",
                    [1.98, 2.35].into(),
                    RichText::new("KL = ∞ for every θ ≠ 0").color(pal.text(KL_COLOUR)).size(15.0),
                )
                .anchor(egui::Align2::RIGHT_CENTER),
            );
            plot.vline(VLine::new("", theta).color(pal.highlight).width(1.5));
        });
    crate::ui::files::exportable(ui, "Divergences against θ", exported.response.rect);
}

fn readouts_ui(ui: &mut egui::Ui, e: &crate::train::lines::Estimates, s: &LinesSnapshot) {
    let pal = palette(ui);
    ui.label(RichText::new(format!("At θ = {:.2}", e.theta)).strong().size(18.0));
    egui::Grid::new("lines-readouts").num_columns(4).striped(true).show(ui, |ui| {
        ui.label("");
        ui.label(RichText::new("closed form").strong());
        ui.label(RichText::new("learned").strong());
        ui.label(RichText::new("d/dθ of the learned").strong());
        ui.end_row();
        ui.label(RichText::new("JS(μ0, μθ)").color(pal.text(JS_COLOUR)));
        ui.label(format!("JS = {}", lines::format_divergence(e.js)));
        let (js_text, near_zero) = js_estimate_text(e.js_estimate, e.js_noise_band);
        ui.label(js_text).on_hover_text(JS_BOUND_NOTE);
        let grad = if near_zero {
            format!("{:+.1}  (noise: D fits its minibatches)", e.js_grad_theta)
        } else {
            format!("{:+.4}", e.js_grad_theta)
        };
        ui.label(grad).on_hover_text(
            "∂/∂θ of the estimate with D held fixed, by autodiff through θ: near 0 once D saturates. \
             Where the laws meet (θ = 0) D* = ½ has no slope; the trained D's slope there is the noise it fitted.",
        );
        ui.end_row();
        ui.label(RichText::new("W1(μ0, μθ)").color(pal.text(W1_COLOUR)));
        ui.label(format!("W1 = {:.3}", e.w1));
        ui.label(format!("{:.3}", e.w1_estimate))
            .on_hover_text(format!("E f(θ, Y) − E f(0, Y) with the critic under {}.", s.config.constraint.label()));
        ui.label(format!("{:+.4}", e.w1_grad_theta))
            .on_hover_text("∂/∂θ of the estimate with f held fixed: near sign(θ).");
        ui.end_row();
        ui.label(RichText::new("KL(μ0 ‖ μθ), KL(μθ ‖ μ0)").color(pal.text(KL_COLOUR)));
        ui.label(format!("KL = {}, {}", lines::format_divergence(e.kl), lines::format_divergence(e.kl_reverse)));
        ui.label("");
        ui.label("");
        ui.end_row();
        ui.label(RichText::new("total variation").color(pal.text(TV_COLOUR)));
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

/// Why the JS estimate misbehaves where the two laws meet.
const JS_BOUND_NOTE: &str = "(V(D, G) + log 4)/2 with the trained discriminator: C(G) = −log 4 + 2·JSD (task 3.3). \
For every D it is a lower bound on JS, equal only at the optimal D*. At θ = 0 the laws are equal, JS = 0 and D* = ½; \
the trained D fits the noise of its minibatches, is not exactly ½, and the bound falls below 0. \
The noise band is twice the standard deviation of the last 20 estimates at this θ.";

/// The JS estimate as shown, and whether it reads as 0: "≈ 0 (within noise ±b)" when it lies
/// within its noise band of 0, "≈ 0 (a lower bound, x < 0)" when negative (JS ≥ 0 and the
/// estimate is a lower bound), otherwise the value.
pub fn js_estimate_text(estimate: f64, band: Option<f64>) -> (String, bool) {
    match band {
        _ if estimate < 0.0 => (format!("≈ 0 (a lower bound, {estimate:.3} < 0)"), true),
        Some(b) if estimate <= b => (format!("≈ 0 (within noise ±{b:.3})"), true),
        _ => (format!("{estimate:.3}"), false),
    }
}

fn race_ui(ui: &mut egui::Ui, s: &LinesSnapshot, height: f32) {
    let pal = palette(ui);
    let (g, w) = s.race_theta;
    ui.label(RichText::new(format!("The race: θ_GAN = {g:.3}, θ_WGAN = {w:.3} after {} steps", s.race_steps)).strong());
    let range =
        chart_range(&[&s.race.theta_gan, &s.race.theta_wgan], s.race_steps as f64, &[0.0, s.config.theta0], None);
    let series = |name: &str, v: &Series, c: Color32| range_line(name, v, c, &range).width(2.0);
    let exported = curve_chart("lines-race", &range, height.max(120.0)).show(ui, |plot| {
        plot.line(series("θ under the GAN discriminator", &s.race.theta_gan, pal.line(JS_COLOUR)));
        plot.line(series("θ under the Wasserstein critic", &s.race.theta_wgan, pal.line(W1_COLOUR)));
        plot.hline(HLine::new("θ = 0 (the target)", 0.0).color(Color32::from_gray(110)));
    });
    crate::ui::files::exportable(ui, "The race", exported.response.rect);
}
