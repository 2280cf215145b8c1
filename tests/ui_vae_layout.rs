//! The AE vs VAE lab as a lecture tool (issue 14): its panels fit or scroll at the window
//! sizes it is shown at, the wheel scrolls the middle column instead of panning the plots,
//! the strip follows two pins wherever they are pinned, each scatter has its own axes unless
//! asked, and a divergence leaves no NaN, inf or absurd number on screen.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do

use eframe::egui::{self, PointerButton, Role};
use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use latent_lab::train::vae::plot_range::robust_bounds;
use latent_lab::train::vae::VaeCommand;
use latent_lab::train::worker::Control;
use latent_lab::ui::vae::Model;
use latent_lab::ui::App;

mod common;
use common::step_until;
use common::Labs as _;
use latent_lab::ui::lab::TrainerView as _;

/// The app in a `width × height` window with the AE vs VAE tab shown and its first snapshot in.
fn harness(width: f32, height: f32) -> Harness<'static, App> {
    let mut h = common::harness_sized(width, height);
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "first VAE snapshot", |a| a.vae().snapshot().is_some());
    h.run_steps(3);
    h
}

/// Exactly `n` training steps (commands, not play), so that the snapshot then stays put.
fn train(h: &mut Harness<'static, App>, n: u64) {
    for _ in 0..n {
        h.state_mut().vae_mut().send(Control::Lab(VaeCommand::Step));
    }
    step_until(h, "the training steps", |a| a.vae().snapshot().is_some_and(|s| s.steps == n));
    h.run_steps(3);
}

fn click(h: &mut Harness<'static, App>, pos: egui::Pos2) {
    h.hover_at(pos);
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.run_steps(3);
}

/// A point of a model's scatter, as fractions of its size from the centre (y down).
fn at(h: &Harness<'static, App>, model: Model, dx: f32, dy: f32) -> egui::Pos2 {
    let rect = h.state().vae().scatter_rect(model).expect("the scatter is drawn");
    rect.center() + egui::vec2(dx * rect.width(), dy * rect.height())
}

/// The wheel turned down by `points` over `pos`, as a mouse sends it.
fn wheel(h: &mut Harness<'static, App>, pos: egui::Pos2, points: f32) {
    h.hover_at(pos);
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, -points),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(20);
}

/// Every text the window shows as a label.
fn texts(h: &Harness<'static, App>) -> Vec<String> {
    h.query_all_by_role(Role::Label).filter_map(|n| n.value()).collect()
}

/// Issue 14, item 1: at 1280×800 the manifold grid, prior samples, the 8th reconstruction
/// and the second curves plot were cut off by the right panel, and at 1024×700 the right
/// panel covered "Under the mouse". Now every picture of every lower panel (and the strip and
/// the decodings under the mouse) lies between the side panels, inside the window.
#[test]
fn every_picture_lies_between_the_side_panels_at_1280x800_and_1024x700() {
    for (w, hgt) in [(1280.0, 800.0), (1024.0, 700.0)] {
        let mut h = harness(w, hgt);
        train(&mut h, 30);
        // Two pins (the strip) and the pointer on the VAE scatter (the decodings).
        for (dx, dy) in [(-0.3, -0.3), (0.3, 0.25)] {
            let p = at(&h, Model::Vae, dx, dy);
            click(&mut h, p);
        }
        let p = at(&h, Model::Ae, 0.1, 0.1);
        h.hover_at(p);
        h.run_steps(3);
        for (tab, names) in [
            ("Manifold grids", &["AE manifold", "VAE manifold"][..]),
            ("Prior samples", &["AE prior samples", "VAE prior samples"][..]),
            ("Reconstructions and interpolation", &["reconstructions"][..]),
            ("Curves", &["terms curves", "KL curves"][..]),
        ] {
            h.get_by_label(tab).click();
            h.run_steps(4);
            let layout = h.state().vae().layout().clone();
            let (left, right, middle) = (layout.left.unwrap(), layout.right.unwrap(), layout.middle.unwrap());
            assert!(right.max.x <= w + 2.0 && right.min.x > middle.min.x, "{w}×{hgt}: right panel {right:?}");
            assert!(
                middle.max.x <= right.min.x + 0.5,
                "{w}×{hgt}: the middle {middle:?} runs under the right panel {right:?}"
            );
            let common = [
                "AE scatter",
                "VAE scatter",
                "AE under the mouse",
                "VAE under the mouse",
                "AE interpolation",
                "VAE interpolation",
            ];
            for name in common.iter().chain(names) {
                let r = layout.item(name).unwrap_or_else(|| panic!("{w}×{hgt}, {tab}: {name} is not drawn"));
                assert!(
                    r.min.x >= left.max.x - 0.5 && r.max.x <= right.min.x + 0.5,
                    "{w}×{hgt}, {tab}: {name} at {r:?} is not between the side panels (left ends at {}, right starts at {})",
                    left.max.x,
                    right.min.x
                );
                assert!(r.width() >= 60.0 && r.height() >= 30.0, "{w}×{hgt}, {tab}: {name} is too small: {r:?}");
            }
        }
    }
}

