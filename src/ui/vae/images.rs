//! The AE vs VAE lab's image panels: under the mouse, the manifold grids, prior samples, reconstructions.

use super::*;

impl VaeView {
    /// The decodings under the mouse, each `size` points wide, one under the other or (with
    /// `side_by_side`) next to each other.
    pub(super) fn under_mouse_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot, size: f32, side_by_side: bool) {
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
        let images = [("AE decodes", h.ae_image.clone()), ("VAE decodes", h.vae_image.clone())];
        let mut one = |ui: &mut egui::Ui, i: usize, name: &str, img: &[f32]| {
            ui.label(name);
            let tex = self.textures.hover[i]
                .get(ui.ctx(), "vae-hover", key_of(img), || mosaic(img, snap.width, snap.height, 1, 1));
            let r = show(ui, tex, size);
            self.layout.items.push((if i == 0 { "AE under the mouse" } else { "VAE under the mouse" }, r.rect));
        };
        if side_by_side {
            ui.horizontal_top(|ui| {
                for (i, (name, img)) in images.iter().enumerate() {
                    ui.vertical(|ui| one(ui, i, name, img));
                }
            });
        } else {
            for (i, (name, img)) in images.iter().enumerate() {
                one(ui, i, name, img);
            }
        }
    }

    /// The interpolation between the two pins, when there are two, `width` points wide at most:
    /// shown under the scatters whichever lower panel is open.
    pub(super) fn strip_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot, width: f32) {
        let Some(strips) = self.strip(snap) else { return };
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Interpolation between the two pinned points").strong());
            if ui.small_button("Clear pins").clicked() {
                self.pins.clear();
            }
        });
        let width = width.min(640.0);
        for (i, (name, pixels)) in ["AE", "VAE"].into_iter().zip(strips).enumerate() {
            ui.label(name);
            let tex = self.textures.strip[i]
                .get(ui.ctx(), "vae-strip", key_of(&pixels), || mosaic(&pixels, snap.width, snap.height, 10, 10));
            let r = show(ui, tex, width);
            self.layout.items.push((if i == 0 { "AE interpolation" } else { "VAE interpolation" }, r.rect));
        }
    }

    pub(super) fn manifold_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        let k = snap.config.latent_dim;
        let note = match k {
            1 => "15 decodings at z = Φ⁻¹((i + ½)/15), the prior's quantiles (Kingma & Welling, fig. 4).",
            2 => "15×15 decodings on the grid Φ⁻¹((i + ½)/15) × Φ⁻¹((j + ½)/15): the prior's quantiles (Kingma & Welling, fig. 4). The same grid for both models.",
            _ => "15×15 decodings at the prior's quantiles Φ⁻¹((i + ½)/15) along the two PCA axes of each model's scatter.",
        };
        ui.weak(note);
        let key = snapshot_key(snap);
        let rows = if k == 1 { 1 } else { GRID_SIDE };
        let width = pair_width(ui, 30.0);
        ui.horizontal_top(|ui| {
            for (i, (name, pixels)) in [("AE", &snap.ae_manifold), ("VAE", &snap.vae_manifold)].into_iter().enumerate()
            {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    ui.label(RichText::new(name).strong());
                    let tex = self.textures.manifold[i].get(ui.ctx(), "vae-manifold", key, || {
                        mosaic(pixels, snap.width, snap.height, rows * GRID_SIDE, GRID_SIDE)
                    });
                    let r = show(ui, tex, width);
                    self.layout.items.push((if i == 0 { "AE manifold" } else { "VAE manifold" }, r.rect));
                });
            }
        });
    }

    pub(super) fn prior_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        ui.weak("64 draws z ~ N(0, I), the same z for both models, decoded (task 1.3). Sampling the prior is how a VAE generates; an AE's latent space has no such distribution.");
        let key = snapshot_key(snap);
        let width = pair_width(ui, 60.0);
        ui.horizontal_top(|ui| {
            for (i, (name, pixels, report)) in [
                ("AE", &snap.ae_prior, snap.eval.as_ref().map(|e| &e.ae_prior)),
                ("VAE", &snap.vae_prior, snap.eval.as_ref().map(|e| &e.vae_prior)),
            ]
            .into_iter()
            .enumerate()
            {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    let stats = report.map_or(String::new(), |r| {
                        format!(
                            ": nearest training image {} away · class entropy {} nats",
                            numbers::num(r.mean_nn_distance, 2),
                            numbers::num(r.class_entropy, 2)
                        )
                    });
                    ui.label(RichText::new(format!("{name}{stats}")).strong());
                    let tex = self.textures.prior[i]
                        .get(ui.ctx(), "vae-prior", key, || mosaic(pixels, snap.width, snap.height, 64, 8));
                    let r = show(ui, tex, width);
                    self.layout.items.push((if i == 0 { "AE prior samples" } else { "VAE prior samples" }, r.rect));
                });
            }
        });
    }

    pub(super) fn recon_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
        ui.weak("Rows: 8 test images; the AE's reconstructions f(g(x)); the VAE's, decoding the posterior mean μ(x).");
        let n = snap.originals.len() / (snap.width * snap.height).max(1);
        let mut all = snap.originals.clone();
        all.extend_from_slice(&snap.ae_recons);
        all.extend_from_slice(&snap.vae_recons);
        let key = snapshot_key(snap);
        let tex =
            self.textures.recon.get(ui.ctx(), "vae-recon", key, || mosaic(&all, snap.width, snap.height, 3 * n, n));
        // Three rows of 8: as wide as the column, or as the height left allows.
        let column = ui.available_width();
        let width = column.min((ui.available_height() - 20.0) * 8.0 / 3.0).max(240.0_f32.min(column));
        let r = show(ui, tex, width);
        self.layout.items.push(("reconstructions", r.rect));
        if self.pins.len() < 2 {
            ui.weak("Click two points on a latent plot to see the interpolation between them.");
        }
    }
}

/// The width of each of two pictures side by side in the column: half its width, or less
/// when the height left (less `below` points of text) is smaller, but never below 160 points
/// (the column then scrolls).
fn pair_width(ui: &egui::Ui, below: f32) -> f32 {
    let half = (ui.available_width() - ui.spacing().item_spacing.x) / 2.0;
    half.min(ui.available_height() - below).max(160.0).min(half.max(80.0))
}

pub(super) fn snapshot_key(snap: &Arc<VaeSnapshot>) -> u64 {
    Arc::as_ptr(snap) as usize as u64 ^ snap.steps.rotate_left(32)
}
