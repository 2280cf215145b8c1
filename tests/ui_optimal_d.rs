//! The optimal-discriminator lab through egui_kittest.

use egui_kittest::kittest::Queryable as _;

mod common;
use common::Labs as _;
use common::{harness, step_until};
use latent_lab::ui::lab::TrainerView as _;

#[test]
fn freeze_g_stops_p_g_while_d_keeps_training() {
    let mut h = harness();
    h.get_by_label("Optimal discriminator").click();
    step_until(&mut h, "first snapshot", |a| a.optimal_d().snapshot().is_some());
    // Both networks train first: p_g moves.
    h.get_by_label("Play").click();
    step_until(&mut h, "G trains", |a| a.optimal_d().snapshot().is_some_and(|s| s.g_steps > 50));
    h.get_by_label("Freeze G, train D").click();
    step_until(&mut h, "frozen", |a| a.optimal_d().config().freeze_g);
    // Wait until the trainer has taken the setting: G steps stop growing.
    let g_then = h.state().optimal_d().snapshot().unwrap().g_steps;
    step_until(&mut h, "a snapshot after freezing", |a| {
        a.optimal_d().snapshot().is_some_and(|s| s.config.freeze_g && s.d_steps > g_then + 200)
    });
    let first = h.state().optimal_d().snapshot().unwrap().clone();
    step_until(&mut h, "D keeps training", |a| {
        a.optimal_d().snapshot().is_some_and(|s| s.d_steps > first.d_steps + 200)
    });
    let later = h.state().optimal_d().snapshot().unwrap().clone();
    assert_eq!(later.g_steps, first.g_steps, "no G step while frozen");
    assert_eq!(later.p_g, first.p_g, "p_g does not change");
    assert_eq!(later.affine, first.affine);
    assert_ne!(later.d, first.d, "D keeps training");
    h.get_by_label_contains("sup |D − D*| = ");
}

#[test]
fn dragging_a_mode_centre_moves_that_mode() {
    let mut h = harness();
    h.get_by_label("Optimal discriminator").click();
    step_until(&mut h, "first snapshot", |a| a.optimal_d().snapshot().is_some());
    h.run_steps(2);
    let handles = h.state().optimal_d().mode_handles().to_vec();
    assert_eq!(handles.len(), 2, "one handle per mode");
    let before = h.state().optimal_d().config().data.components[1].mean;
    let start = handles[1];
    h.hover_at(start);
    h.step();
    h.drag_at(start);
    h.step();
    for dx in [10.0, 30.0, 60.0] {
        h.hover_at(start + eframe::egui::vec2(dx, 0.0));
        h.step();
    }
    h.drop_at(start + eframe::egui::vec2(60.0, 0.0));
    h.step();
    let after = h.state().optimal_d().config().data.components[1].mean;
    assert!(after > before + 0.2, "mode 2 moved right: {before} → {after}");
    assert_eq!(h.state().optimal_d().config().data.components[0].mean, -2.0, "the other mode stays");
    step_until(&mut h, "the trainer took the new p_data", |a| {
        a.optimal_d().snapshot().is_some_and(|s| (s.config.data.components[1].mean - after).abs() < 1e-12)
    });
}
