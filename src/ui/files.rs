//! What the window keeps and shares (issue 12): the Run menu (Save run…, Open run…, the
//! ready-made states, export of the window or one plot as PNG and of the curves as CSV, the
//! command line that reproduces the settings), Ctrl+S / Ctrl+O, and files dropped on the
//! window. Every file is read and written on a background thread ([`Pending`]); the UI thread
//! only asks and shows the answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;

use super::background::{Pending, Polled};
use super::widgets::FileBrowser;
use crate::train::run;
use crate::train::states::{ReadyMade, READY_MADE};

/// A plot that Run ▸ Export can save as a PNG: its title and where it was drawn.
#[derive(Clone, Debug, Default)]
pub struct Plots(pub Vec<(String, egui::Rect)>);

/// Records that the plot `title` was drawn at `rect` this frame (its frame, as egui_plot
/// gives it), so that the Run menu offers it for export. The picture exported takes in the
/// tick labels left of and below the frame and the title line above it.
pub fn exportable(ui: &egui::Ui, title: &str, rect: egui::Rect) {
    let margin = egui::Margin { left: 46, right: 6, top: 24, bottom: 26 };
    let rect = (rect + margin).intersect(ui.ctx().content_rect());
    ui.ctx().data_mut(|d| d.get_temp_mut_or_default::<Plots>(egui::Id::NULL).0.push((title.to_owned(), rect)));
}

/// The plots drawn in the last frame, and a fresh list for this one.
fn take_plots(ctx: &egui::Context) -> Vec<(String, egui::Rect)> {
    ctx.data_mut(|d| std::mem::take(&mut d.get_temp_mut_or_default::<Plots>(egui::Id::NULL).0))
}

/// What the shown lab offers the Run menu.
pub struct Offer {
    /// Its tab's title.
    pub title: &'static str,
    /// A name for a saved run or an exported file ("gan-step-6000").
    pub stem: String,
    /// Its curves as CSV (None: nothing drawn yet).
    pub curves_csv: Option<String>,
    /// The command that reproduces its settings headless (None: this lab has none; an
    /// error: these settings have none, and why).
    pub command: Option<Result<String, String>>,
}

/// What the Run menu asks of the window, for the frame's end.
#[derive(Debug, PartialEq)]
pub enum Ask {
    /// Save the shown lab's run as this folder.
    Save(PathBuf),
    /// Open the run saved in this folder in the lab its manifest names (a display name).
    Open(PathBuf, String, String),
}

/// What a browser was opened for.
#[derive(Clone, Debug)]
enum Purpose {
    SaveRun,
    OpenRun,
    Png(Option<(String, egui::Rect)>),
    Csv(String),
}

/// A run to open, once read: its folder, the lab its manifest names, the name the header
/// gives it; or why it cannot be opened.
type Routed = Result<(PathBuf, String, String), String>;

/// A background job of the menu.
enum Job {
    /// Reading which lab a run belongs to (or unpacking a ready-made state).
    Route(Pending<Routed>),
    /// Writing an exported file.
    Write(Pending<Result<PathBuf, String>>),
}

/// The Run menu's state.
#[derive(Default)]
pub struct Files {
    browser: FileBrowser,
    purpose: Option<Purpose>,
    /// Where the last file was saved or opened (where the next browser starts).
    last_dir: Option<PathBuf>,
    jobs: Vec<Job>,
    /// A PNG to take once the browser has closed: frames to wait, the file, the plot.
    screenshot: Option<(u8, PathBuf, Option<egui::Rect>)>,
    /// A screenshot asked for: the picture arrives here, for this file and plot.
    shot: Option<(std::sync::mpsc::Receiver<Arc<egui::ColorImage>>, PathBuf, Option<egui::Rect>)>,
    /// The reproducing command shown in its own window.
    command: Option<String>,
    /// A line in the top bar (what was exported or copied), the same at length (under the
    /// mouse), and since when.
    notice: Option<(String, String, std::time::Instant)>,
    /// A message box: its heading and text (an export or an open that failed, a notice).
    error: Option<(&'static str, String)>,
    /// The plots drawn in the last frame.
    plots: Vec<(String, egui::Rect)>,
}

/// How long the top bar shows what was exported.
const NOTICE_SECS: f32 = 10.0;

impl Files {
    fn start_dir(&self) -> PathBuf {
        self.last_dir.clone().unwrap_or_else(|| std::env::current_dir().unwrap_or_default())
    }

