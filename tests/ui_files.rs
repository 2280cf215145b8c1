//! Keeping and sharing from the window (issue 12), driven through egui_kittest: Save run… and
//! Open run… through the Run menu, a run opening in the lab that saved it, ready-made states,
//! bad folders leaving the lab as it was, remembered settings, export, and dropped files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use latent_lab::train::worker::Control;
use latent_lab::ui::lab::{LabView as _, TrainerView as _};
use latent_lab::ui::{remember, App, Tab};

mod common;
use common::Labs as _;
use common::{harness, step_until};

/// Opens the Run menu and clicks the entry whose label contains `entry`.
fn menu(h: &mut egui_kittest::Harness<'static, App>, entry: &str) {
    h.get_by_label("Run").click();
    h.run_steps(2);
    h.get_by_label_contains(entry).click();
    h.run_steps(2);
}

/// Trains the GAN lab to at least `steps` steps and pauses it; returns the step reached.
fn train_gan(h: &mut egui_kittest::Harness<'static, App>, steps: u64) -> u64 {
    step_until(h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("Play").click();
    step_until(h, "training", |a| a.gan().status().steps >= steps);
    h.get_by_label("Pause").click();
    step_until(h, "paused", |a| !a.gan().status().playing);
    let at = h.state().gan().status().steps;
    step_until(h, "the paused picture", |a| a.gan().snapshot().is_some_and(|s| s.iterations == at));
    at
}

#[test]
fn a_run_saved_from_the_menu_opens_again_with_its_picture_settings_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.state_mut().files.start_in(dir.path());
    // Settings other than the defaults, so that opening must bring them back.
    let changed = latent_lab::train::gan::GanConfig { batch: 96, seed: 11, ..h.state().gan().config().clone() };
    h.state_mut().gan_mut().handle_mut().apply(changed.clone());
    step_until(&mut h, "the new settings", |a| a.gan().snapshot().is_some_and(|s| s.config == changed));
    let at = train_gan(&mut h, 40);
    let before = Arc::clone(h.state().gan().snapshot().unwrap());

    menu(&mut h, "Save run");
    let name = format!("gan-step-{at}");
    h.get_by_label("Save").click();
    step_until(&mut h, "saved", |a| a.gan().handle().note().is_some_and(|n| n.starts_with("Saved the run")));
    let saved = dir.path().join(&name);
    assert!(saved.join("run.json").is_file(), "{} holds the run", saved.display());
    h.get_by_label_contains(&format!("Saved the run as {name}"));

    // Start again from other settings, then open the saved run.
    h.state_mut().gan_mut().handle_mut().apply(latent_lab::train::gan::GanConfig::default());
    h.state_mut().gan_mut().send(Control::Reset);
    step_until(&mut h, "a fresh run", |a| a.gan().status().steps == 0 && a.gan().config().batch != 96);
    menu(&mut h, "Open run");
    h.get_by_label(&format!("{name}/ (saved run)")).click();
    step_until(&mut h, "opened", |a| a.gan().handle().note().is_some_and(|n| n.starts_with("Opened")));
    let app = h.state();
    assert_eq!(app.gan().status().steps, at);
    assert_eq!(app.gan().config(), &changed, "the side panel shows the opened run's settings");
    let after = app.gan().snapshot().unwrap();
    assert_eq!(after.config, changed);
    assert_eq!(after.iterations, before.iterations);
    assert_eq!(after.fake, before.fake, "the same generated points, bit for bit");
    assert_eq!(after.history.d_loss.points(), before.history.d_loss.points(), "the same curves");
    assert!(!app.gan().playing(), "an opened run waits for Play");
    h.run_steps(2);
    h.get_by_label_contains(&format!("at step {at}"));
}

#[test]
fn a_run_opens_in_the_lab_that_saved_it_whichever_tab_is_shown() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    assert_eq!(h.state().tab(), Tab::Gan);
    menu(&mut h, "Ready-made states");
    h.get_by_label_contains("JS vs W1 race").click();
    step_until(&mut h, "the race opened", |a| a.lines().snapshot().is_some_and(|s| s.race_steps >= 600));
    assert_eq!(h.state().tab(), Tab::JsW1, "the JS vs W1 tab is shown");
    let s = h.state().lines().snapshot().unwrap();
    assert!(s.race_theta.1.abs() < 0.05 && s.race_theta.0 > 0.5, "{:?}", s.race_theta);
    // From the JS vs W1 tab, the trained AE and VAE open in theirs.
    menu(&mut h, "Ready-made states");
    h.get_by_label_contains("an AE and a VAE trained").click();
    step_until(&mut h, "the VAE opened", |a| a.vae().snapshot().is_some_and(|s| s.steps == 6000));
    assert_eq!(h.state().tab(), Tab::AeVae);
    assert_eq!(h.state().vae().config().latent_dim, 2, "the side panel shows the opened run's settings");
}

