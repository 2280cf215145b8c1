//! The GAN lab's charts: mode coverage and the curves.

use super::*;
use crate::train::series::{chart_range, ChartRange};
use crate::ui::widgets::{curve_chart, fixed_chart, range_line};

/// The mode-coverage bars; returns the mode whose bar the pointer is over (its centre is
/// highlighted on the plane).
pub(super) fn coverage_ui(ui: &mut egui::Ui, snap: &GanSnapshot) -> Option<usize> {
    let pal = palette(ui);
    ui.label(RichText::new("Mode coverage").strong()).on_hover_text(DEFINITION);
    let Some(cov) = &snap.metrics.coverage else {
        ui.weak("This data set has no known modes; see the JS estimate below.");
        return None;
    };
    // Wrapped, so that a narrow window does not widen the column beyond the screen.
    ui.horizontal_wrapped(|ui| {
        let colour = if cov.modes_covered == cov.modes_total { pal.text(REAL) } else { pal.warning };
        ui.label(
            RichText::new(format!("{} / {} modes covered", cov.modes_covered, cov.modes_total))
                .size(18.0)
                .color(colour),
        )
        .on_hover_text(DEFINITION);
        ui.separator();
        ui.label(RichText::new(format!("{:.1} % high quality", 100.0 * cov.high_quality_fraction)).size(18.0))
            .on_hover_text(DEFINITION);
    });
    let n = cov.high_quality.len();
    let bars: Vec<Bar> = cov
        .high_quality
        .iter()
        .enumerate()
        .map(|(i, count)| {
            let colour = if *count >= COVERAGE_MIN_COUNT { pal.real } else { pal.error };
            Bar::new(i as f64, *count as f64).width(0.8).fill(colour).name(format!("mode {i}"))
        })
        .collect();
    let most = cov.high_quality.iter().copied().max().unwrap_or(0) as f64;
    let top = (2500.0 / cov.modes_total.max(1) as f64 * 1.3).max(most * 1.15).max(COVERAGE_MIN_COUNT as f64 * 2.0);
    // One tick per mode (every fifth beyond 10), numbered as on the plane.
    let every = if n > 10 { 5.0 } else { 1.0 };
    let response = fixed_chart("gan-coverage")
        .height(120.0)
        .include_x(-0.6)
        .include_x(n as f64 - 0.4)
        .include_y(0.0)
        .include_y(top)
        .x_grid_spacer(move |input| {
            let (lo, hi) = input.bounds;
            let first = (lo / every).ceil() as i64;
            let last = (hi / every).floor() as i64;
            (first..=last).map(|k| egui_plot::GridMark { value: k as f64 * every, step_size: every }).collect()
        })
        .x_axis_formatter(|mark, _| format!("{}", mark.value.round() as i64))
        .x_axis_label("mode (numbered as on the plane)")
        .y_axis_label("samples")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("high-quality samples per mode", bars));
            plot.hline(
                HLine::new(format!("covered at ≥ {COVERAGE_MIN_COUNT}"), COVERAGE_MIN_COUNT as f64)
                    .color(pal.highlight)
                    .style(egui_plot::LineStyle::dashed_loose())
                    .width(1.5),
            );
            plot.text(
                egui_plot::Text::new(
                    "threshold",
                    PlotPoint::new(n as f64 - 0.45, COVERAGE_MIN_COUNT as f64),
                    RichText::new(format!("{COVERAGE_MIN_COUNT}")).color(pal.highlight),
                )
                .anchor(egui::Align2::RIGHT_BOTTOM),
            );
            plot.pointer_coordinate()
        });
    let hovered = response
        .inner
        .filter(|_| response.response.hovered())
        .map(|p| p.x.round())
        .filter(|x| *x >= 0.0 && *x < n as f64)
        .map(|x| x as usize);
    response.response.on_hover_text(DEFINITION);
    hovered
}

/// How a chart's range is said when it leaves a spike out.
fn clipped_note(range: &ChartRange) -> &'static str {
    if range.clipped {
        "  (range fitted to 96 % of the values; spikes drawn at the edge)"
    } else {
        ""
    }
}

