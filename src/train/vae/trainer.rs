//! The AE vs VAE lab's trainer: building a run, its steps on either path, checkpoints.

use super::*;

impl VaeTrainer {
    /// Loads the data and builds a fresh run.
    pub fn new(config: VaeConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let split = config.data.load()?;
        Self::with_split(config, Arc::new(split))
    }

    /// Builds a fresh run on data already loaded.
    pub fn with_split(config: VaeConfig, split: Arc<Split>) -> Result<Self, TrainError> {
        config.validate()?;
        if split.train.is_empty() || split.test.is_empty() {
            return Err(TrainError::Invalid("the data set needs both training and test images".to_owned()));
        }
        let device = Device::Cpu;
        let dim = split.train.dim();
        // Before any weight is allocated: a model that would not fit is a clear error.
        config.check_memory(dim)?;
        let mut init = train_rng::seeded(config.seed ^ INIT_STREAM);
        let ae = Autoencoder::new(config.shape(dim), &mut init, &device)?;
        let vae = Vae::new(config.shape(dim), &mut init, &device)?;
        let adam = OptimizerConfig::adam(config.lr);
        let opt_ae = Optimizer::new(ae.vars(), adam);
        let opt_vae = Optimizer::new(vae.vars(), adam);
        let mut eval_rng = train_rng::seeded(config.seed ^ EVAL_STREAM);
        let prior_z = (0..PRIOR_SAMPLES * config.latent_dim).map(|_| StandardNormal.sample(&mut eval_rng)).collect();
        let shown = split.test.len().min(SCATTER_POINTS);
        let shown_set = split.test.subset(&(0..shown).collect::<Vec<_>>());
        Ok(Self {
            train_x: images_tensor(&split.train, &device)?,
            test_x: images_tensor(&split.test, &device)?,
            scatter_labels: Arc::new(shown_set.labels.clone()),
            scatter_images: Arc::new(shown_set.pixels),
            rng: train_rng::seeded(config.seed),
            config,
            device,
            split,
            ae,
            vae,
            opt_ae,
            opt_vae,
            steps: 0,
            last: TrainTerms::default(),
            eval: None,
            eval_due: true,
            last_eval_at: None,
            prior_z,
            history: VaeHistory::default(),
            native: None,
            path: Path::Fast,
            models: Models::Both,
            eval_threads: 1,
            log_px_progress: None,
            interrupt: Interrupt::default(),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    /// The data.
    pub fn split(&self) -> &Arc<Split> {
        &self.split
    }

    /// Steps done.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The autoencoder.
    pub fn ae(&self) -> &Autoencoder {
        &self.ae
    }

    /// The VAE.
    pub fn vae(&self) -> &Vae {
        &self.vae
    }

    /// The last minibatch terms.
    pub fn last(&self) -> TrainTerms {
        self.last
    }

    /// The curves.
    pub fn history(&self) -> &VaeHistory {
        &self.history
    }

    /// Applies new settings: data, seed and shapes restart the run, the rest applies live.
    pub fn set_config(&mut self, config: VaeConfig) -> Result<(), TrainError> {
        config.validate()?;
        if self.config.data != config.data {
            self.replace(Self::new(config)?);
        } else if self.config.needs_restart(&config) {
            self.replace(Self::with_split(config, Arc::clone(&self.split))?);
        } else {
            let adam = OptimizerConfig::adam(config.lr);
            self.opt_ae.set_config(adam);
            self.opt_vae.set_config(adam);
            if config.iw_samples != self.config.iw_samples || config.iw_images != self.config.iw_images {
                self.eval_due = true;
            }
            self.config = config;
        }
        Ok(())
    }

    /// Becomes `fresh`, a new run, keeping the worker's interrupt.
    fn replace(&mut self, fresh: Self) {
        let interrupt = std::mem::take(&mut self.interrupt);
        *self = fresh;
        self.interrupt = interrupt;
    }

    pub(super) fn normal(&mut self, n: usize) -> Result<Tensor, TrainError> {
        let v: Vec<f32> = (0..n * self.config.latent_dim).map(|_| StandardNormal.sample(&mut self.rng)).collect();
        Ok(Tensor::from_vec(v, (n, self.config.latent_dim), &self.device)?)
    }

    /// Trains through the fast path where it applies ([`Path::Fast`], the default) or
    /// through candle's autodiff ([`Path::Reference`]). Both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.path = path;
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::fast::Threads`]); 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        let nat = self.native.get_or_insert_with(|| NativeVae::new(&self.ae, &self.vae));
        nat.threads = crate::fast::Threads::new(threads);
    }

    /// Which models [`Self::step`] trains: both in the lab; benchmarks time one alone.
    pub fn set_models(&mut self, models: Models) {
        self.models = models;
    }

    /// One step of both models on the same minibatch (drawn with replacement).
    pub fn step(&mut self) -> Result<TrainTerms, TrainError> {
        let last = if self.path == Path::Reference { self.candle_step()? } else { self.fast_step()? };
        self.steps += 1;
        // Every model that blew up is named, not only the first one checked: the AE and the
        // VAE share the learning rate, and often explode together.
        let mut blown: Vec<String> = [
            ("the VAE's reconstruction term", last.vae_recon),
            ("the VAE's KL term", last.vae_kl),
            ("the AE's loss", last.ae_recon),
        ]
        .into_iter()
        .filter_map(|(what, v)| crate::train::loss_blow_up(v).map(|why| format!("{what} is {why}")))
        .collect();
        if !blown.is_empty() {
            // A model whose loss still looks finite may have exploded all the same: its codes say.
            if let Ok((ae, vae)) = self.latents() {
                for junk in latent_blow_ups(&ae, &vae) {
                    let model = junk.split('\'').next().unwrap_or_default().to_owned();
                    if !blown.iter().any(|b| b.starts_with(&model)) {
                        blown.push(junk);
                    }
                }
            }
            return Err(TrainError::Diverged { step: self.steps, what: blown.join("; ") });
        }
        self.last = last;
        let s = self.steps as f64;
        let h = &mut self.history;
        h.train_recon.push(s, last.vae_recon);
        h.train_kl.push(s, last.vae_kl);
        h.train_neg_elbo.push(s, last.vae_recon + last.vae_kl);
        h.ae_train_recon.push(s, last.ae_recon);
        Ok(last)
    }

    /// Both models' step through candle's autodiff.
    pub(super) fn candle_step(&mut self) -> Result<TrainTerms, TrainError> {
        let (vae, ae, terms) = self.candle_gradients()?;
        if let Some(grads) = vae {
            self.opt_vae.step(&grads)?;
        }
        if let Some(grads) = ae {
            self.opt_ae.step(&grads)?;
        }
        Ok(terms)
    }

    /// Both models' gradients on a fresh minibatch through candle's autodiff: (VAE's, AE's,
    /// the terms).
    pub(super) fn candle_gradients(
        &mut self,
    ) -> Result<(Option<GradStore>, Option<GradStore>, TrainTerms), TrainError> {
        let n = self.split.train.len();
        let b = self.config.batch;
        let idx: Vec<u32> = (0..b).map(|_| self.rng.random_range(0..n) as u32).collect();
        let x = self.train_x.index_select(&Tensor::from_vec(idx, b, &self.device)?, 0)?;
        let eps = self.normal(b * self.config.mc_samples)?;
        let value = |t: &Tensor| -> Result<f64, TrainError> { Ok(f64::from(t.to_vec0::<f32>()?)) };
        let mut terms = TrainTerms { beta: self.config.beta, ..TrainTerms::default() };
        let mut vae = None;
        if self.models.vae() {
            let t = self.vae.terms(&x, &eps, self.config.likelihood, self.config.beta)?;
            (terms.vae_recon, terms.vae_kl) = (value(&t.recon)?, value(&t.kl)?);
            vae = Some(t.loss.backward()?);
        }
        let mut ae = None;
        if self.models.ae() {
            let loss = self.ae.recon(&x, self.config.likelihood)?.mean_all()?;
            terms.ae_recon = value(&loss)?;
            ae = Some(loss.backward()?);
        }
        Ok((vae, ae, terms))
    }

    /// Both models' step on the fast path.
    pub(super) fn fast_step(&mut self) -> Result<TrainTerms, TrainError> {
        let (terms, applied) = self.fast_gradients(true)?;
        if applied {
            return Ok(terms);
        }
        let nat = self.native.as_ref().expect("built by fast_gradients");
        let (vae, ae) = nat.gradients();
        if self.models.vae() {
            self.opt_vae.step_parts(&vae)?;
        }
        if self.models.ae() {
            self.opt_ae.step_parts(&ae)?;
        }
        Ok(terms)
    }

    /// Both models' gradients on a fresh minibatch, left in the fast path's buffers: the
    /// same draws, terms and gradients as [`Vae::terms`] and [`Autoencoder::recon`] give
    /// through candle, written out (see [`crate::fast::vae`]). With `update`, a model that has a
    /// thread of its own is also updated there; the flag says whether that happened.
    pub(super) fn fast_gradients(&mut self, update: bool) -> Result<(TrainTerms, bool), TrainError> {
        let nat = self.native.get_or_insert_with(|| NativeVae::new(&self.ae, &self.vae));
        let (b, k, samples) = (self.config.batch, self.config.latent_dim, self.config.mc_samples);
        let (lik, beta) = (self.config.likelihood, self.config.beta as f32);
        let train = &self.split.train;
        let d = train.dim();
        // The same draws in the same order as the candle path: indices, then ε.
        let rng = &mut self.rng;
        nat.x.gather(&train.pixels, d, b, || rng.random_range(0..train.len()));
        nat.eps.draw(samples * b * k, || StandardNormal.sample(rng));

        let optimizers = update.then_some((&mut self.opt_vae, &mut self.opt_ae));
        let step = VaeStep { models: self.models, likelihood: lik, beta, batch: b, latent: k, samples };
        let ((vae_recon, vae_kl, ae_recon), applied) =
            nat.gradients_of_batch(&self.ae, &self.vae, &step, optimizers)?;
        Ok((TrainTerms { vae_recon, vae_kl, ae_recon, beta: self.config.beta }, applied))
    }

    /// Measures the test set as [`Self::evaluate`] does and shows the result, but leaves the
    /// curves as they were. A headless run's final evaluation, whose log p(x) estimate is larger
    /// than its periodic ones, is taken so: the curves hold the periodic evaluations alone, the
    /// same whether the run went straight through or was saved and resumed on the way.
    pub fn evaluate_unrecorded(&mut self) -> Result<VaeEval, TrainError> {
        let history = self.history.clone();
        let eval = self.evaluate();
        self.history = history;
        eval
    }

    /// Writes safetensors checkpoints of both models (`ae.safetensors`, `vae.safetensors`).
    pub fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        let save = |name: &str, enc: &crate::model::mlp::Mlp, dec: &crate::model::mlp::Mlp| {
            let mut all = enc.named_tensors("encoder");
            all.extend(dec.named_tensors("decoder"));
            let map: std::collections::HashMap<_, _> = all.into_iter().collect();
            let path = dir.join(name);
            candle_core::safetensors::save(&map, &path)
                .map_err(|e| TrainError::Io(format!("cannot write {}: {e}", path.display())))
        };
        save("ae.safetensors", &self.ae.encoder, &self.ae.decoder)?;
        save("vae.safetensors", &self.vae.encoder, &self.vae.decoder)
    }
}

impl Lab for VaeTrainer {
    type Command = VaeCommand;
    type Snapshot = VaeSnapshot;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.step().map(|_| ())
    }

    fn apply(&mut self, command: VaeCommand) -> Result<(), TrainError> {
        match command {
            VaeCommand::Step => self.step().map(|_| ()),
            VaeCommand::SetConfig(c) => self.set_config(*c),
            VaeCommand::EvaluateNow => {
                self.eval_due = true;
                Ok(())
            }
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        self.replace(Self::with_split(self.config.clone(), Arc::clone(&self.split))?);
        Ok(())
    }

    fn set_interrupt(&mut self, interrupt: Interrupt) {
        self.interrupt = interrupt;
    }

    fn snapshot(&mut self) -> Result<VaeSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    fn min_publish_interval(&self) -> Duration {
        Duration::from_millis(100)
    }

    fn save_run(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, crate::train::run::RunError> {
        Self::save_run(self, dest)
    }

    fn open_run(dir: &std::path::Path) -> Result<Self, crate::train::run::RunError> {
        Self::open_run(dir)
    }
}
