//! Shared widgets: colour maps, a small file browser, labelled sliders.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32};

/// A metric's history as a plot line named `name`.
pub fn series_line<'a>(name: &str, s: &crate::train::series::Series, colour: Color32) -> egui_plot::Line<'a> {
    egui_plot::Line::new(name.to_owned(), egui_plot::PlotPoints::from(s.points().to_vec())).color(colour)
}

/// A chart of training curves over `range` (see [`crate::train::series::chart_range`]): it
/// never takes the mouse wheel, a drag or a double click, so the wheel scrolls the column
/// around it (issue 14, item 4) and its axes stay where the range puts them (a norm's axis
/// never goes below 0). Its legend sits in the top-left corner, in the range's headroom.
pub fn curve_chart<'a>(id: &str, range: &crate::train::series::ChartRange, height: f32) -> egui_plot::Plot<'a> {
    unlabelled_curve_chart(id, range, height).legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftTop))
}

/// [`curve_chart`] without a legend inside (draw one with [`legend_line`] above it).
pub fn unlabelled_curve_chart<'a>(
    id: &str,
    range: &crate::train::series::ChartRange,
    height: f32,
) -> egui_plot::Plot<'a> {
    fixed_chart(id)
        .height(height)
        .include_x(range.x[0])
        .include_x(range.x[1])
        .include_y(range.y[0])
        .include_y(range.y[1])
}

/// A chart whose region the program sets: it takes no mouse wheel, drag, zoom or double
/// click (the wheel scrolls the column around it), and has no margin beyond what it includes.
pub fn fixed_chart<'a>(id: &str) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id)
        .id(egui::Id::unique(id))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .set_margin_fraction(egui::Vec2::ZERO)
}

/// A metric's history as a line of a [`curve_chart`] over `range`: values beyond the range's
/// y (a spike it leaves out) are drawn at its edge.
pub fn range_line<'a>(
    name: &str,
    s: &crate::train::series::Series,
    colour: Color32,
    range: &crate::train::series::ChartRange,
) -> egui_plot::Line<'a> {
    let [lo, hi] = range.y;
    let points: Vec<[f64; 2]> = s.points().iter().map(|p| [p[0], p[1].clamp(lo, hi)]).collect();
    egui_plot::Line::new(name.to_owned(), egui_plot::PlotPoints::from(points)).color(colour)
}

pub use super::theme::{FAKE, REAL};

fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// A chart's legend as a line of text above it, each entry a coloured mark and its name, for
/// charts too small to hold a legend without covering their curves.
pub fn legend_line(ui: &mut egui::Ui, entries: &[(&str, Color32, &str)]) {
    let mut job = egui::text::LayoutJob::default();
    for (i, (mark, colour, name)) in entries.iter().enumerate() {
        if i > 0 {
            // Real spaces between entries: where the line may break.
            job.append("   ", 0.0, egui::TextFormat::simple(egui::TextStyle::Body.resolve(ui.style()), *colour));
        }
        // A name never breaks across lines (non-breaking spaces); the line breaks between entries.
        append_marked(ui, &mut job, &[(mark, *colour)], &name.replace(' ', "\u{a0}"));
    }
    ui.label(job);
}

/// `text` after coloured marks ("● real samples"): a legend entry, as a checkbox's label or
/// in a [`legend_line`].
pub fn marked(ui: &egui::Ui, marks: &[(&str, Color32)], text: &str) -> egui::text::LayoutJob {
    let mut job = egui::text::LayoutJob::default();
    append_marked(ui, &mut job, marks, text);
    job
}

fn append_marked(ui: &egui::Ui, job: &mut egui::text::LayoutJob, marks: &[(&str, Color32)], text: &str) {
    let font = egui::TextStyle::Body.resolve(ui.style());
    for (mark, colour) in marks {
        job.append(mark, 0.0, egui::TextFormat::simple(font.clone(), *colour));
    }
    job.append(text, 3.0, egui::TextFormat::simple(font, ui.visuals().text_color()));
}

/// The ends of [`diverging`]: purple (low, "generated") and green (high, "real").
pub const DIVERGING_ENDS: [Color32; 2] = [Color32::from_rgb(120, 40, 160), Color32::from_rgb(20, 130, 80)];

