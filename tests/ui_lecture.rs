//! The window as a lecture tool (issue 14), through egui_kittest: the Dark / Light switch.

use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use latent_lab::ui::App;

mod common;
use common::harness;

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
