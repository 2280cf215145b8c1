//! The AE vs VAE lab's image panels: under the mouse, the manifold grids, prior samples, reconstructions.

use super::*;

impl VaeView {
    pub(super) fn under_mouse_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
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

    pub(super) fn prior_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
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

    pub(super) fn recon_ui(&mut self, ui: &mut egui::Ui, snap: &Arc<VaeSnapshot>) {
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
}

pub(super) fn snapshot_key(snap: &Arc<VaeSnapshot>) -> u64 {
    Arc::as_ptr(snap) as usize as u64 ^ snap.steps.rotate_left(32)
}
