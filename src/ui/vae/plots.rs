//! The AE vs VAE lab's plots: the latent scatters with the prior, one posterior, the curves.

use super::*;

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
                            Points::new(class.to_string(), pts)
                                .color(pal.text(CLASS_COLOURS[class as usize]))
                                .radius(1.8),
                        );
                    }
                }
                if k != 1 {
                    let centre = view.plot_of(&vec![0.0; k], k);
                    for r in 1..=3 {
                        plot.line(
                            circle(centre, f64::from(r))
                                .color(pal.faint(150 - 35 * r as u8))
                                .width(1.0)
                                .name(if r == 1 { "prior 1σ, 2σ, 3σ" } else { "" }),
                        );
                    }
                }
                if !pins.is_empty() {
                    plot.points(
                        Points::new("pinned", pins.clone()).shape(MarkerShape::Diamond).radius(6.0).color(pal.ink),
                    );
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
pub(super) fn shared_bounds(snap: &VaeSnapshot) -> [[f64; 2]; 2] {
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

pub(super) fn curves_ui(ui: &mut egui::Ui, snap: &VaeSnapshot) {
    let pal = palette(ui);
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
                    plot.line(series_line("−ELBO train", &h.train_neg_elbo, pal.line(Color32::from_rgb(90, 170, 255))));
                    plot.line(
                        series_line("−ELBO test", &h.test_neg_elbo, pal.line(Color32::from_rgb(40, 90, 220)))
                            .width(2.5),
                    );
                    plot.line(series_line("recon train", &h.train_recon, pal.line(Color32::from_rgb(120, 200, 120))));
                    plot.line(
                        series_line("recon test", &h.test_recon, pal.line(Color32::from_rgb(40, 150, 40))).width(2.5),
                    );
                    plot.line(series_line(
                        "AE recon train",
                        &h.ae_train_recon,
                        pal.line(Color32::from_rgb(255, 170, 90)),
                    ));
                    plot.line(
                        series_line("AE recon test", &h.ae_test_recon, pal.line(Color32::from_rgb(230, 110, 20)))
                            .width(2.5),
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
                    plot.line(series_line("KL train", &h.train_kl, pal.line(Color32::from_rgb(200, 140, 255))));
                    plot.line(series_line("KL test", &h.test_kl, pal.line(Color32::from_rgb(150, 80, 230))).width(2.5));
                    plot.line(
                        series_line("log p̂(x) − ELBO", &h.gap, pal.line(Color32::from_rgb(255, 220, 120))).width(2.5),
                    );
                });
        });
    });
}
