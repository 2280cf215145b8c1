//! Where a headless run writes, and how: the output folder (refused when it holds an earlier
//! run's files, unless `--force`), files written whole through a temporary file beside them,
//! and JSON summaries.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::Args;

/// Where a headless run writes, shared by `train …` and `lines`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output folder (created if missing). A folder that already holds a run's files is
    /// refused, so that two runs never mix their files; --force replaces them.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the files of an earlier run in --out (those of every lab: metrics.csv,
    /// summary.json, samples.csv, latents.csv, race.csv and the checkpoints) before writing.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// The files a headless run may write into its folder (any lab), the saved run's among them
/// (see `train::run`).
pub const RUN_FILES: [&str; 13] = [
    "run.json",
    "weights.safetensors",
    "optimizers.safetensors",
    "state.json",
    "curves.csv",
    "metrics.csv",
    "summary.json",
    "samples.csv",
    "latents.csv",
    "race.csv",
    "checkpoint.safetensors",
    "ae.safetensors",
    "vae.safetensors",
];

/// Refuses a run of no steps (checked before anything is loaded or written).
pub fn check_steps(steps: u64) -> anyhow::Result<()> {
    if steps == 0 {
        bail!("--steps must be at least 1");
    }
    Ok(())
}

/// Makes the output folder ready, after every setting has been checked (`--steps` first, by
/// [`check_steps`]): creates it (and its parents) if missing; refuses one that holds an
/// earlier run's files, unless `--force`, which removes them first.
pub fn create_out_dir(output: &OutputArgs) -> anyhow::Result<()> {
    let out = &output.out;
    let earlier: Vec<&str> = RUN_FILES.into_iter().filter(|name| out.join(name).exists()).collect();
    if !earlier.is_empty() {
        if !output.force {
            bail!(
                "{} already holds an earlier run's files ({}): choose another --out, or pass --force to replace them",
                out.display(),
                earlier.join(", ")
            );
        }
        for name in earlier {
            std::fs::remove_file(out.join(name))
                .with_context(|| format!("cannot remove {}", out.join(name).display()))?;
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create output folder {}", out.display()))
}

/// Creates (or truncates) a file to write to, naming it in the error.
pub fn create_file(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    ))
}

/// Writes `value` as pretty-printed JSON (and a final newline) to `path`, whole
/// (see [`write_atomically`]).
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    write_atomically(path, |tmp| {
        std::fs::write(tmp, text + "\n").with_context(|| format!("cannot write {}", tmp.display()))
    })
}

/// Gives a file written by a library that creates it owner-only (safetensors: mode 0600) the
/// mode of every other output (0644).
pub fn readable_by_all(path: &Path) -> anyhow::Result<()> {
    Ok(crate::train::run::readable_by_all(path)?)
}

/// Writes `path` through `write` into a temporary file beside it, then renames that over
/// `path` (see [`crate::train::run::write_whole`]): a run killed midway leaves the old file or
/// the whole new one. (The metrics CSVs are logs, written and flushed as a run goes, and are
/// not written this way.)
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    crate::train::run::write_whole(path, write)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write that fails midway (as a run killed while writing would) leaves the previous
    /// file whole and no temporary file behind; one that succeeds replaces it whole.
    #[test]
    fn an_atomic_write_keeps_the_old_file_until_the_new_one_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(&path, "{\"old\": true}\n").unwrap();
        let failed = write_atomically(&path, |tmp| {
            std::fs::write(tmp, "{\"new\": ")?;
            bail!("interrupted")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"old\": true}\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
        write_json(&path, &serde_json::json!({"new": true})).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\n  \"new\": true\n}\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
