//! The trainer thread (`train::worker`) with a tiny fake lab: snapshots are never published
//! more often than the lab's floor, and the command channel is bounded while `send` never
//! blocks, keeping what does not fit and delivering everything in order.
//!
//! No `mod common` here: these tests need no window, only a generous timeout.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latent_lab::train::vae::{VaeConfig, VaeTrainer};
use latent_lab::train::worker::{Control, Lab, Status, Worker};
use latent_lab::train::TrainError;

/// How long a test waits for the worker before failing.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The worker's command channel capacity (`CHANNEL_CAPACITY` in src/train/worker.rs).
const CAPACITY: usize = 64;

/// A lab that counts steps, logs the commands it applies and when it builds snapshots, and
/// can hold the worker inside command 0 until the test lets it go.
struct Fake {
    steps: u64,
    floor: Duration,
    applied: Arc<Mutex<Vec<u32>>>,
    published: Arc<Mutex<Vec<Instant>>>,
    /// (tell the test command 0 is being applied, wait for the test's go-ahead)
    gate: Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>,
}

impl Fake {
    fn new(floor: Duration) -> Self {
        Self { steps: 0, floor, applied: Arc::default(), published: Arc::default(), gate: None }
    }
}

impl Lab for Fake {
    type Command = u32;
    type Snapshot = u64;

    fn play_step(&mut self) -> Result<(), TrainError> {
        self.steps += 1;
        Ok(())
    }

    fn apply(&mut self, command: u32) -> Result<(), TrainError> {
        if command == 0 {
            if let Some((entered, go)) = &self.gate {
                entered.send(()).unwrap();
                go.recv().unwrap();
            }
        }
        self.applied.lock().unwrap().push(command);
        Ok(())
    }

