//! A saved run: one folder that holds everything needed to show a lab again and to go on
//! training it (issue 12). The window and the command line read and write the same folders.
//!
//! ```text
//! my-run/
//!   run.json              what the folder is: format, version, lab, step, the lab's settings
//!   *.safetensors         every model's weights, and the optimisers' state
//!   *.csv                 the metric histories
//! ```
//!
//! A folder is written whole or not at all: [`RunWriter`] fills a hidden folder beside the
//! destination and renames it into place only when every file is written, so a run killed
//! while saving leaves the previous save (or nothing), never a half-written folder. Reading
//! checks `run.json` first ([`read_manifest`]), and each error names the file and the problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::model::critic::SpectralNorm;
use crate::model::optim::OptimizerState;

/// The name of the file that makes a folder a run.
pub const MANIFEST: &str = "run.json";

/// The weights of a run's models.
pub const WEIGHTS: &str = "weights.safetensors";

/// The state of a run's optimisers.
pub const OPTIMIZERS: &str = "optimizers.safetensors";

/// The value of `format` in every run's manifest.
pub const FORMAT: &str = "latent-lab run";

/// The manifest version this build writes and reads.
pub const VERSION: u32 = 1;

/// The largest manifest read (its settings are a few kilobytes; anything larger is not ours).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The largest state file read (a lab's curves and counters: well under a megabyte).
pub const MAX_STATE_BYTES: u64 = 64 << 20;

/// Why a run could not be saved or opened. Each message names the file and the problem.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RunError {
    /// A file could not be read or written.
    #[error("{path}: {problem}")]
    File {
        /// The file (or folder).
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// The folder is a run of another lab.
    #[error("{path} was saved by the {found} lab, not the {expected} lab: open it there")]
    OtherLab {
        /// The manifest.
        path: PathBuf,
        /// The lab it was saved from.
        found: String,
        /// The lab opening it.
        expected: String,
    },
}

impl RunError {
    /// A problem with the file at `path`.
    pub fn file(path: &Path, problem: impl std::fmt::Display) -> Self {
        Self::File { path: path.to_path_buf(), problem: problem.to_string() }
    }
}

/// What `run.json` says: which lab, how far it trained, and the lab's settings (kept as JSON
/// here; each lab reads its own).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this build.
    pub version: u32,
    /// The lab's short name (`gan`, `ae-vae`, `optimal-d`, `js-w1`).
    pub lab: String,
    /// Training steps taken.
    pub step: u64,
    /// The lab's settings.
    pub settings: serde_json::Value,
    /// What wrote it (`latent-lab 0.1.0`), for people reading the file.
    pub written_by: String,
}

