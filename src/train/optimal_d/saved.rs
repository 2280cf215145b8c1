//! The optimal-discriminator lab as a saved run (see [`crate::train::run`]): settings in
//! `run.json`, both networks in `weights.safetensors`, both optimisers' state in
//! `optimizers.safetensors`, counters, the generator's position and the curves in `state.json`.
//! A reopened run goes on exactly as the original would have (tested bit for bit).

use std::path::{Path, PathBuf};

use super::*;
use crate::train::rng;
use crate::train::run::{self, Manifest, RunError, RunWriter};

/// The lab's name in a run's manifest.
pub const LAB: &str = "optimal-d";

const STATE: &str = "state.json";

/// What a run needs beyond settings and weights to go on exactly.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    d_steps: u64,
    g_steps: u64,
    iterations: u64,
    /// The training generator's state ([`rng::state`]).
    rng: String,
    /// The last D loss (None before the first D step).
    last_d_loss: Option<f64>,
    history: OptimalDHistory,
}

impl OptimalDTrainer {
    /// Saves the run as the folder `dest` (written whole, see [`RunWriter`]); returns it.
    pub fn save_run(&self, dest: &Path) -> Result<PathBuf, RunError> {
        self.write_run(RunWriter::begin(dest)?)
    }

    /// Writes the run's files through `writer` and finishes it.
    pub fn write_run(&self, writer: RunWriter) -> Result<PathBuf, RunError> {
        self.pair.save_into(&writer, Vec::new())?;
        writer.write_json(
            STATE,
            &State {
                d_steps: self.d_steps,
                g_steps: self.g_steps,
                iterations: self.iterations,
                rng: rng::state(&self.rng),
                last_d_loss: self.last_d_loss.is_finite().then_some(self.last_d_loss),
                history: self.history.clone(),
            },
        )?;
        let settings =
            serde_json::to_value(&self.config).map_err(|e| RunError::file(&writer.path(run::MANIFEST), e))?;
        writer.finish(&Manifest::new(LAB, self.iterations, settings))
    }

    /// Opens a run saved by [`Self::save_run`], every file checked and each problem named
    /// with its file.
    pub fn open_run(dir: &Path) -> Result<Self, RunError> {
        let manifest = run::read_manifest(dir, LAB)?;
        let manifest_path = dir.join(run::MANIFEST);
        let config: OptimalDConfig = serde_json::from_value(manifest.settings.clone())
            .map_err(|e| RunError::file(&manifest_path, format!("settings: {e}")))?;
        let mut trainer = Self::new(config).map_err(|e| RunError::file(&manifest_path, e))?;
        trainer.pair.open_from(dir)?;
        let state_path = dir.join(STATE);
        let state: State = run::read_json(&state_path)?;
        run::check_same_save(&state_path, state.iterations, &manifest)?;
        trainer.rng = rng::restore(&state.rng).map_err(|e| RunError::file(&state_path, e))?;
        trainer.d_steps = state.d_steps;
        trainer.g_steps = state.g_steps;
        trainer.iterations = state.iterations;
        trainer.last_d_loss = state.last_d_loss.unwrap_or(f64::NAN);
        trainer.history = state.history;
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(t: &OptimalDTrainer) -> Vec<(String, Vec<f32>)> {
        t.pair
            .named_tensors()
            .into_iter()
            .map(|(n, w)| (n, w.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
            .collect()
    }

    #[test]
    fn a_reopened_run_goes_on_as_the_original_bit_for_bit() {
        let mut original = OptimalDTrainer::new(OptimalDConfig::default()).unwrap();
        for _ in 0..50 {
            original.iteration().unwrap();
        }
        original.snapshot().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = original.save_run(&dir.path().join("run")).unwrap();
        let mut reopened = OptimalDTrainer::open_run(&dest).unwrap();
        assert_eq!(reopened.config(), original.config());
        assert_eq!(weights(&reopened), weights(&original));
        assert_eq!(reopened.history.c_g, original.history.c_g);
        assert_eq!(reopened.d_steps_done(), original.d_steps_done());
        assert_eq!(reopened.iterations(), 50);
        for _ in 0..30 {
            original.iteration().unwrap();
            reopened.iteration().unwrap();
        }
        assert_eq!(weights(&reopened), weights(&original));
        assert_eq!(reopened.last_d_loss.to_bits(), original.last_d_loss.to_bits());
    }

    #[test]
    fn a_gan_run_is_not_an_optimal_d_run() {
        let gan = crate::train::gan::GanTrainer::new(crate::train::gan::GanConfig::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = gan.save_run(&dir.path().join("gan-run")).unwrap();
        let e = OptimalDTrainer::open_run(&dest).err().unwrap().to_string();
        assert!(e.contains("saved by the gan lab, not the optimal-d lab"), "{e}");
    }
}
