//! The window's colours in one place: the Dark / Light / System switch, and the palette every
//! panel draws its samples, lines, markers and warnings with, keyed on the theme shown
//! (`visuals.dark_mode`), so that what reads on a dark screen still reads on a projector's
//! washed-out light one.
//!
//! Colours are checked with the WCAG contrast ratio ([`contrast_ratio`]): lines and points need
//! 3:1 against the plot's background, text 4.5:1 against the panel's.

use eframe::egui::{self, Color32, ThemePreference, Visuals};

/// The least contrast of a line, point or marker against its background (WCAG 2.1, 1.4.11).
pub const GRAPHIC_CONTRAST: f32 = 3.0;
/// The least contrast of text against its background (WCAG 2.1, 1.4.3).
pub const TEXT_CONTRAST: f32 = 4.5;

/// Colour of real samples, as designed for the dark theme.
pub const REAL: Color32 = Color32::from_rgb(46, 204, 113);
/// Colour of generated samples, as designed for the dark theme.
pub const FAKE: Color32 = Color32::from_rgb(213, 98, 255);

/// The relative luminance of an sRGB colour (WCAG 2.1): 0 for black, 1 for white.
pub fn relative_luminance(c: Color32) -> f32 {
    let linear = |v: u8| {
        let s = f32::from(v) / 255.0;
        if s <= 0.040_45 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(c.r()) + 0.7152 * linear(c.g()) + 0.0722 * linear(c.b())
}

/// The WCAG contrast ratio of two opaque colours, from 1 (the same) to 21 (black on white).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `colour` itself if it has `min` contrast against `background`; otherwise `colour` mixed
/// towards black (on a light background) or white (on a dark one) just far enough, so that
/// its hue stays recognisable. Transparency is kept.
pub fn with_contrast(colour: Color32, background: Color32, min: f32) -> Color32 {
    let [r, g, b, alpha] = colour.to_srgba_unmultiplied();
    let opaque = Color32::from_rgb(r, g, b);
    if contrast_ratio(opaque, background) >= min {
        return colour;
    }
    let target = if relative_luminance(background) > 0.18 { Color32::BLACK } else { Color32::WHITE };
    let mix = |t: f32| {
        let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
        Color32::from_rgb(m(opaque.r(), target.r()), m(opaque.g(), target.g()), m(opaque.b(), target.b()))
    };
    let mixed =
        (1..=20).map(|i| mix(i as f32 / 20.0)).find(|c| contrast_ratio(*c, background) >= min).unwrap_or(target);
    Color32::from_rgba_unmultiplied(mixed.r(), mixed.g(), mixed.b(), alpha)
}

/// The colours the panels draw with, for one theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    /// Whether these are the dark theme's colours.
    pub dark: bool,
    /// The panels' background (text stands on it).
    pub panel: Color32,
    /// The plots' background (lines and points stand on it).
    pub plot: Color32,
    /// Real samples (and p_data).
    pub real: Color32,
    /// Generated samples (and p_g).
    pub fake: Color32,
    /// The strongest line: a reference curve such as D*(x), a boundary, a marker (white on
    /// dark, near black on light).
    pub ink: Color32,
    /// What the mouse picks or the user moves (yellow on dark, a dark olive yellow on light).
    pub highlight: Color32,
    /// Errors and what failed (a missed mode, a too-small count).
    pub error: Color32,
    /// What is not there yet (modes not all covered).
    pub warning: Color32,
    /// Reference lines (log 2, ½, θ = 0) and faint grids.
    pub guide: Color32,
}

impl Palette {
    /// The palette for `visuals` (dark or light).
    pub fn of(visuals: &Visuals) -> Self {
        let (panel, plot) = (visuals.panel_fill, visuals.extreme_bg_color);
        let dark = visuals.dark_mode;
        // Samples are small points, often over a heatmap: held to the text's contrast.
        let points = |c| with_contrast(c, plot, TEXT_CONTRAST);
        Self {
            dark,
            panel,
            plot,
            real: points(REAL),
            fake: points(FAKE),
            ink: if dark { Color32::WHITE } else { Color32::from_gray(20) },
            highlight: if dark { Color32::YELLOW } else { Color32::from_rgb(115, 105, 0) },
            error: if dark { Color32::from_rgb(255, 90, 90) } else { Color32::from_rgb(190, 20, 20) },
            warning: if dark { Color32::from_rgb(255, 160, 80) } else { Color32::from_rgb(170, 80, 0) },
            guide: Color32::from_gray(110),
        }
    }

    /// `colour` (a series' colour designed for the dark theme) made to stand out on the plot
    /// background: unchanged where it already does.
    pub fn line(&self, colour: Color32) -> Color32 {
        with_contrast(colour, self.plot, GRAPHIC_CONTRAST)
    }

    /// `colour` made readable as text on the panel background.
    pub fn text(&self, colour: Color32) -> Color32 {
        with_contrast(colour, self.panel, TEXT_CONTRAST)
    }

    /// A faint version of the ink (grids, rings), `alpha` of 255 opaque.
    pub fn faint(&self, alpha: u8) -> Color32 {
        if self.dark {
            Color32::from_white_alpha(alpha)
        } else {
            Color32::from_black_alpha(alpha)
        }
    }
}

/// The palette of the theme `ui` shows.
pub fn palette(ui: &egui::Ui) -> Palette {
    Palette::of(ui.visuals())
}

