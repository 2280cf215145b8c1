//! What every lab's view shares: its trainer thread (built off the UI thread, with its data),
//! the settings the side panel shows, the messages it shows, pausing while hidden, the play
//! button, the error line and the keyboard shortcuts; and the [`LabView`] trait through which
//! the window lists its labs.
//!
//! Adding a lab: write a view that implements [`TrainerView`] (and [`LabSettings`] for its
//! trainer), give it a [`Tab`], and add it to the list in [`super::App::new`].

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use eframe::egui;

use super::background::{waiting_ui, Pending, Polled};
use super::controls::{name_the_control, rename_setting, SettingControl};
use super::Tab;
use crate::train::worker::{Control, FileReport, Lab, Status, Worker};
use crate::train::TrainError;

/// What the window needs of a trainer beyond [`Lab`]: how to build one from settings, and
/// which settings a snapshot was made with.
pub trait LabSettings: Lab + Sized {
    /// Every setting of the lab.
    type Config: Clone + PartialEq + Default + Send + serde::Serialize + serde::de::DeserializeOwned + 'static;
    /// How a refused setting's message names it, and the control the window shows for it
    /// (a table of `ui::controls`).
    const CONTROLS: &'static [SettingControl];

    /// Builds a fresh run (loading its data); slow, so it runs off the UI thread.
    fn build(config: Self::Config) -> Result<Self, TrainError>;
    /// Checks settings before they are sent; cheap.
    fn validate(config: &Self::Config) -> Result<(), TrainError>;
    /// The settings a snapshot was made with.
    fn config_of(snapshot: &Self::Snapshot) -> &Self::Config;
    /// The command that changes the settings of a running trainer.
    fn set_config(config: Self::Config) -> Self::Command;

    /// The lab's name in a saved run's manifest (and in exported file names).
    const LAB: &'static str;

    /// The curves a snapshot holds, by name, for Run ▸ Export curves as CSV.
    fn curves(_snapshot: &Self::Snapshot) -> Vec<(&'static str, &crate::train::series::Series)> {
        Vec::new()
    }

    /// The settings as remembered between sessions (see `ui::remember`).
    fn remember(config: &Self::Config) -> serde_json::Value {
        serde_json::to_value(config).unwrap_or(serde_json::Value::Null)
    }

    /// Settings that [`Self::remember`] wrote, read back (an error says why they cannot be).
    fn recall(value: serde_json::Value) -> Result<Self::Config, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    /// The `latent-lab …` command that trains `config` headless for `steps` steps (None: the
    /// lab has no such command; an error: these settings cannot be given on a command line).
    fn command(_config: &Self::Config, _steps: u64) -> Option<Result<String, String>> {
        None
    }
}

/// A trainer as it was built: the trainer, the settings it runs with, and why those are not
/// the ones asked for (if they are not).
type Built<L> = Result<(L, <L as LabSettings>::Config, Option<String>), TrainError>;

/// Where a lab's trainer thread is.
enum Stage<L: LabSettings> {
    /// Being built on a background thread; commands wait here in order.
    Building(Pending<Built<L>>, VecDeque<Control<L::Command>>),
    /// Running.
    Running(Worker<L>),
    /// It could not be started (the reason is in the handle's idle status).
    Failed,
}

/// A view's handle on its trainer thread, and the settings its side panel shows.
pub struct LabHandle<L: LabSettings> {
    ctx: egui::Context,
    name: String,
    stage: Stage<L>,
    /// The status reported while no trainer runs (its error says why, after a failure).
    idle: Status,
    config: L::Config,
    message: Option<String>,
    seen_notice: u64,
    /// Paused because its tab was hidden; plays again when shown.
    resume_on_show: bool,
    /// What the header says for a while (after a pause while hidden, a save, an open), and
    /// since when (shown for [`NOTE_SECS`]).
    note: Option<(String, String, std::time::Instant)>,
    /// The last save or open report seen.
    seen_file: u64,
    /// How the note names a run being opened ("Ring of 8 … (ready-made)"), until it opens.
    opening: Option<String>,
}

