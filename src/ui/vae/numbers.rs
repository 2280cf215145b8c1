//! The AE vs VAE lab's numbers: the ELBO's terms, log p(x) and the gap, each with its formula.

use super::*;

impl VaeView {
    pub(super) fn numbers_ui(&mut self, ui: &mut egui::Ui, snap: &VaeSnapshot) {
        let t = &snap.last;
        ui.heading("ELBO, nats per image");
        ui.label(RichText::new("Training minibatch (VAE)").strong());
        if snap.steps == 0 {
            // Nothing measured yet: no zeros that look like numbers, no β the slider does not show.
            ui.weak("No training step yet: the minibatch's terms appear after the first step.");
        } else {
            train_terms_ui(ui, t);
        }
        ui.separator();
        let Some(e) = &snap.eval else {
            ui.weak("Measuring the test set…");
            return;
        };
        ui.label(RichText::new(format!("Test set (at step {})", e.step)).strong());
        egui::Grid::new("vae-test-terms").num_columns(2).show(ui, |ui| {
            ui.label("VAE reconstruction");
            ui.label(num(e.vae_test_recon, 2));
            ui.end_row();
            ui.label("VAE KL");
            ui.label(num(e.vae_test_kl, 2));
            ui.end_row();
            ui.label("ELBO");
            ui.label(num(e.vae_test_elbo, 2));
            ui.end_row();
            ui.label("AE reconstruction");
            ui.label(num(e.ae_test_recon, 2));
            ui.end_row();
        });
        ui.separator();
        ui.label(RichText::new("log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))  (task 2.1)").strong());
        ui.label(format!("on {} test images, k = {} importance samples:", e.iw_images, e.iw_samples));
        egui::Grid::new("vae-logpx").num_columns(2).show(ui, |ui| {
            ui.label("log p(x) ≈ (importance weighted)");
            ui.label(RichText::new(num(e.log_px_iw, 2)).strong());
            ui.end_row();
            ui.label("ELBO (same images)");
            ui.label(num(e.elbo_iw_images, 2));
            ui.end_row();
            ui.label("gap ≈ KL(q(z|x) ‖ p(z|x)) ≥ 0");
            ui.label(RichText::new(num(e.gap(), 2)).strong());
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
            ui.label(num(e.ae_prior.mean_nn_distance, 2));
            ui.label(num(e.vae_prior.mean_nn_distance, 2));
            ui.end_row();
            ui.label("class entropy (nats, max 2.30)");
            ui.label(num(e.ae_prior.class_entropy, 2));
            ui.label(num(e.vae_prior.class_entropy, 2));
            ui.end_row();
        });
        ui.weak("Each decoded prior sample's Euclidean distance (pixels in [0,\u{a0}1]) to its nearest training image, and the entropy of the digits a 1-nearest-neighbour classifier assigns them: near real digits and of many classes means generative.");
        ui.separator();
        self.posterior_ui(ui, snap);
    }
}

/// The last training minibatch's terms and the loss minimised with the β it used.
fn train_terms_ui(ui: &mut egui::Ui, t: &TrainTerms) {
    egui::Grid::new("vae-train-terms").num_columns(2).show(ui, |ui| {
        ui.label("reconstruction E_q[−log p(x|z)]");
        ui.label(num(t.vae_recon, 2));
        ui.end_row();
        ui.label("KL(q(z|x) ‖ p(z))");
        ui.label(num(t.vae_kl, 2));
        ui.end_row();
        ui.label("−ELBO = recon + KL");
        ui.label(num(t.vae_recon + t.vae_kl, 2));
        ui.end_row();
        ui.label(format!("loss = recon + β·KL (β = {:.2})", t.beta));
        ui.label(num(t.vae_recon + t.beta * t.vae_kl, 2));
        ui.end_row();
        ui.label("AE loss −log p(x | g(x))");
        ui.label(num(t.ae_recon, 2));
        ui.end_row();
    });
}

/// `v` with `decimals` decimals, or "—" when it is not a finite number: a diverged value is
/// never shown as NaN or inf.
pub(super) fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "—".to_owned()
    }
}