    fn reset(&mut self) -> Result<(), TrainError> {
        self.steps = 0;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<u64, TrainError> {
        self.published.lock().unwrap().push(Instant::now());
        Ok(self.steps)
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    fn min_publish_interval(&self) -> Duration {
        self.floor
    }
}

/// Polls `worker` until `pred` holds, or fails after [`TIMEOUT`].
fn poll_until(worker: &mut Worker<Fake>, what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        worker.poll();
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// While training, and while paused with commands arriving all the time (each one makes the
/// state worth publishing), two snapshots are always at least the lab's floor apart. A
/// cheap snapshot on its own would be published every 33 ms.
#[test]
fn snapshots_are_never_published_more_often_than_the_labs_floor() {
    const FLOOR: Duration = Duration::from_millis(150);
    let lab = Fake::new(FLOOR);
    let published = Arc::clone(&lab.published);
    let applied = Arc::clone(&lab.applied);
    let mut worker = Worker::spawn("fake-trainer", lab, || {}).unwrap();
    let count = || published.lock().unwrap().len();

    worker.send(Control::Play);
    poll_until(&mut worker, "snapshots while training", || count() >= 6);
    assert!(worker.wait_for(TIMEOUT, |steps, status| *steps > 0 && status.playing), "it trained");

    worker.send(Control::Pause);
    let paused_at = count();
    let start = Instant::now();
    while count() < paused_at + 4 {
        worker.send(Control::Lab(1));
        worker.poll();
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for snapshots while paused");
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(worker);
    assert!(applied.lock().unwrap().len() > 10, "commands kept arriving");

    let times = published.lock().unwrap().clone();
    for (i, pair) in times.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        assert!(gap >= FLOOR, "snapshots {i} and {} only {gap:?} apart (floor {FLOOR:?})", i + 1);
    }
}

/// The worker is stuck in a command; `send` still returns at once for many more. Only the
/// channel's capacity reaches the lab on its own; the rest waits in the handle and follows,
/// in order, as the UI polls.
#[test]
fn the_command_channel_is_bounded_and_send_never_blocks_nor_drops() {
    const N: u32 = 500;
    let (entered_tx, entered) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let mut lab = Fake::new(Duration::from_millis(33));
    lab.gate = Some((entered_tx, go_rx));
    let applied = Arc::clone(&lab.applied);
    let mut worker = Worker::spawn("fake-trainer", lab, || {}).unwrap();

    worker.send(Control::Lab(0));
    entered.recv_timeout(TIMEOUT).expect("the worker takes command 0");
    // Sent from another thread, so that a blocking send fails the test instead of hanging it.
    let (done_tx, done) = mpsc::channel();
    let sender = std::thread::spawn(move || {
        for c in 1..=N {
            worker.send(Control::Lab(c));
        }
        done_tx.send(()).unwrap();
        worker
    });
    if done.recv_timeout(Duration::from_secs(30)).is_err() {
        go.send(()).unwrap();
        panic!("send blocked while the worker was busy");
    }
    let mut worker = sender.join().unwrap();
    go.send(()).unwrap();

    let len = || applied.lock().unwrap().len();
    let start = Instant::now();
    while len() < 1 + CAPACITY {
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for the channel's commands");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Nothing else can arrive until the handle flushes: give a bug time to show.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(len(), 1 + CAPACITY, "the channel holds {CAPACITY} commands, no more");

    poll_until(&mut worker, "every command applied", || len() == 1 + N as usize);
    let got = applied.lock().unwrap().clone();
    let first_out_of_place = got.iter().zip(0..).position(|(c, i)| *c != i);
    assert_eq!(first_out_of_place, None, "none lost, none repeated, in order: {:?}…", &got[..got.len().min(80)]);
}

/// How long the AE vs VAE lab's trainer may take to answer a command while it measures its
/// test set: generous, for a busy machine; the measurement looks at the worker's interrupt
/// about every tenth of a second of work, and before the fix the command waited for the whole
/// measurement (over a minute here).
const ANSWER: Duration = Duration::from_secs(5);

/// Polls the AE vs VAE `worker` until its status satisfies `pred`; returns how long it took,
/// or fails after [`TIMEOUT`].
fn answered(worker: &mut Worker<VaeTrainer>, what: &str, pred: impl Fn(&Status) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        worker.poll();
        if pred(worker.status()) {
            return start.elapsed();
        }
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Issue 13: at the heaviest settings of the window's log p(x) estimate (k = 2000 importance
/// samples on up to 2000 test images, here MNIST-5k's 750, with hidden width 1024 × 4: about
/// 1.5 million decoded rows, two minutes on one core), Play, Pause and Reset sent while the AE
/// vs VAE trainer measures its test set are answered within seconds; a measurement so stopped
/// is never shown (the snapshot has none rather than a partial one); and dropping the worker
/// (the window closing) does not wait for the measurement either. Before the fix each command
/// waited for the whole measurement.
#[test]
fn a_command_stops_a_long_test_set_measurement() {
    let config = VaeConfig { hidden: 1024, layers: 4, iw_samples: 2000, iw_images: 2000, ..VaeConfig::default() };
    let mut trainer = VaeTrainer::new(config).unwrap();
    // Told each time an estimate begins (the progress report of 0 images done).
    let (began_tx, began) = mpsc::channel();
    let began_tx = Mutex::new(began_tx);
    trainer.set_log_px_progress(Some(Arc::new(move |done, _| {
        if done == 0 {
            let _ = began_tx.lock().unwrap().send(());
        }
    })));
    let mut worker = Worker::spawn("vae-trainer", trainer, || {}).unwrap();

    // The first snapshot measures the test set; Play arrives in the middle of it.
    began.recv_timeout(TIMEOUT).expect("the first measurement begins");
    std::thread::sleep(Duration::from_millis(300));
    worker.send(Control::Play);
    let took = answered(&mut worker, "Play during the measurement", |s| s.playing);
    assert!(took < ANSWER, "Play answered after {took:?} (bound {ANSWER:?})");
    let snap = worker.snapshot().expect("a snapshot was published").clone();
    assert!(snap.eval.is_none(), "a stopped measurement was shown: {:?}", snap.eval);

    // Still due, the measurement begins again after the first steps; Pause stops it.
    began.recv_timeout(TIMEOUT).expect("the measurement begins again");
    std::thread::sleep(Duration::from_millis(300));
    worker.send(Control::Pause);
    let took = answered(&mut worker, "Pause during the measurement", |s| !s.playing);
    assert!(took < ANSWER, "Pause answered after {took:?} (bound {ANSWER:?})");
    assert!(worker.status().steps > 0, "it trained");

    // Reset measures the new run at once; a Play right behind it is not kept waiting.
    worker.send(Control::Reset);
    std::thread::sleep(Duration::from_millis(300));
    worker.send(Control::Play);
    let took = answered(&mut worker, "Play after Reset", |s| s.playing);
    assert!(took < ANSWER, "Reset and Play answered after {took:?} (bound {ANSWER:?})");
    worker.poll();
    assert!(worker.snapshot().unwrap().eval.is_none(), "a stopped measurement was shown");

    // The window closes in the middle of a measurement.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    drop(worker);
    let took = start.elapsed();
    assert!(took < ANSWER, "the worker took {took:?} to stop");
}
