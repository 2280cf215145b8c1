//! The window as a lecture tool (issue 14), through egui_kittest: the Dark / Light switch, the
//! "What am I looking at?" panel of every lab, and the tooltips of sliders and of the Play and
//! Reset buttons.

use eframe::egui::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use latent_lab::ui::App;

mod common;
use common::Labs as _;
use common::{harness, step_until};
use latent_lab::ui::lab::TrainerView as _;

fn dark(h: &Harness<'static, App>) -> bool {
    h.ctx.global_style().visuals.dark_mode
}

#[test]
fn the_theme_switch_turns_the_window_light_and_dark() {
    let mut h = harness();
    h.run_steps(2);
    assert!(dark(&h), "the window starts dark");
    let dark_panel = h.ctx.global_style().visuals.panel_fill;
    h.get_by_label("Light").click();
    h.run_steps(2);
    assert!(!dark(&h), "Light switches the visuals to light");
    let light_panel = h.ctx.global_style().visuals.panel_fill;
    assert!(light_panel.r() > 200 && dark_panel.r() < 60, "{dark_panel:?} then {light_panel:?}");
    // Another lab keeps the theme: it belongs to the window.
    h.get_by_label("JS vs W1").click();
    h.run_steps(2);
    assert!(!dark(&h));
    h.get_by_label("Dark").click();
    h.run_steps(2);
    assert!(dark(&h), "Dark switches back");
    h.get_by_label("Light").click();
    h.run_steps(2);
    h.get_by_label("System").click();
    h.run_steps(2);
    // The test has no desktop setting, so System falls back to dark.
    assert!(dark(&h), "System with no desktop setting is dark");
}

/// The panel of each lab: its header is in the top bar, closed at first; opened, it shows the
/// lab's task and its "Try:" line; it stays open for that lab across tab switches.
#[test]
fn every_lab_has_a_what_am_i_looking_at_panel() {
    let mut h = harness();
    let labs = [
        ("GAN", "Sheet tasks 3.1 and 4.2–4.4", "Try: with the Ring of 8 Gaussians, pick Minimax"),
        ("AE vs VAE", "Sheet tasks 1 and 2", "Try: drag the KL weight β to 0"),
        ("Optimal discriminator", "Sheet task 3 in one dimension", "Try: switch on Freeze G, train D"),
        ("JS vs W1", "Sheet task 4.1", "Try: press Start race"),
    ];
    for (tab, task, try_line) in labs {
        h.get_by_label(tab).click();
        h.run_steps(2);
        let header = "What am I looking at?";
        h.get_by_label(header);
        assert!(h.query_by_label_contains(try_line).is_none(), "{tab}: closed until opened");
        h.get_by_label(header).click();
        h.run_steps(2);
        h.get_by_label_contains(task);
        h.get_by_label_contains(try_line);
        h.get_by_label_contains("Keys: ");
    }
    // Each lab remembers its panel: still open on a return, and closes with its header.
    h.get_by_label("GAN").click();
    h.run_steps(2);
    h.get_by_label_contains("Try: with the Ring of 8 Gaussians");
    assert!(h.query_by_label_contains("Try: press Start race").is_none(), "only the shown lab's text");
    h.get_by_label("What am I looking at?").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("Try: with the Ring of 8 Gaussians").is_none(), "closed again");
    h.get_by_label("AE vs VAE").click();
    h.run_steps(2);
    h.get_by_label_contains("Try: drag the KL weight β to 0");
}

/// The keys are named where users look: in the help of the labs with a Play button.
#[test]
fn the_help_names_the_space_and_r_keys() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("What am I looking at?").click();
    h.run_steps(2);
    h.get_by_label_contains("Space plays or pauses training; R resets the run");
}

/// The labels of the sliders without a description (the tooltip's text, as accesskit
/// exposes it), and how many sliders there are.
fn undescribed_sliders(h: &Harness<'static, App>) -> (Vec<String>, usize) {
    let sliders: Vec<_> = h.query_all_by_role(Role::Slider).collect();
    let missing = sliders
        .iter()
        .filter(|n| n.accesskit_node().description().is_none_or(|d| d.trim().is_empty()))
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .collect();
    (missing, sliders.len())
}

fn assert_described(h: &Harness<'static, App>, lab: &str, at_least: usize) {
    let (missing, n) = undescribed_sliders(h);
    assert!(n >= at_least, "{lab}: {n} sliders found, expected at least {at_least}");
    assert!(missing.is_empty(), "{lab}: sliders without a tooltip: {missing:?}");
}

