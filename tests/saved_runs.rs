//! Saving and opening a run through the trainer thread, as the window does: the save goes on
//! beside training, an opened run replaces the running one paused at its saved step, and a
//! folder that does not open leaves the run exactly as it was.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use latent_lab::train::gan::{GanConfig, GanTrainer};
use latent_lab::train::worker::{Control, FileReport, Worker};

const TIMEOUT: Duration = Duration::from_secs(60);

fn report_after(worker: &mut Worker<GanTrainer>, id: u64) -> FileReport {
    assert!(worker.wait_for(TIMEOUT, |_, s| s.file.as_ref().is_some_and(|(i, _)| *i > id)), "no report");
    worker.status().file.clone().unwrap().1
}

#[test]
fn a_run_saved_and_opened_through_the_worker_comes_back_at_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ring");
    let mut worker = Worker::spawn("gan-test", GanTrainer::new(GanConfig::default()).unwrap(), || {}).unwrap();
    worker.send(Control::Play);
    assert!(worker.wait_for(TIMEOUT, |_, s| s.steps >= 30));
    worker.send(Control::Pause);
    assert!(worker.wait_for(TIMEOUT, |_, s| !s.playing));
    let saved_at = worker.status().steps;
    worker.send(Control::Save(dest.clone()));
    assert_eq!(report_after(&mut worker, 0), FileReport::Saved(dest.clone()));

    // Train on, then open the saved run: back at the saved step, paused.
    worker.send(Control::Play);
    assert!(worker.wait_for(TIMEOUT, |_, s| s.steps >= saved_at + 20));
    worker.send(Control::Open(dest.clone()));
    assert_eq!(report_after(&mut worker, 1), FileReport::Opened(dest.clone()));
    assert!(worker.wait_for(TIMEOUT, |_, s| !s.playing && s.steps == saved_at));

    // A folder that is not a run: a message naming it, and the run stays as it was.
    let not_a_run = dir.path().join("empty");
    std::fs::create_dir(&not_a_run).unwrap();
    worker.send(Control::Open(not_a_run));
    match report_after(&mut worker, 2) {
        FileReport::Failed(m) => assert!(m.contains("empty") && m.contains("run.json: missing"), "{m}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(worker.status().steps, saved_at);
    assert!(worker.status().error.is_none());
    worker.send(Control::Play);
    assert!(worker.wait_for(TIMEOUT, |_, s| s.steps > saved_at), "the run goes on after a refused open");
}

fn latent_lab(args: &[&str], out: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_latent-lab")).args(args).arg("--out").arg(out).output().unwrap()
}

fn summary_without_timing(out: &std::path::Path) -> serde_json::Value {
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for timing in ["steps_per_sec", "elapsed_secs"] {
        s.as_object_mut().unwrap().remove(timing);
    }
    s
}

/// Issue 12, headless: a run saved at step N and resumed to M ends exactly where a run trained
/// straight to M does (the same minibatches and updates: weights bit for bit, every metrics
/// row and the summary equal, timings aside), for the GAN and the optimal-D labs. The
/// resumed run's log starts with the saved run's rows.
#[test]
fn a_resumed_headless_run_equals_one_trained_straight_through() {
    let dir = tempfile::tempdir().unwrap();
    for (lab, seed_flags) in [(vec!["train", "gan"], ["--seed", "5"]), (vec!["train", "optimal-d"], ["--seed", "2"])] {
        let name = lab[1];
        let run = |extra: &[&str], out: &str| {
            let args: Vec<&str> = lab.iter().copied().chain(extra.iter().copied()).chain(["--quiet"]).collect();
            let path = dir.path().join(format!("{name}-{out}"));
            let o = latent_lab(&args, &path);
            assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
            path
        };
        let straight = run(&["--steps", "300", "--eval-every", "100", seed_flags[0], seed_flags[1]], "straight");
        let half = run(&["--steps", "100", "--eval-every", "100", seed_flags[0], seed_flags[1]], "half");
        let half_arg = half.to_str().unwrap();
        let resumed = run(&["--resume", half_arg, "--steps", "300", "--eval-every", "100"], "resumed");
        for file in ["metrics.csv", "weights.safetensors", "optimizers.safetensors"] {
            let (a, b) = (std::fs::read(straight.join(file)).unwrap(), std::fs::read(resumed.join(file)).unwrap());
            assert!(a == b, "{name}: {file} differs between the straight and the resumed run");
        }
        assert_eq!(summary_without_timing(&straight), summary_without_timing(&resumed), "{name}");

        // --steps counts the run's steps in all; a setting cannot be changed on resume.
        let o = latent_lab(
            &lab.iter().copied().chain(["--resume", half_arg, "--steps", "50"]).collect::<Vec<_>>(),
            &dir.path().join("x"),
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("--steps 50 does not go beyond the resumed run's step 100"));
        let o = latent_lab(
            &lab.iter().copied().chain(["--resume", half_arg, "--lr-d", "0.1"]).collect::<Vec<_>>(),
            &dir.path().join("x"),
        );
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("'--resume <DIR>' cannot be used with"));
        assert!(!dir.path().join("x").exists(), "a refused resume writes nothing");
    }
}