/// Diverging map for D(x) and critic values: `low` → purple ("generated"), the middle →
/// the background, `high` → green ("real").
pub fn diverging(value: f32, low: f32, high: f32, background: Color32) -> Color32 {
    let [purple, green] = DIVERGING_ENDS;
    if !value.is_finite() {
        return Color32::RED;
    }
    let mid = 0.5 * (low + high);
    // On a light background the map stops at pastel shades, so that the darker sample points
    // drawn over it stand out (on a dark one it reaches the full colours).
    let reach = if super::theme::relative_luminance(background) > 0.5 { 0.4 } else { 1.0 };
    if value >= mid {
        lerp(background, green, reach * (value - mid) / (high - mid).max(1e-12))
    } else {
        lerp(background, purple, reach * (mid - value) / (mid - low).max(1e-12))
    }
}

/// A minimal file browser: a path field, the folder's entries, and Open/Cancel. Works
/// wherever the window does (no desktop portal needed).
#[derive(Debug, Default)]
pub struct FileBrowser {
    /// Whether the browser window is shown.
    pub open: bool,
    dir: PathBuf,
    path_text: String,
    entries: Vec<(String, bool)>,
    listed: Option<PathBuf>,
    /// Saving: the name typed for the new file or folder (None: opening).
    save_name: Option<String>,
    /// Saved runs among the listed folders (they end in " (saved run)"; a click opens one).
    runs: Vec<String>,
}

impl FileBrowser {
    /// Opens the browser in `dir`.
    pub fn open_in(&mut self, dir: &Path) {
        self.open = true;
        self.dir = dir.to_path_buf();
        self.listed = None;
        self.save_name = None;
    }

    /// Opens the browser in `dir` to save under a name (`name` suggested); [`Self::show`]
    /// then returns the folder shown joined with the name typed, when the user presses Save.
    pub fn save_in(&mut self, dir: &Path, name: &str) {
        self.open_in(dir);
        self.save_name = Some(name.to_owned());
    }

    /// The folder shown.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn refresh(&mut self, accept: &dyn Fn(&str) -> bool) {
        if self.listed.as_deref() == Some(self.dir.as_path()) {
            return;
        }
        self.entries.clear();
        self.runs.clear();
        if let Ok(read) = std::fs::read_dir(&self.dir) {
            for entry in read.flatten() {
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                if is_dir && entry.path().join(crate::train::run::MANIFEST).is_file() {
                    self.runs.push(name.clone());
                }
                if is_dir || accept(&name.to_ascii_lowercase()) {
                    self.entries.push((name, is_dir));
                }
            }
        }
        self.entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.listed = Some(self.dir.clone());
    }

    /// Shows the browser, listing folders and the files `accept` takes (by lower-case name);
    /// returns the chosen file when the user presses Open, or with `pick_folder` the folder
    /// shown when the user presses "Use this folder".
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        what: &str,
        accept: &dyn Fn(&str) -> bool,
        pick_folder: bool,
    ) -> Option<PathBuf> {
        if !self.open {
            return None;
        }
        self.refresh(accept);
        let mut chosen = None;
        let mut open = self.open;
        let mut go_to = None;
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .default_width(420.0)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .show(ctx, |ui| {
                ui.label(format!("Folder: {}", self.dir.display()));
                egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| {
                    if let Some(parent) = self.dir.parent() {
                        if ui.selectable_label(false, "../").on_hover_text("The folder above").clicked() {
                            go_to = Some(parent.to_path_buf());
                        }
                    }
                    for (name, is_dir) in &self.entries {
                        let run = self.runs.contains(name);
                        // Folders end in "/" (an icon would need a glyph the bundled fonts lack).
                        let label = match (*is_dir, run) {
                            (true, true) => format!("{name}/ (saved run)"),
                            (true, false) => format!("{name}/"),
                            _ => name.clone(),
                        };
                        if ui.selectable_label(false, label).clicked() {
                            let path = self.dir.join(name);
                            if run && pick_folder && self.save_name.is_none() {
                                // Opening a run: its folder is the choice.
                                chosen = Some(path);
                            } else if run && self.save_name.is_some() {
                                // Saving over an earlier run: its name is typed for you.
                                self.save_name = Some(name.clone());
                            } else if *is_dir {
                                go_to = Some(path);
                            } else if let Some(save) = &mut self.save_name {
                                save.clone_from(name);
                            } else {
                                self.path_text = path.display().to_string();
                            }
                        }
                    }
                    if self.entries.is_empty() {
                        ui.weak(format!("(no folders or {what} here)"));
                    }
                });
                if let Some(save) = &mut self.save_name {
                    let entered = ui
                        .horizontal(|ui| {
                            let label = ui.label("Name:");
                            let field =
                                ui.add(egui::TextEdit::singleline(save).desired_width(300.0)).labelled_by(label.id);
                            field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
                        })
                        .inner;
                    let name = save.trim().to_owned();
                    ui.horizontal(|ui| {
                        let ok = !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
                        let save =
                            ui.add_enabled(ok, egui::Button::new("Save")).on_hover_text("Or Enter in the name field");
                        if save.clicked() || (ok && entered) {
                            chosen = Some(self.dir.join(&name));
                        }
                        if ui.button("Cancel").clicked() {
                            self.open = false;
                        }
                    });
                    return;
                }
                if pick_folder {
                    ui.horizontal(|ui| {
                        if ui.button("Use this folder").clicked() {
                            chosen = Some(self.dir.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            self.open = false;
                        }
                    });
                    return;
                }
                ui.horizontal(|ui| {
                    let label = ui.label("File:");
                    ui.add(egui::TextEdit::singleline(&mut self.path_text).desired_width(300.0)).labelled_by(label.id);
                });
                ui.horizontal(|ui| {
                    if ui.button("Open").clicked() && !self.path_text.trim().is_empty() {
                        chosen = Some(PathBuf::from(self.path_text.trim()));
                    }
                    if ui.button("Cancel").clicked() {
                        self.open = false;
                    }
                });
            });
        if let Some(dir) = go_to {
            self.dir = dir;
        }
        self.open &= open;
        if chosen.is_some() {
            self.open = false;
        }
        chosen
    }
}

