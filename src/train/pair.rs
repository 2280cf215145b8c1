//! The adversarial pair the GAN lab and the optimal-discriminator lab share: a generator and a
//! discriminator, their optimisers, the fast path's buffers and the choice of path, and the
//! pair's checkpoint (safetensors, `generator.*` and `discriminator.*`).

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::SeedableRng as _;

use super::run::{self, RunError, RunWriter};
use super::TrainError;
use crate::fast::gan::NativeGan;
use crate::fast::Path;
use crate::model::mlp::Mlp;
use crate::model::optim::{Optimizer, OptimizerConfig};

/// A generator and a discriminator with their optimisers and the fast path's buffers.
pub struct Adversaries {
    /// The generator G.
    pub generator: Mlp,
    /// The discriminator (or critic) D.
    pub discriminator: Mlp,
    /// G's optimiser.
    pub opt_g: Optimizer,
    /// D's optimiser.
    pub opt_d: Optimizer,
    /// The fast path's buffers (small: gradient buffers of G's and D's shapes).
    native: NativeGan,
    /// The fast path or candle's autodiff.
    path: Path,
}

impl Adversaries {
    /// The pair, with fresh optimisers of these settings, on the fast path.
    pub fn new(generator: Mlp, discriminator: Mlp, opt_g: OptimizerConfig, opt_d: OptimizerConfig) -> Self {
        Self {
            opt_g: Optimizer::new(generator.vars(), opt_g),
            opt_d: Optimizer::new(discriminator.vars(), opt_d),
            native: NativeGan::new(&generator, &discriminator),
            generator,
            discriminator,
            path: Path::Fast,
        }
    }

    /// The path the steps take.
    pub fn path(&self) -> Path {
        self.path
    }

    /// Chooses the fast path or candle's autodiff; both compute the same numbers.
    pub fn set_path(&mut self, path: Path) {
        self.path = path;
    }

    /// Cuts each minibatch of the fast path into `threads` parts that run on their own
    /// threads of the pair's own pool; 1 runs everything on the caller.
    pub fn set_compute_threads(&mut self, threads: usize) {
        self.fast().threads = crate::fast::Threads::new(threads);
    }

    /// The fast path's buffers, where the caller draws a minibatch (real rows, noise rows and
    /// the penalty's mixing weights) before [`Self::fast_d_step`] or [`Self::fast_g_step`].
    pub fn fast(&mut self) -> &mut NativeGan {
        &mut self.native
    }

    /// D's step on the fast path on the minibatch in [`Self::fast`] (see
    /// [`NativeGan::d_step`]): (loss, mean D(real), mean D(fake)).
    pub fn fast_d_step(
        &mut self,
        n: usize,
        loss: crate::objective::gan::GanLoss,
        gp_lambda: Option<f32>,
    ) -> Result<(f64, f64, f64), TrainError> {
        Ok(self.native.d_step(n, loss, gp_lambda, &self.generator, &self.discriminator, &mut self.opt_d)?)
    }

    /// G's step on the fast path on the noise in [`Self::fast`] (see [`NativeGan::g_step`]):
    /// (loss, largest |coordinate| generated).
    pub fn fast_g_step(&mut self, n: usize, loss: crate::objective::gan::GanLoss) -> Result<(f64, f32), TrainError> {
        Ok(self.native.g_step(n, loss, &self.generator, &self.discriminator, &mut self.opt_g)?)
    }

    /// G applied to `n` noise rows on the fast path (evaluation).
    pub fn fast_generate(&mut self, z: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        Ok(self.native.generate(&self.generator, z, n)?)
    }

