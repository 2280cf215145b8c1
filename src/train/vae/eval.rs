//! The AE vs VAE lab's evaluation: the test set's terms and log p(x), latents, the manifold and the snapshot.

use super::*;

impl VaeTrainer {
    /// Measures the test set: ELBO terms, the AE's reconstruction, the importance-weighted
    /// log p(x) with the configured k, and the prior samples of both models. Records curves.
    pub fn evaluate(&mut self) -> Result<VaeEval, TrainError> {
        let whole = self.measure(&|| false)?;
        whole.ok_or_else(|| TrainError::Invalid("the test set's measurement stopped unasked".to_owned()))
    }

    /// [`Self::evaluate`], asking `stop` between pieces of work of about a tenth of a second
    /// (see [`EVAL_PIECE_MACS`]): None, with nothing recorded and the measurement still due,
    /// if it said yes. A measurement is published whole or not at all.
    pub(super) fn measure(&mut self, stop: &(dyn Fn() -> bool + Sync)) -> Result<Option<VaeEval>, TrainError> {
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ EVAL_STREAM ^ self.steps);
        let lik = self.config.likelihood;
        let n_test = self.split.test.len();
        let k = self.config.latent_dim;
        // ELBO terms on the whole test set, in chunks, one sample of z per image.
        let (mut recon_sum, mut kl_sum, mut ae_sum) = (0.0, 0.0, 0.0);
        let images = self.eval_piece_images();
        for start in (0..n_test).step_by(images) {
            if start > 0 && stop() {
                return Ok(None);
            }
            let len = images.min(n_test - start);
            let x = self.test_x.narrow(0, start, len)?;
            let eps = normal_tensor(&mut rng, len, k, &self.device)?;
            let t = self.vae.terms(&x, &eps, lik, 1.0)?;
            recon_sum += f64::from(t.recon.to_vec0::<f32>()?) * len as f64;
            kl_sum += f64::from(t.kl.to_vec0::<f32>()?) * len as f64;
            ae_sum += f64::from(self.ae.recon(&x, lik)?.sum_all()?.to_vec0::<f32>()?);
        }
        let (recon, kl) = (recon_sum / n_test as f64, kl_sum / n_test as f64);
        let Some((log_px_iw, elbo_iw_images, iw_images)) = self.log_px_iw(&mut rng, stop)? else {
            return Ok(None);
        };
        if stop() {
            return Ok(None);
        }
        let eval = VaeEval {
            step: self.steps,
            vae_test_recon: recon,
            vae_test_kl: kl,
            vae_test_elbo: -(recon + kl),
            ae_test_recon: ae_sum / n_test as f64,
            log_px_iw,
            elbo_iw_images,
            iw_samples: self.config.iw_samples,
            iw_images,
            vae_prior: self.prior_report(false)?,
            ae_prior: self.prior_report(true)?,
        };
        let s = self.steps as f64;
        let h = &mut self.history;
        h.test_recon.push(s, eval.vae_test_recon);
        h.test_kl.push(s, eval.vae_test_kl);
        h.test_neg_elbo.push(s, -eval.vae_test_elbo);
        h.ae_test_recon.push(s, eval.ae_test_recon);
        h.test_neg_log_px.push(s, -eval.log_px_iw);
        h.gap.push(s, eval.gap());
        self.eval = Some(eval.clone());
        self.eval_due = false;
        self.last_eval_at = Some(Instant::now());
        Ok(Some(eval))
    }

    /// Rows of z the log p(x) estimate decodes between two looks at its `stop`: as many as
    /// [`EVAL_PIECE_MACS`] multiply-adds of the decoder allow, at most 16 384 (the whole chunk
    /// of the estimate for models up to 256×2 on 28×28 images, so their numbers are those of
    /// one pass).
    fn eval_piece_rows(&self) -> usize {
        let c = &self.config;
        let mut widths = vec![c.latent_dim as u64];
        widths.extend(std::iter::repeat_n(c.hidden as u64, c.layers));
        widths.push(self.split.test.dim() as u64);
        let per_row: u64 = widths.windows(2).map(|w| w[0] * w[1]).sum();
        usize::try_from(EVAL_PIECE_MACS / per_row.max(1)).unwrap_or(usize::MAX).clamp(1, 16_384)
    }

    /// Test images the ELBO terms take at a time (both models' encoder and decoder, about as
    /// many multiply-adds per image as four of the estimate's rows): at most 512.
    fn eval_piece_images(&self) -> usize {
        (self.eval_piece_rows() / 4).clamp(1, 512)
    }

    /// Importance-weighted log p(x) (k = `iw_samples`) and the one-sample ELBO, averaged over
    /// the first `iw_images` test images, on the fast path: the images are cut into chunks of
    /// at most 16 384 decoded rows, whose noise is drawn in order from `rng`; the chunks are
    /// shared out among [`Self::set_eval_threads`] threads, each with its own passes. Every
    /// image's estimate depends only on its own noise, so the result does not depend on the
    /// number of threads.
    /// It asks `stop` between pieces of [`Self::eval_piece_rows`] rows: None if it said yes.
    pub(super) fn log_px_iw(
        &self,
        rng: &mut StdRng,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<(f64, f64, usize)>, TrainError> {
        let n = self.config.iw_images.min(self.split.test.len());
        let samples = self.config.iw_samples;
        let kdim = self.config.latent_dim;
        let d = self.split.test.dim();
        let chunk = (16_384 / samples).clamp(1, n.max(1));
        let chunks: Vec<(usize, usize, Vec<f32>)> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let len = chunk.min(n - start);
                let eps = (0..samples * len * kdim).map(|_| -> f32 { StandardNormal.sample(&mut *rng) }).collect();
                (start, len, eps)
            })
            .collect();
        let threads = self.eval_threads.clamp(1, chunks.len().max(1));
        let per_thread = chunks.len().div_ceil(threads);
        let pixels = &self.split.test.pixels;
        let lik = self.config.likelihood;
        let piece = self.eval_piece_rows();
        // Each chunk's (Σ log p̂, Σ ELBO) over its images; None if stopped.
        let done = std::sync::atomic::AtomicUsize::new(0);
        let run = |chunks: &[(usize, usize, Vec<f32>)]| -> Result<Option<Vec<(f64, f64)>>, TrainError> {
            let mut nets = VaeNets::new(&self.vae)?;
            chunks
                .iter()
                .map(|(start, len, eps)| {
                    if stop() {
                        return Ok(None);
                    }
                    if let Some(progress) = &self.log_px_progress {
                        // Before the chunk's work: the first report comes at once.
                        progress(done.fetch_add(*len, std::sync::atomic::Ordering::Relaxed), n);
                    }
                    let x = &pixels[start * d..(start + len) * d];
                    let Some(lw) = self.vae.log_weights_fast_in_blocks(&mut nets, x, *len, eps, lik, piece, stop)?
                    else {
                        return Ok(None);
                    };
                    let (mut iw, mut elbo) = (0.0, 0.0);
                    let mut column = vec![0.0; samples];
                    for i in 0..*len {
                        column.iter_mut().enumerate().for_each(|(s, c)| *c = lw[s * len + i]);
                        iw += importance_weighted_log_px(&column);
                        elbo += column.iter().sum::<f64>() / samples as f64;
                    }
                    Ok(Some((iw, elbo)))
                })
                .collect()
        };
        let sums: Option<Vec<(f64, f64)>> = if threads == 1 {
            run(&chunks)?
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks.chunks(per_thread).map(|c| scope.spawn(move || run(c))).collect();
                let mut all = Some(Vec::with_capacity(chunks.len()));
                for h in handles {
                    let part = h
                        .join()
                        .map_err(|_| TrainError::Invalid("a thread of the log p(x) estimate panicked".into()))??;
                    all = all.zip(part).map(|(mut all, part)| {
                        all.extend(part);
                        all
                    });
                }
                Ok::<_, TrainError>(all)
            })?
        };
        let Some(sums) = sums else { return Ok(None) };
        if let Some(progress) = &self.log_px_progress {
            progress(n, n);
        }
        // Summed in chunk order whatever the threads.
        let (iw_sum, elbo_sum) = sums.iter().fold((0.0, 0.0), |(a, b), (c, e)| (a + c, b + e));
        Ok(Some((iw_sum / n as f64, elbo_sum / n as f64, n)))
    }

    /// The importance-weighted log p(x) estimate of [`Self::evaluate`] alone (log p̂, the
    /// ELBO on the same images, and their number), with the evaluation's noise of this step.
    pub fn estimate_log_px(&self) -> Result<(f64, f64, usize), TrainError> {
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ EVAL_STREAM ^ self.steps);
        let whole = self.log_px_iw(&mut rng, &|| false)?;
        whole.ok_or_else(|| TrainError::Invalid("the log p(x) estimate stopped unasked".to_owned()))
    }

    /// Subnormal numbers in both optimisers' state, and the state's size (see
    /// [`crate::fast::kernels::update`]: the first must stay 0).
    pub fn subnormal_optimizer_state(&self) -> (usize, usize) {
        let (a, b) = (self.opt_vae.subnormal_state(), self.opt_ae.subnormal_state());
        (a.0 + b.0, a.1 + b.1)
    }

    /// Reports how far each log p(x) estimate is, with (test images done, test images in
    /// all): before each chunk of images and once at the end (n, n). It runs on the estimate's
    /// threads, so it must be quick. None (the default) reports nothing.
    pub fn set_log_px_progress(&mut self, progress: Option<LogPxProgress>) {
        self.log_px_progress = progress;
    }

    /// Threads for the test set's log p(x) estimate (the window keeps 1, leaving a core to the
    /// UI; headless runs use every core).
    pub fn set_eval_threads(&mut self, threads: usize) {
        self.eval_threads = threads.max(1);
    }

    pub(super) fn decode_means(
        &self,
        decoder: &crate::model::mlp::Mlp,
        z: &[f32],
        n: usize,
    ) -> Result<Vec<f32>, TrainError> {
        let z = Tensor::from_slice(z, (n, self.config.latent_dim), &self.device)?;
        let logits = decoder.forward(&z)?;
        Ok(candle_nn::ops::sigmoid(&logits)?.flatten_all()?.to_vec1::<f32>()?)
    }

    pub(super) fn prior_report(&self, ae: bool) -> Result<PriorSampleReport, TrainError> {
        let decoder = if ae { &self.ae.decoder } else { &self.vae.decoder };
        let decoded = self.decode_means(decoder, &self.prior_z, PRIOR_SAMPLES)?;
        Ok(prior_sample_report(&decoded, &self.split.train.pixels, &self.split.train.labels, self.split.train.dim()))
    }

    /// Latent codes of the test points drawn on the scatter.
    pub fn latents(&self) -> Result<(LatentView, LatentView), TrainError> {
        let n = self.scatter_labels.len();
        let x = self.test_x.narrow(0, 0, n)?;
        let k = self.config.latent_dim;
        let ae_codes = self.ae.encoder.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
        let (mu, logvar) = self.vae.encode(&x)?;
        let vae_codes = mu.flatten_all()?.to_vec1::<f32>()?;
        let logvar = logvar.flatten_all()?.to_vec1::<f32>()?;
        let view = |codes: Vec<f32>, logvar: Vec<f32>| {
            let projection = if k > 2 { pca2(&codes, k) } else { None };
            let mut v = LatentView { codes, logvar, points: Vec::new(), projection };
            v.points = v
                .codes
                .chunks_exact(k)
                .zip(self.scatter_labels.iter())
                .map(|(z, label)| if k == 1 { [z[0], f32::from(*label)] } else { v.plot_of(z, k) })
                .collect();
            v
        };
        Ok((view(ae_codes, Vec::new()), view(vae_codes, logvar)))
    }

    /// The latent points of the manifold grid for one model: Φ⁻¹ quantiles in the plot plane,
    /// top row first (largest second coordinate).
    pub(super) fn grid_latents(&self, view: &LatentView, coords: &[f32]) -> Vec<f32> {
        let k = self.config.latent_dim;
        let mut zs = Vec::with_capacity(coords.len() * coords.len() * k);
        for y in coords.iter().rev() {
            for x in coords {
                zs.extend(if k == 1 { vec![*x] } else { view.latent_at([*x, *y], k) });
            }
        }
        zs
    }

    /// Builds the panels' snapshot; measures the test set when due (every few seconds of
    /// play, or when asked). A command waiting for the worker (its [`Interrupt`] raised) stops
    /// the measurement within a piece of work: the snapshot then shows the last whole
    /// measurement (of its own step, k and images) or none, and the measurement is made again
    /// on a later snapshot.
    pub fn build_snapshot(&mut self) -> Result<VaeSnapshot, TrainError> {
        let stale = self.last_eval_at.is_none_or(|t| t.elapsed() >= EVAL_INTERVAL);
        if self.eval_due || (stale && self.eval.as_ref().is_none_or(|e| e.step != self.steps)) {
            let interrupt = self.interrupt.clone();
            if self.measure(&|| interrupt.is_raised())?.is_none() {
                self.eval_due = true;
            }
        }
        let (ae_latents, vae_latents) = self.latents()?;
        // A picture of exploded encoders (axes to ±1e8, σ = inf) is never published: the
        // window keeps the last sane one beside the error, which names each model.
        let junk = latent_blow_ups(&ae_latents, &vae_latents);
        if !junk.is_empty() {
            return Err(TrainError::Diverged { step: self.steps, what: junk.join("; ") });
        }
        let coords: Vec<f32> = manifold_grid_coords(GRID_SIDE).into_iter().map(|c| c as f32).collect();
        let k = self.config.latent_dim;
        let rows = if k == 1 { 1 } else { GRID_SIDE };
        let grid = |view: &LatentView| {
            let mut z = self.grid_latents(view, &coords);
            z.truncate(rows * GRID_SIDE * k);
            z
        };
        let (ae_grid, vae_grid) = (grid(&ae_latents), grid(&vae_latents));
        let n_recon = RECON_IMAGES.min(self.split.test.len());
        let originals = self.split.test.pixels[..n_recon * self.split.test.dim()].to_vec();
        let x = self.test_x.narrow(0, 0, n_recon)?;
        let ae_recons = candle_nn::ops::sigmoid(&self.ae.decoder.forward(&self.ae.encoder.forward(&x)?)?)?;
        let vae_recons = candle_nn::ops::sigmoid(&self.vae.decoder.forward(&self.vae.encode(&x)?.0)?)?;
        Ok(VaeSnapshot {
            steps: self.steps,
            config: self.config.clone(),
            width: self.split.test.width,
            height: self.split.test.height,
            labels: Arc::clone(&self.scatter_labels),
            ae_manifold: self.decode_means(&self.ae.decoder, &ae_grid, ae_grid.len() / k)?,
            vae_manifold: self.decode_means(&self.vae.decoder, &vae_grid, vae_grid.len() / k)?,
            ae_latents,
            vae_latents,
            ae_decoder: Arc::new(FrozenMlp::from_mlp(&self.ae.decoder)?),
            vae_decoder: Arc::new(FrozenMlp::from_mlp(&self.vae.decoder)?),
            grid_coords: coords,
            ae_prior: self.decode_means(&self.ae.decoder, &self.prior_z, PRIOR_SAMPLES)?,
            vae_prior: self.decode_means(&self.vae.decoder, &self.prior_z, PRIOR_SAMPLES)?,
            originals,
            ae_recons: ae_recons.flatten_all()?.to_vec1::<f32>()?,
            vae_recons: vae_recons.flatten_all()?.to_vec1::<f32>()?,
            test_images: Arc::clone(&self.scatter_images),
            last: self.last,
            eval: self.eval.clone(),
            history: self.history.clone(),
        })
    }
}

