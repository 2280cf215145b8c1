//! The JS vs W1 lab as a saved run (see [`crate::train::run`]): settings in `run.json`; the
//! estimator pair and the race's pair (discriminators, critics, spectral-norm vectors) and the
//! race's two θ in `weights.safetensors`; their four optimisers in `optimizers.safetensors`;
//! counters, recent estimates, the race's curves and the generator's position in `state.json`.
//! A reopened run goes on exactly as the original would have (tested bit for bit).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::train::rng;
use crate::train::run::{self, Manifest, RunError, RunWriter};

/// The lab's name in a run's manifest.
pub const LAB: &str = "js-w1";

const STATE: &str = "state.json";

/// What a run needs beyond settings and weights to go on exactly.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    /// The training generator's state ([`rng::state`]).
    rng: String,
    steps_at_theta: u64,
    js_recent: Vec<f64>,
    racing: bool,
    race_steps: u64,
    race_history: RaceHistory,
}

impl Pair {
    /// The pair's weights (and spectral-norm vectors) under `prefix`.
    fn tensors(&self, prefix: &str) -> candle_core::Result<Vec<(String, Tensor)>> {
        let mut all = self.d.named_tensors(&format!("{prefix}.d"));
        all.extend(self.critic.named_tensors(&format!("{prefix}.critic")));
        if let Some(sn) = &self.sn {
            all.extend(run::spectral_tensors(&format!("{prefix}.spectral"), sn)?);
        }
        Ok(all)
    }

    fn optimizer_tensors(&self, prefix: &str) -> candle_core::Result<Vec<(String, Tensor)>> {
        let mut all = run::optimizer_tensors(&format!("{prefix}.opt_d"), &self.opt_d.state())?;
        all.extend(run::optimizer_tensors(&format!("{prefix}.opt_c"), &self.opt_c.state())?);
        Ok(all)
    }

    /// Loads what [`Self::tensors`] and [`Self::optimizer_tensors`] wrote (into a fresh pair).
    fn load(
        &mut self,
        prefix: &str,
        weights: (&Path, &HashMap<String, Tensor>),
        optimizers: (&Path, &HashMap<String, Tensor>),
    ) -> Result<(), RunError> {
        let (weights_path, weights) = weights;
        let (optimizers_path, optimizers) = optimizers;
        self.d.load_named(&format!("{prefix}.d"), weights).map_err(|e| RunError::file(weights_path, e))?;
        self.critic.load_named(&format!("{prefix}.critic"), weights).map_err(|e| RunError::file(weights_path, e))?;
        if let Some(sn) = &mut self.sn {
            let layers = self.critic.layers().len();
            run::restore_spectral(weights_path, weights, &format!("{prefix}.spectral"), layers, sn)?;
        }
        for (name, opt, vars) in
            [("opt_d", &mut self.opt_d, self.d.vars().len()), ("opt_c", &mut self.opt_c, self.critic.vars().len())]
        {
            let name = format!("{prefix}.{name}");
            let state = run::optimizer_state(optimizers_path, optimizers, &name, vars)?;
            opt.restore(state).map_err(|e| RunError::file(optimizers_path, format!("{name}: {e}")))?;
        }
        Ok(())
    }
}

impl LinesTrainer {
    /// Saves the run as the folder `dest` (written whole, see [`RunWriter`]); returns it.
    pub fn save_run(&self, dest: &Path) -> Result<PathBuf, RunError> {
        self.write_run(RunWriter::begin(dest)?)
    }

    /// Writes the run's files through `writer` and finishes it.
    pub fn write_run(&self, writer: RunWriter) -> Result<PathBuf, RunError> {
        let weights = (|| {
            let mut all = self.pair.tensors("estimator")?;
            all.extend(self.race.pair.tensors("race")?);
            all.push(("race.theta_gan".to_owned(), self.race.theta_gan.as_tensor().clone()));
            all.push(("race.theta_wgan".to_owned(), self.race.theta_wgan.as_tensor().clone()));
            Ok::<_, candle_core::Error>(all)
        })()
        .map_err(|e| RunError::file(&writer.path(run::WEIGHTS), e))?;
        writer.write_tensors(run::WEIGHTS, &weights)?;
        let optimizers = (|| {
            let mut all = self.pair.optimizer_tensors("estimator")?;
            all.extend(self.race.pair.optimizer_tensors("race")?);
            Ok::<_, candle_core::Error>(all)
        })()
        .map_err(|e| RunError::file(&writer.path(run::OPTIMIZERS), e))?;
        writer.write_tensors(run::OPTIMIZERS, &optimizers)?;
        writer.write_json(
            STATE,
            &State {
                rng: rng::state(&self.rng),
                steps_at_theta: self.steps_at_theta,
                js_recent: self.js_recent.iter().copied().collect(),
                racing: self.racing,
                race_steps: self.race.steps,
                race_history: self.race.history.clone(),
            },
        )?;
        let settings =
            serde_json::to_value(&self.config).map_err(|e| RunError::file(&writer.path(run::MANIFEST), e))?;
        writer.finish(&Manifest::new(LAB, self.race.steps, settings))
    }