    /// Starts the next browser in `dir` (by default the working folder, then wherever the last
    /// file went).
    pub fn start_in(&mut self, dir: &Path) {
        self.last_dir = Some(dir.to_path_buf());
    }

    /// A line for the top bar.
    pub fn tell(&mut self, text: String, at_length: String) {
        self.notice = Some((text, at_length, std::time::Instant::now()));
    }

    /// Shows a message box saying that something could not be done, and why.
    pub fn fail(&mut self, text: String) {
        self.error = Some(("Cannot do that", text));
    }

    /// Shows a message box with a notice (something the user should know, not a failure).
    pub fn inform(&mut self, text: String) {
        self.error = Some(("Note", text));
    }

    /// The top bar's notice, while it is shown.
    pub fn notice(&self) -> Option<(&str, &str)> {
        self.notice
            .as_ref()
            .filter(|(_, _, at)| at.elapsed().as_secs_f32() < NOTICE_SECS)
            .map(|(t, long, _)| (t.as_str(), long.as_str()))
    }

    /// The message box's text, if one is shown.
    pub fn error(&self) -> Option<&str> {
        self.error.as_ref().map(|(_, text)| text.as_str())
    }

    /// Opens the browser to save the shown lab's run.
    pub fn ask_save(&mut self, offer: &Offer) {
        self.browser.save_in(&self.start_dir(), &offer.stem);
        self.purpose = Some(Purpose::SaveRun);
    }

    /// Opens the browser to pick a saved run.
    pub fn ask_open(&mut self) {
        self.browser.open_in(&self.start_dir());
        self.purpose = Some(Purpose::OpenRun);
    }

    /// Opens the run saved in `dir`, in whichever lab saved it: its manifest is read on a
    /// background thread, then [`Self::poll`] hands it on.
    pub fn open(&mut self, ctx: &egui::Context, dir: PathBuf) {
        let name = super::lab::short_name(&dir);
        let what = format!("Reading {name}");
        let job = Pending::spawn(ctx, "run-reader", what, move || {
            let manifest = run::read_any_manifest(&dir).map_err(|e| format!("could not open the run: {e}"))?;
            Ok((dir, manifest.lab, name))
        });
        self.push_route(job);
    }

    /// Unpacks the ready-made state `state` (into the temporary folder) and opens it.
    pub fn open_ready_made(&mut self, ctx: &egui::Context, state: ReadyMade) {
        let what = format!("Unpacking {}", state.name);
        let job = Pending::spawn(ctx, "state-unpacker", what, move || {
            let parent = std::env::temp_dir().join("latent-lab-states");
            std::fs::create_dir_all(&parent)
                .map_err(|e| format!("cannot unpack {}: {}: {e}", state.name, parent.display()))?;
            let dir = state.unpack(&parent).map_err(|e| format!("cannot unpack {}: {e}", state.name))?;
            Ok((dir, state.lab.to_owned(), format!("{} (ready-made)", state.name)))
        });
        self.push_route(job);
    }

    fn push_route(&mut self, job: Result<Pending<Routed>, String>) {
        match job {
            Ok(job) => self.jobs.push(Job::Route(job)),
            Err(e) => self.fail(e),
        }
    }

    /// What background work is under way (for the top bar).
    pub fn busy(&self) -> Option<&str> {
        self.jobs
            .iter()
            .map(|j| match j {
                Job::Route(p) => p.what(),
                Job::Write(p) => p.what(),
            })
            .next()
    }