impl Manifest {
    /// A manifest of this build's format for `lab` at `step`.
    pub fn new(lab: &str, step: u64, settings: serde_json::Value) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            lab: lab.to_owned(),
            step,
            settings,
            written_by: format!("latent-lab {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Reads and checks the manifest of the run in `dir`, which must be a run of `lab`.
pub fn read_manifest(dir: &Path, lab: &str) -> Result<Manifest, RunError> {
    let manifest = read_any_manifest(dir)?;
    if manifest.lab != lab {
        return Err(RunError::OtherLab { path: dir.join(MANIFEST), found: manifest.lab, expected: lab.to_owned() });
    }
    Ok(manifest)
}

/// Reads and checks the manifest of the run in `dir`, whichever lab saved it (the window
/// opens a run in the lab its manifest names).
pub fn read_any_manifest(dir: &Path) -> Result<Manifest, RunError> {
    let path = dir.join(MANIFEST);
    if !dir.is_dir() {
        return Err(RunError::file(dir, "not a folder (a saved run is a folder holding run.json)"));
    }
    let len = std::fs::metadata(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RunError::file(&path, "missing: this folder is not a saved run")
            } else {
                RunError::file(&path, e)
            }
        })?
        .len();
    if len > MAX_MANIFEST_BYTES {
        return Err(RunError::file(&path, format!("{len} bytes, more than a manifest's {MAX_MANIFEST_BYTES}")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| RunError::file(&path, e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| RunError::file(&path, format!("not valid JSON ({e})")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => return Err(RunError::file(&path, format!("format is '{other}', not '{FORMAT}'"))),
        None => return Err(RunError::file(&path, format!("no \"format\": \"{FORMAT}\": not a saved run"))),
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(RunError::file(
                &path,
                format!("version {v}; this build reads version {VERSION} (saved by another version of Latent Lab)"),
            ))
        }
        None => return Err(RunError::file(&path, "no \"version\" number")),
    }
    serde_json::from_value(value).map_err(|e| RunError::file(&path, e))
}

/// Reads the tensors of `dir/name`, naming the file when it is missing, truncated or not a
/// safetensors file.
pub fn read_tensors(dir: &Path, name: &str) -> Result<HashMap<String, Tensor>, RunError> {
    let path = dir.join(name);
    if !path.is_file() {
        return Err(RunError::file(&path, "missing from the saved run"));
    }
    let bytes = std::fs::read(&path).map_err(|e| RunError::file(&path, e))?;
    candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .map_err(|e| RunError::file(&path, format!("not a whole safetensors file ({e})")))
}

/// Reads the JSON file `path` of a run (at most [`MAX_STATE_BYTES`]), naming it in every
/// error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RunError> {
    let len = std::fs::metadata(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RunError::file(path, "missing from the saved run")
            } else {
                RunError::file(path, e)
            }
        })?
        .len();
    if len > MAX_STATE_BYTES {
        return Err(RunError::file(
            path,
            format!("{len} bytes, more than the {MAX_STATE_BYTES} a state file may have"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| RunError::file(path, e))?;
    serde_json::from_str(&text).map_err(|e| RunError::file(path, format!("not a valid state ({e})")))
}

/// The lab's settings held in `manifest` (read from `path`, named in every error), refusing a
/// field this build does not know at any depth (a setting of a newer version, or a typo, is
/// never silently dropped): the settings read are written back and every key of the file must
/// be among them.
pub fn read_settings<T: serde::Serialize + serde::de::DeserializeOwned>(
    path: &Path,
    manifest: &Manifest,
) -> Result<T, RunError> {
    let settings: T = serde_json::from_value(manifest.settings.clone())
        .map_err(|e| RunError::file(path, format!("settings: {e}")))?;
    let known = serde_json::to_value(&settings).map_err(|e| RunError::file(path, format!("settings: {e}")))?;
    if let Some(field) = unknown_field(&manifest.settings, &known, "settings") {
        return Err(RunError::file(path, format!("settings: unknown field `{field}`")));
    }
    Ok(settings)
}

/// The first key of `given` (at any depth, as `a.b.c`) that `known` lacks.
fn unknown_field(given: &serde_json::Value, known: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => given.iter().find_map(|(key, value)| {
            let here = format!("{at}.{key}");
            match known.get(key) {
                Some(k) => unknown_field(value, k, &here),
                None => Some(here),
            }
        }),
        (Value::Array(given), Value::Array(known)) => {
            given.iter().zip(known).enumerate().find_map(|(i, (g, k))| unknown_field(g, k, &format!("{at}.{i}")))
        }
        _ => None,
    }
}

/// Refuses a state file (`path`) whose step is not the manifest's: its files come from two
/// different saves.
pub fn check_same_save(path: &Path, state_step: u64, manifest: &Manifest) -> Result<(), RunError> {
    if state_step == manifest.step {
        Ok(())
    } else {
        Err(RunError::file(
            path,
            format!("step {state_step} here but {} in run.json: the files come from different saves", manifest.step),
        ))
    }
}

/// The numbers of the tensor `name` among `tensors` (read from `file`, named in an error);
/// None when there is no such tensor.
pub fn tensor_values(file: &Path, tensors: &HashMap<String, Tensor>, name: &str) -> Result<Option<Vec<f32>>, RunError> {
    tensors
        .get(name)
        .map(|t| {
            t.to_dtype(DType::F32)
                .and_then(|t| t.flatten_all())
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(|e| RunError::file(file, format!("tensor '{name}': {e}")))
        })
        .transpose()
}

/// [`tensor_values`] of a tensor the run must have: its absence is an error naming it.
pub fn required_values(file: &Path, tensors: &HashMap<String, Tensor>, name: &str) -> Result<Vec<f32>, RunError> {
    tensor_values(file, tensors, name)?.ok_or_else(|| RunError::file(file, format!("no tensor '{name}'")))
}

/// A spectral norm's vectors as tensors `PREFIX.I`, input layer first.
pub fn spectral_tensors(prefix: &str, sn: &SpectralNorm) -> candle_core::Result<Vec<(String, Tensor)>> {
    sn.vectors()?
        .into_iter()
        .enumerate()
        .map(|(i, u)| Ok((format!("{prefix}.{i}"), Tensor::new(u, &Device::Cpu)?)))
        .collect()
}

/// Puts back into `sn`, for a network of `layers` layers, the vectors [`spectral_tensors`]
/// wrote under `prefix` (read from `file`, named in an error).
pub fn restore_spectral(
    file: &Path,
    tensors: &HashMap<String, Tensor>,
    prefix: &str,
    layers: usize,
    sn: &mut SpectralNorm,
) -> Result<(), RunError> {
    let vectors =
        (0..layers).map(|i| required_values(file, tensors, &format!("{prefix}.{i}"))).collect::<Result<Vec<_>, _>>()?;
    sn.set_vectors(&vectors).map_err(|e| RunError::file(file, e))
}

/// An optimiser's state as named tensors `PREFIX.steps`, `PREFIX.m.I` and `PREFIX.v.I`
/// (moments not yet allocated are left out).
pub fn optimizer_tensors(prefix: &str, state: &OptimizerState) -> candle_core::Result<Vec<(String, Tensor)>> {
    let Ok(steps) = i64::try_from(state.steps) else {
        candle_core::bail!("{prefix}: step count {} too large to save", state.steps);
    };
    let mut out = vec![(format!("{prefix}.steps"), Tensor::new(&[steps], &Device::Cpu)?)];
    for (kind, moments) in [("m", &state.m), ("v", &state.v)] {
        for (i, moment) in moments.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
            out.push((format!("{prefix}.{kind}.{i}"), Tensor::new(moment.as_slice(), &Device::Cpu)?));
        }
    }
    Ok(out)
}

/// The optimiser state for `vars` variables stored under `prefix` in `tensors` (read from
/// `file`, named in errors); the shapes are checked by [`crate::model::optim::Optimizer::restore`].
pub fn optimizer_state(
    file: &Path,
    tensors: &HashMap<String, Tensor>,
    prefix: &str,
    vars: usize,
) -> Result<OptimizerState, RunError> {
    let steps_name = format!("{prefix}.steps");
    let steps = tensors.get(&steps_name).ok_or_else(|| RunError::file(file, format!("no tensor '{steps_name}'")))?;
    let steps = steps
        .to_dtype(DType::I64)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<i64>())
        .map_err(|e| RunError::file(file, format!("tensor '{steps_name}': {e}")))?;
    let steps = match steps.as_slice() {
        [s] if *s >= 0 => *s as u64,
        _ => return Err(RunError::file(file, format!("tensor '{steps_name}' is not one step count"))),
    };
    let moment = |kind: &str, i: usize| -> Result<Vec<f32>, RunError> {
        Ok(tensor_values(file, tensors, &format!("{prefix}.{kind}.{i}"))?.unwrap_or_default())
    };
    let m = (0..vars).map(|i| moment("m", i)).collect::<Result<_, _>>()?;
    let v = (0..vars).map(|i| moment("v", i)).collect::<Result<_, _>>()?;
    let extra = tensors
        .keys()
        .filter(|k| k.starts_with(&format!("{prefix}.")))
        .filter(|k| {
            let rest = &k[prefix.len() + 1..];
            rest != "steps"
                && !["m.", "v."]
                    .iter()
                    .any(|p| rest.strip_prefix(p).and_then(|i| i.parse::<usize>().ok()).is_some_and(|i| i < vars))
        })
        .min();
    if let Some(name) = extra {
        return Err(RunError::file(file, format!("tensor '{name}' belongs to no variable of a model of {vars}")));
    }
    Ok(OptimizerState { steps, m, v })
}