/// How long the header says that a lab resumed after a pause while its tab was hidden, or
/// that a run was saved or opened.
pub const NOTE_SECS: f32 = 12.0;

/// The last part of `path` (a folder's or a file's name), for a header with little room.
pub fn short_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

const RESUMED_TIP: &str = "A lab pauses while another tab is shown, so that the lab on screen has the processor, \
                           and goes on when you come back.";
const SAVED_TIP: &str = "The folder holds the settings, every model's weights, the optimisers' state and the \
                         curves: Run ▸ Open run… (Ctrl+O) brings it back, and the command line can resume it \
                         headless (see the README).";
const OPENED_TIP: &str = "The lab shows the saved run as it was; Play trains on from its step, optimiser \
                          moments included.";

impl<L: LabSettings> LabHandle<L> {
    /// Builds the trainer for `config` on a background thread (loading its data there) and
    /// then starts a trainer thread named `name` that owns it; it wakes `ctx` after each
    /// snapshot. If `config` cannot be built, the default settings are used and a message
    /// says why. `loading` tells the user what is happening until then ("Loading MNIST-5k").
    /// Commands sent meanwhile are kept and sent, in order, once the trainer runs.
    pub fn start(ctx: &egui::Context, name: &str, config: L::Config, loading: String) -> Self {
        let mut handle = Self {
            ctx: ctx.clone(),
            name: name.to_owned(),
            stage: Stage::Failed,
            idle: Status::default(),
            config: config.clone(),
            message: None,
            seen_notice: 0,
            resume_on_show: false,
            note: None,
            seen_file: 0,
            opening: None,
        };
        handle.build(config, loading);
        handle
    }

    /// Builds a trainer for `config` on a background thread, to run once it is built.
    fn build(&mut self, config: L::Config, loading: String) {
        let asked = config;
        let build = move || -> Built<L> {
            match L::build(asked.clone()) {
                Ok(trainer) => Ok((trainer, asked, None)),
                Err(e) => {
                    let fallback = L::Config::default();
                    let why = name_the_control(&e, L::CONTROLS);
                    L::build(fallback.clone()).map(|trainer| (trainer, fallback, Some(why)))
                }
            }
        };
        self.idle = Status::default();
        self.seen_notice = 0;
        self.seen_file = 0;
        match Pending::spawn(&self.ctx, &format!("{}-build", self.name), loading, build) {
            Ok(pending) => self.stage = Stage::Building(pending, VecDeque::new()),
            Err(e) => self.fail(e),
        }
    }

    /// Whether no trainer thread will answer: it could not be built or started, or its
    /// thread has stopped. Reset then builds a new one.
    fn stopped(&self) -> bool {
        match &self.stage {
            Stage::Failed => true,
            Stage::Running(worker) => worker.thread_stopped(),
            Stage::Building(..) => false,
        }
    }

    fn fail(&mut self, reason: String) {
        self.stage = Stage::Failed;
        self.idle.error = Some(reason);
    }

    /// What the trainer is waiting for, while it is being built.
    pub fn loading(&self) -> Option<&str> {
        match &self.stage {
            Stage::Building(pending, _) => Some(pending.what()),
            _ => None,
        }
    }

    /// Whether the trainer thread runs (it has been built and started).
    pub fn running(&self) -> bool {
        matches!(self.stage, Stage::Running(_))
    }

    fn worker(&self) -> Option<&Worker<L>> {
        match &self.stage {
            Stage::Running(worker) => Some(worker),
            _ => None,
        }
    }

    /// The settings the side panel shows: the ones in force, or the last ones sent.
    pub fn config(&self) -> &L::Config {
        &self.config
    }

    /// The newest snapshot.
    pub fn snapshot(&self) -> Option<&Arc<L::Snapshot>> {
        self.worker().and_then(Worker::snapshot)
    }