/// A folder that is not a run, or another lab's run, is refused by --resume with the file
/// named, and nothing is written.
#[test]
fn resuming_what_is_not_this_labs_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let gan = dir.path().join("gan");
    assert!(latent_lab(&["train", "gan", "--steps", "20", "--quiet"], &gan).status.success());
    let o = latent_lab(&["train", "optimal-d", "--resume", gan.to_str().unwrap()], &dir.path().join("x"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("saved by the gan lab, not the optimal-d lab"), "{err}");
    let o = latent_lab(&["train", "gan", "--resume", dir.path().to_str().unwrap()], &dir.path().join("x"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("run.json: missing"), "{err}");
    assert!(!dir.path().join("x").exists());
}

mod ae_vae {
    use std::path::{Path, PathBuf};

    use latent_lab::data::source::ImageSource;
    use latent_lab::model::autoencoder::Likelihood;
    use latent_lab::train::vae::{VaeConfig, VaeTrainer, LAB};

    use super::{latent_lab, summary_without_timing};

    fn config() -> VaeConfig {
        VaeConfig {
            data: ImageSource::Digits,
            hidden: 32,
            latent_dim: 3,
            batch: 32,
            iw_samples: 8,
            iw_images: 50,
            seed: 2,
            ..VaeConfig::default()
        }
    }

    /// Every weight of both models, by name, as bits.
    fn weights(t: &VaeTrainer) -> Vec<(String, Vec<u32>)> {
        let mut all = t.ae().encoder.named_tensors("ae.encoder");
        all.extend(t.ae().decoder.named_tensors("ae.decoder"));
        all.extend(t.vae().encoder.named_tensors("vae.encoder"));
        all.extend(t.vae().decoder.named_tensors("vae.decoder"));
        all.into_iter()
            .map(|(n, w)| (n, w.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|x| x.to_bits()).collect()))
            .collect()
    }

    fn train(t: &mut VaeTrainer, steps: usize) {
        for _ in 0..steps {
            t.step().unwrap();
        }
    }

    const FILES: [&str; 5] = ["run.json", "weights.safetensors", "optimizers.safetensors", "state.json", "curves.csv"];

    /// Issue 12, round trip: an AE vs VAE run saved and opened has every weight, setting,
    /// curve, counter and optimiser moment of the original, bit for bit (saving the reopened
    /// run writes the same bytes, file by file), and both go on with the same minibatches,
    /// noise and updates.
    #[test]
    fn an_ae_vae_run_round_trips_bit_for_bit_and_goes_on_as_the_original() {
        let dir = tempfile::tempdir().unwrap();
        for (i, config) in [
            config(),
            VaeConfig {
                likelihood: Likelihood::Gaussian { sigma: 0.2 },
                mc_samples: 2,
                beta: 0.5,
                layers: 1,
                ..config()
            },
        ]
        .into_iter()
        .enumerate()
        {
            let mut original = VaeTrainer::new(config).unwrap();
            train(&mut original, 40);
            original.evaluate().unwrap();
            train(&mut original, 3);
            let dest = original.save_run(&dir.path().join(format!("run{i}"))).unwrap();
            let mut reopened = VaeTrainer::open_run(&dest).unwrap();
            assert_eq!(reopened.config(), original.config());
            assert_eq!(reopened.steps(), 43);
            assert_eq!(weights(&reopened), weights(&original));
            assert_eq!(reopened.history(), original.history());
            assert_eq!(reopened.last(), original.last());
            let again = reopened.save_run(&dir.path().join(format!("again{i}"))).unwrap();
            for file in FILES {
                let (a, b) = (std::fs::read(dest.join(file)).unwrap(), std::fs::read(again.join(file)).unwrap());
                assert!(a == b, "{file} differs after a round trip");
            }
            train(&mut original, 30);
            train(&mut reopened, 30);
            assert_eq!(weights(&reopened), weights(&original));
            assert_eq!(reopened.last(), original.last());
            assert_eq!(reopened.evaluate().unwrap(), original.evaluate().unwrap());
        }
    }

    /// A saved run with `edit` applied to its folder: the message of opening it, and the proof
    /// that the refused folder was not changed by trying.
    fn open_error(run: &Path, edit: impl FnOnce(&Path)) -> String {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        for entry in std::fs::read_dir(run).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
        }
        edit(&copy);
        let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&copy)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        let e = VaeTrainer::open_run(&copy).err().expect("refused").to_string();
        for (path, bytes) in before {
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{} changed by a refused open", path.display());
        }
        e
    }

    fn edit_settings(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = dir.join("run.json");
        let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut manifest["settings"]);
        std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    }

    /// Issue 12, bad input: each damaged folder is one message naming the file and the problem.
    #[test]
    fn a_damaged_ae_vae_run_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = VaeTrainer::new(config()).unwrap();
        train(&mut t, 5);
        let run = t.save_run(&dir.path().join("run")).unwrap();
        assert!(VaeTrainer::open_run(&run).is_ok());
        let mut wide = VaeTrainer::new(VaeConfig { hidden: 48, ..config() }).unwrap();
        train(&mut wide, 1);
        let wide = wide.save_run(&dir.path().join("wide")).unwrap();
        let gan = latent_lab::train::gan::GanTrainer::new(latent_lab::train::gan::GanConfig::default()).unwrap();
        let gan = gan.save_run(&dir.path().join("gan")).unwrap();

        /// What is wrong, how the folder is damaged, what the message must say.
        type Case<'a> = (&'a str, Box<dyn FnOnce(&Path) + 'a>, &'a [&'a str]);
        let cases: Vec<Case> = vec![
            (
                "another lab's run",
                Box::new(|d: &Path| std::fs::copy(gan.join("run.json"), d.join("run.json")).map(drop).unwrap()),
                &["run.json was saved by the gan lab, not the ae-vae lab"],
            ),
            (
                "weights of another shape",
                Box::new(|d: &Path| {
                    std::fs::copy(wide.join("weights.safetensors"), d.join("weights.safetensors")).map(drop).unwrap()
                }),
                &[
                    "weights.safetensors",
                    "tensor 'ae.encoder.0.weight' has shape [64, 48] in the checkpoint but [64, 32]",
                ],
            ),
            (
                "optimiser moments of another shape",
                Box::new(|d: &Path| {
                    std::fs::copy(wide.join("optimizers.safetensors"), d.join("optimizers.safetensors"))
                        .map(drop)
                        .unwrap()
                }),
                &["optimizers.safetensors: opt_ae: variable 0 has 2048 numbers"],
            ),
            (
                "truncated weights",
                Box::new(|d: &Path| {
                    let path = d.join("weights.safetensors");
                    let bytes = std::fs::read(&path).unwrap();
                    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
                }),
                &["weights.safetensors: not a whole safetensors file"],
            ),
            (
                "corrupt optimisers",
                Box::new(|d: &Path| std::fs::write(d.join("optimizers.safetensors"), b"\xff\x00garbage").unwrap()),
                &["optimizers.safetensors: not a whole safetensors file"],
            ),
            (
                "an unknown setting",
                Box::new(|d: &Path| edit_settings(d, |s| s["warp_speed"] = 9.into())),
                &["run.json: settings: unknown field `settings.warp_speed`"],
            ),
            (
                "a setting out of range",
                Box::new(|d: &Path| edit_settings(d, |s| s["latent_dim"] = 99.into())),
                &["run.json: settings: invalid setting: latent dimension must be in 1..=32, got 99"],
            ),
            (
                "a setting of the wrong type",
                Box::new(|d: &Path| edit_settings(d, |s| s["beta"] = "lots".into())),
                &["run.json: settings: invalid type"],
            ),
            (
                "data that is not here",
                Box::new(|d: &Path| edit_settings(d, |s| s["data"] = serde_json::json!({"Idx": "/no/such/mnist"}))),
                &["run.json: the run trained on IDX folder /no/such/mnist, which cannot be loaded here"],
            ),
            (
                "a missing state file",
                Box::new(|d: &Path| std::fs::remove_file(d.join("state.json")).unwrap()),
                &["state.json: missing from the saved run"],
            ),
            (
                "a missing weights file",
                Box::new(|d: &Path| std::fs::remove_file(d.join("weights.safetensors")).unwrap()),
                &["weights.safetensors: missing from the saved run"],
            ),
            (
                "a state from another save",
                Box::new(|d: &Path| std::fs::copy(wide.join("state.json"), d.join("state.json")).map(drop).unwrap()),
                &["state.json: step 1 here but 5 in run.json"],
            ),
            (
                "a corrupt generator state",
                Box::new(|d: &Path| {
                    let path = d.join("state.json");
                    let text = std::fs::read_to_string(&path).unwrap();
                    let mut state: serde_json::Value = serde_json::from_str(&text).unwrap();
                    state["rng"] = "00".into();
                    std::fs::write(&path, state.to_string()).unwrap();
                }),
                &["state.json: a generator state is 98 hexadecimal digits"],
            ),
        ];
        for (what, edit, needles) in cases {
            let e = open_error(&run, edit);
            assert!(needles.iter().all(|n| e.contains(n)), "{what}: {e}");
            assert_eq!(e.lines().count(), 1, "{what}: one message: {e}");
        }
        assert_eq!(LAB, "ae-vae");
    }

    fn run(dir: &Path, args: &[&str], out: &str) -> PathBuf {
        let path = dir.join(out);
        let all: Vec<&str> = ["train", "vae"].iter().chain(args).chain(&["--quiet"]).copied().collect();
        let o = latent_lab(&all, &path);
        assert!(o.status.success(), "{all:?}: {}", String::from_utf8_lossy(&o.stderr));
        path
    }

    /// Issue 12, headless: `train vae --resume` from a step of the evaluation schedule ends
    /// exactly where the run trained straight through does: weights, optimisers, the curves
    /// and the state, every metrics row (the final log p(x) estimate included), the latents and
    /// the summary (timings aside), bit for bit. From a step off the schedule the training is
    /// still exact (weights, optimisers, summary); only the log then has a row at the saved step.
    #[test]
    fn a_resumed_headless_ae_vae_run_equals_one_trained_straight_through() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let settings = ["--data", "digits", "--hidden", "48", "--iw-samples", "40", "--seed", "3"];
        let with = |extra: &[&'static str]| -> Vec<&'static str> { settings.iter().chain(extra).copied().collect() };
        let straight = run(d, &with(&["--steps", "300", "--eval-every", "100"]), "straight");
        let half = run(d, &with(&["--steps", "100", "--eval-every", "100"]), "half");
        let off = run(d, &with(&["--steps", "150", "--eval-every", "100"]), "off");
        let resume = |from: &Path, out: &str| {
            run(d, &["--resume", from.to_str().unwrap(), "--steps", "300", "--eval-every", "100"], out)
        };
        let resumed = resume(&half, "resumed");
        for file in FILES.iter().chain(&["metrics.csv", "latents.csv", "ae.safetensors", "vae.safetensors"]) {
            let (a, b) = (std::fs::read(straight.join(file)).unwrap(), std::fs::read(resumed.join(file)).unwrap());
            assert!(a == b, "{file} differs between the straight and the resumed run");
        }
        assert_eq!(summary_without_timing(&straight), summary_without_timing(&resumed));
        let summary = summary_without_timing(&straight);
        assert_eq!((summary["iw_samples"].as_u64(), summary["steps"].as_u64()), (Some(40), Some(300)));

        let resumed_off = resume(&off, "resumed-off");
        for file in ["weights.safetensors", "optimizers.safetensors", "latents.csv"] {
            let (a, b) = (std::fs::read(straight.join(file)).unwrap(), std::fs::read(resumed_off.join(file)).unwrap());
            assert!(a == b, "{file} differs between the straight run and the one resumed off the schedule");
        }
        assert_eq!(summary_without_timing(&straight), summary_without_timing(&resumed_off));

        // The saved run opens in the lab at its step; a setting cannot be changed on resume;
        // --steps counts the run's steps in all.
        assert_eq!(VaeTrainer::open_run(&straight).unwrap().steps(), 300);
        let half_arg = half.to_str().unwrap();
        let o = latent_lab(&["train", "vae", "--resume", half_arg, "--beta", "2"], &d.join("x"));
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("'--resume <DIR>' cannot be used with"));
        let o = latent_lab(&["train", "vae", "--resume", half_arg, "--steps", "100"], &d.join("x"));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--steps 100 does not go beyond the resumed run's step 100")
        );
        let o = latent_lab(&["train", "vae", "--resume", straight.join("run.json").to_str().unwrap()], &d.join("x"));
        assert!(String::from_utf8_lossy(&o.stderr).contains("not a folder"));
        assert!(!d.join("x").exists(), "a refused resume writes nothing");
    }
}

