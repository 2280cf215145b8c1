//! The GAN lab as a saved run (see [`crate::train::run`]): settings and data in `run.json`,
//! both networks (and the spectral-norm vectors) in `weights.safetensors`, both optimisers'
//! state in `optimizers.safetensors`, the counters, the generator's position and the curves in
//! `state.json`, and the curves again as `curves.csv` for people and spreadsheets.
//!
//! Opening a run rebuilds the trainer it was saved from: the next steps draw the same
//! minibatches and take the same updates as the original would have (tested bit for bit).

use std::path::{Path, PathBuf};

use super::*;
use crate::train::run::{self, Manifest, RunError, RunWriter};
use crate::train::{rng, series};

/// The GAN lab's name in a run's manifest.
pub const LAB: &str = "gan";

const STATE: &str = "state.json";
const CURVES: &str = "curves.csv";

/// What `run.json` holds as the lab's settings: the settings and the data they train on.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    config: GanConfig,
    data: Toy2d,
}

/// What a run needs beyond settings and weights to go on exactly.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    d_steps: u64,
    g_steps: u64,
    /// The training generator's state ([`rng::state`]).
    rng: String,
    last: StepLosses,
    history: GanHistory,
    /// How long the generator has been away from the data (see [`RunawayWatch`]).
    runaway: RunawayWatch,
}

impl GanTrainer {
    /// Saves the run as the folder `dest` (written whole, see [`RunWriter`]); returns it.
    pub fn save_run(&self, dest: &Path) -> Result<PathBuf, RunError> {
        self.write_run(RunWriter::begin(dest)?)
    }

    /// Writes the run's files through `writer` and finishes it.
    pub fn write_run(&self, writer: RunWriter) -> Result<PathBuf, RunError> {
        let spectral_vectors = match &self.spectral {
            Some(sn) => {
                run::spectral_tensors("spectral", sn).map_err(|e| RunError::file(&writer.path(run::WEIGHTS), e))?
            }
            None => Vec::new(),
        };
        self.pair.save_into(&writer, spectral_vectors)?;
        let state = State {
            d_steps: self.d_steps,
            g_steps: self.g_steps,
            rng: rng::state(&self.rng),
            last: self.last,
            history: self.history.clone(),
            runaway: self.runaway.clone(),
        };
        writer.write_json(STATE, &state)?;
        writer.write_text(CURVES, &series::curves_csv(&self.history.named()))?;
        let settings = Settings { config: self.config.clone(), data: self.config.data.clone() };
        let settings = serde_json::to_value(settings).map_err(|e| RunError::file(&writer.path(run::MANIFEST), e))?;
        writer.finish(&Manifest::new(LAB, self.g_steps, settings))
    }

