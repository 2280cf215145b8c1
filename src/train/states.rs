//! Ready-made states: saved runs bundled in the program (assets/states/, made by
//! `tools/make-states.sh`), so that a lecture can start from "a GAN that has already
//! collapsed" in one click. Each is opened like any saved run, from a folder the program writes
//! it into ([`ReadyMade::unpack`]).

use std::path::{Path, PathBuf};

use super::run::RunError;

/// A saved run bundled in the program.
#[derive(Clone, Copy, Debug)]
pub struct ReadyMade {
    /// Its folder's name under assets/states/.
    pub name: &'static str,
    /// The lab that opens it (as in a run's manifest).
    pub lab: &'static str,
    /// What it shows, as a menu says it.
    pub title: &'static str,
    /// Its files.
    files: &'static [(&'static str, &'static [u8])],
}

/// The files of the state `$dir`: a saved run's four (run.json, the weights, the optimisers'
/// state, state.json) and the lab's CSV for people (`curves.csv`; the race's `race.csv`).
macro_rules! state_files {
    ($dir:literal) => {
        state_files!($dir, "curves.csv")
    };
    ($dir:literal, $csv:literal) => {
        &[
            ("run.json", include_bytes!(concat!("../../assets/states/", $dir, "/run.json"))),
            ("weights.safetensors", include_bytes!(concat!("../../assets/states/", $dir, "/weights.safetensors"))),
            (
                "optimizers.safetensors",
                include_bytes!(concat!("../../assets/states/", $dir, "/optimizers.safetensors")),
            ),
            ("state.json", include_bytes!(concat!("../../assets/states/", $dir, "/state.json"))),
            ($csv, include_bytes!(concat!("../../assets/states/", $dir, "/", $csv))),
        ]
    };
}

/// Every bundled state, in the order menus list them.
pub const READY_MADE: [ReadyMade; 4] = [
    ReadyMade {
        name: "ring8-ns-collapsed",
        lab: crate::train::gan::LAB,
        title: "Ring of 8, non-saturating GAN: collapsed onto 2 modes (step 6000)",
        files: state_files!("ring8-ns-collapsed"),
    },
    ReadyMade {
        name: "ring8-wgan-gp-all-modes",
        lab: crate::train::gan::LAB,
        title: "Ring of 8, WGAN-GP, same seed: all 8 modes (step 15000)",
        files: state_files!("ring8-wgan-gp-all-modes"),
    },
    ReadyMade {
        name: "mnist5k-ae-vae",
        lab: crate::train::vae::LAB,
        title: "MNIST-5k, an AE and a VAE trained side by side, K = 2 (step 6000)",
        files: state_files!("mnist5k-ae-vae"),
    },
    ReadyMade {
        name: "js-w1-race-finished",
        lab: crate::train::lines::LAB,
        title: "JS vs W1 race finished: the WGAN's θ reached 0, the GAN's stalled (step 600)",
        files: state_files!("js-w1-race-finished", "race.csv"),
    },
];

impl ReadyMade {
    /// Writes the state's files into a folder of its own under `parent` (replacing an earlier
    /// copy) and returns that folder, to open with the lab's `open_run`.
    pub fn unpack(&self, parent: &Path) -> Result<PathBuf, RunError> {
        let dir = parent.join(format!("{}-{}", self.name, std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| RunError::file(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| RunError::file(&dir, e))?;
        for (name, bytes) in self.files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| RunError::file(&path, e))?;
        }
        Ok(dir)
    }

    /// The bundled state called `name`.
    pub fn named(name: &str) -> Option<Self> {
        READY_MADE.into_iter().find(|s| s.name == name)
    }

    /// Bytes the state adds to the program.
    pub fn size(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }
}