pub(super) fn curves_ui(ui: &mut egui::Ui, snap: &GanSnapshot, height: f32) {
    let pal = palette(ui);
    let h = &snap.history;
    let m = &snap.metrics;
    let last = snap.iterations as f64;
    let losses = chart_range(&[&h.d_loss, &h.g_loss], last, &[], None);
    ui.label(
        RichText::new(format!(
            "Losses   D {:.3}   G {:.3}{}",
            snap.last.d_loss,
            snap.last.g_loss,
            clipped_note(&losses)
        ))
        .strong(),
    )
    .on_hover_text(snap.config.loss.formula());
    let exported = curve_chart("gan-losses", &losses, height).show(ui, |plot| {
        plot.line(range_line("D loss", &h.d_loss, pal.line(Color32::from_rgb(90, 170, 255)), &losses));
        plot.line(range_line("G loss", &h.g_loss, pal.fake, &losses));
    });
    crate::ui::files::exportable(ui, "GAN losses", exported.response.rect);
    let outputs = chart_range(&[&h.d_real, &h.d_fake], last, &[], None);
    ui.label(
        RichText::new(format!(
            "Mean D(real) {:.3}   mean D(generated) {:.3}{}",
            m.d_real,
            m.d_fake,
            clipped_note(&outputs)
        ))
        .strong(),
    )
    .on_hover_text("Means over the 2500 real and 2500 generated evaluation samples.");
    let exported = curve_chart("gan-d-outputs", &outputs, height).show(ui, |plot| {
        plot.line(range_line("mean D(real)", &h.d_real, pal.real, &outputs));
        plot.line(range_line("mean D(generated)", &h.d_fake, pal.fake, &outputs));
    });
    crate::ui::files::exportable(ui, "GAN mean D outputs", exported.response.rect);
    let grad = chart_range(&[&h.grad_norm], last, &[0.0], Some(0.0));
    ui.label(
        RichText::new(format!(
            "Mean gradient norm at generated points ‖∇ₓ ℓ_G‖ {:.3}   ·   Lipschitz estimate max ‖∇ₓD‖ {:.3}{}",
            m.grad_norm,
            m.lipschitz,
            clipped_note(&grad)
        ))
        .strong(),
    )
    .on_hover_text(
        "Mean over the 2500 generated evaluation points of the norm of the gradient, in x, of the per-sample \
             generator loss: how hard the generator is pushed. Near 0, the generator is starved of signal.",
    );
    let exported = curve_chart("gan-grad", &grad, height).show(ui, |plot| {
        plot.line(range_line("mean ‖∇ₓ ℓ_G‖", &h.grad_norm, pal.line(super::plane::ARROW_COLOUR), &grad));
    });
    crate::ui::files::exportable(ui, "GAN gradient norm", exported.response.rect);
    let js_d = m.js_from_d.map_or(String::new(), |v| format!("   via D {v:.3}"));
    let js = chart_range(&[&h.js_grid, &h.js_from_d], last, &[0.0, std::f64::consts::LN_2], None);
    ui.label(
        RichText::new(format!("JS estimate: grid {:.3}{js_d}   (log 2 = {:.3})", m.js_grid, std::f64::consts::LN_2))
            .strong(),
    )
    .on_hover_text(format!(
        "{JS_METHOD}\n\nVia D: (V(D, G) + log 4) / 2 on the evaluation samples (task 3.3); \
         a lower bound on JS, equal to it only when D is optimal."
    ));
    let exported = curve_chart("gan-js", &js, height).show(ui, |plot| {
        plot.line(range_line("JS (grid)", &h.js_grid, pal.line(Color32::from_rgb(255, 160, 80)), &js));
        plot.line(range_line("JS (via D)", &h.js_from_d, pal.line(Color32::from_rgb(160, 160, 255)), &js));
        plot.hline(HLine::new("log 2", std::f64::consts::LN_2).color(pal.guide));
    });
    crate::ui::files::exportable(ui, "GAN JS estimates", exported.response.rect);
}
