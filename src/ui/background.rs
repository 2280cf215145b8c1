//! Work the UI thread hands to a background thread (loading a file, building a trainer with
//! its data) and picks up without waiting, one frame after it is done.

use std::sync::mpsc::{channel, Receiver, TryRecvError};

use eframe::egui;

/// A result being computed on a named background thread.
pub struct Pending<T> {
    what: String,
    rx: Receiver<T>,
}

/// What [`Pending::poll`] found.
#[derive(Debug)]
pub enum Polled<T> {
    /// Still running.
    Waiting,
    /// Done; the result.
    Ready(T),
    /// The thread ended without a result (it panicked); the message says what was lost.
    Lost(String),
}

impl<T: Send + 'static> Pending<T> {
    /// Runs `work` on a thread named `name`; `what` says in plain words what it does
    /// ("Loading points.csv"). The thread wakes `ctx` when it is done, so that the next frame
    /// picks the result up. A thread that cannot be started is an error with a message.
    pub fn spawn(
        ctx: &egui::Context,
        name: &str,
        what: String,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Self, String> {
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // The receiver is gone when the UI no longer wants the result: nothing to do.
                let _ = tx.send(work());
                ctx.request_repaint();
            })
            .map_err(|e| format!("cannot start a thread for {}: {e}", what.to_lowercase()))?;
        Ok(Self { what, rx })
    }

    /// What the thread does, as given to [`Self::spawn`].
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Takes the result if it is there; never waits.
    pub fn poll(&mut self) -> Polled<T> {
        match self.rx.try_recv() {
            Ok(result) => Polled::Ready(result),
            Err(TryRecvError::Empty) => Polled::Waiting,
            Err(TryRecvError::Disconnected) => Polled::Lost(format!("{} stopped unexpectedly", self.what)),
        }
    }
}

/// A spinner and "`what` …", where a lab or a panel waits for a [`Pending`] result.
pub fn waiting_ui(ui: &mut egui::Ui, what: &str) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!("{what} …"));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static>(p: &mut Pending<T>) -> Polled<T> {
        let start = std::time::Instant::now();
        loop {
            match p.poll() {
                Polled::Waiting if start.elapsed().as_secs() < 30 => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }

    #[test]
    fn the_result_arrives_without_the_caller_waiting_for_it() {
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let ctx = egui::Context::default();
        let mut p = Pending::spawn(&ctx, "test-work", "Adding".to_owned(), move || {
            let _ = gate.recv();
            2 + 2
        })
        .unwrap();
        assert!(matches!(p.poll(), Polled::Waiting), "the work is held at its gate");
        assert_eq!(p.what(), "Adding");
        go.send(()).unwrap();
        assert!(matches!(wait(&mut p), Polled::Ready(4)));
    }

    #[test]
    fn a_panicking_thread_is_reported_as_lost() {
        let ctx = egui::Context::default();
        let mut p: Pending<u8> =
            Pending::spawn(&ctx, "test-panic", "Loading x.csv".to_owned(), || panic!("boom")).unwrap();
        match wait(&mut p) {
            Polled::Lost(text) => assert_eq!(text, "Loading x.csv stopped unexpectedly"),
            other => panic!("expected Lost, got {other:?}"),
        }
    }
}