/// Issue 12, headless: `lines --race` writes its saved run, and `--race --resume DIR --steps M`
/// from a race saved at step N ends exactly where a race run straight to M does: both θs at
/// every step (race.csv), every network and optimiser, the state and the summary, bit for bit.
#[test]
fn a_resumed_headless_race_equals_one_raced_straight_through() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let race = |extra: &[&str], out: &str| {
        let path = d.join(out);
        let args: Vec<&str> = ["lines", "--race", "--quiet"].iter().chain(extra).copied().collect();
        let o = latent_lab(&args, &path);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        path
    };
    for constraint in ["gp", "sn"] {
        let settings = ["--constraint", constraint, "--seed", "4", "--theta0", "1.5"];
        let with = |steps: &'static str| -> Vec<&str> { settings.iter().copied().chain(["--steps", steps]).collect() };
        let straight = race(&with("120"), &format!("{constraint}-straight"));
        let half = race(&with("50"), &format!("{constraint}-half"));
        let half_arg = half.to_str().unwrap();
        let resumed = race(&["--resume", half_arg, "--steps", "120"], &format!("{constraint}-resumed"));
        for file in
            ["race.csv", "weights.safetensors", "optimizers.safetensors", "state.json", "run.json", "summary.json"]
        {
            let (a, b) = (std::fs::read(straight.join(file)).unwrap(), std::fs::read(resumed.join(file)).unwrap());
            assert!(a == b, "{constraint}: {file} differs between the straight and the resumed race");
        }
        let log = std::fs::read_to_string(resumed.join("race.csv")).unwrap();
        assert_eq!(log.lines().count(), 1 + 121, "the header, θ0 and every step");
        let opened = latent_lab::train::lines::LinesTrainer::open_run(&resumed).unwrap();
        assert_eq!(opened.race_steps(), 120);
    }
    let half = d.join("gp-half");
    let half_arg = half.to_str().unwrap();
    let o = latent_lab(&["lines", "--race", "--resume", half_arg, "--lr-theta", "0.1"], &d.join("x"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("'--resume <DIR>' cannot be used with"));
    let o = latent_lab(&["lines", "--resume", half_arg], &d.join("x"));
    assert_eq!(o.status.code(), Some(2), "--resume goes on with a race");
    let o = latent_lab(&["lines", "--race", "--resume", half_arg, "--steps", "50"], &d.join("x"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--steps 50 does not go beyond the resumed run's step 50"));
    let straight = d.join("gp-straight");
    let o = latent_lab(&["lines", "--race", "--resume", straight.to_str().unwrap(), "--steps", "125"], &d.join("on"));
    assert!(o.status.success(), "a finished race goes on");
    let gan = d.join("gan");
    assert!(latent_lab(&["train", "gan", "--steps", "5", "--quiet"], &gan).status.success());
    let o = latent_lab(&["lines", "--race", "--resume", gan.to_str().unwrap()], &d.join("y"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("saved by the gan lab, not the js-w1 lab"));
    assert!(!d.join("y").exists(), "a refused resume writes nothing");
}
