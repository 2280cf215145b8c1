//! The trainer thread: it owns a lab's models, steps them while playing, answers commands
//! from a bounded channel between steps, and publishes the newest snapshot into a slot the
//! UI reads without waiting. A panic inside the lab is caught and reported; the UI lives on.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::run::RunError;
use super::TrainError;

/// What a trainable lab offers to the worker thread.
pub trait Lab: Send + 'static {
    /// Lab-specific commands (single steps, setting changes).
    type Command: Send + 'static;
    /// Plain data the panels draw.
    type Snapshot: Send + Sync + 'static;

    /// One unit of training while playing (for a GAN: one iteration).
    fn play_step(&mut self) -> Result<(), TrainError>;
    /// Applies a command, which may itself train (a single step).
    fn apply(&mut self, command: Self::Command) -> Result<(), TrainError>;
    /// Rebuilds models and optimisers from the current settings and seed.
    fn reset(&mut self) -> Result<(), TrainError>;
    /// Builds a snapshot of the current state.
    fn snapshot(&mut self) -> Result<Self::Snapshot, TrainError>;
    /// Training steps done so far (the number the step counter shows).
    fn steps(&self) -> u64;
    /// Takes the worker's [`Interrupt`]: given before the thread starts (and to a lab that
    /// an [`Control::Open`] put in place). Long work (a test-set evaluation) should look at it
    /// between pieces of a fraction of a second and stop early when it is raised. Labs whose
    /// work is all short ignore it.
    fn set_interrupt(&mut self, _interrupt: Interrupt) {}
    /// Shortest time between two snapshots; labs with costly snapshots ask for less.
    fn min_publish_interval(&self) -> Duration {
        MIN_PUBLISH_INTERVAL
    }

    /// Saves the run as the folder `dest` (see [`super::run`]) and returns where it went.
    fn save_run(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, RunError> {
        Err(RunError::file(dest, "this lab cannot save its runs yet"))
    }

    /// The lab of the run saved in `dir`. The running lab is replaced only when this
    /// succeeds, so a bad folder loses nothing.
    fn open_run(dir: &std::path::Path) -> Result<Self, RunError>
    where
        Self: Sized,
    {
        Err(RunError::file(dir, "this lab cannot open saved runs yet"))
    }
}

/// A message to the worker.
#[derive(Debug)]
pub enum Control<C> {
    /// Train continuously.
    Play,
    /// Stop training.
    Pause,
    /// Rebuild the models (also clears an error).
    Reset,
    /// Limit the training speed (None: as fast as possible).
    SetStepsPerSec(Option<f64>),
    /// Save the run as this folder (training goes on; see [`FileReport`]).
    Save(std::path::PathBuf),
    /// Replace the run by the one saved in this folder, paused; a folder that does not open
    /// leaves the run as it was (see [`FileReport`]).
    Open(std::path::PathBuf),
    /// A lab-specific command.
    Lab(C),
}

/// What became of the last [`Control::Save`] or [`Control::Open`].
#[derive(Clone, Debug, PartialEq)]
pub enum FileReport {
    /// The run was saved in this folder.
    Saved(std::path::PathBuf),
    /// The run saved in this folder was opened.
    Opened(std::path::PathBuf),
    /// Saving or opening failed (the message names the file); the run is as it was.
    Failed(String),
}

/// The run's state as the worker last reported it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Whether training is running.
    pub playing: bool,
    /// Steps done.
    pub steps: u64,
    /// Training speed over the last second of play.
    pub steps_per_sec: f64,
    /// The error that stopped training, if any; cleared by a reset.
    pub error: Option<String>,
    /// The last refused setting (the run goes on unchanged), numbered so each is shown once.
    pub notice: Option<(u64, String)>,
    /// What the last save or open did, numbered so each is shown once.
    pub file: Option<(u64, FileReport)>,
    /// Time a snapshot takes to build (smoothed).
    pub snapshot_secs: f64,
    /// When the newest snapshot was published.
    pub published_at: Option<Instant>,
}

/// Raised while a command waits for the trainer thread, or while the window closes it: a lab's
/// long work looks at it ([`Lab::set_interrupt`]) and stops early, so that the command is
/// answered at once. It counts the commands sent and not yet taken by the thread ([`Worker`]
/// counts one before it puts a command in the channel, the thread one off as it takes it), so
/// no command can slip between a check and the thread's next look at the channel. The default
/// is never raised (headless runs are never interrupted).
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

impl Interrupt {
    /// Whether long work should stop now.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }

