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
