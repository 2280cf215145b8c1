//! The GAN lab's window driven through egui_kittest: clicks and data choices change what is
//! shown, with a real trainer thread behind the panels.

use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use latent_lab::ui::App;

mod common;
use common::Labs as _;
use common::{harness, step_until};
use latent_lab::ui::lab::{LabView as _, TrainerView as _};

fn iterations(app: &App) -> u64 {
    app.gan().snapshot().map_or(0, |s| s.iterations)
}

#[test]
fn play_makes_the_step_counter_grow() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("Step 0");
    h.get_by_label("Play").click();
    step_until(&mut h, "steps > 20", |a| iterations(a) > 20);
    let shown = iterations(h.state());
    h.step();
    assert!(h.query_by_label(&format!("Step {}", iterations(h.state()))).is_some());
    step_until(&mut h, "more steps", |a| iterations(a) > shown);
    h.get_by_label("Pause").click();
    step_until(&mut h, "paused", |a| !a.gan().playing());
}

#[test]
fn space_toggles_play() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.key_press(egui::Key::Space);
    step_until(&mut h, "playing", |a| a.gan().playing() && iterations(a) > 0);
    h.key_press(egui::Key::Space);
    step_until(&mut h, "paused", |a| !a.gan().playing());
}

#[test]
fn choosing_another_data_set_changes_the_real_points_shown() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    let reach = |a: &App| {
        a.gan().snapshot().map_or(0.0, |s| s.real.iter().map(|p| p[0].abs().max(p[1].abs())).fold(0.0f32, f32::max))
    };
    // The ring has radius 2; the grid's outer centres are at ±4.
    assert!(reach(h.state()) < 2.5);
    h.get_by_label("Grid of 25 Gaussians").click();
    step_until(&mut h, "grid points shown", |a| reach(a) > 3.5);
    let snap = h.state().gan().snapshot().unwrap().clone();
    assert_eq!(snap.modes.as_ref().map(|m| m.centres.len()), Some(25));
    assert_eq!(snap.metrics.coverage.as_ref().map(|c| c.modes_total), Some(25));
}

#[test]
fn step_d_advances_only_the_discriminator() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    let before = h.state().gan().snapshot().unwrap().clone();
    h.get_by_label("Step D").click();
    step_until(&mut h, "one D step", |a| a.gan().snapshot().is_some_and(|s| s.d_steps == 1));
    let after = h.state().gan().snapshot().unwrap().clone();
    assert_eq!(after.g_steps, 0);
    // The generator did not move: same generated points. D did: its heatmap changed.
    assert_eq!(after.fake, before.fake);
    assert_ne!(after.heat.values, before.heat.values);
    h.get_by_label("Step G").click();
    step_until(&mut h, "one G step", |a| a.gan().snapshot().is_some_and(|s| s.g_steps == 1));
    let moved = h.state().gan().snapshot().unwrap().clone();
    assert_eq!(moved.d_steps, 1);
    assert_ne!(moved.fake, after.fake);
}

#[test]
fn a_bad_csv_shows_a_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "x,y\n1,2\n3,4,5\n").unwrap();
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.state_mut().gan_mut().load_csv(&path);
    // The file is read on a background thread; its verdict comes a few frames later.
    step_until(&mut h, "a message", |a| a.gan().message().is_some());
    h.run_steps(3);
    let message = h.state().gan().message().expect("a message box").to_owned();
    assert!(message.contains("bad.csv") && message.contains("line 3"), "{message}");
    h.get_by_label_contains("line 3");
    assert_eq!(h.state().gan().config().data, latent_lab::data::toy2d::Toy2d::ring8());
    h.get_by_label("OK").click();
    h.step();
    assert!(h.state().gan().message().is_none());
}

