//! The AE vs VAE lab's plots: the latent scatters with the prior, one posterior, the curves.

use super::*;
use crate::train::vae::plot_range;

impl VaeView {
    /// One latent scatter; returns the latent point under the pointer.
    pub(super) fn scatter_ui(
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
        let pal = palette(ui);
        // The box fills the plot area (as wide as it was last frame) with equal units on both
        // axes; a drag pans it, Ctrl+wheel zooms, a double click goes back to it. The wheel
        // alone scrolls the column.
        let aspect = self.scatter_frames[model as usize].map_or(1.0, |f| f64::from(f.width() / f.height().max(1.0)));
        let [lo, hi] = plot_range::fit_aspect(bounds, aspect);
        let mut plot = Plot::new(("vae-scatter", model as usize))
            .allow_double_click_reset(false)
            .width(side)
            .height(side)
            .data_aspect(1.0)
            .allow_scroll(false)
            .link_cursor(egui::Id::unique("vae-latents-cursor"), [true, true])
            .default_x_bounds(lo[0], hi[0])
            .default_y_bounds(lo[1], hi[1]);
        if self.shared_axes {
            plot = plot.link_axis(egui::Id::unique("vae-latents"), [true, true]);
        }
        if !self.scatter_moved {
            // egui_plot takes default bounds only once: start again from the box each frame
            // until the user pans or zooms.
            plot = plot.reset();
        }
        let response = plot.show(ui, |plot| {
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
                        Points::new(class.to_string(), pts).color(pal.text(CLASS_COLOURS[class as usize])).radius(1.8),
                    );
                }
            }
            if k != 1 {
                let centre = view.plot_of(&vec![0.0; k], k);
                for r in 1..=3 {
                    plot.line(
                        circle(centre, f64::from(r)).color(pal.faint(150 - 35 * r as u8)).width(1.0).name(if r == 1 {
                            "prior 1σ, 2σ, 3σ"
                        } else {
                            ""
                        }),
                    );
                }
            }
            if !pins.is_empty() {
                plot.points(Points::new("pinned", pins.clone()).shape(MarkerShape::Diamond).radius(6.0).color(pal.ink));
                if pins.len() == 2 {
                    plot.line(Line::new("", PlotPoints::from(pins.clone())).color(pal.ink).width(1.5));
                }
            }
            if let Some(poly) = &posterior {
                plot.polygon(
                    Polygon::new("picked: μ ± σ", PlotPoints::from(poly.clone()))
                        .stroke(egui::Stroke::new(2.0, pal.highlight))
                        .fill_color(pal.highlight.gamma_multiply(0.12)),
                );
            }
            plot.pointer_coordinate()
        });
        let r = &response.response;
        if r.double_clicked() {
            self.scatter_moved = false;
        } else if r.dragged() || (r.hovered() && ui.input(|i| i.zoom_delta() != 1.0)) {
            self.scatter_moved = true;
        }
        self.scatter_rects[model as usize] = Some(response.response.rect);
        self.scatter_frames[model as usize] = Some(*response.transform.frame());
        let shown = response.transform.bounds();
        self.scatter_bounds[model as usize] = Some([shown.min(), shown.max()]);
        self.layout.items.push((if model == Model::Ae { "AE scatter" } else { "VAE scatter" }, response.response.rect));
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

    pub(super) fn posterior_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
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
            v.iter().take(4).map(|x| numbers::num(f64::from(*x), 2)).collect::<Vec<_>>().join(", ")
                + if v.len() > 4 { ", …" } else { "" }
        };
        let sigma: Vec<f32> = logvar.iter().map(|l| (0.5 * l).exp()).collect();
        ui.label(format!("μ = ({})", fmt(mu)));
        ui.label(format!("σ = ({})", fmt(&sigma)));
        if let Some(p) = &self.posterior {
            egui::Grid::new("vae-posterior").num_columns(2).show(ui, |ui| {
                ui.label("KL(q ‖ p(z)), closed form (task 2.7)");
                ui.label(numbers::num(p.kl_analytic, 4));
                ui.end_row();
                ui.label(format!("Monte Carlo, {} samples", p.kl_mc.samples));
                ui.label(format!("{} ± {}", numbers::num(p.kl_mc.mean, 4), numbers::num(p.kl_mc.std_error, 4)));
                ui.end_row();
            });
            ui.weak("½ Σₖ (μₖ² + σₖ² − 1 − log σₖ²) against the mean of log q(z|x) − log p(z) over z = μ + σ ⊙ ε (± one standard error).");
        }
    }
}