    /// The trainer's last reported status.
    pub fn status(&self) -> &Status {
        self.worker().map_or(&self.idle, Worker::status)
    }

    /// Whether the trainer is playing (while it is being built: whether it will, once it
    /// runs, by the last Play or Pause waiting).
    pub fn playing(&self) -> bool {
        match &self.stage {
            Stage::Building(_, waiting) => waiting
                .iter()
                .rev()
                .find_map(|c| match c {
                    Control::Play => Some(true),
                    Control::Pause => Some(false),
                    _ => None,
                })
                .unwrap_or(false),
            _ => self.status().playing,
        }
    }

    /// The error that stopped training (or kept the trainer from starting), if any.
    pub fn error(&self) -> Option<&str> {
        self.status().error.as_deref()
    }

    /// The message box's text, if one is shown.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Shows `text` in a message box.
    pub fn show_message(&mut self, text: String) {
        self.message = Some(text);
    }

    /// Sends a command; never blocks. While the trainer is being built it waits its turn.
    pub fn send(&mut self, command: Control<L::Command>) {
        if matches!(command, Control::Reset) && self.stopped() {
            // Nothing would answer: start a new trainer thread with the settings shown.
            self.build(self.config.clone(), "Starting the trainer again".to_owned());
            return;
        }
        match &mut self.stage {
            Stage::Building(_, waiting) => waiting.push_back(command),
            Stage::Running(worker) => worker.send(command),
            Stage::Failed => {}
        }
    }

    /// Reads the newest state without waiting: starts the trainer once it is built, and
    /// after a refused setting (its message is then shown) the side panel goes back to the
    /// settings in force.
    pub fn poll(&mut self) {
        if let Stage::Building(pending, waiting) = &mut self.stage {
            match pending.poll() {
                Polled::Waiting => {}
                Polled::Lost(reason) => self.fail(reason),
                Polled::Ready(Err(e)) => self.fail(format!("cannot build the trainer: {e}")),
                Polled::Ready(Ok((trainer, config, message))) => {
                    let waiting = std::mem::take(waiting);
                    let ctx = self.ctx.clone();
                    match Worker::spawn(&self.name, trainer, move || ctx.request_repaint()) {
                        Ok(mut worker) => {
                            for command in waiting {
                                worker.send(command);
                            }
                            self.stage = Stage::Running(worker);
                            if message.is_some() {
                                self.config = config;
                                self.message = message;
                            }
                        }
                        Err(e) => self.fail(format!("cannot start a trainer thread: {e}")),
                    }
                }
            }
        }
        let Stage::Running(worker) = &mut self.stage else { return };
        worker.poll();
        if let Some((id, text)) = worker.status().notice.clone() {
            if id > self.seen_notice {
                self.seen_notice = id;
                self.message = Some(rename_setting(&text, L::CONTROLS).unwrap_or(text));
                if let Some(s) = worker.snapshot() {
                    self.config = L::config_of(s).clone();
                }
            }
        }
        if let Some((id, report)) = worker.status().file.clone() {
            if id > self.seen_file {
                self.seen_file = id;
                let now = std::time::Instant::now();
                match report {
                    FileReport::Saved(path) => {
                        // The folder's name in the header (a long path would crowd it out), the
                        // whole path under the mouse.
                        let text = format!("Saved the run as {}", short_name(&path));
                        self.note = Some((text, format!("{}\n\n{SAVED_TIP}", path.display()), now));
                    }
                    FileReport::Opened(path) => {
                        // The trainer published the opened run's picture before this report
                        // (see `Worker::poll`): the side panel takes its settings.
                        if let Some(s) = worker.snapshot() {
                            self.config = L::config_of(s).clone();
                        }
                        self.resume_on_show = false;
                        let name = self.opening.take().unwrap_or_else(|| path.display().to_string());
                        let text =
                            format!("Opened {name} at step {}: press Play to go on training.", worker.status().steps);
                        self.note = Some((text, format!("{}\n\n{OPENED_TIP}", path.display()), now));
                    }
                    FileReport::Failed(text) => {
                        self.opening = None;
                        self.message = Some(text);
                    }
                }
            }
        }
    }