/// Writes a run folder whole. [`Self::begin`] writes into a hidden folder beside the
/// destination, and [`Self::finish`] writes the manifest last and renames the folder into
/// place; dropped unfinished, it removes what it wrote. [`Self::in_place`] writes into an
/// existing folder (a headless run's `--out`, which holds its logs too), each file through a
/// temporary name renamed over it, and the manifest last.
#[derive(Debug)]
pub struct RunWriter {
    /// Where the files are written: the staging folder, or the folder itself in place.
    dir: PathBuf,
    /// The destination a staged folder is renamed to (None: in place).
    dest: Option<PathBuf>,
    finished: bool,
}

impl RunWriter {
    /// Starts writing the run that will be `dest`. `dest` may be missing, an empty folder or
    /// an earlier saved run (replaced when finished); any other folder or file is refused, so
    /// a save never deletes what is not a run.
    pub fn begin(dest: &Path) -> Result<Self, RunError> {
        check_replaceable(dest)?;
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".to_owned());
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(RunError::file(parent, "the folder to save into does not exist"));
        }
        let staging = parent.join(format!(".{name}.saving-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| RunError::file(&staging, e))?;
        }
        std::fs::create_dir(&staging).map_err(|e| RunError::file(&staging, e))?;
        Ok(Self { dir: staging, dest: Some(dest.to_path_buf()), finished: false })
    }