    /// Picks up finished background work; returns a run to open, if one is ready.
    pub fn poll(&mut self) -> Option<Ask> {
        let mut ask = None;
        let mut still = Vec::new();
        for job in std::mem::take(&mut self.jobs) {
            match job {
                Job::Route(mut p) => match p.poll() {
                    Polled::Waiting => still.push(Job::Route(p)),
                    Polled::Lost(e) => self.fail(e),
                    Polled::Ready(Err(e)) => self.fail(e),
                    Polled::Ready(Ok((dir, lab, name))) => ask = Some(Ask::Open(dir, lab, name)),
                },
                Job::Write(mut p) => match p.poll() {
                    Polled::Waiting => still.push(Job::Write(p)),
                    Polled::Lost(e) => self.fail(e),
                    Polled::Ready(Err(e)) => self.fail(e),
                    Polled::Ready(Ok(path)) => {
                        self.tell(format!("Exported {}", super::lab::short_name(&path)), path.display().to_string());
                    }
                },
            }
        }
        self.jobs = still;
        ask
    }

    /// The Run menu's entries (inside a menu button) for the shown lab.
    pub fn menu_ui(&mut self, ui: &mut egui::Ui, offer: &Offer) {
        let ctx = ui.ctx().clone();
        let cmd = |key| ctx.format_shortcut(&egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, key));
        if ui
            .add(egui::Button::new("Save run…").shortcut_text(cmd(egui::Key::S)))
            .on_hover_text("Keep this lab's run as a folder: settings, weights, optimisers, curves and step.")
            .clicked()
        {
            self.ask_save(offer);
            ui.close();
        }
        if ui
            .add(egui::Button::new("Open run…").shortcut_text(cmd(egui::Key::O)))
            .on_hover_text("Open a saved run (saved here, or written by a headless run) in its lab.")
            .clicked()
        {
            self.ask_open();
            ui.close();
        }
        ui.menu_button("Ready-made states", |ui| {
            for state in READY_MADE {
                if ui
                    .button(state.title)
                    .on_hover_text("Opens in its lab, paused; Play trains on from there.")
                    .clicked()
                {
                    self.open_ready_made(&ctx, state);
                    ui.close();
                }
            }
        });
        ui.separator();
        if ui.button("Export window as PNG…").clicked() {
            self.browser.save_in(&self.start_dir(), &format!("{}.png", offer.stem));
            self.purpose = Some(Purpose::Png(None));
            ui.close();
        }
        ui.menu_button("Export a plot as PNG", |ui| {
            if self.plots.is_empty() {
                ui.weak("(no plot drawn yet)");
            }
            for (title, rect) in self.plots.clone() {
                if ui.button(&title).clicked() {
                    let name = format!("{}-{}.png", offer.stem, slug(&title));
                    self.browser.save_in(&self.start_dir(), &name);
                    self.purpose = Some(Purpose::Png(Some((title, rect))));
                    ui.close();
                }
            }
        });
        let csv = ui
            .add_enabled(offer.curves_csv.is_some(), egui::Button::new("Export curves as CSV…"))
            .on_hover_text("Every curve of the lab, one row per point: curve, step, value, and how many observations the point averages.");
        if csv.clicked() {
            if let Some(text) = &offer.curves_csv {
                self.browser.save_in(&self.start_dir(), &format!("{}-curves.csv", offer.stem));
                self.purpose = Some(Purpose::Csv(text.clone()));
                ui.close();
            }
        }
        ui.separator();
        match &offer.command {
            Some(Ok(line)) => {
                if ui
                    .button("Copy command")
                    .on_hover_text("The `latent-lab train …` line that trains these settings headless.")
                    .clicked()
                {
                    ctx.copy_text(line.clone());
                    self.command = Some(line.clone());
                    self.tell("Copied the command line".to_owned(), line.clone());
                    ui.close();
                }
            }
            Some(Err(why)) => {
                ui.add_enabled(false, egui::Button::new("Copy command")).on_disabled_hover_text(why.as_str());
            }
            None => {
                ui.add_enabled(false, egui::Button::new("Copy command"))
                    .on_disabled_hover_text(format!("The {} lab has no headless command line yet.", offer.title));
            }
        }
    }