/// The region each scatter shows (AE, VAE): each model's robust range (its codes without
/// their outlying 1 % at either end, and always the prior's 3σ circle), or with `shared` one
/// box holding both, so that both show the same region at the same scale.
pub(super) fn scatter_bounds(snap: &VaeSnapshot, shared: bool) -> [[[f64; 2]; 2]; 2] {
    let k = snap.config.latent_dim;
    let own = |v: &LatentView| {
        // K = 1 draws (z, digit): the prior's centre is z = 0 at the middle digit.
        let centre = if k == 1 { [0.0, 4.5] } else { v.plot_of(&vec![0.0; k], k) };
        plot_range::robust_bounds(&v.points, centre)
    };
    let (ae, vae) = (own(&snap.ae_latents), own(&snap.vae_latents));
    if shared {
        let both = plot_range::union(ae, vae);
        [both, both]
    } else {
        [ae, vae]
    }
}

pub(super) fn plot_point(p: [f32; 2]) -> [f64; 2] {
    [f64::from(p[0]), f64::from(p[1])]
}

pub(super) fn dist2(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

pub(super) fn circle<'a>(centre: [f32; 2], r: f64) -> Line<'a> {
    let pts: Vec<[f64; 2]> = (0..=96)
        .map(|i| {
            let t = i as f64 / 96.0 * std::f64::consts::TAU;
            [f64::from(centre[0]) + r * t.cos(), f64::from(centre[1]) + r * t.sin()]
        })
        .collect();
    Line::new("", PlotPoints::from(pts))
}

/// The 1σ ellipse of the picked point's posterior, drawn for K = 2 (axis-aligned in z).
pub(super) fn posterior_ellipse(view: &LatentView, index: usize, k: usize) -> Option<Vec<[f64; 2]>> {
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

/// The two charts of curves, side by side in the column's width and as tall as `view_height`
/// allows; returns where each was drawn. Their x axes run from step 0 to the newest step (at
/// least [`MIN_STEPS_SHOWN`], so that a fresh run's axes are not a lone "0"), the wheel scrolls
/// the column (Ctrl+wheel zooms), and a tick label that would be cut by the right edge is left
/// out.
pub(super) fn curves_ui(ui: &mut egui::Ui, snap: &VaeSnapshot, view_height: f32) -> Vec<(&'static str, egui::Rect)> {
    let pal = palette(ui);
    let h = &snap.history;
    let link = egui::Id::unique("vae-curves");
    let gap = ui.spacing().item_spacing.x;
    let width = ((ui.available_width() - gap) / 2.0).max(120.0);
    let height = (view_height - 120.0).clamp(160.0, 0.75 * width.max(220.0));
    let last = h.train_neg_elbo.points().last().map_or(0.0, |p| p[0]).max(snap.steps as f64);
    let x_end = last.max(MIN_STEPS_SHOWN);
    let chart = |id: &'static str| {
        Plot::new(id)
            .width(width)
            .height(height)
            .allow_scroll(false)
            .link_axis(link, [true, false])
            .include_x(0.0)
            .include_x(x_end)
            // The y axis takes up to about 50 points of the width.
            .x_axis_formatter(move |mark, range| step_tick(mark.value, range, width - 50.0))
            // Ticks at 1, 2, 5 × 10ⁿ steps: powers of ten alone left a 10,000-step axis a lone "0".
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|input| nice_steps(input.base_step_size)))
            .legend(Legend::default())
    };
    let mut rects = Vec::new();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(
                RichText::new("Terms (nats per image): VAE −ELBO, reconstruction, KL; AE reconstruction").strong(),
            );
            let r = chart("vae-terms").show(ui, |plot| {
                plot.line(series_line("−ELBO train", &h.train_neg_elbo, pal.line(Color32::from_rgb(90, 170, 255))));
                plot.line(
                    series_line("−ELBO test", &h.test_neg_elbo, pal.line(Color32::from_rgb(40, 90, 220))).width(2.5),
                );
                plot.line(series_line("recon train", &h.train_recon, pal.line(Color32::from_rgb(120, 200, 120))));
                plot.line(
                    series_line("recon test", &h.test_recon, pal.line(Color32::from_rgb(40, 150, 40))).width(2.5),
                );
                plot.line(series_line("AE recon train", &h.ae_train_recon, pal.line(Color32::from_rgb(255, 170, 90))));
                plot.line(
                    series_line("AE recon test", &h.ae_test_recon, pal.line(Color32::from_rgb(230, 110, 20)))
                        .width(2.5),
                );
            });
            rects.push(("terms curves", r.response.rect));
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(RichText::new("KL terms and the gap log p(x) − ELBO").strong());
            let r = chart("vae-kl").include_y(0.0).show(ui, |plot| {
                plot.line(series_line("KL train", &h.train_kl, pal.line(Color32::from_rgb(200, 140, 255))));
                plot.line(series_line("KL test", &h.test_kl, pal.line(Color32::from_rgb(150, 80, 230))).width(2.5));
                plot.line(
                    series_line("log p̂(x) − ELBO", &h.gap, pal.line(Color32::from_rgb(255, 220, 120))).width(2.5),
                );
            });
            rects.push(("KL curves", r.response.rect));
        });
    });
    rects
}

