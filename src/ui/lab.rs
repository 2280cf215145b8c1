//! What every lab's view shares: its trainer thread, the messages it shows, pausing while
//! hidden, the play button, the error line and the keyboard shortcuts.

use std::sync::Arc;

use eframe::egui::{self, Color32};

use crate::train::worker::{Control, Lab, Status, Worker};
use crate::train::TrainError;

/// A view's handle on its trainer thread.
pub struct LabHandle<L: Lab> {
    worker: Worker<L>,
    message: Option<String>,
    seen_notice: u64,
    resume_on_show: bool,
}

impl<L: Lab> LabHandle<L> {
    /// Starts a named trainer thread owning `lab`; it wakes `ctx` after each snapshot.
    pub fn spawn(ctx: &egui::Context, name: &str, lab: L) -> Self {
        let ctx = ctx.clone();
        let worker = Worker::spawn(name, lab, move || ctx.request_repaint()).expect("cannot start a trainer thread");
        Self { worker, message: None, seen_notice: 0, resume_on_show: false }
    }

    /// The newest snapshot.
    pub fn snapshot(&self) -> Option<&Arc<L::Snapshot>> {
        self.worker.snapshot()
    }

    /// The trainer's last reported status.
    pub fn status(&self) -> &Status {
        self.worker.status()
    }

    /// Whether the trainer is playing.
    pub fn playing(&self) -> bool {
        self.worker.status().playing
    }

    /// The error that stopped training, if any.
    pub fn error(&self) -> Option<&str> {
        self.worker.status().error.as_deref()
    }

    /// The message box's text, if one is shown.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Shows `text` in a message box.
    pub fn show_message(&mut self, text: String) {
        self.message = Some(text);
    }

    /// Sends a command; never blocks.
    pub fn send(&mut self, command: Control<L::Command>) {
        self.worker.send(command);
    }

    /// Reads the newest state without waiting. Returns true when the trainer refused a
    /// setting (its message is then shown), so that the view can go back to the settings in
    /// force.
    pub fn poll(&mut self) -> bool {
        self.worker.poll();
        match self.worker.status().notice.clone() {
            Some((id, text)) if id > self.seen_notice => {
                self.seen_notice = id;
                self.message = Some(text);
                true
            }
            _ => false,
        }
    }

    /// Sends `new` settings if they differ from `shown` and pass `validate`; otherwise shows
    /// why not. `shown` becomes what the side panel displays.
    pub fn apply<C: PartialEq + Clone>(
        &mut self,
        shown: &mut C,
        new: C,
        validate: impl FnOnce(&C) -> Result<(), TrainError>,
        command: impl FnOnce(C) -> L::Command,
    ) {
        if new == *shown {
            return;
        }
        if let Err(e) = validate(&new) {
            self.message = Some(e.to_string());
            return;
        }
        *shown = new.clone();
        self.worker.send(Control::Lab(command(new)));
    }

    /// Pauses training while the tab is hidden, and resumes it when shown again.
    pub fn set_visible(&mut self, visible: bool) {
        if !visible && self.playing() {
            self.resume_on_show = true;
            self.worker.send(Control::Pause);
        } else if visible && std::mem::take(&mut self.resume_on_show) {
            self.worker.send(Control::Play);
        }
    }

    /// Starts training if it is paused.
    pub fn play(&mut self) {
        if !self.playing() {
            self.worker.send(Control::Play);
        }
    }

    /// Plays if paused, pauses if playing.
    pub fn toggle_play(&mut self) {
        let command = if self.playing() { Control::Pause } else { Control::Play };
        self.worker.send(command);
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
            self.worker.send(Control::Reset);
        }
    }

    /// The Play/Pause button (disabled while an error stands).
    pub fn play_button(&mut self, ui: &mut egui::Ui) {
        let status = self.worker.status();
        let label = if status.playing { "Pause" } else { "Play" };
        if ui.add_enabled(status.error.is_none(), egui::Button::new(label)).on_hover_text("Space").clicked() {
            self.toggle_play();
        }
    }

    /// Training speed and the cost of a snapshot.
    pub fn speed_ui(&self, ui: &mut egui::Ui) {
        let status = self.worker.status();
        ui.label(format!("{:.0} steps/s", status.steps_per_sec));
        ui.weak(format!("snapshot {:.0} ms", 1000.0 * status.snapshot_secs)).on_hover_text(
            "Time the trainer spends building each picture; it publishes at most every 5× that, so training keeps most of the core.",
        );
    }

    /// The error that stopped training, with a button to start again.
    pub fn error_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(error) = self.worker.status().error.clone() {
            ui.horizontal(|ui| {
                ui.colored_label(Color32::from_rgb(255, 90, 90), format!("⚠ {error}"));
                if ui.button("Reset run").on_hover_text("Start again from the seed with the settings shown").clicked() {
                    self.worker.send(Control::Reset);
                }
                ui.weak("Change a setting if needed, then press Reset run.");
            });
        }
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