#[test]
fn the_collapsed_ready_made_ring_shows_its_collapse() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    menu(&mut h, "Ready-made states");
    h.get_by_label_contains("collapsed onto 2 modes").click();
    step_until(&mut h, "opened", |a| a.gan().snapshot().is_some_and(|s| s.iterations == 6000));
    let s = h.state().gan().snapshot().unwrap();
    let covered = s.metrics.coverage.as_ref().map(|c| c.modes_covered).expect("the ring is scored by mode");
    assert!(covered <= 6, "the collapsed ring covers {covered} of 8 modes");
    h.run_steps(2);
    h.get_by_label_contains("(ready-made)");
}

#[test]
fn a_folder_that_is_not_a_good_run_gives_one_message_and_leaves_the_lab_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    let at = train_gan(&mut h, 20);
    let before = Arc::clone(h.state().gan().snapshot().unwrap());
    // Not a run at all.
    let ctx = h.ctx.clone();
    h.state_mut().files.open(&ctx, dir.path().to_path_buf());
    step_until(&mut h, "the message", |a| a.files.error().is_some());
    let text = h.state().files.error().unwrap().to_owned();
    assert!(text.contains("run.json") && text.contains("missing"), "{text}");
    h.run_steps(2);
    h.get_by_label_contains("not a saved run");
    h.get_by_label("OK").click();
    h.run_steps(2);
    // A GAN run whose weights are cut short.
    let run = dir.path().join("cut");
    latent_lab::train::states::ReadyMade::named("ring8-ns-collapsed").unwrap().unpack(dir.path()).unwrap();
    let unpacked =
        std::fs::read_dir(dir.path()).unwrap().flatten().find(|e| e.path().join("run.json").is_file()).unwrap().path();
    std::fs::rename(&unpacked, &run).unwrap();
    let weights = run.join("weights.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    h.state_mut().files.open(&ctx, run.clone());
    step_until(&mut h, "the lab's message", |a| a.gan().message().is_some());
    let text = h.state().gan().message().unwrap().to_owned();
    assert!(text.contains("weights.safetensors"), "{text}");
    let app = h.state();
    assert_eq!(app.gan().status().steps, at, "the run is as it was");
    assert_eq!(app.gan().snapshot().unwrap().fake, before.fake);
}

#[test]
fn remembered_settings_come_back_and_unreadable_ones_fall_back_with_a_notice() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    let changed = latent_lab::train::gan::GanConfig {
        batch: 40,
        seed: 3,
        data: latent_lab::data::toy2d::Toy2d::Grid25 { spacing: 2.0, sigma: 0.05 },
        ..h.state().gan().config().clone()
    };
    h.state_mut().gan_mut().handle_mut().apply(changed.clone());
    h.get_by_label("Optimal discriminator").click();
    h.run_steps(2);
    let text = h.state().remembered();

    let ctx = egui::Context::default();
    let app = App::remembering(&ctx, remember::Remembered::parse(Some(&text)));
    assert_eq!(app.tab(), Tab::OptimalD);
    assert_eq!(app.gan().config(), &changed, "the settings and the data chosen");
    assert!(app.files.error().is_none());

    let app = App::remembering(&ctx, remember::Remembered::parse(Some("{\"version\": 1, \"tab\"")));
    assert_eq!(app.tab(), Tab::Gan);
    assert_eq!(app.gan().config(), &latent_lab::train::gan::GanConfig::default());
    let notice = app.files.error().expect("a notice says the settings were not read");
    assert!(notice.contains("could not be read") && notice.contains("defaults"), "{notice}");
}

#[test]
fn the_curves_export_as_csv_from_the_menu() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.state_mut().files.start_in(dir.path());
    let at = train_gan(&mut h, 30);
    menu(&mut h, "Export curves as CSV");
    h.get_by_label("Save").click();
    let file = dir.path().join(format!("gan-step-{at}-curves.csv"));
    step_until(&mut h, "written", |_| file.is_file());
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("curve,step,value,averages"));
    let d_loss: Vec<&str> = lines.filter(|l| l.starts_with("d_loss,")).collect();
    assert_eq!(d_loss.len(), h.state().gan().snapshot().unwrap().history.d_loss.points().len());
    assert!(d_loss.len() >= 30);
}