    /// Saves the run as the folder `dest` (in the background; the header says where it went,
    /// or a message says why not). Training goes on.
    pub fn save_run(&mut self, dest: std::path::PathBuf) {
        self.send(Control::Save(dest));
    }

    /// Replaces the run by the one saved in `dir`, paused, and the side panel by its
    /// settings; `name` is how the header names it once open. A folder that does not open
    /// leaves the run as it was, and a message says why.
    pub fn open_run(&mut self, dir: std::path::PathBuf, name: String) {
        self.opening = Some(name);
        self.note = None;
        self.send(Control::Open(dir));
    }

    /// The settings as JSON (for the remembered settings).
    pub fn config_json(&self) -> serde_json::Value {
        L::remember(&self.config)
    }

    /// Sends `new` settings if they differ from those shown and pass validation; otherwise
    /// shows why not. The settings shown become `new` when they are sent.
    pub fn apply(&mut self, new: L::Config) {
        if new == self.config {
            return;
        }
        if let Err(e) = L::validate(&new) {
            self.message = Some(name_the_control(&e, L::CONTROLS));
            return;
        }
        self.config = new.clone();
        self.send(Control::Lab(L::set_config(new)));
    }

    /// Pauses training while the tab is hidden (so that the shown lab has the processor: two
    /// labs training at once would halve the speed of the one the class watches), and resumes
    /// it when shown again, saying so in the header (issue 14, item 8).
    pub fn set_visible(&mut self, visible: bool) {
        if !visible && self.playing() {
            self.resume_on_show = true;
            self.send(Control::Pause);
        } else if visible && std::mem::take(&mut self.resume_on_show) {
            self.send(Control::Play);
            let text = format!("Resumed at step {}: training paused while its tab was hidden.", self.status().steps);
            self.note = Some((text, RESUMED_TIP.to_owned(), std::time::Instant::now()));
        }
    }

    /// Whether training is paused only because the tab is hidden (it resumes when shown).
    pub fn paused_while_hidden(&self) -> bool {
        self.resume_on_show
    }

    /// The header's note after a pause while hidden, a save or an open, for [`NOTE_SECS`]
    /// after it.
    pub fn note(&self) -> Option<&str> {
        self.shown_note().map(|(text, _)| text)
    }

    /// The note and its hover text, while the note is shown.
    fn shown_note(&self) -> Option<(&str, &str)> {
        self.note
            .as_ref()
            .filter(|(_, _, at)| at.elapsed().as_secs_f32() < NOTE_SECS)
            .map(|(text, tip, _)| (text.as_str(), tip.as_str()))
    }

    /// Starts training if it is paused.
    pub fn play(&mut self) {
        if !self.playing() {
            self.send(Control::Play);
        }
    }

    /// Plays if paused, pauses if playing.
    pub fn toggle_play(&mut self) {
        let command = if self.playing() { Control::Pause } else { Control::Play };
        self.note = None;
        self.send(command);
    }

