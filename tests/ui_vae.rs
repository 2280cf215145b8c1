//! The AE vs VAE lab's window through egui_kittest, with a real trainer behind it.

use eframe::egui;
use eframe::egui::Role;
use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use latent_lab::ui::vae::Model;
use latent_lab::ui::App;

mod common;
use common::step_until;
use common::Labs as _;
use latent_lab::ui::lab::TrainerView as _;

/// The app with the AE vs VAE tab shown and its first snapshot in.
fn harness() -> Harness<'static, App> {
    let mut h = common::harness();
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "first VAE snapshot", |a| a.vae().snapshot().is_some());
    h
}

#[test]
fn hovering_the_latent_plot_changes_the_decoded_image() {
    let mut h = harness();
    // Train a little so that the decoder depends on z.
    h.get_by_label("Play").click();
    step_until(&mut h, "some training", |a| a.vae().snapshot().is_some_and(|s| s.steps > 200));
    h.get_by_label("Pause").click();
    step_until(&mut h, "paused", |a| !a.vae().playing());
    let rect = h.state().vae().scatter_rect(Model::Vae).expect("the VAE scatter is drawn");
    h.hover_at(rect.center() + egui::vec2(-rect.width() * 0.3, -rect.height() * 0.3));
    h.run_steps(2);
    let first = h.state().vae().hover().expect("hovering decodes").clone();
    assert_eq!(first.model, Model::Vae);
    h.hover_at(rect.center() + egui::vec2(rect.width() * 0.3, rect.height() * 0.3));
    h.run_steps(2);
    let second = h.state().vae().hover().expect("hovering decodes").clone();
    assert_ne!(first.z, second.z);
    assert_ne!(first.vae_image, second.vae_image, "a different latent point decodes to a different image");
    let dim = 28 * 28;
    assert_eq!(second.vae_image.len(), dim);
    assert!(second.vae_image.iter().all(|p| (0.0..=1.0).contains(p)));
    h.get_by_label("Under the mouse");
}

#[test]
fn moving_the_beta_slider_to_zero_changes_the_weight_the_trainer_uses() {
    let mut h = harness();
    h.get_by_label("Step").click();
    step_until(&mut h, "one step at β = 1", |a| {
        a.vae().snapshot().is_some_and(|s| s.steps == 1 && s.last.beta == 1.0)
    });
    h.get_by_role_and_label(Role::Slider, "KL weight β").set_value_accesskit(0.0);
    h.run_steps(2);
    assert_eq!(h.state().vae().config().beta, 0.0);
    h.get_by_label("Step").click();
    step_until(&mut h, "a step at β = 0", |a| a.vae().snapshot().is_some_and(|s| s.steps == 2 && s.last.beta == 0.0));
}

#[test]
fn switching_tabs_pauses_the_hidden_lab() {
    let mut h = harness();
    h.get_by_label("Play").click();
    step_until(&mut h, "training", |a| a.vae().playing());
    h.get_by_label("GAN").click();
    step_until(&mut h, "VAE paused while hidden", |a| !a.vae().playing());
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "VAE resumed", |a| a.vae().playing());
}

#[test]
fn a_folder_without_idx_files_gives_a_message_and_training_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.state_mut().vae_mut().choose_idx_folder(dir.path().to_path_buf());
    step_until(&mut h, "a message", |a| a.vae().message().is_some());
    let message = h.state().vae().message().unwrap().to_owned();
    assert!(message.contains("missing train-images-idx3-ubyte"), "{message}");
    assert_eq!(
        h.state().vae().config().data,
        latent_lab::train::vae::ImageSource::Mnist5k,
        "the side panel shows the data in force"
    );
    assert!(h.state().vae().error().is_none(), "the run is not stopped");
    h.run_steps(2);
    h.get_by_label("OK").click();
    h.run_steps(2);
    assert!(h.state().vae().message().is_none());
    h.get_by_label("Step").click();
    step_until(&mut h, "a step on MNIST-5k", |a| a.vae().snapshot().is_some_and(|s| s.steps == 1 && s.width == 28));
}

#[test]
fn fashion_mnist_can_be_chosen_in_the_window() {
    let mut h = harness();
    h.state_mut().vae_mut().choose_idx_folder("/usr/share/datasets/fashion-mnist".into());
    step_until(&mut h, "Fashion-MNIST loaded", |a| {
        a.vae().snapshot().is_some_and(|s| matches!(s.config.data, latent_lab::train::vae::ImageSource::Idx(_)))
    });
    assert!(h.state().vae().message().is_none());
}