/// Issue 14, items 1 and 4: the wheel over a latent plot panned the plot (one went to
/// negative values) and the middle column could not scroll, so the panels below the window's
/// edge could not be reached. Now the wheel scrolls the column, the plot's region stays, and
/// the manifold grids come into view.
#[test]
fn the_wheel_over_a_latent_plot_scrolls_the_middle_column_not_the_plot() {
    let mut h = harness(1024.0, 700.0);
    train(&mut h, 30);
    // Two pins: the strip pushes the grids below the window's edge.
    for (dx, dy) in [(-0.3, -0.3), (0.3, 0.25)] {
        let p = at(&h, Model::Vae, dx, dy);
        click(&mut h, p);
    }
    let bounds = h.state().vae().scatter_bounds(Model::Ae).unwrap();
    let before = h.state().vae().scatter_rect(Model::Ae).unwrap();
    let middle = h.state().vae().layout().middle.unwrap();
    let grid = h.state().vae().layout().item("VAE manifold").unwrap();
    assert!(grid.max.y > middle.max.y + 1.0, "at 1024×700 the grids start below the edge: {grid:?} in {middle:?}");
    for _ in 0..6 {
        let p = at(&h, Model::Ae, 0.0, 0.2);
        wheel(&mut h, p.clamp(middle.min, middle.max), 150.0);
    }
    let after = h.state().vae().scatter_rect(Model::Ae).unwrap();
    assert!(after.min.y < before.min.y - 50.0, "the column scrolled: {before:?} → {after:?}");
    assert_eq!(h.state().vae().scatter_bounds(Model::Ae).unwrap(), bounds, "the plot was not panned");
    let grid = h.state().vae().layout().item("VAE manifold").unwrap();
    assert!(grid.max.y <= middle.max.y + 1.0, "scrolling brought the grid into view: {grid:?} in {middle:?}");
}

/// Issue 14, item 14: pinning two points from the default sub-tab (the manifold grids)
/// showed nothing but the diamonds. The strip now shows wherever they are pinned, and
/// "Clear pins" takes it away.
#[test]
fn two_pins_from_the_default_sub_tab_show_the_interpolation_strip() {
    let mut h = harness(1600.0, 1000.0);
    train(&mut h, 30);
    for (dx, dy) in [(-0.3, -0.3), (0.3, 0.25)] {
        let p = at(&h, Model::Vae, dx, dy);
        click(&mut h, p);
    }
    assert_eq!(h.state().vae().pins().len(), 2);
    h.get_by_label("Interpolation between the two pinned points");
    let layout = h.state().vae().layout().clone();
    assert!(layout.item("VAE manifold").is_some(), "the default sub-tab is still shown");
    for name in ["AE interpolation", "VAE interpolation"] {
        let r = layout.item(name).unwrap_or_else(|| panic!("{name} is not drawn"));
        // 10 images in a row: ten times as wide as high (with the 1-pixel gaps).
        assert!((r.width() / r.height() - 10.0).abs() < 1.0, "{name}: {r:?}");
    }
    h.get_by_label("Clear pins").click();
    h.run_steps(3);
    assert!(h.state().vae().pins().is_empty());
    assert!(h.query_by_label("Interpolation between the two pinned points").is_none());
    assert!(h.state().vae().layout().item("AE interpolation").is_none());
}

