//! The charts of the GAN, optimal-D and JS vs W1 labs through egui_kittest (issue 14, items
//! 4, 10, 12, 13): the mouse wheel scrolls the column and leaves every chart alone, the
//! plane's title and modes, drawing along a stroke, the JS readout where the laws meet.

use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use egui_plot::{PlotBounds, PlotMemory, PlotPoint};
use latent_lab::ui::lab::TrainerView as _;
use latent_lab::ui::App;

mod common;
use common::step_until;
use common::Labs as _;

/// The whole app in a window of the given size.
fn harness_of(w: f32, h: f32) -> Harness<'static, App> {
    let app = App::new(&egui::Context::default());
    Harness::builder()
        .with_size(egui::vec2(w, h))
        .with_context_setup(latent_lab::ui::install_fonts)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

fn memory(h: &Harness<'static, App>, id: &str) -> PlotMemory {
    PlotMemory::load(&h.ctx, egui::Id::unique(id)).unwrap_or_else(|| panic!("no chart {id} drawn"))
}

fn bounds(h: &Harness<'static, App>, id: &str) -> PlotBounds {
    *memory(h, id).bounds()
}

/// Turns the wheel by `dy` points over `pos`.
fn wheel(h: &mut Harness<'static, App>, pos: egui::Pos2, dy: f32) {
    h.hover_at(pos);
    h.step();
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, dy),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(4);
}

/// Issue 14, item 4: the wheel over a chart in the GAN lab's right column panned the chart
/// (one went to negative gradient norms); it now scrolls the column, and the chart's bounds
/// stay; the gradient norm's axis starts at 0.
#[test]
fn the_wheel_over_a_gan_chart_scrolls_the_column_and_leaves_the_chart_alone() {
    // Short enough that the right column is taller than the window.
    let mut h = harness_of(1280.0, 640.0);
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.run_steps(3);
    let before = bounds(&h, "gan-grad");
    assert!(before.min()[1] >= 0.0, "gradient norms below 0 shown: {before:?}");
    let chart = *memory(&h, "gan-grad").transform().frame();
    let heading = h.get_by_label("Mode coverage").rect();
    wheel(&mut h, chart.center(), -300.0);
    let after = bounds(&h, "gan-grad");
    assert_eq!(before, after, "the wheel moved the chart");
    let moved = h.get_by_label("Mode coverage").rect();
    assert!(moved.top() < heading.top() - 20.0, "the column did not scroll: {heading:?} → {moved:?}");
    // The other charts too: the wheel never pans them.
    for id in ["gan-losses", "gan-d-outputs", "gan-js", "gan-coverage"] {
        let frame = *memory(&h, id).transform().frame();
        let b = bounds(&h, id);
        wheel(&mut h, frame.center(), 200.0);
        assert_eq!(b, bounds(&h, id), "{id} moved under the wheel");
    }
}

/// The same for the optimal-D lab's charts and the JS vs W1 lab's.
#[test]
fn the_wheel_leaves_the_optimal_d_and_js_w1_charts_alone() {
    let mut h = harness_of(1280.0, 800.0);
    h.get_by_label("Optimal discriminator").click();
    step_until(&mut h, "first snapshot", |a| a.optimal_d().snapshot().is_some());
    h.run_steps(3);
    for id in ["optd-main", "optd-hist", "optd-curves"] {
        let frame = *memory(&h, id).transform().frame();
        let b = bounds(&h, id);
        wheel(&mut h, frame.center(), -200.0);
        assert_eq!(b, bounds(&h, id), "{id} moved under the wheel");
    }
    h.get_by_label("JS vs W1").click();
    step_until(&mut h, "first snapshot", |a| a.lines().snapshot().is_some());
    h.run_steps(3);
    for id in ["lines-plane", "lines-divergences", "lines-race"] {
        let frame = *memory(&h, id).transform().frame();
        let b = bounds(&h, id);
        wheel(&mut h, frame.center(), -200.0);
        assert_eq!(b, bounds(&h, id), "{id} moved under the wheel");
    }
}