    /// Space plays or pauses, R resets, unless a text field has the keyboard.
    pub fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (space, r) = ctx.input(|i| (i.key_pressed(egui::Key::Space), i.key_pressed(egui::Key::R)));
        if space {
            self.toggle_play();
        }
        if r {
            self.note = None;
            self.send(Control::Reset);
        }
    }

    /// The Play/Pause button (disabled while an error stands), and after a pause while the
    /// tab was hidden, a note that says so. The button reads "Pause" only while the lab trains
    /// (or a Play waits for the trainer being built).
    pub fn play_button(&mut self, ui: &mut egui::Ui) {
        let (label, tip) = if self.playing() && self.error().is_none() {
            ("Pause", "Pause training (Space)")
        } else {
            ("Play", "Start training (Space)")
        };
        if ui.add_enabled(self.error().is_none(), egui::Button::new(label)).on_hover_text(tip).clicked() {
            self.toggle_play();
        }
        if let Some((note, tip)) = self.shown_note() {
            ui.colored_label(super::theme::palette(ui).warning, note).on_hover_text(tip);
            ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));
        }
    }

    /// Training speed and the cost of a snapshot.
    pub fn speed_ui(&self, ui: &mut egui::Ui) {
        let status = self.status();
        ui.label(format!("{:.0} steps/s", status.steps_per_sec));
        ui.weak(format!("snapshot {:.0} ms", 1000.0 * status.snapshot_secs)).on_hover_text(
            "Time the trainer spends building each picture; it publishes at most every 5× that, so training keeps most of the core.",
        );
    }

    /// The error that stopped training, with a button to start again.
    pub fn error_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(error) = self.status().error.clone() {
            // Wrapped, so that a long message never pushes the button out of the window.
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(super::theme::palette(ui).error, format!("⚠ {error}"));
                if ui
                    .button("Reset run")
                    .on_hover_text("Start again from the seed with the settings shown (R)")
                    .clicked()
                {
                    self.send(Control::Reset);
                }
                ui.weak("Change a setting if needed, then press Reset run.");
            });
        }
    }

    /// What the lab shows until its trainer runs: what it is loading, or why it could not
    /// start.
    pub fn loading_ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(what) = self.loading() {
                waiting_ui(ui, what);
            } else if let Some(error) = self.idle.error.clone() {
                ui.colored_label(super::theme::palette(ui).error, format!("⚠ {error}"));
                if ui.button("Start again").on_hover_text("Build the lab again with the settings shown (R)").clicked() {
                    self.send(Control::Reset);
                }
            }
        });
    }

    /// The message box, while there is a message.
    pub fn message_ui(&mut self, ctx: &egui::Context, id: &str) {
        if let Some(text) = self.message.clone() {
            let modal = egui::Modal::new(egui::Id::unique(id)).show(ctx, |ui| {
                ui.heading("Cannot use that");
                ui.label(text);
                ui.button("OK").clicked()
            });
            if modal.inner || modal.should_close() {
                self.message = None;
            }
        }
    }
}

/// A lab as the window sees it: a tab, polled every frame, drawn while shown, told when it is
/// shown and hidden. Every [`TrainerView`] is one.
pub trait LabView: Any {
    /// The tab that shows this lab.
    fn tab(&self) -> Tab;
    /// The tab button's text.
    fn title(&self) -> &'static str;
    /// Reads what the trainer and any background work have done, without waiting (called
    /// every frame, shown or not, so that queued commands go out and statuses stay current).
    fn poll(&mut self);
    /// Draws the lab, keyboard shortcuts first (call [`Self::poll`] first).
    fn ui(&mut self, ui: &mut egui::Ui);
    /// The trainer's last reported status.
    fn status(&self) -> &Status;
    /// Starts training if it is paused.
    fn play(&mut self);
    /// The lab's tab is now shown.
    fn on_show(&mut self);
    /// The lab's tab is now hidden (a lab pauses so that the shown one has the core).
    fn on_hide(&mut self);
    /// Whether the lab is paused only because its tab is hidden (its tab button says so).
    fn paused_while_hidden(&self) -> bool;
    /// What the Run menu offers for this lab (its run's name, curves, command line).
    fn offer(&self) -> super::files::Offer;
    /// The lab's name in a saved run's manifest.
    fn run_lab(&self) -> &'static str;
    /// Saves the run as the folder `dest` (in the background).
    fn save_run(&mut self, dest: std::path::PathBuf);
    /// Opens the run saved in `dir` (in the background); `name` is how the header names it.
    fn open_run(&mut self, dir: std::path::PathBuf, name: String);
    /// The settings the side panel shows, as JSON (remembered between sessions).
    fn settings_json(&self) -> serde_json::Value;
    /// What dropping `paths` on the lab would do (Ok) or why it is refused (Err).
    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String>;
    /// Uses the dropped `paths` (call only when [`Self::drop_plan`] is Ok).
    fn drop_files(&mut self, paths: &[std::path::PathBuf]);
}