/// Issue 14, item 9: on shared axes the AE's outliers set the scale and the VAE's cloud
/// filled a tenth of its plot. By default each scatter now shows its own robust range
/// (which holds the prior's 3σ circle); "same axes for both" gives both one region.
#[test]
fn each_scatter_has_its_own_range_unless_the_axes_are_shared() {
    let mut h = harness(1600.0, 1000.0);
    train(&mut h, 300);
    let snap = h.state().vae().snapshot().unwrap().clone();
    assert!(!h.state().vae().shared_axes());
    let shown = |h: &Harness<'static, App>, m| h.state().vae().scatter_bounds(m).unwrap();
    let (ae, vae) = (shown(&h, Model::Ae), shown(&h, Model::Vae));
    for (name, b, points) in [("AE", ae, &snap.ae_latents.points), ("VAE", vae, &snap.vae_latents.points)] {
        let want = robust_bounds(points, [0.0, 0.0]);
        for d in 0..2 {
            assert!(
                b[0][d] <= want[0][d] + 1e-6 && b[1][d] >= want[1][d] - 1e-6,
                "{name} shows {b:?}, not all of {want:?}"
            );
            // The prior's 3σ circle is in view.
            assert!(b[0][d] <= -3.0 && b[1][d] >= 3.0, "{name}: {b:?}");
        }
        // The plot is filled by the range (equal units: one axis is widened, not both).
        let tight = (0..2).any(|d| (b[1][d] - b[0][d]) <= (want[1][d] - want[0][d]) * 1.05 + 1e-6);
        assert!(tight, "{name}: {b:?} is much larger than its range {want:?}");
    }
    assert_ne!(ae, vae, "each on its own axes");
    h.get_by_label("same axes for both").click();
    h.run_steps(4);
    assert!(h.state().vae().shared_axes());
    let (ae2, vae2) = (shown(&h, Model::Ae), shown(&h, Model::Vae));
    for d in 0..2 {
        for c in 0..2 {
            assert!((ae2[c][d] - vae2[c][d]).abs() < 1e-6, "shared: {ae2:?} vs {vae2:?}");
        }
    }
    // The shared region holds both own ranges.
    for b in [ae, vae] {
        let w = |b: [[f64; 2]; 2], d: usize| b[1][d] - b[0][d];
        assert!(w(ae2, 0) >= w(b, 0).min(w(b, 1)) - 1e-6);
    }
}

/// The first token of `text` that is NaN, inf or a number beyond ±1e8, if any.
fn junk(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+'))
        .find(|t| {
            let lower = t.to_ascii_lowercase();
            lower == "nan"
                || lower.trim_start_matches(['-', '+']) == "inf"
                || lower.contains("infinity")
                || t.parse::<f64>().is_ok_and(|v| v.abs() > 1e8)
        })
        .map(str::to_owned)
}

/// Issue 14, item 7: after a divergence the window showed axes to ±1e8, "σ = (0.00, inf)",
/// "KL inf", "NaN ± NaN", and a banner blaming only the VAE; after "Reset run" the right panel
/// stayed wider. Now the last sane picture stays, the banner names each model that blew up
/// and the step, and Reset run gives back the layout.
#[test]
fn after_a_divergence_no_junk_is_shown_the_banner_names_each_model_and_reset_restores() {
    let mut h = harness(1280.0, 800.0);
    train(&mut h, 5);
    let right = h.state().vae().layout().right.unwrap();
    h.get_by_role_and_label(Role::Slider, "learning rate").set_value_accesskit(10.0);
    h.run_steps(2);
    assert_eq!(h.state().vae().config().lr, 10.0);
    h.get_by_label("Play").click();
    step_until(&mut h, "the divergence", |a| a.vae().error().is_some());
    h.run_steps(5);
    let error = h.state().vae().error().unwrap().to_owned();
    assert!(error.contains("diverged at step"), "{error}");
    assert!(error.contains("the AE's") && error.contains("the VAE's"), "both models blew up: {error}");
    for text in texts(&h) {
        if text.contains("diverged at step") {
            continue; // the banner states what blew up, with its number
        }
        assert!(junk(&text).is_none(), "junk {:?} in {text:?}", junk(&text));
    }
    for m in [Model::Ae, Model::Vae] {
        let b = h.state().vae().scatter_bounds(m).unwrap();
        assert!(b.iter().flatten().all(|v| v.abs() < 1e6), "{m:?} axes: {b:?}");
    }
    h.get_by_label("Reset run").click();
    step_until(&mut h, "the reset", |a| a.vae().error().is_none() && a.vae().snapshot().is_some_and(|s| s.steps == 0));
    h.run_steps(5);
    let after = h.state().vae().layout().right.unwrap();
    assert!((after.width() - right.width()).abs() < 1.0, "the right panel is back: {right:?} → {after:?}");
}

/// Issue 14, item 15: "[0, 1]" wrapped with "1])" alone on the next line of the right panel.
#[test]
fn the_unit_interval_is_not_split_across_lines() {
    let mut h = harness(1024.0, 700.0);
    step_until(&mut h, "the test-set measures", |a| a.vae().snapshot().is_some_and(|s| s.eval.is_some()));
    h.run_steps(3);
    // The likelihood's note in the settings and the prior-sample note in the numbers.
    let found: Vec<String> = texts(&h).into_iter().filter(|t| t.contains("pixels in [0,")).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    for text in found {
        assert!(text.contains("[0,\u{a0}1]"), "a non-breaking space keeps [0, 1] on one line: {text:?}");
    }
}