/// Issue 14, item 10: under a Wasserstein critic the plane's title said "D says real"; it
/// now says what a critic's colours mean.
#[test]
fn the_plane_title_says_what_a_critic_s_colours_mean() {
    use latent_lab::train::gan::{GanCommand, GanConfig, GanLoss};
    use latent_lab::train::worker::Control;
    let mut h = common::harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label_contains("green: D says real");
    let config = GanConfig { loss: GanLoss::WganGp, ..GanConfig::default() };
    h.state_mut().gan_mut().send(Control::Lab(GanCommand::SetConfig(Box::new(config))));
    step_until(&mut h, "the critic's picture", |a| {
        a.gan().snapshot().is_some_and(|s| s.config.loss == GanLoss::WganGp)
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("D says real").is_none());
    h.get_by_label_contains("green: high critic score");
}

/// Issue 14, item 10: a bar of the coverage chart is linked to its mode on the plane: the
/// pointer over bar 3 rings mode 3.
#[test]
fn hovering_a_coverage_bar_picks_its_mode() {
    let mut h = common::harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.run_steps(3);
    assert_eq!(h.state().gan().hovered_mode(), None);
    let at = memory(&h, "gan-coverage").transform().position_from_point(&PlotPoint::new(3.0, 30.0));
    h.hover_at(at);
    h.run_steps(3);
    assert_eq!(h.state().gan().hovered_mode(), Some(3));
    let at = memory(&h, "gan-coverage").transform().position_from_point(&PlotPoint::new(6.1, 30.0));
    h.hover_at(at);
    h.run_steps(3);
    assert_eq!(h.state().gan().hovered_mode(), Some(6));
}

/// Issue 14, item 13: drawing gave about one point per frame. A drag that crosses half the
/// plane in one frame now gives a point every 1 % of the plane's width along it.
#[test]
fn a_fast_drag_on_the_plane_gives_points_along_the_stroke() {
    use latent_lab::data::stroke::STROKE_SPACING;
    let mut h = common::harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    h.get_by_label("Points I draw").click();
    h.run_steps(3);
    h.get_by_label("0 points drawn (drag on the plane)");
    let t = memory(&h, "gan-plane").transform();
    let (a, b) = (PlotPoint::new(-2.0, 0.5), PlotPoint::new(2.0, -0.5));
    let (pa, pb) = (t.position_from_point(&a), t.position_from_point(&b));
    h.hover_at(pa);
    h.step();
    h.drag_at(pa);
    h.step();
    // Past the drag threshold, then across in one frame.
    let first = pa + egui::vec2(10.0, 0.0);
    h.hover_at(first);
    h.step();
    h.hover_at(pb);
    h.run_steps(2);
    h.drop_at(pb);
    h.run_steps(2);
    let width = {
        let s = h.state().gan().snapshot().unwrap();
        f64::from(s.bounds[1][0] - s.bounds[0][0])
    };
    let spacing = f64::from(STROKE_SPACING) * width;
    // Data coordinates of the positions actually hovered, as the plot reads them.
    let start = t.value_from_position(first);
    let end = t.value_from_position(pb);
    let length = (end.x - start.x).hypot(end.y - start.y);
    let expected = 1 + (length / spacing).floor() as usize;
    let label = format!("{expected} points drawn (drag on the plane)");
    let n: usize = {
        use egui_kittest::kittest::NodeT as _;
        let node = h.get_by_label_contains("points drawn (drag on the plane)");
        let text = node.accesskit_node().label().or_else(|| node.value()).unwrap_or_default();
        text.split(' ').next().unwrap().parse().unwrap()
    };
    assert!(n.abs_diff(expected) <= 1, "{n} points, expected {label}");
    assert!(n > 50, "{n}");
}

/// Issue 14, item 12: dragging θ skipped 0; the slider lands on it within ±0.025. At θ = 0
/// the learned JS reads as 0 and says why, instead of a bare negative number.
#[test]
fn theta_lands_on_zero_and_the_js_estimate_there_reads_as_zero() {
    use egui::Role;
    let mut h = common::harness();
    h.get_by_label("JS vs W1").click();
    step_until(&mut h, "first snapshot", |a| a.lines().snapshot().is_some());
    let slider = "θ, the offset of the second line (← → keys)";
    h.get_by_role_and_label(Role::Slider, slider).set_value_accesskit(-0.01);
    h.run_steps(3);
    assert_eq!(h.state().lines().config().theta, 0.0);
    h.get_by_label("Play").click();
    step_until(&mut h, "some training at θ = 0", |a| {
        a.lines().snapshot().is_some_and(|s| s.estimates.theta == 0.0 && s.estimates.steps_at_theta > 300)
    });
    h.run_steps(2);
    h.get_by_label_contains("≈ 0 (");
    h.get_by_label_contains("(noise: D fits its minibatches)");
}