/// A lab's panels over its trainer thread. Implementing it makes the view a [`LabView`], and
/// gives it the accessors every lab shares (snapshot, settings, play state, error, message,
/// commands), which the UI tests use too.
pub trait TrainerView: 'static {
    /// The trainer behind the panels.
    type Trainer: LabSettings;
    /// The tab that shows this lab.
    const TAB: Tab;
    /// The tab button's text.
    const TITLE: &'static str;

    /// The handle on the trainer thread.
    fn handle(&self) -> &LabHandle<Self::Trainer>;
    /// The handle on the trainer thread, to send commands.
    fn handle_mut(&mut self) -> &mut LabHandle<Self::Trainer>;
    /// Draws the panels (the trainer runs).
    fn draw(&mut self, ui: &mut egui::Ui);

    /// Keyboard shortcuts, read before the panels are drawn: Space plays or pauses, R resets.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        self.handle_mut().shortcuts(ctx);
    }

    /// Pauses training while the tab is hidden, and resumes it when shown again.
    fn set_visible(&mut self, visible: bool) {
        self.handle_mut().set_visible(visible);
    }

    /// Picks up the lab's own background work (called every frame after the trainer's poll).
    fn poll_background(&mut self) {}

    /// The newest snapshot the panels draw from.
    fn snapshot(&self) -> Option<&Arc<<Self::Trainer as Lab>::Snapshot>> {
        self.handle().snapshot()
    }

    /// The settings the side panel shows.
    fn config(&self) -> &<Self::Trainer as LabSettings>::Config {
        self.handle().config()
    }

    /// Whether the trainer last reported that it is playing.
    fn playing(&self) -> bool {
        self.handle().playing()
    }

    /// The error that stopped training, if any.
    fn error(&self) -> Option<&str> {
        self.handle().error()
    }

    /// The message box's text, if one is shown.
    fn message(&self) -> Option<&str> {
        self.handle().message()
    }

    /// Sends a command to the trainer (used by the panels and by tests); never blocks.
    fn send(&mut self, command: Control<<Self::Trainer as Lab>::Command>) {
        self.handle_mut().send(command);
    }

    /// What the trainer is waiting for while it is being built ("Loading MNIST-5k"), if it is.
    fn loading(&self) -> Option<&str> {
        self.handle().loading()
    }

    /// What dropping `paths` on the lab would do (Ok: said in the overlay) or why it is
    /// refused (Err). A saved run's folder is handled by the window before the lab is asked.
    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String> {
        let _ = paths;
        Err(format!("The {} lab takes no files; drop a saved run's folder to open it.", Self::TITLE))
    }

    /// Uses the dropped `paths` (only called when [`Self::drop_plan`] is Ok).
    fn drop_files(&mut self, paths: &[std::path::PathBuf]) {
        let _ = paths;
    }
}

impl<V: TrainerView> LabView for V {
    fn tab(&self) -> Tab {
        V::TAB
    }