/// A logarithmic slider for a learning rate.
pub fn lr_slider(ui: &mut egui::Ui, lr: &mut f64, label: &str) -> egui::Response {
    ui.add(egui::Slider::new(lr, 1e-5..=10.0).logarithmic(true).text(label).custom_formatter(|v, _| lr_text(v)))
        .on_hover_text("Step size of the optimiser: larger learns faster but may oscillate or diverge.")
}

/// A learning rate as people write it: plain decimals from 0.01 up ("10", "0.5", "0.05"), at
/// most three significant digits; smaller ones in scientific notation ("1.0e-3"). The slider
/// showed 10 as "1.0e1" (issue 14).
pub fn lr_text(v: f64) -> String {
    if !(v.is_finite() && v >= 0.01) {
        return format!("{v:.1e}");
    }
    let decimals = (2.0 - v.log10().floor()).clamp(0.0, 4.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::{contrast_ratio, Palette};

    #[test]
    fn learning_rates_read_as_people_write_them() {
        let cases = [(10.0, "10"), (2.5, "2.5"), (1.0, "1"), (0.5, "0.5"), (0.05, "0.05"), (0.123_45, "0.123")];
        for (v, want) in cases {
            assert_eq!(lr_text(v), want, "{v}");
        }
        assert_eq!(lr_text(1e-3), "1.0e-3");
        assert_eq!(lr_text(5e-5), "5.0e-5");
        assert_eq!(lr_text(0.01), "0.01");
    }

    #[test]
    fn diverging_map_ends_and_middle() {
        let bg = Color32::from_rgb(30, 30, 30);
        assert_eq!(diverging(0.5, 0.0, 1.0, bg), bg);
        assert_eq!(diverging(1.0, 0.0, 1.0, bg), Color32::from_rgb(20, 130, 80));
        assert_eq!(diverging(0.0, 0.0, 1.0, bg), Color32::from_rgb(120, 40, 160));
        assert_eq!(diverging(f32::NAN, 0.0, 1.0, bg), Color32::RED);
        // On the light theme's white the extremes are pastel: darker points stand out on them.
        let white = Color32::WHITE;
        assert_eq!(diverging(0.5, 0.0, 1.0, white), white);
        let pastel = diverging(0.0, 0.0, 1.0, white);
        assert!(pastel != Color32::from_rgb(120, 40, 160) && pastel.r() > 120 && pastel.b() > 160, "{pastel:?}");
        let fake = Palette::of(&egui::Visuals::light()).fake;
        assert!(contrast_ratio(fake, pastel) > 2.0, "{:.2}", contrast_ratio(fake, pastel));
        assert!(contrast_ratio(fake, Color32::from_rgb(120, 40, 160)) < 2.0, "the full purple hid them");
    }
}
