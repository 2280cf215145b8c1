//! The AE vs VAE lab as a saved run (see [`crate::train::run`]): the settings in `run.json`
//! (the data set by name: `Mnist5k`, `Digits` or an IDX folder, never the images); both
//! models in `weights.safetensors` (`ae.encoder.*`, `ae.decoder.*`, `vae.encoder.*`,
//! `vae.decoder.*`); both optimisers' state in `optimizers.safetensors` (`opt_ae.*`,
//! `opt_vae.*`); the step count, the generator's position, the last minibatch terms, the last
//! test evaluation and the curves in `state.json`; the curves again as `curves.csv` for people
//! and spreadsheets.
//!
//! Opening a run loads the data its settings name (refused, with the data named, when it is
//! not there) and rebuilds the trainer it was saved from: the next steps draw the same
//! minibatches and noise and take the same updates as the original would have (tested bit for
//! bit).

use std::path::{Path, PathBuf};

use super::*;
use crate::train::run::{self, Manifest, RunError, RunWriter};
use crate::train::{rng, series};

/// The AE vs VAE lab's name in a run's manifest.
pub const LAB: &str = "ae-vae";

const STATE: &str = "state.json";
const CURVES: &str = "curves.csv";

/// What a run needs beyond settings and weights to go on exactly, and to show the same picture.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    steps: u64,
    /// The training generator's state ([`rng::state`]).
    rng: String,
    last: TrainTerms,
    /// The last test evaluation (None if there was none, or if it held a number JSON cannot).
    eval: Option<VaeEval>,
    /// Whether the test set is to be measured again at the next snapshot.
    eval_due: bool,
    history: VaeHistory,
}

impl VaeTrainer {
    /// Saves the run as the folder `dest` (written whole, see [`RunWriter`]); returns it.
    pub fn save_run(&self, dest: &Path) -> Result<PathBuf, RunError> {
        self.write_run(RunWriter::begin(dest)?)
    }

    /// Writes the run's files through `writer` and finishes it.
    pub fn write_run(&self, writer: RunWriter) -> Result<PathBuf, RunError> {
        let mut weights = self.ae.encoder.named_tensors("ae.encoder");
        weights.extend(self.ae.decoder.named_tensors("ae.decoder"));
        weights.extend(self.vae.encoder.named_tensors("vae.encoder"));
        weights.extend(self.vae.decoder.named_tensors("vae.decoder"));
        writer.write_tensors(run::WEIGHTS, &weights)?;
        let optimizers = (|| {
            let mut all = run::optimizer_tensors("opt_ae", &self.opt_ae.state())?;
            all.extend(run::optimizer_tensors("opt_vae", &self.opt_vae.state())?);
            Ok::<_, candle_core::Error>(all)
        })()
        .map_err(|e| RunError::file(&writer.path(run::OPTIMIZERS), e))?;
        writer.write_tensors(run::OPTIMIZERS, &optimizers)?;
        // JSON has no NaN or infinity: an evaluation holding one is left out (measured again
        // when the run is opened).
        let eval = self.eval.clone().filter(|e| {
            let numbers = [e.vae_test_recon, e.vae_test_kl, e.vae_test_elbo, e.ae_test_recon, e.log_px_iw];
            let priors = [e.elbo_iw_images, e.vae_prior.mean_nn_distance, e.vae_prior.class_entropy];
            let ae_priors = [e.ae_prior.mean_nn_distance, e.ae_prior.class_entropy];
            numbers.iter().chain(&priors).chain(&ae_priors).all(|x| x.is_finite())
        });
        let state = State {
            steps: self.steps,
            rng: rng::state(&self.rng),
            last: self.last,
            eval_due: self.eval_due || (self.eval.is_some() && eval.is_none()),
            eval,
            history: self.history.clone(),
        };
        writer.write_json(STATE, &state)?;
        writer.write_text(CURVES, &series::curves_csv(&self.history.named()))?;
        let settings =
            serde_json::to_value(&self.config).map_err(|e| RunError::file(&writer.path(run::MANIFEST), e))?;
        writer.finish(&Manifest::new(LAB, self.steps, settings))
    }

    /// Opens a run saved by [`Self::save_run`]: loads the data its settings name, then checks
    /// every file before the trainer is handed back; each problem is named with its file.
    pub fn open_run(dir: &Path) -> Result<Self, RunError> {
        let manifest = run::read_manifest(dir, LAB)?;
        let manifest_path = dir.join(run::MANIFEST);
        let config: VaeConfig = run::read_settings(&manifest_path, &manifest)?;
        config.validate().map_err(|e| RunError::file(&manifest_path, format!("settings: {e}")))?;
        let split = config.data.load().map_err(|e| {
            RunError::file(
                &manifest_path,
                format!("the run trained on {}, which cannot be loaded here: {e}", config.data.label()),
            )
        })?;
        let mut trainer = Self::with_split(config, Arc::new(split)).map_err(|e| RunError::file(&manifest_path, e))?;

        let weights_path = dir.join(run::WEIGHTS);
        let weights = run::read_tensors(dir, run::WEIGHTS)?;
        for (prefix, mlp) in [
            ("ae.encoder", &trainer.ae.encoder),
            ("ae.decoder", &trainer.ae.decoder),
            ("vae.encoder", &trainer.vae.encoder),
            ("vae.decoder", &trainer.vae.decoder),
        ] {
            mlp.load_named(prefix, &weights).map_err(|e| RunError::file(&weights_path, e))?;
        }
        let optimizers_path = dir.join(run::OPTIMIZERS);
        let optimizers = run::read_tensors(dir, run::OPTIMIZERS)?;
        let ae_vars = trainer.ae.vars().len();
        let vae_vars = trainer.vae.vars().len();
        for (name, opt, vars) in [("opt_ae", &mut trainer.opt_ae, ae_vars), ("opt_vae", &mut trainer.opt_vae, vae_vars)]
        {
            let state = run::optimizer_state(&optimizers_path, &optimizers, name, vars)?;
            opt.restore(state).map_err(|e| RunError::file(&optimizers_path, format!("{name}: {e}")))?;
        }

        let state_path = dir.join(STATE);
        let state: State = run::read_json(&state_path)?;
        run::check_same_save(&state_path, state.steps, &manifest)?;
        trainer.rng = rng::restore(&state.rng).map_err(|e| RunError::file(&state_path, e))?;
        trainer.steps = state.steps;
        trainer.last = state.last;
        trainer.eval_due = state.eval_due || state.eval.is_none();
        trainer.eval = state.eval;
        trainer.history = state.history;
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curves_are_written_for_people_one_row_per_point() {
        let mut h = VaeHistory::default();
        h.train_recon.push(1.0, 540.5);
        h.gap.push(1.0, 0.25);
        assert_eq!(
            series::curves_csv(&h.named()),
            "curve,step,value,averages\nvae_train_recon,1,540.5,1\ngap_estimate,1,0.25,1\n"
        );
    }
}