/// The pointer leaves the plot and training goes on: the last point is decoded again by each
/// newer model, not left showing what the models made of it when it was pointed at.
#[test]
fn the_last_pointed_point_is_decoded_by_the_current_models() {
    let mut h = harness();
    let rect = h.state().vae().scatter_rect(Model::Vae).expect("the VAE scatter is drawn");
    h.hover_at(rect.center() + egui::vec2(rect.width() * 0.2, -rect.height() * 0.2));
    h.run_steps(2);
    let before = h.state().vae().hover().expect("hovering decodes").clone();
    h.hover_at(egui::pos2(5.0, 5.0));
    h.get_by_label("Play").click();
    step_until(&mut h, "training on", |a| a.vae().snapshot().is_some_and(|s| s.steps > 100));
    h.run_steps(2);
    let after = h.state().vae().hover().expect("the last point stays shown").clone();
    assert_eq!(after.z, before.z, "the same point");
    assert_ne!(after.vae_image, before.vae_image, "decoded by the trained VAE, not the untrained one");
    assert_ne!(after.ae_image, before.ae_image, "and by the trained AE");
}

/// While training runs, the decoding under the mouse follows the pointer in the very frame
/// that sees it move: one frame after each move, the decoded z is the new point's.
#[test]
fn decoding_follows_the_pointer_in_the_same_frame_while_training() {
    let mut h = harness();
    h.get_by_label("Play").click();
    step_until(&mut h, "some training", |a| a.vae().snapshot().is_some_and(|s| s.steps > 50));
    let rect = h.state().vae().scatter_rect(Model::Ae).expect("the AE scatter is drawn");
    let mut seen = Vec::new();
    for (dx, dy) in [(-0.3, -0.2), (0.25, 0.3), (0.1, -0.35)] {
        h.hover_at(rect.center() + egui::vec2(rect.width() * dx, rect.height() * dy));
        h.step();
        let hover = h.state().vae().hover().expect("hovering decodes").clone();
        assert_eq!(hover.model, Model::Ae);
        assert!(!seen.contains(&hover.z), "frame after the move still shows an earlier point's z");
        seen.push(hover.z);
    }
    assert!(h.state().vae().playing());
}

/// Start-up does not wait for the bundled MNIST-5k: the app is made with the AE vs VAE lab
/// still loading its data on a background thread, the tab says "Loading MNIST-5k …" until they
/// are in, and then the lab is the usual one (a first snapshot of 28×28 images, playable).
#[test]
fn start_up_does_not_wait_for_mnist_and_the_tab_says_it_is_loading() {
    use latent_lab::ui::{AppOptions, Tab};
    let options = AppOptions { tab: Some(Tab::AeVae), ..AppOptions::default() };
    let app = App::with_options(&egui::Context::default(), &options).unwrap();
    assert_eq!(app.vae().loading(), Some("Loading MNIST-5k"), "the data are not loaded on this thread");
    assert!(app.vae().snapshot().is_none());
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_context_setup(latent_lab::ui::install_fonts)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.step();
    h.get_by_label("Loading MNIST-5k …");
    assert!(h.query_by_label("Play").is_none(), "no controls before there is a trainer");
    step_until(&mut h, "the first VAE snapshot", |a| a.vae().snapshot().is_some());
    h.run_steps(2);
    assert!(h.query_by_label("Loading MNIST-5k …").is_none());
    assert!(h.state().vae().loading().is_none());
    assert_eq!(h.state().vae().snapshot().unwrap().width, 28);
    h.get_by_label("Play").click();
    step_until(&mut h, "training", |a| a.vae().snapshot().is_some_and(|s| s.steps > 0));
}

/// Issue 14, item 15: before the first step the panel showed the minibatch's terms as 0.00 and
/// "(β = 0.00)" while the slider read 1.00. It now says no step has run; after one step it
/// shows the terms with the β the step used.
#[test]
fn before_the_first_step_no_terms_are_shown_and_after_it_the_slider_s_beta() {
    let mut h = harness();
    assert_eq!(h.state().vae().snapshot().map(|s| s.steps), Some(0));
    h.get_by_label("No training step yet: the minibatch's terms appear after the first step.");
    assert!(h.query_by_label_contains("β = 0.00").is_none(), "a β the slider does not show");
    h.get_by_label("Step").click();
    step_until(&mut h, "one step", |a| a.vae().snapshot().is_some_and(|s| s.steps == 1));
    h.run_steps(2);
    h.get_by_label("loss = recon + β·KL (β = 1.00)");
    assert!(h.query_by_label_contains("No training step yet").is_none());
}