/// Every slider of every lab, in each of the settings that show other sliders, has a tooltip.
#[test]
fn every_slider_in_every_lab_has_a_tooltip() {
    let mut h = harness();
    step_until(&mut h, "the GAN lab runs", |a| a.gan().snapshot().is_some());
    h.run_steps(2);
    // σ, D steps, batch, noise dim, G's width and layers, lr, β1, β2, D's the same.
    assert_described(&h, "GAN", 14);
    h.get_by_label("Wasserstein, weight clipping").click();
    step_until(&mut h, "the clipped critic", |a| a.gan().config().loss.label().contains("clipping"));
    h.run_steps(2);
    h.get_by_role_and_label(Role::Slider, "clip c");
    // Weight clipping comes with RMSProp: one α per network instead of Adam's β1 and β2.
    assert_eq!(h.query_all_by_role_and_label(Role::Slider, "α (smoothing)").count(), 2);
    assert_described(&h, "GAN, clipping", 13);
    h.get_by_label("Wasserstein, gradient penalty").click();
    step_until(&mut h, "the penalised critic", |a| a.gan().config().loss.label().contains("penalty"));
    h.run_steps(2);
    h.get_by_role_and_label(Role::Slider, "penalty λ");
    assert_described(&h, "GAN, penalty", 14);

    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "the AE vs VAE lab runs", |a| a.vae().snapshot().is_some());
    h.run_steps(2);
    assert_described(&h, "AE vs VAE", 9);
    h.get_by_label("Gaussian").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Slider, "pixel σ");
    assert_described(&h, "AE vs VAE, Gaussian", 10);

    h.get_by_label("Optimal discriminator").click();
    step_until(&mut h, "the optimal-D lab runs", |a| a.optimal_d().snapshot().is_some());
    h.run_steps(2);
    assert_described(&h, "Optimal discriminator", 6);
    h.get_by_label("MLP (p_g by kernel density estimate)").click();
    h.run_steps(3);
    assert_described(&h, "Optimal discriminator, MLP generator", 8);

    h.get_by_label("JS vs W1").click();
    step_until(&mut h, "the JS vs W1 lab runs", |a| a.lines().snapshot().is_some());
    h.run_steps(2);
    assert_described(&h, "JS vs W1", 7);
    h.get_by_label("weight clipping (WGAN)").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Slider, "clip c");
    assert_described(&h, "JS vs W1, clipping", 7);
}

/// Hovering a slider shows its tooltip, in plain words.
#[test]
fn hovering_a_slider_shows_what_it_sets() {
    let mut h = harness();
    step_until(&mut h, "the GAN lab runs", |a| a.gan().snapshot().is_some());
    h.run_steps(2);
    let tip = "How many discriminator steps come before each generator step";
    assert!(h.query_by_label_contains(tip).is_none(), "no tooltip before hovering");
    h.get_by_role_and_label(Role::Slider, "D steps per G step").hover();
    h.run_steps(40);
    h.get_by_label_contains(tip);
}

/// The Play and Reset buttons name their keys when hovered.
#[test]
fn play_and_reset_name_their_keys() {
    let mut h = harness();
    for tab in ["GAN", "AE vs VAE", "Optimal discriminator"] {
        h.get_by_label(tab).click();
        step_until(&mut h, "the lab runs", |a| match tab {
            "GAN" => a.gan().snapshot().is_some(),
            "AE vs VAE" => a.vae().snapshot().is_some(),
            _ => a.optimal_d().snapshot().is_some(),
        });
        h.run_steps(2);
        let play = h.get_by_label("Play");
        let says = play.accesskit_node().description().unwrap_or_default();
        assert!(says.contains("(Space)") && says.contains("training"), "{tab}: Play says {says:?}");
        let reset = h.get_by_label("Reset");
        let says = reset.accesskit_node().description().unwrap_or_default();
        assert!(says.contains("(R)") && says.contains("seed"), "{tab}: Reset says {says:?}");
    }
    h.get_by_label("GAN").click();
    h.run_steps(2);
    h.get_by_label("Play").hover();
    h.run_steps(40);
    h.get_by_label_contains("Start training (Space)");
    h.get_by_label("Play").click();
    step_until(&mut h, "playing", |a| a.gan().playing());
    h.run_steps(2);
    let pause = h.get_by_label("Pause");
    let says = pause.accesskit_node().description().unwrap_or_default();
    assert!(says.contains("(Space)"), "Pause says {says:?}");
}