    fn raise(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    fn lower(&self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Shared<S> {
    latest: Mutex<Option<Arc<S>>>,
    status: Mutex<Status>,
    interrupt: Interrupt,
}

/// The UI's handle on a trainer thread.
pub struct Worker<L: Lab> {
    commands: Option<SyncSender<Control<L::Command>>>,
    pending: VecDeque<Control<L::Command>>,
    shared: Arc<Shared<L::Snapshot>>,
    handle: Option<JoinHandle<()>>,
    snapshot: Option<Arc<L::Snapshot>>,
    status: Status,
}

/// Capacity of the command channel; the UI keeps what does not fit and retries next frame.
const CHANNEL_CAPACITY: usize = 64;
/// Shortest time between two snapshots (about 30 per second).
const MIN_PUBLISH_INTERVAL: Duration = Duration::from_millis(33);
/// Longest time between two snapshots while training.
const MAX_PUBLISH_INTERVAL: Duration = Duration::from_millis(250);

impl<L: Lab> Worker<L> {
    /// Starts a named thread that owns `lab`. `wake` is called after each publish (the UI
    /// passes a closure calling `ctx.request_repaint()`).
    pub fn spawn(name: &str, mut lab: L, wake: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
        let interrupt = Interrupt::default();
        lab.set_interrupt(interrupt.clone());
        let shared = Arc::new(Shared { latest: Mutex::new(None), status: Mutex::new(Status::default()), interrupt });
        let thread_shared = Arc::clone(&shared);
        let handle =
            std::thread::Builder::new().name(name.to_owned()).spawn(move || run(lab, &rx, &thread_shared, &wake))?;
        Ok(Self {
            commands: Some(tx),
            pending: VecDeque::new(),
            shared,
            handle: Some(handle),
            snapshot: None,
            status: Status::default(),
        })
    }

    /// Queues a command; never blocks. Commands that do not fit in the channel are kept and
    /// sent on a later call in order.
    pub fn send(&mut self, command: Control<L::Command>) {
        self.pending.push_back(command);
        self.flush();
    }

    fn flush(&mut self) {
        let Some(tx) = &self.commands else { return };
        while let Some(cmd) = self.pending.pop_front() {
            // Raised before the command is in the channel: the thread lowers it as it takes it.
            self.shared.interrupt.raise();
            match tx.try_send(cmd) {
                Ok(()) => {}
                Err(TrySendError::Full(cmd)) => {
                    self.shared.interrupt.lower();
                    self.pending.push_front(cmd);
                    return;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.shared.interrupt.lower();
                    self.pending.clear();
                    return;
                }
            }
        }
    }

    /// Takes the newest snapshot and status if the worker is not writing them this instant;
    /// otherwise keeps the previous ones. Call once per frame.
    ///
    /// The status is read before the snapshot, and a status reporting a new save or open is
    /// followed by a snapshot read that waits for the lock (held only to swap a pointer): the
    /// trainer publishes an opened run's picture before the report, so a window that sees
    /// [`FileReport::Opened`] always has that run's snapshot (or a newer one) with it.
    pub fn poll(&mut self) {
        self.flush();
        let mut new_file = false;
        if let Ok(status) = self.shared.status.try_lock() {
            new_file = status.file.as_ref().map(|(id, _)| id) != self.status.file.as_ref().map(|(id, _)| id);
            self.status = status.clone();
        }
        let latest = if new_file { self.shared.latest.lock().ok() } else { self.shared.latest.try_lock().ok() };
        if let Some(latest) = latest {
            if let Some(s) = latest.as_ref() {
                self.snapshot = Some(Arc::clone(s));
            }
        }
        if self.handle.as_ref().is_some_and(JoinHandle::is_finished) && self.status.error.is_none() {
            self.status.error = Some("the trainer thread stopped unexpectedly".to_owned());
            self.status.playing = false;
        }
    }

    /// Whether the trainer thread has stopped (it then answers nothing; its status says why).
    pub fn thread_stopped(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// The newest snapshot seen by [`Self::poll`].
    pub fn snapshot(&self) -> Option<&Arc<L::Snapshot>> {
        self.snapshot.as_ref()
    }

    /// The status seen by [`Self::poll`].
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Blocks until a snapshot satisfying `pred` is published or `timeout` passes; for tests
    /// and scripts, never for the UI.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&L::Snapshot, &Status) -> bool) -> bool {
        let start = Instant::now();
        loop {
            self.poll();
            if let Some(s) = &self.snapshot {
                if pred(s, &self.status) {
                    return true;
                }
            }
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl<L: Lab> Drop for Worker<L> {
    fn drop(&mut self) {
        // Long work stops (and stays stopped), then the thread sees the channel close and returns.
        self.shared.interrupt.raise();
        self.commands = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// Why a call into the lab did not succeed.
enum Failure {
    /// A setting or a data file was refused; the lab is unchanged and goes on.
    Refused(String),
    /// Training cannot go on (divergence, a tensor error, a panic) until a reset.
    Fatal(String),
}

impl Failure {
    fn into_message(self) -> String {
        match self {
            Self::Refused(m) | Self::Fatal(m) => m,
        }
    }
}

/// Runs `f`, turning an error or a panic into a [`Failure`].
fn guarded<T>(f: impl FnOnce() -> Result<T, TrainError>) -> Result<T, Failure> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(TrainError::Invalid(m))) => Err(Failure::Refused(m)),
        Ok(Err(TrainError::Data(e))) => Err(Failure::Refused(e.to_string())),
        Ok(Err(e)) => Err(Failure::Fatal(e.to_string())),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(Failure::Fatal(format!("the trainer crashed ({what}); press Reset to start again")))
        }
    }
}

struct Loop<'a, L: Lab> {
    lab: L,
    shared: &'a Shared<L::Snapshot>,
    wake: &'a dyn Fn(),
    playing: bool,
    error: Option<String>,
    notice: Option<(u64, String)>,
    file: Option<(u64, FileReport)>,
    dirty: bool,
    speed_limit: Option<f64>,
    limit_origin: (Instant, u64),
    rate_window: (Instant, u64),
    steps_per_sec: f64,
    last_publish: Option<Instant>,
    publish_interval: Duration,
    snapshot_secs: f64,
}

fn run<L: Lab>(lab: L, rx: &Receiver<Control<L::Command>>, shared: &Shared<L::Snapshot>, wake: &dyn Fn()) {
    let now = Instant::now();
    let mut state = Loop {
        lab,
        shared,
        wake,
        playing: false,
        error: None,
        notice: None,
        file: None,
        dirty: true,
        speed_limit: None,
        limit_origin: (now, 0),
        rate_window: (now, 0),
        steps_per_sec: 0.0,
        last_publish: None,
        publish_interval: MIN_PUBLISH_INTERVAL,
        snapshot_secs: 0.0,
    };
    loop {
        // Commands first: drain everything that is waiting before training further.
        let next = if state.playing {
            match rx.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        } else {
            match rx.recv_timeout(state.idle_wait()) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        if let Some(cmd) = next {
            shared.interrupt.lower();
            state.handle(cmd);
            continue;
        }
        if state.playing {
            state.train_slice();
        }
        state.maybe_publish();
    }
}

impl<L: Lab> Loop<'_, L> {
    fn idle_wait(&self) -> Duration {
        if !self.dirty {
            return Duration::from_millis(250);
        }
        match self.last_publish {
            Some(t) => self.publish_interval.saturating_sub(t.elapsed()),
            None => Duration::ZERO,
        }
    }

    fn fail(&mut self, message: String) {
        self.error = Some(message);
        self.playing = false;
        self.dirty = true;
    }

    fn handle(&mut self, cmd: Control<L::Command>) {
        match cmd {
            Control::Play => {
                if self.error.is_none() {
                    self.playing = true;
                    self.limit_origin = (Instant::now(), self.lab.steps());
                    self.rate_window = (Instant::now(), self.lab.steps());
                }
            }
            Control::Pause => self.playing = false,
            Control::Reset => {
                let lab = &mut self.lab;
                let reset = guarded(|| lab.reset());
                self.limit_origin = (Instant::now(), self.lab.steps());
                self.rate_window = self.limit_origin;
                match reset {
                    Ok(()) => {
                        self.error = None;
                        // The new run is shown at once: a run that fails again before the next
                        // regular picture must not leave the old run's picture beside its error
                        // (its status goes out first, before a picture that may measure for long).
                        self.dirty = true;
                        self.last_publish = None;
                        self.maybe_publish();
                    }
                    Err(e) => self.fail(e.into_message()),
                }
            }
            Control::SetStepsPerSec(limit) => {
                self.speed_limit = limit.filter(|l| l.is_finite() && *l > 0.0);
                self.limit_origin = (Instant::now(), self.lab.steps());
            }
            Control::Save(dest) => {
                let lab = &self.lab;
                let report = match catch_unwind(AssertUnwindSafe(|| lab.save_run(&dest))) {
                    Ok(Ok(path)) => FileReport::Saved(path),
                    Ok(Err(e)) => FileReport::Failed(format!("could not save the run: {e}")),
                    Err(_) => {
                        FileReport::Failed(format!("could not save the run to {}: the trainer crashed", dest.display()))
                    }
                };
                self.report(report);
            }
            Control::Open(dir) => {
                let report = match catch_unwind(AssertUnwindSafe(|| L::open_run(&dir))) {
                    Ok(Ok(lab)) => {
                        self.lab = lab;
                        self.lab.set_interrupt(self.shared.interrupt.clone());
                        self.playing = false;
                        self.error = None;
                        self.limit_origin = (Instant::now(), self.lab.steps());
                        self.rate_window = self.limit_origin;
                        FileReport::Opened(dir)
                    }
                    Ok(Err(e)) => FileReport::Failed(format!("could not open the run: {e}")),
                    Err(_) => FileReport::Failed(format!("could not open {}: the trainer crashed", dir.display())),
                };
                // The opened run's picture is published before the status that reports it, so
                // that a window seeing the report also sees the picture (and the settings it
                // was made with); see [`Worker::poll`].
                if matches!(report, FileReport::Opened(_)) {
                    self.dirty = true;
                    self.last_publish = None;
                    self.maybe_publish();
                }
                self.report(report);
            }
            Control::Lab(c) => {
                let lab = &mut self.lab;
                match guarded(|| lab.apply(c)) {
                    Ok(()) => {}
                    Err(Failure::Refused(m)) => {
                        let id = self.notice.as_ref().map_or(1, |(id, _)| id + 1);
                        self.notice = Some((id, m));
                    }
                    Err(Failure::Fatal(m)) => self.fail(m),
                }
            }
        }
        self.dirty = true;
        self.publish_status();
    }

    fn report(&mut self, report: FileReport) {
        let id = self.file.as_ref().map_or(1, |(id, _)| id + 1);
        self.file = Some((id, report));
    }

    /// Trains until the next snapshot is due (at most ~20 ms), honouring the speed limit.
    fn train_slice(&mut self) {
        let start = Instant::now();
        let budget = Duration::from_millis(20);
        while start.elapsed() < budget {
            if let Some(limit) = self.speed_limit {
                let (t0, s0) = self.limit_origin;
                let allowed = (t0.elapsed().as_secs_f64() * limit) as u64;
                if self.lab.steps().saturating_sub(s0) >= allowed.max(1) {
                    let wait = Duration::from_secs_f64((1.0 / limit).min(0.02));
                    std::thread::sleep(wait);
                    break;
                }
            }
            let lab = &mut self.lab;
            if let Err(e) = guarded(|| lab.play_step()) {
                self.fail(e.into_message());
                break;
            }
            self.dirty = true;
        }
        let (t0, s0) = self.rate_window;
        let secs = t0.elapsed().as_secs_f64();
        if secs >= 0.5 {
            self.steps_per_sec = (self.lab.steps().saturating_sub(s0)) as f64 / secs;
            self.rate_window = (Instant::now(), self.lab.steps());
        }
    }

    fn maybe_publish(&mut self) {
        if !self.dirty || self.last_publish.is_some_and(|t| t.elapsed() < self.publish_interval) {
            return;
        }
        // The steps and state so far are seen at once, before a snapshot that may take long
        // (a test-set measurement).
        self.publish_status();
        let start = Instant::now();
        // A failed lab's state (NaN weights, or whatever a panic left) is never drawn: the
        // last good snapshot stays on screen beside the error.
        if self.error.is_none() {
            let lab = &mut self.lab;
            match guarded(|| lab.snapshot()) {
                Ok(snap) => {
                    if let Ok(mut latest) = self.shared.latest.lock() {
                        *latest = Some(Arc::new(snap));
                    }
                }
                Err(e) => self.fail(e.into_message()),
            }
        }
        let took = start.elapsed().as_secs_f64();
        // Smooth the cost, so that one slow snapshot (a periodic test-set evaluation) does not
        // freeze the picture; spend at most about a sixth of the time on snapshots, but never
        // show the picture less than four times a second.
        self.snapshot_secs = if self.snapshot_secs == 0.0 { took } else { 0.8 * self.snapshot_secs + 0.2 * took };
        let floor = self.lab.min_publish_interval();
        self.publish_interval =
            Duration::from_secs_f64(5.0 * self.snapshot_secs).clamp(floor, MAX_PUBLISH_INTERVAL.max(floor));
        self.last_publish = Some(Instant::now());
        self.dirty = false;
        self.publish_status();
        (self.wake)();
    }

    fn publish_status(&self) {
        if let Ok(mut status) = self.shared.status.lock() {
            *status = Status {
                playing: self.playing,
                steps: self.lab.steps(),
                steps_per_sec: if self.playing { self.steps_per_sec } else { 0.0 },
                error: self.error.clone(),
                notice: self.notice.clone(),
                file: self.file.clone(),
                snapshot_secs: self.snapshot_secs,
                published_at: self.last_publish,
            };
        }
    }
}
