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