#[test]
fn a_diverging_run_pauses_with_a_message_and_reset_recovers() {
    use latent_lab::train::gan::{GanCommand, GanConfig};
    use latent_lab::train::worker::Control;
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    let mut config = GanConfig::default();
    config.opt_d.kind = latent_lab::model::optim::OptimizerKind::Sgd;
    config.opt_g.kind = latent_lab::model::optim::OptimizerKind::Sgd;
    config.opt_d.lr = 10.0;
    config.opt_g.lr = 10.0;
    h.state_mut().gan_mut().send(Control::Lab(GanCommand::SetConfig(Box::new(config))));
    h.state_mut().gan_mut().send(Control::Play);
    step_until(&mut h, "divergence reported", |a| a.gan().error().is_some());
    let error = h.state().gan().error().unwrap().to_owned();
    assert!(error.contains("diverged at step"), "{error}");
    assert!(!h.state().gan().playing());
    h.get_by_label_contains("diverged at step");
    // No non-finite point ever reaches the screen.
    let snap = h.state().gan().snapshot().unwrap().clone();
    assert!(!snap.fake.is_empty(), "the last good picture stays");
    assert!(snap.fake.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    h.get_by_label("Reset run").click();
    step_until(&mut h, "error cleared", |a| a.gan().error().is_none() && iterations(a) == 0);
}

#[test]
fn a_panic_in_the_trainer_is_shown_and_the_window_lives_on() {
    use latent_lab::train::gan::GanCommand;
    use latent_lab::train::worker::Control;
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.state_mut().gan_mut().send(Control::Lab(GanCommand::InjectPanic));
    h.get_by_label("Step iteration").click();
    step_until(&mut h, "crash reported", |a| a.gan().error().is_some());
    assert!(h.state().gan().error().unwrap().contains("crashed"));
    h.get_by_label_contains("crashed");
    h.get_by_label("Reset run").click();
    step_until(&mut h, "recovered", |a| a.gan().error().is_none());
    h.get_by_label("Play").click();
    step_until(&mut h, "training again", |a| iterations(a) > 5);
}

/// The frame-time readout: off at first; its toggle shows p50/p95 of the UI's own time and
/// the picture's age, computed from frames the app recorded.
#[test]
fn frame_times_toggle_shows_the_readout() {
    let mut h = harness();
    h.run_steps(3);
    assert!(h.query_by_label_contains("UI p50").is_none());
    h.get_by_label("Frame times").click();
    h.run_steps(3);
    h.get_by_label_contains("snapshot age");
    // The numbers shown are percentiles of the recorded frames: p50 ≤ p95, each within the
    // range of the UI times recorded (the label was drawn before the last frame was recorded).
    let label = {
        use egui_kittest::kittest::NodeT as _;
        let node = h.get_by_label_contains("UI p50");
        node.accesskit_node().label().or_else(|| node.value()).expect("the readout has text")
    };
    let numbers: Vec<f32> = label
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.parse().ok())
        .filter(|v: &f32| *v != 50.0 && *v != 95.0)
        .collect();
    assert_eq!(numbers.len(), 2, "{label}");
    let (lo, hi) = (
        h.state().frame_stats.percentile(0.0, |f| Some(f.ui_ms)).unwrap(),
        h.state().frame_stats.percentile(100.0, |f| Some(f.ui_ms)).unwrap(),
    );
    assert!(numbers[0] <= numbers[1], "{label}");
    assert!(numbers.iter().all(|v| *v >= lo - 0.05 && *v <= hi + 0.05), "{label} outside [{lo}, {hi}]");
}

/// `--frame-stats FILE`: every frame becomes a CSV row; an unwritable file is a clear error
/// before the window opens.
#[test]
fn frame_stats_file_gets_a_row_per_frame_and_a_bad_path_is_an_error() {
    use latent_lab::ui::{AppOptions, Tab};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frames.csv");
    let options = AppOptions { tab: Some(Tab::OptimalD), frame_stats: Some(path.clone()), ..AppOptions::default() };
    let app = App::with_options(&egui::Context::default(), &options).unwrap();
    assert_eq!(app.tab(), Tab::OptimalD);
    assert!(app.frame_stats.visible, "asking for the file shows the readout too");
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_context_setup(latent_lab::ui::install_fonts)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(40);
    drop(h);
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], latent_lab::ui::frame_stats::CSV_HEADER);
    assert!(rows.len() > 40, "{} rows", rows.len());
    assert!(rows[1..].iter().all(|r| r.split(',').nth(2) == Some("optimal-d")), "{}", rows[1]);
    let bad = AppOptions { frame_stats: Some(dir.path().join("no/such/dir/f.csv")), ..AppOptions::default() };
    let err = App::with_options(&egui::Context::default(), &bad).err().expect("an unwritable path is refused");
    assert!(err.to_string().contains("cannot write frame stats"), "{err}");
}

/// Issue 14, item 5: after Reset in a diverged run the header still read the old step and
/// the old curves stayed while the banner spoke of the new run. Reset now shows the new run at
/// once: even when it diverges again within a few steps, before any regular picture, the
/// header's step and every curve belong to it.
#[test]
fn after_reset_the_header_and_curves_belong_to_the_new_run() {
    use latent_lab::train::gan::{GanCommand, GanConfig};
    use latent_lab::train::worker::Control;
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("Play").click();
    step_until(&mut h, "an old run of 300 steps", |a| iterations(a) > 300);
    let mut config = GanConfig::default();
    config.opt_d.kind = latent_lab::model::optim::OptimizerKind::Sgd;
    config.opt_g.kind = latent_lab::model::optim::OptimizerKind::Sgd;
    config.opt_d.lr = 1e4;
    config.opt_g.lr = 1e4;
    h.state_mut().gan_mut().send(Control::Lab(GanCommand::SetConfig(Box::new(config))));
    step_until(&mut h, "divergence reported", |a| a.gan().error().is_some());
    let old = h.state().gan().status().steps;
    assert!(old > 300);
    // Reset and Play at once: the new run diverges within a few steps.
    h.state_mut().gan_mut().send(Control::Reset);
    h.state_mut().gan_mut().send(Control::Play);
    // The status of the new run is published before its first picture is built (so that a
    // slow picture never hides that the command was taken); the picture must follow.
    step_until(&mut h, "the new run stopped, its picture shown", |a| {
        let s = a.gan().status();
        s.steps < old && !s.playing && a.gan().snapshot().is_some_and(|snap| snap.iterations <= s.steps)
    });
    h.run_steps(5);
    let steps = h.state().gan().status().steps;
    let snap = h.state().gan().snapshot().unwrap().clone();
    assert!(snap.iterations <= steps, "header step {} from the old run (new run at {steps})", snap.iterations);
    let h_ = &snap.history;
    for s in [&h_.d_loss, &h_.g_loss, &h_.d_real, &h_.grad_norm] {
        assert!(s.points().iter().all(|p| p[0] <= steps as f64), "a curve from the old run: {:?}", s.points().last());
    }
    h.get_by_label(&format!("Step {}", snap.iterations));
    if let Some(error) = h.state().gan().error() {
        assert!(error.contains(&format!("step {steps}")), "{error}");
    }
}