    /// Opens a run saved by [`Self::save_run`], every file checked and each problem named
    /// with its file.
    pub fn open_run(dir: &Path) -> Result<Self, RunError> {
        let manifest = run::read_manifest(dir, LAB)?;
        let manifest_path = dir.join(run::MANIFEST);
        let config: LinesConfig = run::read_settings(&manifest_path, &manifest)?;
        let mut trainer = Self::new(config).map_err(|e| RunError::file(&manifest_path, e))?;
        let (weights_path, optimizers_path) = (dir.join(run::WEIGHTS), dir.join(run::OPTIMIZERS));
        let weights = run::read_tensors(dir, run::WEIGHTS)?;
        let optimizers = run::read_tensors(dir, run::OPTIMIZERS)?;
        let files = ((weights_path.as_path(), &weights), (optimizers_path.as_path(), &optimizers));
        trainer.pair.load("estimator", files.0, files.1)?;
        trainer.race.pair.load("race", files.0, files.1)?;
        for (name, var) in [("race.theta_gan", &trainer.race.theta_gan), ("race.theta_wgan", &trainer.race.theta_wgan)]
        {
            let value = run::required_values(&weights_path, &weights, name)?;
            let [theta] = value.as_slice() else {
                return Err(RunError::file(&weights_path, format!("tensor '{name}' is not one number")));
            };
            if !theta.is_finite() {
                return Err(RunError::file(&weights_path, format!("tensor '{name}' is not finite")));
            }
            let tensor = Tensor::from_vec(vec![*theta], (1, 1), &Device::Cpu)
                .map_err(|e| RunError::file(&weights_path, format!("tensor '{name}': {e}")))?;
            var.set(&tensor).map_err(|e| RunError::file(&weights_path, format!("tensor '{name}': {e}")))?;
        }
        let state_path = dir.join(STATE);
        let state: State = run::read_json(&state_path)?;
        run::check_same_save(&state_path, state.race_steps, &manifest)?;
        trainer.rng = rng::restore(&state.rng).map_err(|e| RunError::file(&state_path, e))?;
        trainer.steps_at_theta = state.steps_at_theta;
        trainer.js_recent = state.js_recent.into_iter().collect();
        trainer.racing = state.racing;
        trainer.race.steps = state.race_steps;
        trainer.race.history = state.race_history;
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(t: &LinesTrainer) -> Vec<(String, Vec<f32>)> {
        let mut all = t.pair.tensors("estimator").unwrap();
        all.extend(t.race.pair.tensors("race").unwrap());
        all.into_iter().map(|(n, w)| (n, w.flatten_all().unwrap().to_vec1::<f32>().unwrap())).collect()
    }

    fn go_on(t: &mut LinesTrainer) {
        for _ in 0..15 {
            t.estimator_step().unwrap();
            t.race_step().unwrap();
        }
    }

    #[test]
    fn a_reopened_run_goes_on_as_the_original_bit_for_bit() {
        for constraint in [Constraint::GradientPenalty { lambda: 10.0 }, Constraint::SpectralNorm] {
            let config = LinesConfig { constraint, theta: 0.7, ..LinesConfig::default() };
            let mut original = LinesTrainer::new(config).unwrap();
            go_on(&mut original);
            original.build_snapshot().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let dest = original.save_run(&dir.path().join("run")).unwrap();
            let mut reopened = LinesTrainer::open_run(&dest).unwrap();
            assert_eq!(reopened.config(), original.config());
            assert_eq!(weights(&reopened), weights(&original));
            assert_eq!(reopened.race_theta().unwrap(), original.race_theta().unwrap());
            assert_eq!(reopened.race_history().theta_wgan, original.race_history().theta_wgan);
            go_on(&mut original);
            go_on(&mut reopened);
            assert_eq!(weights(&reopened), weights(&original), "{constraint:?}");
            assert_eq!(reopened.race_theta().unwrap(), original.race_theta().unwrap());
            assert_eq!(reopened.estimates().unwrap(), original.estimates().unwrap());
        }
    }
}