    /// Writes the run's files into the existing folder `dir`, beside what is there, each file
    /// whole (the caller has made sure the folder is its own).
    pub fn in_place(dir: &Path) -> Result<Self, RunError> {
        if !dir.is_dir() {
            return Err(RunError::file(dir, "not a folder"));
        }
        Ok(Self { dir: dir.to_path_buf(), dest: None, finished: false })
    }

    /// The file `name` of the run (where it is being written, for messages).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes the file `name` through `write`, given the path to write to: in a staged
    /// folder the file itself, in place a temporary file renamed over it.
    fn write_file(&self, name: &str, write: impl FnOnce(&Path) -> Result<(), RunError>) -> Result<(), RunError> {
        let path = self.path(name);
        if self.dest.is_some() {
            return write(&path);
        }
        write_whole(&path, write)
    }

    /// Writes `tensors` to `name` (safetensors, readable by all).
    pub fn write_tensors(&self, name: &str, tensors: &[(String, Tensor)]) -> Result<(), RunError> {
        let map: HashMap<String, Tensor> = tensors.iter().cloned().collect();
        let path = self.path(name);
        self.write_file(name, |to| {
            candle_core::safetensors::save(&map, to).map_err(|e| RunError::file(&path, e))?;
            readable_by_all(to)
        })
    }

    /// Writes `value` to `name` as JSON.
    pub fn write_json(&self, name: &str, value: &impl serde::Serialize) -> Result<(), RunError> {
        let text = serde_json::to_string(value).map_err(|e| RunError::file(&self.path(name), e))?;
        self.write_text(name, &text)
    }

    /// Writes `text` to `name`.
    pub fn write_text(&self, name: &str, text: &str) -> Result<(), RunError> {
        let path = self.path(name);
        self.write_file(name, |to| std::fs::write(to, text).map_err(|e| RunError::file(&path, e)))
    }

