//! The AE vs VAE lab's snapshot: everything its panels draw, as plain data, and the commands it takes.

use super::*;

/// Minibatch terms of the last step, in nats per image.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainTerms {
    /// VAE reconstruction term E_q[−log p(x|z)].
    pub vae_recon: f64,
    /// VAE KL(q(z|x) ‖ p(z)).
    pub vae_kl: f64,
    /// The AE's reconstruction loss −log p(x | g(x)).
    pub ae_recon: f64,
    /// The β the step used.
    pub beta: f64,
}

/// Test-set numbers, in nats per image.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VaeEval {
    /// Generator steps at which this was measured.
    pub step: u64,
    /// VAE reconstruction term on the test set (one sample of z per image).
    pub vae_test_recon: f64,
    /// VAE KL term on the test set.
    pub vae_test_kl: f64,
    /// Test ELBO = −(recon + KL) (β does not enter it).
    pub vae_test_elbo: f64,
    /// The AE's reconstruction loss on the test set.
    pub ae_test_recon: f64,
    /// Importance-weighted log p(x) on the first `iw_images` test images.
    pub log_px_iw: f64,
    /// The ELBO on the same images (one sample), for the gap.
    pub elbo_iw_images: f64,
    /// k of the importance-weighted estimate.
    pub iw_samples: usize,
    /// Images it averaged over.
    pub iw_images: usize,
    /// Prior samples decoded by the VAE, measured against the training set.
    pub vae_prior: PriorSampleReport,
    /// Prior samples decoded by the AE, measured against the training set.
    pub ae_prior: PriorSampleReport,
}

impl VaeEval {
    /// log p̂(x) − ELBO on the same images: an estimate of KL(q(z|x) ‖ p(z|x)) ≥ 0 (task 2.1).
    pub fn gap(&self) -> f64 {
        self.log_px_iw - self.elbo_iw_images
    }
}

/// Curves of the lab.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VaeHistory {
    /// VAE reconstruction term, training minibatches.
    pub train_recon: Series,
    /// VAE KL term, training minibatches.
    pub train_kl: Series,
    /// −ELBO on training minibatches.
    pub train_neg_elbo: Series,
    /// AE reconstruction loss, training minibatches.
    pub ae_train_recon: Series,
    /// VAE reconstruction term, test set.
    pub test_recon: Series,
    /// VAE KL term, test set.
    pub test_kl: Series,
    /// −ELBO, test set.
    pub test_neg_elbo: Series,
    /// AE reconstruction loss, test set.
    pub ae_test_recon: Series,
    /// −log p̂(x), importance weighted.
    pub test_neg_log_px: Series,
    /// log p̂(x) − ELBO.
    pub gap: Series,
}

impl VaeHistory {
    /// Every curve with the name a CSV gives it (a saved run's `curves.csv`, the window's
    /// export). log p(x) and the gap are importance-weighted estimates.
    pub fn named(&self) -> Vec<(&'static str, &Series)> {
        vec![
            ("vae_train_recon", &self.train_recon),
            ("vae_train_kl", &self.train_kl),
            ("vae_train_neg_elbo", &self.train_neg_elbo),
            ("ae_train_recon", &self.ae_train_recon),
            ("vae_test_recon", &self.test_recon),
            ("vae_test_kl", &self.test_kl),
            ("vae_test_neg_elbo", &self.test_neg_elbo),
            ("ae_test_recon", &self.ae_test_recon),
            ("vae_test_neg_log_px_estimate", &self.test_neg_log_px),
            ("gap_estimate", &self.gap),
        ]
    }
}

/// A model's latent codes of the test points, and how they are drawn in 2-D.
#[derive(Clone, Debug, Default)]
pub struct LatentView {
    /// Codes, n × K (the VAE's means μ; the AE's z).
    pub codes: Vec<f32>,
    /// log σ² per code (VAE only; empty for the AE).
    pub logvar: Vec<f32>,
    /// The 2-D points drawn (K = 2: the codes; K = 1: (z, label); K > 2: PCA).
    pub points: Vec<[f32; 2]>,
    /// The PCA projection used when K > 2.
    pub projection: Option<Projection2>,
}

impl LatentView {
    /// The latent vector (length K) drawn at plot position `p`, or None for K = 1 (where the
    /// vertical axis is the label).
    pub fn latent_at(&self, p: [f32; 2], k: usize) -> Vec<f32> {
        match (k, &self.projection) {
            (1, _) => vec![p[0]],
            (2, _) => vec![p[0], p[1]],
            (_, Some(proj)) => proj.unproject(p),
            (_, None) => {
                let mut z = vec![0.0; k];
                z[0] = p[0];
                z[1] = p[1];
                z
            }
        }
    }

    /// Where latent vector `z` is drawn.
    pub fn plot_of(&self, z: &[f32], k: usize) -> [f32; 2] {
        match (k, &self.projection) {
            (1, _) => [z.first().copied().unwrap_or(0.0), 0.0],
            (2, _) => [z[0], z[1]],
            (_, Some(proj)) => proj.project(z),
            (_, None) => [z[0], z[1]],
        }
    }
}

/// What the AE vs VAE panels draw.
#[derive(Clone, Debug)]
pub struct VaeSnapshot {
    /// Steps done.
    pub steps: u64,
    /// The settings in force.
    pub config: VaeConfig,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Labels of the test points drawn.
    pub labels: Arc<Vec<u8>>,
    /// The AE's latent codes.
    pub ae_latents: LatentView,
    /// The VAE's latent codes.
    pub vae_latents: LatentView,
    /// The AE's decoder, frozen, for decoding under the mouse (outputs logits).
    pub ae_decoder: Arc<FrozenMlp>,
    /// The VAE's decoder, frozen.
    pub vae_decoder: Arc<FrozenMlp>,
    /// Coordinates of the manifold grid (each axis).
    pub grid_coords: Vec<f32>,
    /// 15×15 decodings by the AE, row-major from the top row (largest z₂), each `width×height`.
    pub ae_manifold: Vec<f32>,
    /// The same for the VAE.
    pub vae_manifold: Vec<f32>,
    /// 64 decodings of z ~ N(0, I) by the AE (the same z for both models).
    pub ae_prior: Vec<f32>,
    /// The same z decoded by the VAE.
    pub vae_prior: Vec<f32>,
    /// Fixed test images.
    pub originals: Vec<f32>,
    /// Their AE reconstructions.
    pub ae_recons: Vec<f32>,
    /// Their VAE reconstructions (decoding the posterior mean).
    pub vae_recons: Vec<f32>,
    /// The test images whose codes are drawn (for the posterior panel), `width×height` each.
    pub test_images: Arc<Vec<f32>>,
    /// Last minibatch terms.
    pub last: TrainTerms,
    /// Last test evaluation.
    pub eval: Option<VaeEval>,
    /// Curves.
    pub history: VaeHistory,
}

/// A command to the AE vs VAE trainer.
#[derive(Clone, Debug)]
pub enum VaeCommand {
    /// One training step of both models.
    Step,
    /// New settings.
    SetConfig(Box<VaeConfig>),
    /// Measure the test set now (at the next snapshot).
    EvaluateNow,
}

/// Side of the manifold grid.
pub const GRID_SIDE: usize = 15;
/// Prior samples per model.
pub const PRIOR_SAMPLES: usize = 64;
/// Reconstructed test images.
pub const RECON_IMAGES: usize = 8;
/// Test points drawn on the latent scatter at most.
pub const SCATTER_POINTS: usize = 2000;