/// Codes of larger magnitude mean an encoder has blown up (the images are in [0, 1]; a trained
/// model's codes are of order 1 to 100).
pub const MAX_CODE: f32 = 1e6;
/// A VAE's log σ² beyond this means it has blown up: σ² = e^88.7 already overflows `f32`, and
/// the posterior's σ and KL would read inf.
pub const MAX_LOGVAR: f32 = 80.0;

/// What is wrong with each model's codes, one sentence per model that blew up ("the AE's codes
/// reach 3.1e8, beyond ±1e6"); empty when both are sane.
pub fn latent_blow_ups(ae: &LatentView, vae: &LatentView) -> Vec<String> {
    // The largest magnitude, or None if a value is not finite.
    let peak = |v: &[f32]| v.iter().try_fold(0f32, |m, x| x.is_finite().then(|| m.max(x.abs())));
    let mut out = Vec::new();
    for (model, view) in [("AE", ae), ("VAE", vae)] {
        let mut what = Vec::new();
        match peak(&view.codes) {
            None => what.push("codes are not finite".to_owned()),
            Some(m) if m > MAX_CODE => what.push(format!("codes reach {m:.1e}, beyond ±{MAX_CODE:.0e}")),
            Some(_) => {}
        }
        match view.logvar.iter().try_fold(f32::MIN, |m, x| x.is_finite().then(|| m.max(*x))) {
            None => what.push("log σ² is not finite".to_owned()),
            Some(m) if m > MAX_LOGVAR => {
                what.push(format!("log σ² reaches {m:.1e}, beyond {MAX_LOGVAR} (σ² overflows)"))
            }
            Some(_) => {}
        }
        if !what.is_empty() {
            out.push(format!("the {model}'s {}", what.join(" and its ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(codes: Vec<f32>, logvar: Vec<f32>) -> LatentView {
        LatentView { codes, logvar, points: Vec::new(), projection: None }
    }

    #[test]
    fn each_model_that_blew_up_is_named_with_what_it_reached() {
        let sane_ae = view(vec![-40.0, 12.0, 3.0, 99.0], Vec::new());
        let sane_vae = view(vec![0.5, -1.0], vec![-3.0, 0.2]);
        assert!(latent_blow_ups(&sane_ae, &sane_vae).is_empty());

        let big_ae = view(vec![1.0, -3.1e8], Vec::new());
        assert_eq!(latent_blow_ups(&big_ae, &sane_vae), ["the AE's codes reach 3.1e8, beyond ±1e6"]);

        let wide_vae = view(vec![0.5, -1.0], vec![0.0, 120.0]);
        let nan_ae = view(vec![f32::NAN, 0.0], Vec::new());
        assert_eq!(
            latent_blow_ups(&nan_ae, &wide_vae),
            ["the AE's codes are not finite", "the VAE's log σ² reaches 1.2e2, beyond 80 (σ² overflows)"]
        );
        // Both of a model's faults in one sentence.
        let both = view(vec![2e7], vec![f32::INFINITY]);
        assert_eq!(
            latent_blow_ups(&sane_ae, &both),
            ["the VAE's codes reach 2.0e7, beyond ±1e6 and its log σ² is not finite"]
        );
        // The bound on log σ² is where σ² = e^x still fits an f32 with room to spare.
        assert!(MAX_LOGVAR.exp().is_finite() && (2.0 * MAX_LOGVAR).exp().is_infinite());
    }
}