    /// Opens a run saved by [`Self::save_run`]. Every file is checked before the trainer is
    /// handed back, and each problem is named with its file.
    pub fn open_run(dir: &Path) -> Result<Self, RunError> {
        let manifest = run::read_manifest(dir, LAB)?;
        let manifest_path = dir.join(run::MANIFEST);
        let settings: Settings = serde_json::from_value(manifest.settings.clone())
            .map_err(|e| RunError::file(&manifest_path, format!("settings: {e}")))?;
        let mut config = settings.config;
        config.data = settings.data;
        let mut trainer = Self::new(config).map_err(|e| RunError::file(&manifest_path, e))?;

        let weights_path = dir.join(run::WEIGHTS);
        let weights = trainer.pair.open_from(dir)?;
        if let Some(spectral) = &mut trainer.spectral {
            let layers = trainer.pair.discriminator.layers().len();
            run::restore_spectral(&weights_path, &weights, "spectral", layers, spectral)?;
        }

        let state_path = dir.join(STATE);
        let state: State = run::read_json(&state_path)?;
        run::check_same_save(&state_path, state.g_steps, &manifest)?;
        trainer.rng = rng::restore(&state.rng).map_err(|e| RunError::file(&state_path, e))?;
        trainer.d_steps = state.d_steps;
        trainer.g_steps = state.g_steps;
        trainer.last = state.last;
        trainer.history = state.history;
        trainer.runaway = state.runaway;
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> GanConfig {
        GanConfig { batch: 64, ..GanConfig::default() }
    }

    fn all_weights(t: &GanTrainer) -> Vec<(String, Vec<f32>)> {
        t.named_tensors().into_iter().map(|(n, w)| (n, w.flatten_all().unwrap().to_vec1::<f32>().unwrap())).collect()
    }

    fn train(t: &mut GanTrainer, iterations: usize) {
        for _ in 0..iterations {
            t.iteration().unwrap();
        }
    }

    #[test]
    fn a_reopened_run_has_every_weight_and_setting_and_goes_on_as_the_original() {
        for (loss, spectral) in [(GanLoss::NonSaturating, false), (GanLoss::WganGp, false), (GanLoss::Hinge, true)] {
            let mut original = GanTrainer::new(GanConfig { loss, spectral_norm: spectral, ..config() }).unwrap();
            train(&mut original, 60);
            original.evaluate().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join("run");
            original.save_run(&dest).unwrap();

            let mut reopened = GanTrainer::open_run(&dest).unwrap();
            assert_eq!(reopened.config(), original.config());
            assert_eq!(all_weights(&reopened), all_weights(&original));
            assert_eq!(reopened.iterations(), 60);
            assert_eq!(reopened.history().js_grid, original.history().js_grid);
            assert_eq!(reopened.last_losses(), original.last_losses());

            // Both go on: the same minibatches, the same updates, bit for bit.
            train(&mut original, 40);
            train(&mut reopened, 40);
            assert_eq!(all_weights(&reopened), all_weights(&original), "{loss:?}");
            assert_eq!(reopened.last_losses(), original.last_losses());
        }
    }

    #[test]
    fn points_data_and_curves_are_saved_with_the_run() {
        let data =
            Toy2d::Points { name: "my.csv".into(), points: vec![[0.0, 1.0], [2.0, -1.5], [0.25, 0.5]], jitter: 0.1 };
        let mut t = GanTrainer::new(GanConfig { data: data.clone(), ..config() }).unwrap();
        train(&mut t, 5);
        t.evaluate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = t.save_run(&dir.path().join("run")).unwrap();
        assert_eq!(GanTrainer::open_run(&dest).unwrap().config().data, data);
        let csv = std::fs::read_to_string(dest.join(CURVES)).unwrap();
        assert!(csv.starts_with("curve,step,value,averages\n"));
        assert!(csv.lines().any(|l| l.starts_with("js_grid,5,")), "{csv}");
    }

    #[test]
    fn a_damaged_run_is_refused_with_the_file_named() {
        let mut t = GanTrainer::new(config()).unwrap();
        train(&mut t, 3);
        let dir = tempfile::tempdir().unwrap();
        let dest = t.save_run(&dir.path().join("run")).unwrap();
        let open_err = || GanTrainer::open_run(&dest).err().map(|e| e.to_string()).unwrap_or_default();

        // Weights of another architecture.
        let mut wide =
            GanTrainer::new(GanConfig { generator: NetConfig { hidden: 32, ..config().generator }, ..config() })
                .unwrap();
        train(&mut wide, 1);
        let other = wide.save_run(&dir.path().join("wide")).unwrap();
        std::fs::copy(other.join(run::WEIGHTS), dest.join(run::WEIGHTS)).unwrap();
        let e = open_err();
        assert!(e.contains("weights.safetensors") && e.contains("shape"), "{e}");
        t.save_run(&dest).unwrap();

        // A state from another save.
        std::fs::copy(other.join(STATE), dest.join(STATE)).unwrap();
        let e = open_err();
        assert!(e.contains("state.json") && e.contains("different saves"), "{e}");
        t.save_run(&dest).unwrap();

        // A missing optimiser file, and a settings field out of range.
        std::fs::remove_file(dest.join(run::OPTIMIZERS)).unwrap();
        assert!(open_err().contains("optimizers.safetensors: missing"));
        t.save_run(&dest).unwrap();
        let manifest = dest.join(run::MANIFEST);
        let text = std::fs::read_to_string(&manifest).unwrap().replace("\"batch\": 64", "\"batch\": 0");
        std::fs::write(&manifest, text).unwrap();
        let e = open_err();
        assert!(e.contains("run.json") && e.contains("batch"), "{e}");
        t.save_run(&dest).unwrap();
        assert!(GanTrainer::open_run(&dest).is_ok());
    }
}
