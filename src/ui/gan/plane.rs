//! The GAN lab's data plane: real and generated points over D's heatmap, gradient arrows, the manifold.

use super::*;
use crate::ui::widgets::marked;

/// The generator's gradient arrows on the plane (and its gradient-norm curve).
pub(super) const ARROW_COLOUR: Color32 = Color32::from_rgb(255, 220, 120);
/// The generator's manifold lines on the plane.
const MANIFOLD_COLOUR: Color32 = Color32::from_rgba_unmultiplied_const(255, 200, 80, 110);

impl GanView {
    pub(super) fn layers_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot) {
        let l = &mut self.layers;
        let pal = palette(ui);
        // The plane's legend: each layer's checkbox shows its colour.
        let [purple, green] = crate::ui::widgets::DIVERGING_ENDS;
        ui.horizontal_wrapped(|ui| {
            ui.label("Show:");
            ui.checkbox(&mut l.heatmap, marked(ui, &[("■", purple), ("■", green)], "D(x) heatmap"));
            ui.checkbox(&mut l.real, marked(ui, &[("●", pal.real)], "real samples"));
            ui.checkbox(&mut l.fake, marked(ui, &[("●", pal.fake)], "generated samples"));
            ui.checkbox(&mut l.arrows, marked(ui, &[("→", pal.line(ARROW_COLOUR))], "generator gradient arrows"))
                .on_hover_text(
                    "−∇ₓ of the generator's per-sample loss at 120 generated points: where the generator's loss \
                     pushes each point. Lengths are relative to the longest arrow.",
                );
            // The swatch is the manifold's colour, more opaque than its thin lines.
            let manifold = pal.line(Color32::from_rgba_unmultiplied(255, 200, 80, 200));
            ui.checkbox(&mut l.manifold, marked(ui, &[("—", manifold)], "generator manifold"))
                .on_hover_text(&snap.manifold_note);
            let rings = marked(ui, &[("○", pal.ink), ("○", pal.error)], "mode centres (covered, missed)");
            ui.checkbox(&mut l.modes, rings).on_hover_text("Plain rings: covered; red rings: missed.");
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

    pub(super) fn heat_texture(&mut self, ctx: &egui::Context, snap: &GanSnapshot) -> egui::TextureId {
        let background = ctx.global_style().visuals.extreme_bg_color;
        // The theme is in the key: the heatmap fades into the plot's background.
        let key =
            std::ptr::from_ref(&snap.heat.values).addr() ^ snap.d_steps as usize ^ (usize::from(background.r()) << 48);
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

    pub(super) fn plane_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot, side: f32) {
        let pal = palette(ui);
        let [lo, hi] = snap.bounds;
        let (w, h) = (f64::from(hi[0] - lo[0]), f64::from(hi[1] - lo[1]));
        let what = if snap.config.loss.outputs_probability() {
            "D(x)"
        } else if snap.config.loss.is_critic() {
            "the critic's score f(x)"
        } else {
            "D(x) (least-squares score)"
        };
        // What the colours mean under this objective (a critic does not say "real").
        let colours = if snap.config.loss.outputs_probability() {
            "green: D says real, purple: D says generated"
        } else if snap.config.loss.is_critic() {
            "green: high critic score (the real side), purple: low score (the generated side)"
        } else {
            "green: D's score near 1 (real), purple: near 0 (generated)"
        };
        ui.label(RichText::new(format!("{} · {colours}", snap.config.data.label())).strong()).on_hover_text(format!(
            "Heatmap: {what}, from {:.2} (purple) to {:.2} (green).",
            snap.heat.low, snap.heat.high
        ));
        let texture = self.heat_texture(ui.ctx(), snap);
        let layers = self.layers;
        let drawing = self.drawing.active;
        let drawn = &self.drawing.points;
        let hovered = self.hovered_mode;
        let response = Plot::new("gan-plane")
            .data_aspect(1.0)
            .width(side)
            .height(side)
            .default_x_bounds(f64::from(lo[0]), f64::from(hi[0]))
            .default_y_bounds(f64::from(lo[1]), f64::from(hi[1]))
            .id(egui::Id::unique("gan-plane"))
            .allow_drag(!drawing)
            .allow_scroll(false)
            // No legend inside: it covered modes on a small plane. The "Show:" row below is
            // the legend (a colour swatch per layer).
            .show(ui, |plot| {
                if layers.heatmap {
                    let centre = PlotPoint::new(f64::from(lo[0]) + w / 2.0, f64::from(lo[1]) + h / 2.0);
                    plot.image(PlotImage::new(what, texture, centre, [w as f32, h as f32]));
                }
                if layers.manifold {
                    for (i, line) in snap.manifold.iter().enumerate() {
                        let pts: Vec<[f64; 2]> = line.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect();
                        let name = if i == 0 { format!("manifold: {}", snap.manifold_note) } else { String::new() };
                        plot.line(Line::new(name, pts).color(pal.line(MANIFOLD_COLOUR)).width(1.0));
                    }
                }
                if layers.real {
                    plot.points(Points::new("real", to_plot(&snap.real)).color(pal.real).radius(1.5));
                }
                if layers.fake {
                    // A light rim keeps purple points visible on the purple side of the map.
                    let rim = Color32::from_rgba_unmultiplied(255, 255, 255, 170);
                    plot.points(Points::new("", to_plot(&snap.fake)).color(rim).radius(2.4));
                    plot.points(Points::new("generated", to_plot(&snap.fake)).color(pal.fake).radius(1.5));
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
                    plot.arrows(Arrows::new("−∇ generator loss", origins, tips).color(pal.line(ARROW_COLOUR)));
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
                                .color(pal.ink),
                        );
                        plot.points(
                            Points::new("mode missed", miss)
                                .shape(egui_plot::MarkerShape::Circle)
                                .filled(false)
                                .radius(7.0)
                                .color(pal.error),
                        );
                        // Each mode numbered as its bar in the coverage chart; the hovered
                        // bar's mode ringed.
                        let offset = 0.035 * w.max(h);
                        for (i, c) in modes.centres.iter().enumerate() {
                            let at = PlotPoint::new(f64::from(c[0]) + offset, f64::from(c[1]) + offset);
                            plot.text(
                                egui_plot::Text::new("", at, RichText::new(format!("{i}")).size(12.0).strong())
                                    .color(pal.ink),
                            );
                        }
                        if let Some(c) = hovered.and_then(|i| modes.centres.get(i)) {
                            plot.points(
                                Points::new("", vec![[f64::from(c[0]), f64::from(c[1])]])
                                    .shape(egui_plot::MarkerShape::Circle)
                                    .filled(false)
                                    .radius(14.0)
                                    .color(pal.highlight),
                            );
                        }
                    }
                }
                if drawing {
                    plot.points(
                        Points::new("drawn", to_plot(drawn))
                            .color(pal.line(Color32::from_rgb(90, 180, 255)))
                            .radius(2.5),
                    );
                }
                plot.pointer_coordinate()
            });
        self.plane_rect = Some(response.response.rect);
        crate::ui::files::exportable(ui, "GAN plane", response.response.rect);
        if drawing {
            // Points along the stroke every STROKE_SPACING of the plane's width, however
            // far the pointer moved since the last frame; a new stroke starts where it is.
            let r = &response.response;
            let spacing = STROKE_SPACING * w as f32;
            match response.inner.filter(|_| r.dragged() || r.clicked()) {
                Some(p) => {
                    let p = [p.x as f32, p.y as f32];
                    if self.drawing.in_stroke {
                        extend_stroke(&mut self.drawing.points, p, spacing);
                    } else {
                        self.drawing.points.push(p);
                        self.drawing.in_stroke = r.dragged();
                    }
                }
                None => self.drawing.in_stroke = false,
            }
        }
    }
}

pub(super) fn to_plot(points: &[Point2]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect()
}