    /// Starts a frame: takes the plots drawn in the last one.
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        self.plots = take_plots(ctx);
    }

    /// The plots drawn in the last frame (title, where).
    pub fn plots(&self) -> &[(String, egui::Rect)] {
        &self.plots
    }

    /// The browser, the command window, the message box, and a screenshot being taken; returns
    /// what the window must do.
    pub fn dialogs_ui(&mut self, ctx: &egui::Context) -> Option<Ask> {
        let mut ask = self.poll();
        if let Some(purpose) = self.purpose.clone() {
            let (title, what, ending) = match &purpose {
                Purpose::SaveRun => ("Save run as a folder", "runs", None),
                Purpose::OpenRun => ("Open a saved run", "saved runs", None),
                Purpose::Png(_) => ("Export as PNG", "PNG files", Some(".png")),
                Purpose::Csv(_) => ("Export curves as CSV", "CSV files", Some(".csv")),
            };
            let accept = |name: &str| ending.is_some_and(|e| name.ends_with(e));
            if let Some(path) = self.browser.show(ctx, title, what, &accept, true) {
                self.last_dir = path.parent().map(Path::to_path_buf);
                match purpose {
                    Purpose::SaveRun => ask = Some(Ask::Save(path)),
                    Purpose::OpenRun => self.open(ctx, path),
                    // Taken two frames on, once the browser is gone from the picture.
                    Purpose::Png(plot) => self.screenshot = Some((2, path, plot.map(|(_, r)| r))),
                    Purpose::Csv(text) => self.write(ctx, path, text.into_bytes()),
                }
            }
            if !self.browser.open {
                self.purpose = None;
            }
        }
        self.screenshot_ui(ctx);
        if let Some(line) = self.command.clone() {
            let mut open = true;
            egui::Window::new("Command line").open(&mut open).collapsible(false).show(ctx, |ui| {
                ui.label("Trains these settings headless (copied to the clipboard):");
                ui.add(egui::Label::new(egui::RichText::new(&line).monospace()).selectable(true).wrap());
                if ui.button("Copy again").clicked() {
                    ctx.copy_text(line.clone());
                }
            });
            if !open {
                self.command = None;
            }
        }
        if let Some((heading, text)) = self.error.clone() {
            let modal = egui::Modal::new(egui::Id::unique("files-message")).show(ctx, |ui| {
                ui.heading(heading);
                ui.label(text);
                ui.button("OK").clicked()
            });
            if modal.inner || modal.should_close() {
                self.error = None;
            }
        }
        ask
    }

    fn screenshot_ui(&mut self, ctx: &egui::Context) {
        if let Some((wait, path, rect)) = self.screenshot.take() {
            if wait > 1 {
                self.screenshot = Some((wait - 1, path, rect));
            } else {
                // The picture of a frame after this one, once the browser is gone from it.
                let (tx, rx) = std::sync::mpsc::channel();
                let wake = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = tx.send(image);
                    wake.request_repaint();
                });
                self.shot = Some((rx, path, rect));
            }
            ctx.request_repaint();
        }
        if let Some((rx, path, rect)) = self.shot.take() {
            match rx.try_recv() {
                Ok(image) => self.write_png(ctx, path, image, rect),
                Err(std::sync::mpsc::TryRecvError::Empty) => self.shot = Some((rx, path, rect)),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.fail(format!("could not export {}: the window gave no picture", path.display()));
                }
            }
        }
    }

    /// Crops `image` to `plot` (points; the whole picture if None), encodes it as a PNG and
    /// writes it to `path`, on a background thread.
    pub fn write_png(
        &mut self,
        ctx: &egui::Context,
        path: PathBuf,
        image: Arc<egui::ColorImage>,
        plot: Option<egui::Rect>,
    ) {
        let what = format!("Writing {}", super::lab::short_name(&path));
        let pixels_per_point = ctx.pixels_per_point();
        match Pending::spawn(ctx, "png-writer", what, move || {
            let bytes = match plot {
                Some(rect) => png_bytes(&image.region(&rect, Some(pixels_per_point))),
                None => png_bytes(&image),
            };
            let bytes = bytes.map_err(|e| format!("cannot encode {}: {e}", path.display()))?;
            write_file(&path, &bytes)
        }) {
            Ok(job) => self.jobs.push(Job::Write(job)),
            Err(e) => self.fail(e),
        }
    }

    fn write(&mut self, ctx: &egui::Context, path: PathBuf, bytes: Vec<u8>) {
        let what = format!("Writing {}", super::lab::short_name(&path));
        match Pending::spawn(ctx, "file-writer", what, move || write_file(&path, &bytes)) {
            Ok(job) => self.jobs.push(Job::Write(job)),
            Err(e) => self.fail(e),
        }
    }
}

