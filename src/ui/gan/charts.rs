//! The GAN lab's charts: mode coverage and the curves.

use super::*;

pub(super) fn coverage_ui(ui: &mut egui::Ui, snap: &GanSnapshot) {
    let pal = palette(ui);
    ui.label(RichText::new("Mode coverage").strong()).on_hover_text(DEFINITION);
    let Some(cov) = &snap.metrics.coverage else {
        ui.weak("This data set has no known modes; see the JS estimate below.");
        return;
    };
    ui.horizontal(|ui| {
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
    let bars: Vec<Bar> = cov
        .high_quality
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let colour = if *n >= COVERAGE_MIN_COUNT { pal.real } else { pal.error };
            Bar::new(i as f64, *n as f64).width(0.8).fill(colour)
        })
        .collect();
    Plot::new("gan-coverage")
        .height(120.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(2500.0 / cov.modes_total as f64 * 1.3)
        .x_axis_label("mode")
        .y_axis_label("samples")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("high-quality samples per mode", bars));
            plot.hline(
                HLine::new(format!("covered at ≥ {COVERAGE_MIN_COUNT}"), COVERAGE_MIN_COUNT as f64).color(pal.guide),
            );
        })
        .response
        .on_hover_text(DEFINITION);
}

pub(super) fn curves_ui(ui: &mut egui::Ui, snap: &GanSnapshot) {
    let pal = palette(ui);
    let h = &snap.history;
    let m = &snap.metrics;
    let link = egui::Id::unique("gan-curves");
    let height = ((ui.available_height() - 110.0) / 4.0).clamp(70.0, 200.0);
    let plot = |id: &str| Plot::new(id).height(height).link_axis(link, [true, false]).legend(Legend::default());
    ui.label(RichText::new(format!("Losses   D {:.3}   G {:.3}", snap.last.d_loss, snap.last.g_loss)).strong())
        .on_hover_text(snap.config.loss.formula());
    plot("gan-losses").show(ui, |plot| {
        plot.line(series_line("D loss", &h.d_loss, pal.line(Color32::from_rgb(90, 170, 255))));
        plot.line(series_line("G loss", &h.g_loss, pal.fake));
    });
    ui.label(RichText::new(format!("Mean D(real) {:.3}   mean D(generated) {:.3}", m.d_real, m.d_fake)).strong())
        .on_hover_text("Means over the 2500 real and 2500 generated evaluation samples.");
    plot("gan-d-outputs").show(ui, |plot| {
        plot.line(series_line("mean D(real)", &h.d_real, pal.real));
        plot.line(series_line("mean D(generated)", &h.d_fake, pal.fake));
    });
    ui.label(
        RichText::new(format!(
            "Mean gradient norm at generated points ‖∇ₓ ℓ_G‖ {:.3}   ·   Lipschitz estimate max ‖∇ₓD‖ {:.3}",
            m.grad_norm, m.lipschitz
        ))
        .strong(),
    )
    .on_hover_text(
        "Mean over the 2500 generated evaluation points of the norm of the gradient, in x, of the per-sample \
             generator loss: how hard the generator is pushed. Near 0, the generator is starved of signal.",
    );
    plot("gan-grad").include_y(0.0).show(ui, |plot| {
        plot.line(series_line("mean ‖∇ₓ ℓ_G‖", &h.grad_norm, pal.line(Color32::from_rgb(255, 220, 120))));
    });
    let js_d = m.js_from_d.map_or(String::new(), |v| format!("   via D {v:.3}"));
    ui.label(
        RichText::new(format!("JS estimate: grid {:.3}{js_d}   (log 2 = {:.3})", m.js_grid, std::f64::consts::LN_2))
            .strong(),
    )
    .on_hover_text(format!(
        "{JS_METHOD}\n\nVia D: (V(D, G) + log 4) / 2 on the evaluation samples (task 3.3); \
         a lower bound on JS, equal to it only when D is optimal."
    ));
    plot("gan-js").include_y(0.0).show(ui, |plot| {
        plot.line(series_line("JS (grid)", &h.js_grid, pal.line(Color32::from_rgb(255, 160, 80))));
        plot.line(series_line("JS (via D)", &h.js_from_d, pal.line(Color32::from_rgb(160, 160, 255))));
        plot.hline(HLine::new("log 2", std::f64::consts::LN_2).color(pal.guide));
    });
}
