//! The GAN lab's data plane: real and generated points over D's heatmap, gradient arrows, the manifold.

use super::*;

impl GanView {
    pub(super) fn layers_ui(&mut self, ui: &mut egui::Ui, snap: &GanSnapshot) {
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
            ui.checkbox(&mut l.modes, "mode centres").on_hover_text("Plain rings: covered; red rings: missed.");
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
                            Line::new(name, pts)
                                .color(pal.line(Color32::from_rgba_unmultiplied(255, 200, 80, 110)))
                                .width(1.0),
                        );
                    }
                }
                if layers.real {
                    plot.points(Points::new("real", to_plot(&snap.real)).color(pal.real).radius(1.5));
                }
                if layers.fake {
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
                    plot.arrows(
                        Arrows::new("−∇ generator loss", origins, tips)
                            .color(pal.line(Color32::from_rgb(255, 220, 120))),
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
                                .color(pal.ink),
                        );
                        plot.points(
                            Points::new("mode missed", miss)
                                .shape(egui_plot::MarkerShape::Circle)
                                .filled(false)
                                .radius(7.0)
                                .color(pal.error),
                        );
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
}

pub(super) fn to_plot(points: &[Point2]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]).collect()
}