/// Writes `bytes` to `path` whole (a temporary name renamed into place).
fn write_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, String> {
    run::write_whole(path, |tmp| std::fs::write(tmp, bytes).map_err(|e| run::RunError::file(path, e)))
        .and_then(|()| run::readable_by_all(path))
        .map(|()| path.to_path_buf())
        .map_err(|e| format!("could not export: {e}"))
}

/// `image` as the bytes of an 8-bit RGBA PNG file.
pub fn png_bytes(image: &egui::ColorImage) -> Result<Vec<u8>, png::EncodingError> {
    let [w, h] = image.size;
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        let data: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
        writer.write_image_data(&data)?;
    }
    Ok(out)
}

/// A title as a file-name part: "D(x) vs D*(x)" → "d-x-vs-d-x".
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// What a drop of `paths` on the window would do, before the lab is asked: a single folder
/// holding a saved run opens it (in its lab).
pub fn dropped_run(paths: &[PathBuf]) -> Option<&Path> {
    match paths {
        [one] if one.join(run::MANIFEST).is_file() => Some(one),
        _ => None,
    }
}

/// The overlay shown while files hover over the window: what a drop would do, or why it
/// would be refused (a label, so that screen readers and tests read it too).
pub fn drop_overlay(ctx: &egui::Context, plan: &Result<String, String>) {
    let screen = ctx.content_rect();
    let visuals = ctx.global_style().visuals.clone();
    let (text, colour) = match plan {
        Ok(text) => (text.clone(), visuals.strong_text_color()),
        Err(text) => (format!("⚠ {text}"), visuals.error_fg_color),
    };
    egui::Area::new(egui::Id::unique("drop-overlay"))
        .order(egui::Order::Foreground)
        .fixed_pos(screen.min)
        .interactable(false)
        .show(ctx, |ui| {
            ui.painter().rect_filled(screen, 0.0, visuals.extreme_bg_color.gamma_multiply(0.85));
            ui.set_min_size(screen.size());
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new(text).size(24.0).color(colour));
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_holds_the_image_it_was_given() {
        let mut image = egui::ColorImage::filled([7, 3], egui::Color32::from_rgb(10, 20, 30));
        image.pixels[5] = egui::Color32::from_rgb(200, 100, 50);
        let bytes = png_bytes(&image).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (7, 3));
        assert_eq!(&buf[..4], &[10, 20, 30, 255]);
        assert_eq!(&buf[20..24], &[200, 100, 50, 255]);
    }

    #[test]
    fn titles_become_file_name_parts() {
        assert_eq!(slug("D(x) vs D*(x)"), "d-x-vs-d-x");
        assert_eq!(slug("GAN plane"), "gan-plane");
    }
}
