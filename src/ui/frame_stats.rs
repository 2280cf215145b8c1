//! How long the UI thread takes per frame: a readout in the window (p50 and p95 over the
//! last frames, and the age of the picture shown) and, with `--frame-stats FILE`, one CSV
//! row per frame so that a run under Xvfb can be measured.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui;

/// Frames the readout's percentiles cover.
pub const WINDOW: usize = 300;

/// Rows written between flushes of the CSV file.
const FLUSH_EVERY: u64 = 30;

/// The CSV file's header.
pub const CSV_HEADER: &str = "frame,t_secs,tab,ui_ms,prev_frame_cpu_ms,snapshot_age_ms,steps_per_sec";

/// One frame's numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameTime {
    /// The app's own time in the frame: reading snapshots, logic and layout.
    pub ui_ms: f32,
    /// eframe's CPU time for the previous frame (the app, tessellation and handing the
    /// meshes to the GPU driver; waiting for vsync excluded). None on the first frame.
    pub prev_frame_cpu_ms: Option<f32>,
    /// Age of the shown lab's newest snapshot.
    pub snapshot_age_ms: Option<f32>,
}

/// Per-frame times: the last [`WINDOW`] in memory, and every one in the CSV file if asked.
pub struct FrameStats {
    recent: VecDeque<FrameTime>,
    frames: u64,
    started: Instant,
    file: Option<std::io::BufWriter<std::fs::File>>,
    file_error: Option<String>,
    /// Whether the readout is shown.
    pub visible: bool,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            recent: VecDeque::with_capacity(WINDOW),
            frames: 0,
            started: Instant::now(),
            file: None,
            file_error: None,
            visible: false,
        }
    }
}

impl FrameStats {
    /// Also writes every frame's numbers to `path` (CSV, header [`CSV_HEADER`]).
    pub fn write_to(&mut self, path: &Path) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(file, "{CSV_HEADER}")?;
        file.flush()?;
        self.file = Some(file);
        Ok(())
    }

    /// Frames recorded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Records one frame.
    pub fn record(&mut self, frame: FrameTime, tab: &str, steps_per_sec: f64) {
        self.frames += 1;
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(frame);
        if let Some(file) = &mut self.file {
            let opt = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.3}"));
            let row = writeln!(
                file,
                "{},{:.4},{tab},{:.3},{},{},{:.1}",
                self.frames,
                self.started.elapsed().as_secs_f64(),
                frame.ui_ms,
                opt(frame.prev_frame_cpu_ms),
                opt(frame.snapshot_age_ms),
                steps_per_sec
            );
            let flushed = if self.frames.is_multiple_of(FLUSH_EVERY) { file.flush() } else { Ok(()) };
            if let Err(e) = row.and(flushed) {
                // A full disk must not take the window down: stop writing and say so.
                self.file_error = Some(format!("frame stats file: {e}"));
                self.file = None;
            }
        }
    }

    /// The p-th percentile (0–100, nearest rank) of a field over the recent frames.
    pub fn percentile(&self, p: f64, field: impl Fn(&FrameTime) -> Option<f32>) -> Option<f32> {
        let mut values: Vec<f32> = self.recent.iter().filter_map(field).collect();
        percentile(&mut values, p)
    }

    /// The readout: p50 and p95 of the UI's time and of the whole frame's CPU time, and the
    /// age of the picture.
    pub fn ui(&self, ui: &mut egui::Ui, snapshot_age: Option<Duration>) {
        let ms = |v: Option<f32>| v.map_or("–".to_owned(), |v| format!("{v:.1}"));
        let ui_time = |p| self.percentile(p, |f| Some(f.ui_ms));
        let cpu_time = |p| self.percentile(p, |f| f.prev_frame_cpu_ms);
        ui.label(format!("UI p50 {} · p95 {} ms", ms(ui_time(50.0)), ms(ui_time(95.0)))).on_hover_text(format!(
            "The app's own time per frame (reading snapshots, logic, layout) over the last {} frames.",
            self.recent.len()
        ));
        ui.label(format!("frame CPU p50 {} · p95 {} ms", ms(cpu_time(50.0)), ms(cpu_time(95.0)))).on_hover_text(
            "eframe's CPU time per frame: the app, tessellation and handing the meshes to the GPU driver (vsync excluded).",
        );
        let age = snapshot_age.map_or("–".to_owned(), |a| format!("{:.0} ms", a.as_secs_f64() * 1e3));
        ui.label(format!("snapshot age {age}")).on_hover_text("How old the picture of the shown lab is.");
        if let Some(e) = &self.file_error {
            ui.colored_label(super::theme::palette(ui).error, e);
        }
    }
}

impl Drop for FrameStats {
    fn drop(&mut self) {
        if let Some(file) = &mut self.file {
            let _ = file.flush();
        }
    }
}

/// The p-th percentile (0–100) of `values` by nearest rank; None when empty. Sorts `values`.
pub fn percentile(values: &mut [f32], p: f64) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<f32> = (1..=100).rev().map(|i| i as f32).collect();
        assert_eq!(percentile(&mut v, 50.0), Some(50.0));
        assert_eq!(percentile(&mut v, 95.0), Some(95.0));
        assert_eq!(percentile(&mut v, 100.0), Some(100.0));
        assert_eq!(percentile(&mut v, 0.0), Some(1.0));
        assert_eq!(percentile(&mut [], 50.0), None);
    }

    #[test]
    fn keeps_the_last_window_and_writes_every_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames.csv");
        let mut stats = FrameStats::default();
        stats.write_to(&path).unwrap();
        for i in 0..(WINDOW + 10) {
            let frame = FrameTime { ui_ms: i as f32, prev_frame_cpu_ms: Some(1.0), snapshot_age_ms: None };
            stats.record(frame, "gan", 100.0);
        }
        // The first ten frames fell out of the window: the smallest left is 10.
        assert_eq!(stats.percentile(0.0, |f| Some(f.ui_ms)), Some(10.0));
        drop(stats);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines.len(), WINDOW + 11);
        assert!(lines[1].starts_with("1,") && lines[1].contains(",gan,0.000,1.000,,100.0"), "{}", lines[1]);
    }
}
