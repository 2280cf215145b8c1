//! The JS vs W1 lab through egui_kittest: the θ slider drives the readouts.

use eframe::egui::{self, Role};
use egui_kittest::kittest::Queryable as _;

mod common;
use common::Labs as _;
use common::{harness, step_until};
use latent_lab::ui::lab::TrainerView as _;

#[test]
fn dragging_theta_changes_the_readouts() {
    let mut h = harness();
    h.get_by_label("JS vs W1").click();
    step_until(&mut h, "first snapshot", |a| a.lines().snapshot().is_some());
    let slider = "θ, the offset of the second line (← → keys)";
    for (theta, js, w1) in
        [(0.8, "JS = 0.693", "W1 = 0.800"), (0.0, "JS = 0.000", "W1 = 0.000"), (-1.5, "JS = 0.693", "W1 = 1.500")]
    {
        h.get_by_role_and_label(Role::Slider, slider).set_value_accesskit(theta);
        step_until(&mut h, "the readout at the new θ", |a| {
            a.lines().snapshot().is_some_and(|s| (s.estimates.theta - theta).abs() < 1e-9)
        });
        h.run_steps(2);
        h.get_by_label(js);
        h.get_by_label(w1);
        let e = h.state().lines().snapshot().unwrap().estimates.clone();
        assert!((e.w1 - f64::abs(theta)).abs() < 1e-9);
        assert_eq!(e.js, if theta == 0.0 { 0.0 } else { std::f64::consts::LN_2 });
    }
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert!((h.state().lines().config().theta - (-1.45)).abs() < 1e-9);
}