    /// D's raw output at `n` rows on the fast path (evaluation).
    pub fn fast_discriminate(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>, TrainError> {
        Ok(self.native.discriminate(&self.discriminator, x, n)?)
    }

    /// D's output at `n` rows and φ′(D(x))·∇ₓD(x) per row on the fast path (evaluation; see
    /// [`NativeGan::discriminate_with_input_grad`]).
    pub fn fast_discriminate_with_input_grad(
        &mut self,
        x: &[f32],
        n: usize,
        slope: impl Fn(f32) -> f32,
    ) -> Result<(Vec<f32>, Vec<f32>), TrainError> {
        Ok(self.native.discriminate_with_input_grad(&self.discriminator, x, n, slope)?)
    }

    /// Writes both networks' weights (and `extra` tensors beside them) to
    /// [`run::WEIGHTS`] and both optimisers' state to [`run::OPTIMIZERS`] of a run being saved.
    pub fn save_into(&self, writer: &RunWriter, extra: Vec<(String, Tensor)>) -> Result<(), RunError> {
        let mut weights = self.named_tensors();
        weights.extend(extra);
        writer.write_tensors(run::WEIGHTS, &weights)?;
        let optimizers = run::optimizer_tensors("opt_g", &self.opt_g.state())
            .and_then(|mut all| {
                all.extend(run::optimizer_tensors("opt_d", &self.opt_d.state())?);
                Ok(all)
            })
            .map_err(|e| RunError::file(&writer.path(run::OPTIMIZERS), e))?;
        writer.write_tensors(run::OPTIMIZERS, &optimizers)
    }

    /// Loads the weights and optimiser state saved by [`Self::save_into`] from the run in
    /// `dir`; returns the weight file's tensors (for the extras). On an error, naming the
    /// file, the pair may hold the new weights: open into a fresh pair and keep it only on
    /// success.
    pub fn open_from(&mut self, dir: &std::path::Path) -> Result<HashMap<String, Tensor>, RunError> {
        let weights_path = dir.join(run::WEIGHTS);
        let weights = run::read_tensors(dir, run::WEIGHTS)?;
        let optimizers_path = dir.join(run::OPTIMIZERS);
        let optimizers = run::read_tensors(dir, run::OPTIMIZERS)?;
        let opt_g = run::optimizer_state(&optimizers_path, &optimizers, "opt_g", self.generator.vars().len())?;
        let opt_d = run::optimizer_state(&optimizers_path, &optimizers, "opt_d", self.discriminator.vars().len())?;
        self.load_map(&weights).map_err(|e| RunError::file(&weights_path, e))?;
        self.opt_g.restore(opt_g).map_err(|e| RunError::file(&optimizers_path, format!("opt_g: {e}")))?;
        self.opt_d.restore(opt_d).map_err(|e| RunError::file(&optimizers_path, format!("opt_d: {e}")))?;
        Ok(weights)
    }

    /// Every weight, named `generator.{i}.weight` etc., for a safetensors checkpoint.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut all = self.generator.named_tensors("generator");
        all.extend(self.discriminator.named_tensors("discriminator"));
        all
    }

    /// Writes a safetensors checkpoint of both networks.
    pub fn save(&self, path: &std::path::Path) -> Result<(), TrainError> {
        let map: HashMap<String, Tensor> = self.named_tensors().into_iter().collect();
        candle_core::safetensors::save(&map, path)
            .map_err(|e| TrainError::Io(format!("cannot write {}: {e}", path.display())))
    }

    /// Loads a checkpoint written by [`Self::save`]; a missing tensor or a wrong shape is an
    /// error naming it, and nothing is loaded then.
    pub fn load(&mut self, path: &std::path::Path) -> Result<(), TrainError> {
        let device = Device::Cpu;
        let map = candle_core::safetensors::load(path, &device)
            .map_err(|e| TrainError::Io(format!("cannot read checkpoint {}: {e}", path.display())))?;
        self.load_map(&map).map_err(|e| TrainError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Loads both networks' weights from named tensors (as [`Self::named_tensors`] names
    /// them); a missing tensor or a wrong shape is an error naming it, and then neither
    /// network changes.
    pub fn load_map(&mut self, map: &HashMap<String, Tensor>) -> Result<(), String> {
        let device = Device::Cpu;
        let probe = |shape| Mlp::new(shape, &mut StdRng::seed_from_u64(0), &device).map_err(|e| e.to_string());
        // Check both before loading either.
        probe(self.generator.shape())?.load_named("generator", map)?;
        probe(self.discriminator.shape())?.load_named("discriminator", map)?;
        self.generator.load_named("generator", map)?;
        self.discriminator.load_named("discriminator", map)
    }
}