/// The Dark / Light / System switch (for the window's top bar); `System` follows the
/// desktop's setting where it is known, and is dark otherwise.
pub fn switch(ui: &mut egui::Ui) {
    let mut preference = ui.ctx().options(|o| o.theme_preference);
    let before = preference;
    // Laid out right to left (the end of the top bar): the last one added is the leftmost.
    ui.selectable_value(&mut preference, ThemePreference::System, "System")
        .on_hover_text("Follow the desktop's light or dark setting (dark where it is unknown).");
    ui.selectable_value(&mut preference, ThemePreference::Light, "Light")
        .on_hover_text("Dark text on a light background: for projectors, which wash out dark themes.");
    ui.selectable_value(&mut preference, ThemePreference::Dark, "Dark")
        .on_hover_text("Light text on a dark background.");
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contrast_ratio_takes_its_known_values() {
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-4);
        assert!((contrast_ratio(Color32::WHITE, Color32::BLACK) - 21.0).abs() < 1e-4);
        assert!((contrast_ratio(Color32::RED, Color32::RED) - 1.0).abs() < 1e-6);
        // #777777 on white is the classic just-failing grey: 4.48.
        assert!((contrast_ratio(Color32::from_gray(0x77), Color32::WHITE) - 4.48).abs() < 0.01);
        // Pure red on white: 4.00; pure blue on black: 2.44.
        assert!((contrast_ratio(Color32::from_rgb(255, 0, 0), Color32::WHITE) - 4.0).abs() < 0.01);
        assert!((contrast_ratio(Color32::from_rgb(0, 0, 255), Color32::BLACK) - 2.44).abs() < 0.01);
        assert!((relative_luminance(Color32::WHITE) - 1.0).abs() < 1e-6);
        assert_eq!(relative_luminance(Color32::BLACK), 0.0);
    }

    #[test]
    fn with_contrast_keeps_colours_that_stand_out_and_darkens_or_lightens_the_others() {
        let white = Color32::WHITE;
        assert_eq!(with_contrast(Color32::from_rgb(20, 20, 120), white, 3.0), Color32::from_rgb(20, 20, 120));
        let green = with_contrast(REAL, white, 3.0);
        assert!(contrast_ratio(REAL, white) < 3.0, "the dark theme's green is too pale on white");
        assert!(contrast_ratio(green, white) >= 3.0);
        assert!(green.g() > green.r() && green.g() > green.b(), "still a green: {green:?}");
        let on_black = with_contrast(Color32::from_rgb(40, 40, 90), Color32::BLACK, 4.5);
        assert!(contrast_ratio(on_black, Color32::BLACK) >= 4.5);
        let translucent = with_contrast(Color32::from_rgba_unmultiplied(255, 200, 80, 110), white, 3.0);
        let [r, g, b, a] = translucent.to_srgba_unmultiplied();
        assert_eq!(a, 110, "the transparency is kept");
        assert!(contrast_ratio(Color32::from_rgb(r, g, b), white) >= 3.0, "{r} {g} {b}");
    }

    /// Every colour the panels draw with, as the palette gives it, against the backgrounds
    /// of both themes.
    #[test]
    fn the_palette_stands_out_on_both_themes() {
        // The series colours the panels pass through `Palette::line` and `Palette::text`.
        let series = [
            Color32::from_rgb(90, 170, 255),
            Color32::from_rgb(255, 220, 120),
            Color32::from_rgb(255, 160, 80),
            Color32::from_rgb(160, 160, 255),
            Color32::from_rgb(90, 200, 255),
            Color32::from_rgb(200, 140, 255),
            Color32::from_rgb(255, 90, 90),
            Color32::from_rgb(255, 170, 60),
            Color32::from_rgb(120, 180, 255),
            Color32::from_rgb(40, 90, 220),
            Color32::from_rgb(120, 200, 120),
            Color32::from_rgb(40, 150, 40),
            Color32::from_rgb(230, 110, 20),
            Color32::from_rgb(150, 80, 230),
        ];
        for visuals in [Visuals::dark(), Visuals::light()] {
            let p = Palette::of(&visuals);
            assert_eq!(p.dark, visuals.dark_mode);
            let theme = if p.dark { "dark" } else { "light" };
            for (name, c) in [
                ("real", p.real),
                ("fake", p.fake),
                ("ink", p.ink),
                ("highlight", p.highlight),
                ("error", p.error),
                ("warning", p.warning),
                ("guide", p.guide),
            ] {
                for (bg_name, bg) in [("plot", p.plot), ("panel", p.panel)] {
                    let ratio = contrast_ratio(c, bg);
                    assert!(ratio >= GRAPHIC_CONTRAST, "{theme}: {name} on the {bg_name} background: {ratio:.2}");
                }
            }
            for (name, c) in [("ink", p.ink), ("error", p.error), ("warning", p.warning), ("highlight", p.highlight)] {
                let ratio = contrast_ratio(c, p.panel);
                assert!(ratio >= TEXT_CONTRAST, "{theme}: {name} as text: {ratio:.2}");
            }
            for c in series {
                assert!(contrast_ratio(p.line(c), p.plot) >= GRAPHIC_CONTRAST, "{theme}: {c:?} as a line");
                assert!(contrast_ratio(p.text(c), p.panel) >= TEXT_CONTRAST, "{theme}: {c:?} as text");
            }
            // egui's own text colour passes too (a sanity check of the formula's use).
            assert!(contrast_ratio(visuals.text_color(), p.panel) >= TEXT_CONTRAST);
        }
        // The switch matters: the dark theme's colours would not do on the light one.
        let light = Visuals::light();
        assert!(contrast_ratio(Color32::WHITE, light.extreme_bg_color) < GRAPHIC_CONTRAST);
        assert!(contrast_ratio(Color32::YELLOW, light.extreme_bg_color) < GRAPHIC_CONTRAST);
        assert!(contrast_ratio(REAL, light.extreme_bg_color) < GRAPHIC_CONTRAST);
    }
}