/// The x range the curves show at least (steps), so that a fresh run has a readable axis.
pub(super) const MIN_STEPS_SHOWN: f64 = 100.0;

/// The label of the step tick at `value` on an x axis showing `range` across `width` points:
/// the step as a whole number, or nothing when the label (about 7 points per character,
/// centred on its tick) would reach past either end of the axis and be cut.
pub(super) fn step_tick(value: f64, range: &std::ops::RangeInclusive<f64>, width: f32) -> String {
    let text = format!("{value:.0}");
    let span = range.end() - range.start();
    if !(span.is_finite() && span > 0.0) {
        return text;
    }
    let half = 3.5 * text.chars().count() as f64 + 2.0;
    let px = f64::from(width);
    let (left, right) = ((value - range.start()) / span * px, (range.end() - value) / span * px);
    if left < half || right < half {
        String::new()
    } else {
        text
    }
}

/// Three grid steps of the 1, 2, 5 × 10ⁿ sequence: the smallest at least `base` (and at least
/// 1: steps are whole), and the two after it.
pub(super) fn nice_steps(base: f64) -> [f64; 3] {
    let base = if base.is_finite() { base.max(1.0) } else { 1.0 };
    let mut decade = 10f64.powf(base.log10().floor());
    let mut out = Vec::with_capacity(3);
    while out.len() < 3 {
        for m in [1.0, 2.0, 5.0] {
            let s = m * decade;
            if s >= base * (1.0 - 1e-12) && out.len() < 3 {
                out.push(s);
            }
        }
        decade *= 10.0;
    }
    [out[0], out[1], out[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_follow_one_two_five() {
        assert_eq!(nice_steps(37.0), [50.0, 100.0, 200.0]);
        assert_eq!(nice_steps(200.0), [200.0, 500.0, 1000.0]);
        assert_eq!(nice_steps(0.3), [1.0, 2.0, 5.0]);
        assert_eq!(nice_steps(1234.0), [2000.0, 5000.0, 10000.0]);
        assert_eq!(nice_steps(f64::NAN), [1.0, 2.0, 5.0]);
    }

    #[test]
    fn a_step_tick_is_left_out_where_its_label_would_be_cut() {
        // 0..4100 over 410 points: 10 steps per point; "4000" (4 characters, 16 points of
        // half width) sits 10 points from the right end: cut, so left out.
        assert_eq!(step_tick(4000.0, &(0.0..=4100.0), 410.0), "");
        assert_eq!(step_tick(3000.0, &(0.0..=4100.0), 410.0), "3000");
        // "0" at 50 points from the left end fits.
        assert_eq!(step_tick(0.0, &(-500.0..=4100.0), 460.0), "0");
        // At the very left end it would be cut.
        assert_eq!(step_tick(0.0, &(0.0..=4100.0), 410.0), "");
        // A degenerate range keeps the label.
        assert_eq!(step_tick(5.0, &(5.0..=5.0), 100.0), "5");
    }
}