#[test]
fn every_lab_offers_its_main_plots_for_export_and_a_plot_exports_as_a_png_of_its_size() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.run_steps(3);
    let plots: Vec<String> = h.state().files.plots().iter().map(|(t, _)| t.clone()).collect();
    for title in ["GAN plane", "GAN losses", "GAN JS estimates"] {
        assert!(plots.iter().any(|t| t == title), "{title} in {plots:?}");
    }
    h.get_by_label("Run").click();
    h.run_steps(2);
    h.get_by_label("Export a plot as PNG").hover();
    h.run_steps(2);
    h.get_by_label("GAN plane");
    // The plot's part of a window picture, written as a PNG (kittest renders no pixels, so
    // the picture is made here: the plane's rectangle is white, the rest black).
    let (_, rect) = h.state().files.plots().iter().find(|(t, _)| t == "GAN plane").unwrap().clone();
    let ppp = h.ctx.pixels_per_point();
    let size = [(1600.0 * ppp) as usize, (1000.0 * ppp) as usize];
    let mut image = egui::ColorImage::filled(size, egui::Color32::BLACK);
    for y in (rect.min.y * ppp) as usize..(rect.max.y * ppp) as usize {
        for x in (rect.min.x * ppp) as usize..(rect.max.x * ppp) as usize {
            image.pixels[y * size[0] + x] = egui::Color32::WHITE;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plane.png");
    let ctx = h.ctx.clone();
    h.state_mut().files.write_png(&ctx, file.clone(), Arc::new(image), Some(rect));
    step_until(&mut h, "written", |_| file.is_file());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&file).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, hgt) = (info.width as f32, info.height as f32);
    assert!(
        (w - rect.width() * ppp).abs() <= 1.0 && (hgt - rect.height() * ppp).abs() <= 1.0,
        "{w}×{hgt} for {rect:?}"
    );
    assert!(buf.chunks(4).all(|p| p == [255, 255, 255, 255]), "only the plot's pixels, none blank");
    for tab in ["AE vs VAE", "Optimal discriminator", "JS vs W1"] {
        h.get_by_label(tab).click();
        step_until(&mut h, "its plots", |a| !a.files.plots().is_empty());
    }
}

/// A file dropped on the window, as eframe hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A file hovering over the window (the overlay shows from the second frame: an egui area
/// sizes itself, unseen, in its first).
fn hover(h: &mut egui_kittest::Harness<'static, App>, path: &Path) {
    h.input_mut().hovered_files = vec![egui::HoveredFile { path: Some(path.to_path_buf()), mime: String::new() }];
    h.run_steps(2);
}

fn drop(h: &mut egui_kittest::Harness<'static, App>, path: &Path) {
    h.input_mut().hovered_files.clear();
    h.input_mut().dropped_files.push(Arc::new(Dropped(path.to_path_buf())));
}

#[test]
fn a_csv_dropped_on_the_gan_lab_becomes_its_data_and_other_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("two-blobs.csv");
    let mut text = String::from("x,y\n");
    for i in 0..200 {
        let s = if i % 2 == 0 { 1.0 } else { -1.0 };
        text.push_str(&format!("{},{}\n", 3.0 * s + 0.01 * f64::from(i % 7), 0.01 * f64::from(i % 5)));
    }
    std::fs::write(&csv, text).unwrap();
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    hover(&mut h, &csv);
    h.get_by_label_contains("Drop to train the GAN on the points in two-blobs.csv");
    drop(&mut h, &csv);
    step_until(&mut h, "the dropped data", |a| {
        a.gan().snapshot().is_some_and(|s| matches!(&s.config.data, latent_lab::data::toy2d::Toy2d::Points { name, .. } if name.contains("two-blobs")))
    });
    // Something else: refused with a message, the data unchanged.
    let png = dir.path().join("picture.png");
    std::fs::write(&png, b"not points").unwrap();
    hover(&mut h, &png);
    h.get_by_label_contains("picture.png is neither");
    drop(&mut h, &png);
    h.run_steps(2);
    let message = h.state().files.error().expect("a message").to_owned();
    assert!(message.contains("picture.png"), "{message}");
    assert!(matches!(&h.state().gan().config().data, latent_lab::data::toy2d::Toy2d::Points { .. }));
}

#[test]
fn an_idx_folder_dropped_on_the_ae_vae_lab_is_its_image_source() {
    let mut h = harness();
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "first snapshot", |a| a.vae().snapshot().is_some());
    let dir = tempfile::tempdir().unwrap();
    hover(&mut h, dir.path());
    h.get_by_label_contains("Drop to train on the IDX images in");
    drop(&mut h, dir.path());
    h.run_steps(1);
    // An empty folder is tried, refused by the loader with its message, and the lab goes on.
    step_until(&mut h, "the loader's message", |a| a.vae().message().is_some());
    assert_eq!(h.state().vae().config().data, latent_lab::data::source::ImageSource::Mnist5k);
}

#[test]
fn ctrl_s_and_ctrl_o_open_the_save_and_open_browsers() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    assert!(h.query_by_label("Save run as a folder").is_none());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(3);
    h.get_by_label("Save run as a folder");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(h.query_by_label("Save run as a folder").is_none(), "Cancel closed it");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_steps(3);
    h.get_by_label("Open a saved run");
}
