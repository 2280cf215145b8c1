//! The GAN lab's trainer: building a run, its steps on either path, checkpoints.

use super::*;

impl GanTrainer {
    /// Builds a fresh run for `config`.
    pub fn new(config: GanConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let device = Device::Cpu;
        let mut init_rng = StdRng::seed_from_u64(config.seed ^ INIT_STREAM);
        let generator = Mlp::new(config.generator_shape(), &mut init_rng, &device)?;
        let discriminator = Mlp::new(config.discriminator_shape(), &mut init_rng, &device)?;
        let spectral =
            if config.spectral_norm { Some(SpectralNorm::new(&discriminator, &mut init_rng)?) } else { None };
        let mut eval_rng = super::super::rng::seeded(config.seed ^ EVAL_STREAM);
        let real_eval = Arc::new(config.data.sample(COVERAGE_SAMPLES, &mut eval_rng));
        let mut noise_eval = Vec::new();
        fill_noise(&mut noise_eval, config.noise, COVERAGE_SAMPLES * config.noise_dim, &mut eval_rng);
        let noise_eval = Arc::new(noise_eval);
        let pair = Adversaries::new(generator, discriminator, config.opt_g, config.opt_d);
        Ok(Self {
            rng: super::super::rng::seeded(config.seed),
            config,
            device,
            pair,
            d_steps: 0,
            g_steps: 0,
            last: StepLosses::default(),
            real_eval,
            noise_eval,
            history: GanHistory::default(),
            pending_panic: false,
            spectral,
            runaway: RunawayWatch::default(),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &GanConfig {
        &self.config
    }

    /// Generator steps done (the lab's step counter).
    pub fn iterations(&self) -> u64 {
        self.g_steps
    }

    /// Discriminator steps done.
    pub fn d_steps_done(&self) -> u64 {
        self.d_steps
    }

    /// The last training losses.
    pub fn last_losses(&self) -> StepLosses {
        self.last
    }

    /// The generator network.
    pub fn generator(&self) -> &Mlp {
        &self.pair.generator
    }

    /// The discriminator network.
    pub fn discriminator(&self) -> &Mlp {
        &self.pair.discriminator
    }

    /// The metric histories.
    pub fn history(&self) -> &GanHistory {
        &self.history
    }

    /// Applies new settings: a change of data, seed or architecture starts a fresh run,
    /// anything else applies to the running one.
    pub fn set_config(&mut self, config: GanConfig) -> Result<(), TrainError> {
        config.validate()?;
        if self.config.needs_restart(&config) {
            *self = Self::new(config)?;
        } else {
            self.pair.opt_g.set_config(config.opt_g);
            self.pair.opt_d.set_config(config.opt_d);
            self.config = config;
        }
        Ok(())
    }

    pub(super) fn real_batch(&mut self) -> Result<Tensor, TrainError> {
        let pts = self.config.data.sample(self.config.batch, &mut self.rng);
        points_tensor(&pts, &self.device)
    }

    pub(super) fn noise_batch(&mut self) -> Result<Tensor, TrainError> {
        noise(self.config.noise, self.config.batch, self.config.noise_dim, &mut self.rng, &self.device)
    }

    /// Trains through the fast path where it applies ([`Path::Fast`], the default) or
    /// through candle's autodiff ([`Path::Reference`]). Both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.pair.set_path(path);
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads (see [`crate::fast::Threads`]); 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        self.pair.set_compute_threads(threads);
    }

    /// Whether the next steps take the fast path: everything but spectral normalisation and
    /// the gradient penalty of a tanh critic, which need candle's autodiff.
    pub fn uses_fast_path(&self) -> bool {
        let tanh_penalty =
            self.config.loss == GanLoss::WganGp && self.config.discriminator.activation == Activation::Tanh;
        self.pair.path() == Path::Fast && self.spectral.is_none() && !tanh_penalty
    }

    /// One discriminator step on a fresh real and a fresh generated minibatch.
    pub fn step_d(&mut self) -> Result<StepLosses, TrainError> {
        self.check_panic();
        let (d_loss, d_real, d_fake) = if self.uses_fast_path() { self.fast_d()? } else { self.candle_d()? };
        if self.config.loss == GanLoss::WganClip {
            clip_weights(&self.pair.discriminator, self.config.clip)?;
        }
        self.d_steps += 1;
        if let Some(why) = crate::train::loss_blow_up(d_loss) {
            return Err(self.diverged(format!("the discriminator's loss is {why}")));
        }
        self.last = StepLosses { d_loss, d_real, d_fake, ..self.last };
        Ok(self.last)
    }

    /// One generator step on a fresh noise minibatch (D's weights held fixed).
    pub fn step_g(&mut self) -> Result<StepLosses, TrainError> {
        self.check_panic();
        let (g_loss, reach) = if self.uses_fast_path() { self.fast_g()? } else { self.candle_g()? };
        self.g_steps += 1;
        if let Some(why) = crate::train::loss_blow_up(g_loss) {
            return Err(self.diverged(format!("the generator's loss is {why}")));
        }
        let limit = EXPLODE_FACTOR * self.view_width();
        if reach.is_nan() || reach > limit {
            return Err(self.diverged(format!("generated points reached |x| = {reach:.3e}, beyond {limit:.0e}")));
        }
        self.last.g_loss = g_loss;
        self.history.d_loss.push(self.g_steps as f64, self.last.d_loss);
        self.history.g_loss.push(self.g_steps as f64, g_loss);
        Ok(self.last)
    }

    /// The discriminator step on the fast path: (loss, mean D(real), mean D(fake)).
    pub(super) fn fast_d(&mut self) -> Result<(f64, f64, f64), TrainError> {
        let n = self.config.batch;
        let nat = self.pair.fast();
        // The same draws in the same order as the candle path: real points, then noise.
        let real = self.config.data.sample(n, &mut self.rng);
        nat.real.set_points(&real);
        let (kind, rng) = (self.config.noise, &mut self.rng);
        nat.noise.draw(n * self.config.noise_dim, || kind.sample(rng));
        let gp_lambda = (self.config.loss == GanLoss::WganGp).then_some(self.config.gp_lambda as f32);
        if gp_lambda.is_some() {
            nat.alpha.draw(n, || rng.random_range(0.0f32..1.0));
        }
        self.pair.fast_d_step(n, self.config.loss, gp_lambda)
    }

    /// The generator step on the fast path: (loss, largest |coordinate| generated).
    pub(super) fn fast_g(&mut self) -> Result<(f64, f32), TrainError> {
        let n = self.config.batch;
        let nat = self.pair.fast();
        let (kind, rng) = (self.config.noise, &mut self.rng);
        nat.noise.draw(n * self.config.noise_dim, || kind.sample(rng));
        self.pair.fast_g_step(n, self.config.loss)
    }

    /// The discriminator step through candle's autodiff.
    pub(super) fn candle_d(&mut self) -> Result<(f64, f64, f64), TrainError> {
        let real = self.real_batch()?;
        let z = self.noise_batch()?;
        let fake = self.pair.generator.forward(&z)?.detach();
        if let Some(sn) = &mut self.spectral {
            sn.update(&self.pair.discriminator)?;
        }
        let out_real = self.d_forward(&real)?;
        let out_fake = self.d_forward(&fake)?;
        let mut loss = d_loss(self.config.loss, &out_real, &out_fake)?;
        if self.config.loss == GanLoss::WganGp {
            let n = self.config.batch;
            let alpha: Vec<f32> = (0..n).map(|_| self.rng.random_range(0.0f32..1.0)).collect();
            let alpha = Tensor::from_vec(alpha, (n, 1), &self.device)?;
            loss = (loss + gradient_penalty(&self.pair.discriminator, &real, &fake, &alpha, self.config.gp_lambda)?)?;
        }
        self.pair.opt_d.backward_step(&loss)?;
        let d_loss = f64::from(loss.to_vec0::<f32>()?);
        Ok((d_loss, mean_output(self.config.loss, &out_real)?, mean_output(self.config.loss, &out_fake)?))
    }

    /// The generator step through candle's autodiff.
    pub(super) fn candle_g(&mut self) -> Result<(f64, f32), TrainError> {
        let z = self.noise_batch()?;
        let fake = self.pair.generator.forward(&z)?;
        let out_fake = self.d_forward_frozen(&fake)?;
        let loss = g_loss(self.config.loss, &out_fake)?.mean_all()?;
        self.pair.opt_g.backward_step(&loss)?;
        let g_loss = f64::from(loss.to_vec0::<f32>()?);
        let reach = fake.abs()?.max_all()?.to_vec0::<f32>()?;
        Ok((g_loss, reach))
    }

    /// One iteration: `d_steps` discriminator steps, then one generator step.
    pub fn iteration(&mut self) -> Result<StepLosses, TrainError> {
        for _ in 0..self.config.d_steps {
            self.step_d()?;
        }
        self.step_g()
    }

    /// D's output: through the spectrally normalised weights when that switch is on.
    pub(super) fn d_forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.spectral {
            Some(sn) => sn.forward(&self.pair.discriminator, x),
            None => self.pair.discriminator.forward(x),
        }
    }

    /// D's output with its weights held fixed (gradients flow only to the input).
    pub(super) fn d_forward_frozen(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.spectral {
            Some(sn) => sn.forward(&self.pair.discriminator, x),
            None => forward_frozen(&self.pair.discriminator, x),
        }
    }

    /// Whether evaluation runs on the fast path's buffers: always, but for a spectrally
    /// normalised D (whose weights are divided by their norms in candle) and the reference.
    pub(super) fn native_eval(&self) -> bool {
        self.spectral.is_none() && self.pair.path() == Path::Fast
    }

    /// G applied to `z` (`n × noise_dim`, row-major): `n × 2` numbers.
    pub(super) fn run_g(&mut self, z: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            return self.pair.fast_generate(z, n);
        }
        let z = Tensor::from_slice(z, (n, self.config.noise_dim), &self.device)?;
        Ok(self.pair.generator.forward(&z)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's raw output (logit or score) at `n` points (`n × 2`, row-major).
    pub(super) fn run_d(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        if self.native_eval() {
            return self.pair.fast_discriminate(x, n);
        }
        let x = Tensor::from_slice(x, (n, 2), &self.device)?;
        Ok(self.d_forward_frozen(&x)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// D's output at `n` points and, per point, the gradient of φ(D(x)) in x, where `slope`
    /// is φ′: row i is φ′(D(xᵢ))·∇ₓD(xᵢ) (D's weights held fixed).
    pub(super) fn run_d_grad(
        &mut self,
        x: &[f32],
        n: usize,
        slope: impl Fn(f32) -> f32,
    ) -> Result<(Vec<f32>, Vec<f32>), TrainError> {
        if self.native_eval() {
            return self.pair.fast_discriminate_with_input_grad(x, n, slope);
        }
        let x = Var::from_slice(x, (n, 2), &self.device)?;
        let out = self.d_forward_frozen(x.as_tensor())?;
        let values = out.flatten_all()?.to_vec1::<f32>()?;
        let weights: Vec<f32> = values.iter().map(|&l| slope(l)).collect();
        let weights = Tensor::from_vec(weights, (n, 1), &self.device)?;
        let grads = (out * weights)?.sum_all()?.backward()?;
        let grad = match grads.get(x.as_tensor()) {
            Some(g) => g.flatten_all()?.to_vec1::<f32>()?,
            None => vec![0.0; 2 * n],
        };
        Ok((values, grad))
    }

    pub(super) fn check_panic(&mut self) {
        if std::mem::take(&mut self.pending_panic) {
            panic!("injected failure (test)");
        }
    }

    pub(super) fn diverged(&self, what: String) -> TrainError {
        TrainError::Diverged { step: self.g_steps, what }
    }

    pub(super) fn view_width(&self) -> f32 {
        let [lo, hi] = self.config.data.view_bounds();
        (hi[0] - lo[0]).max(hi[1] - lo[1])
    }

    /// Every weight, named `generator.{i}.weight` etc., for a safetensors checkpoint.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.pair.named_tensors()
    }

    /// Writes a safetensors checkpoint of both networks.
    pub fn save(&self, path: &std::path::Path) -> Result<(), TrainError> {
        self.pair.save(path)
    }

    /// Loads a checkpoint written by [`Self::save`]; a missing tensor or a wrong shape is an
    /// error naming it, and nothing is loaded then.
    pub fn load(&mut self, path: &std::path::Path) -> Result<(), TrainError> {
        self.pair.load(path)
    }
}

impl Lab for GanTrainer {
    type Command = GanCommand;
    type Snapshot = GanSnapshot;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.iteration().map(|_| ())
    }

    fn apply(&mut self, command: GanCommand) -> Result<(), TrainError> {
        match command {
            GanCommand::StepD => self.step_d().map(|_| ()),
            GanCommand::StepG => self.step_g().map(|_| ()),
            GanCommand::Iteration => self.iteration().map(|_| ()),
            GanCommand::SetConfig(c) => self.set_config(*c),
            GanCommand::InjectPanic => {
                self.pending_panic = true;
                Ok(())
            }
        }
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        *self = Self::new(self.config.clone())?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<GanSnapshot, TrainError> {
        self.build_snapshot()
    }

    fn steps(&self) -> u64 {
        self.g_steps
    }

    fn save_run(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, crate::train::run::RunError> {
        Self::save_run(self, dest)
    }

    fn open_run(dir: &std::path::Path) -> Result<Self, crate::train::run::RunError> {
        Self::open_run(dir)
    }
}
