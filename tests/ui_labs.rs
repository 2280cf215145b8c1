//! What every lab's window shares, driven through egui_kittest: pausing while hidden is said
//! on the tab button and when the lab is shown again; the play button tells the truth.

use egui_kittest::kittest::Queryable as _;
use latent_lab::ui::lab::{LabView as _, TrainerView as _};
use latent_lab::ui::App;

mod common;
use common::Labs as _;
use common::{harness, step_until};

fn gan_steps(app: &App) -> u64 {
    app.gan().status().steps
}

/// Issue 14, item 8: the hidden lab pauses (so the shown one has the processor), and its tab
/// button says so; shown again, it resumes and says that it was paused while hidden.
#[test]
fn a_lab_paused_because_its_tab_is_hidden_says_so_and_resumes_when_shown() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("Play").click();
    step_until(&mut h, "training", |a| gan_steps(a) > 5);
    assert!(h.query_by_label_contains("paused while hidden").is_none());
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "GAN paused", |a| !a.gan().status().playing);
    h.run_steps(2);
    // Beside the GAN's tab button a note says it is paused, and no step is taken while hidden.
    assert!(h.state().gan().paused_while_hidden());
    h.get_by_label("paused");
    let at_hide = gan_steps(h.state());
    std::thread::sleep(std::time::Duration::from_millis(300));
    h.run_steps(3);
    assert_eq!(gan_steps(h.state()), at_hide, "a hidden lab does not train");
    h.get_by_label("GAN").click();
    step_until(&mut h, "GAN resumed", |a| a.gan().status().playing && gan_steps(a) > at_hide);
    h.run_steps(2);
    assert!(h.query_by_label("paused").is_none(), "no lab is paused while hidden now");
    h.get_by_label_contains("paused while its tab was hidden");
    // The play button tells the truth: the lab trains, so it reads Pause.
    h.get_by_label("Pause");
}

/// A lab the user paused is not "paused while hidden": its tab button stays as it was, and
/// it stays paused when shown again.
#[test]
fn a_lab_paused_by_the_user_stays_paused_and_unmarked() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("AE vs VAE").click();
    h.run_steps(3);
    h.get_by_label("GAN");
    h.get_by_label("GAN").click();
    h.run_steps(5);
    assert!(!h.state().gan().playing());
    assert!(h.query_by_label_contains("paused while its tab was hidden").is_none());
    h.get_by_label("Play");
}

/// The JS vs W1 lab started training as soon as it was shown, unlike the others (issue 14):
/// it now waits for Play like every lab.
#[test]
fn the_js_w1_lab_waits_for_play_like_the_others() {
    let mut h = harness();
    h.get_by_label("JS vs W1").click();
    step_until(&mut h, "first snapshot", |a| a.lines().snapshot().is_some());
    std::thread::sleep(std::time::Duration::from_millis(300));
    h.run_steps(3);
    assert!(!h.state().lines().playing(), "it does not start by itself");
    assert_eq!(h.state().lines().status().steps, 0);
    h.get_by_label("Play").click();
    step_until(&mut h, "training", |a| a.lines().status().steps > 0);
}