    /// Writes the manifest and, for a staged folder, puts it in place of the destination (an
    /// earlier run there is replaced: renamed aside, then removed once the new one is in
    /// place). Returns the run's folder.
    pub fn finish(mut self, manifest: &Manifest) -> Result<PathBuf, RunError> {
        let text = serde_json::to_string_pretty(manifest).map_err(|e| RunError::file(&self.path(MANIFEST), e))?;
        self.write_text(MANIFEST, &(text + "\n"))?;
        let Some(dest) = self.dest.clone() else {
            self.finished = true;
            return Ok(self.dir.clone());
        };
        check_replaceable(&dest)?;
        let aside = self.dir.with_extension("old");
        let had_old = dest.exists();
        if had_old {
            std::fs::rename(&dest, &aside).map_err(|e| RunError::file(&dest, e))?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &dest) {
            if had_old {
                let _ = std::fs::rename(&aside, &dest);
            }
            return Err(RunError::file(&dest, e));
        }
        self.finished = true;
        if had_old {
            let _ = std::fs::remove_dir_all(&aside);
        }
        Ok(dest)
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if !self.finished && self.dest.is_some() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Refuses a destination that is neither missing, an empty folder, nor a saved run.
fn check_replaceable(dest: &Path) -> Result<(), RunError> {
    if !dest.exists() {
        return Ok(());
    }
    if !dest.is_dir() {
        return Err(RunError::file(dest, "is a file: a run is saved as a folder; choose a new name"));
    }
    let empty = std::fs::read_dir(dest).map_err(|e| RunError::file(dest, e))?.next().is_none();
    if empty || dest.join(MANIFEST).is_file() {
        Ok(())
    } else {
        Err(RunError::file(dest, "holds files that are not a saved run: choose an empty or new folder"))
    }
}

/// Writes `path` through `write` into a temporary file beside it (`.NAME.tmp-PID`), then
/// renames that over `path`: a reader, or a process killed midway, sees the old file or the
/// whole new one, never a part. The temporary file is removed when `write` fails. (The one
/// home of whole-file writes: saved runs and the command line's outputs.)
pub fn write_whole<E: From<RunError>>(path: &Path, write: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), E> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = write(&tmp).and_then(|()| std::fs::rename(&tmp, path).map_err(|e| RunError::file(path, e).into()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Gives a file that safetensors creates owner-only the mode of every other output (0644).
pub fn readable_by_all(path: &Path) -> Result<(), RunError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).map_err(|e| RunError::file(path, e))?;
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::optim::{Optimizer, OptimizerConfig};
    use candle_core::Var;

    fn manifest(lab: &str) -> Manifest {
        Manifest::new(lab, 1234, serde_json::json!({"lr": 0.001, "hidden": 64}))
    }

    fn save(dest: &Path, lab: &str) -> PathBuf {
        let w = RunWriter::begin(dest).unwrap();
        let t = Tensor::new(&[1.0f32, 2.0, 3.0], &Device::Cpu).unwrap();
        w.write_tensors("weights.safetensors", &[("g.w0".to_owned(), t)]).unwrap();
        w.write_text("metrics.csv", "step,loss\n1,0.5\n").unwrap();
        w.finish(&manifest(lab)).unwrap()
    }

    #[test]
    fn a_saved_run_reads_back_and_replaces_an_earlier_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("ring-collapsed");
        save(&dest, "gan");
        assert_eq!(read_manifest(&dest, "gan").unwrap(), manifest("gan"));
        let tensors = read_tensors(&dest, "weights.safetensors").unwrap();
        assert_eq!(tensors["g.w0"].to_vec1::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
        // Saving again over it replaces it, and leaves nothing else beside it.
        let w = RunWriter::begin(&dest).unwrap();
        w.write_text("metrics.csv", "step,loss\n").unwrap();
        w.finish(&Manifest::new("gan", 99, serde_json::json!({}))).unwrap();
        assert_eq!(read_manifest(&dest, "gan").unwrap().step, 99);
        assert!(!dest.join("weights.safetensors").exists(), "the earlier run's files are gone");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ring-collapsed")]);
    }

    #[test]
    fn an_unfinished_save_leaves_the_earlier_run_and_no_staging_folder() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("run");
        save(&dest, "gan");
        {
            let w = RunWriter::begin(&dest).unwrap();
            w.write_text("metrics.csv", "half").unwrap();
            // Dropped before finish (a failed write of a later file, say).
        }
        assert_eq!(read_manifest(&dest, "gan").unwrap(), manifest("gan"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_run_written_in_place_sits_beside_the_folders_other_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("summary.json"), "{}").unwrap();
        let w = RunWriter::in_place(dir.path()).unwrap();
        w.write_text("metrics.csv", "step\n").unwrap();
        assert_eq!(w.finish(&manifest("gan")).unwrap(), dir.path());
        assert_eq!(read_manifest(dir.path(), "gan").unwrap(), manifest("gan"));
        let mut names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["metrics.csv", "run.json", "summary.json"], "no temporary file is left");
    }

    #[test]
    fn a_folder_that_is_not_a_run_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("photos");
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("holiday.jpg"), "x").unwrap();
        let e = RunWriter::begin(&dest).unwrap_err().to_string();
        assert!(e.contains("photos") && e.contains("not a saved run"), "{e}");
        assert!(dest.join("holiday.jpg").exists());
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(RunWriter::begin(&file).unwrap_err().to_string().contains("is a file"));
    }

    #[test]
    fn bad_manifests_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        let path = run.join(MANIFEST);
        let err = |text: &str| {
            std::fs::write(&path, text).unwrap();
            read_manifest(&run, "gan").unwrap_err().to_string()
        };
        assert!(read_manifest(&run, "gan").unwrap_err().to_string().contains("run.json: missing"));
        assert!(err("{\"format\": ").contains("not valid JSON"));
        assert!(err("{\"hello\": 1}").contains("not a saved run"));
        assert!(
            err("{\"format\": \"latent-lab run\", \"version\": 7}").contains("version 7; this build reads version 1")
        );
        let mut good = serde_json::to_value(manifest("gan")).unwrap();
        good["surprise"] = serde_json::json!(1);
        assert!(err(&good.to_string()).contains("unknown field `surprise`"));
        let e = err(&serde_json::to_string(&manifest("ae-vae")).unwrap());
        assert!(e.contains("saved by the ae-vae lab, not the gan lab"), "{e}");
        assert!(e.contains("run.json"), "{e}");
        std::fs::write(&path, serde_json::to_string(&manifest("gan")).unwrap()).unwrap();
        assert!(read_manifest(&run, "gan").is_ok());
    }

    #[test]
    fn settings_with_a_field_this_build_does_not_know_are_refused_at_any_depth() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Inner {
            sigma: f64,
        }
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Settings {
            lr: f64,
            likelihood: Inner,
        }
        let path = Path::new("run/run.json");
        let read = |settings: serde_json::Value| read_settings::<Settings>(path, &Manifest::new("x", 0, settings));
        let good = serde_json::json!({"lr": 0.5, "likelihood": {"sigma": 0.1}});
        assert_eq!(read(good).unwrap(), Settings { lr: 0.5, likelihood: Inner { sigma: 0.1 } });
        let e = read(serde_json::json!({"lr": 0.5, "likelihood": {"sigma": 0.1, "mu": 2}})).unwrap_err().to_string();
        assert_eq!(e, "run/run.json: settings: unknown field `settings.likelihood.mu`");
        let e = read(serde_json::json!({"lr": 0.5, "likelihood": {"sigma": 0.1}, "speed": 9})).unwrap_err().to_string();
        assert!(e.contains("unknown field `settings.speed`"), "{e}");
        let e = read(serde_json::json!({"lr": "fast", "likelihood": {"sigma": 0.1}})).unwrap_err().to_string();
        assert!(e.starts_with("run/run.json: settings: invalid type"), "{e}");
    }

    #[test]
    fn a_truncated_tensor_file_is_named_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("run");
        save(&dest, "gan");
        let path = dest.join("weights.safetensors");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let e = read_tensors(&dest, "weights.safetensors").unwrap_err().to_string();
        assert!(e.contains("weights.safetensors: not a whole safetensors file"), "{e}");
        let e = read_tensors(&dest, "optimizer.safetensors").unwrap_err().to_string();
        assert!(e.contains("optimizer.safetensors: missing"), "{e}");
    }

    #[test]
    fn optimizer_state_round_trips_through_a_run_folder_bit_for_bit() {
        let w = Var::from_vec(vec![1.0f32, -2.0, 0.5], 3, &Device::Cpu).unwrap();
        let b = Var::from_vec(vec![0.1f32], 1, &Device::Cpu).unwrap();
        let mut opt = Optimizer::new(vec![w.clone(), b.clone()], OptimizerConfig::adam(0.01));
        for _ in 0..5 {
            let loss = (w.as_tensor().sqr().unwrap().sum_all().unwrap() + b.as_tensor().sum_all().unwrap()).unwrap();
            opt.backward_step(&loss).unwrap();
        }
        let state = opt.state();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("run");
        let writer = RunWriter::begin(&dest).unwrap();
        writer.write_tensors("optimizer.safetensors", &optimizer_tensors("opt_g", &state).unwrap()).unwrap();
        writer.finish(&manifest("gan")).unwrap();
        let file = dest.join("optimizer.safetensors");
        let tensors = read_tensors(&dest, "optimizer.safetensors").unwrap();
        let back = optimizer_state(&file, &tensors, "opt_g", 2).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.steps, 5);
        // Read for a model with fewer variables: the extra moments are named.
        let e = optimizer_state(&file, &tensors, "opt_g", 1).unwrap_err().to_string();
        assert!(e.contains("'opt_g.m.1' belongs to no variable"), "{e}");
        let e = optimizer_state(&file, &tensors, "opt_d", 2).unwrap_err().to_string();
        assert!(e.contains("no tensor 'opt_d.steps'"), "{e}");
        // A fresh optimiser (moments not allocated) saves and reads back too.
        let fresh = OptimizerState { steps: 0, m: vec![vec![], vec![]], v: vec![vec![], vec![]] };
        let map: HashMap<String, Tensor> = optimizer_tensors("o", &fresh).unwrap().into_iter().collect();
        assert_eq!(optimizer_state(&file, &map, "o", 2).unwrap(), fresh);
    }
}