    fn title(&self) -> &'static str {
        V::TITLE
    }

    fn poll(&mut self) {
        self.handle_mut().poll();
        self.poll_background();
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        super::help::panel(ui, V::TAB);
        if self.handle().running() {
            self.shortcuts(ui.ctx());
            self.draw(ui);
        } else {
            if ui.input(|i| i.key_pressed(egui::Key::R)) && !ui.ctx().egui_wants_keyboard_input() {
                self.handle_mut().send(Control::Reset);
            }
            self.handle_mut().loading_ui(ui);
        }
    }

    fn status(&self) -> &Status {
        self.handle().status()
    }

    fn play(&mut self) {
        self.handle_mut().play();
    }

    fn on_show(&mut self) {
        self.set_visible(true);
    }

    fn on_hide(&mut self) {
        self.set_visible(false);
    }

    fn paused_while_hidden(&self) -> bool {
        self.handle().paused_while_hidden()
    }

    fn offer(&self) -> super::files::Offer {
        let steps = self.handle().status().steps;
        let snapshot = self.snapshot();
        let curves = snapshot.map(|s| V::Trainer::curves(s)).filter(|c| !c.is_empty());
        super::files::Offer {
            title: V::TITLE,
            stem: format!("{}-step-{steps}", V::Trainer::LAB),
            curves_csv: curves.map(|c| crate::train::series::curves_csv(&c)),
            command: V::Trainer::command(self.config(), steps.max(1)),
        }
    }

    fn run_lab(&self) -> &'static str {
        V::Trainer::LAB
    }

    fn save_run(&mut self, dest: std::path::PathBuf) {
        self.handle_mut().save_run(dest);
    }

    fn open_run(&mut self, dir: std::path::PathBuf, name: String) {
        self.handle_mut().open_run(dir, name);
    }

    fn settings_json(&self) -> serde_json::Value {
        self.handle().config_json()
    }

    fn drop_plan(&self, paths: &[std::path::PathBuf]) -> Result<String, String> {
        TrainerView::drop_plan(self, paths)
    }

    fn drop_files(&mut self, paths: &[std::path::PathBuf]) {
        TrainerView::drop_files(self, paths);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::optimal_d::{OptimalDConfig, OptimalDTrainer};

    /// Polls until `pred` holds (30 s at most).
    fn poll_until(h: &mut LabHandle<OptimalDTrainer>, what: &str, pred: impl Fn(&LabHandle<OptimalDTrainer>) -> bool) {
        let start = std::time::Instant::now();
        while !pred(h) {
            assert!(start.elapsed().as_secs() < 30, "timed out waiting for: {what}");
            std::thread::sleep(std::time::Duration::from_millis(5));
            h.poll();
        }
    }

    #[test]
    fn commands_sent_while_the_trainer_is_built_go_out_in_order_once_it_runs() {
        let ctx = egui::Context::default();
        let mut h: LabHandle<OptimalDTrainer> =
            LabHandle::start(&ctx, "test-optd", OptimalDConfig::default(), "Starting".to_owned());
        assert_eq!(h.loading(), Some("Starting"), "nothing is built before the first poll");
        assert!(h.snapshot().is_none() && !h.running());
        h.play();
        assert!(h.playing(), "a Play waits for the trainer");
        // Hidden before it runs: it must not then play hidden, and plays again when shown.
        h.set_visible(false);
        assert!(!h.playing());
        poll_until(&mut h, "a first snapshot", |h| h.snapshot().is_some());
        assert!(h.loading().is_none() && h.running());
        std::thread::sleep(std::time::Duration::from_millis(100));
        h.poll();
        assert!(!h.status().playing, "Play then Pause went out in that order");
        h.set_visible(true);
        poll_until(&mut h, "playing once shown", |h| h.status().playing && h.status().steps > 0);
    }

    #[test]
    fn settings_that_cannot_be_built_fall_back_to_the_defaults_with_a_message() {
        let ctx = egui::Context::default();
        let bad = OptimalDConfig { batch: 1, ..OptimalDConfig::default() };
        let mut h: LabHandle<OptimalDTrainer> = LabHandle::start(&ctx, "test-optd", bad.clone(), "Starting".to_owned());
        assert_eq!(h.config(), &bad, "the settings asked for, until the build says otherwise");
        poll_until(&mut h, "the trainer", LabHandle::running);
        assert_eq!(h.config(), &OptimalDConfig::default());
        let message = h.message().expect("a message says why");
        assert!(message.contains("batch size"), "{message}");
        assert!(h.error().is_none(), "the run goes on with the defaults");
    }
}
