//! Remembered settings (issue 12): the tab shown, each lab's settings and the theme, kept by
//! eframe's persistence (under one key of its storage, as versioned JSON; eframe keeps the
//! window's size itself). What cannot be read — a corrupt file, settings from another
//! version, a lab's settings that no longer parse — falls back to the defaults with a notice,
//! never a crash.

use std::collections::BTreeMap;

use eframe::egui::ThemePreference;

use super::Tab;

/// The key of eframe's storage that holds the remembered settings.
pub const KEY: &str = "latent-lab-settings";

/// The version of the remembered settings this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    version: u32,
    tab: String,
    theme: String,
    labs: BTreeMap<String, serde_json::Value>,
}

/// What was remembered, read back: each part that could not be read is left out, and a
/// notice says so.
#[derive(Debug, Default)]
pub struct Remembered {
    /// The tab shown last.
    pub tab: Option<Tab>,
    /// The theme chosen last.
    pub theme: Option<ThemePreference>,
    labs: BTreeMap<String, serde_json::Value>,
    /// What could not be read (shown once at start).
    pub notices: Vec<String>,
}

fn theme_name(theme: ThemePreference) -> &'static str {
    match theme {
        ThemePreference::Dark => "dark",
        ThemePreference::Light => "light",
        ThemePreference::System => "system",
    }
}

fn parse_theme(name: &str) -> Option<ThemePreference> {
    [ThemePreference::Dark, ThemePreference::Light, ThemePreference::System]
        .into_iter()
        .find(|t| theme_name(*t) == name)
}

/// The remembered settings as stored: the tab, the theme and each lab's settings (by the
/// lab's name in saved runs).
pub fn write(
    tab: Tab,
    theme: ThemePreference,
    labs: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
) -> String {
    let stored = Stored {
        version: VERSION,
        tab: tab.name().to_owned(),
        theme: theme_name(theme).to_owned(),
        labs: labs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

impl Remembered {
    /// Reads what [`write`] stored (None: nothing was stored, as on a first start).
    pub fn parse(text: Option<&str>) -> Self {
        let Some(text) = text else { return Self::default() };
        let fallback = |why: String| Self {
            notices: vec![format!("The remembered settings could not be read ({why}); the defaults are used.")],
            ..Self::default()
        };
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return fallback(format!("not valid JSON: {e}")),
        };
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return fallback(format!(
                    "they were written by another version of Latent Lab (format {v}, this one reads {VERSION})"
                ))
            }
            None => return fallback("no version number".to_owned()),
        }
        let stored: Stored = match serde_json::from_value(value) {
            Ok(s) => s,
            Err(e) => return fallback(e.to_string()),
        };
        let mut out = Self {
            tab: Tab::parse(&stored.tab),
            theme: parse_theme(&stored.theme),
            labs: stored.labs,
            notices: Vec::new(),
        };
        if out.tab.is_none() {
            out.notices.push(format!("The remembered tab \"{}\" does not exist; the GAN lab is shown.", stored.tab));
        }
        if out.theme.is_none() {
            out.notices.push(format!("The remembered theme \"{}\" is unknown; the dark theme is used.", stored.theme));
        }
        out
    }

    /// The remembered settings of the lab `lab` (titled `title`), or its defaults if none
    /// were remembered or they cannot be read (a notice then says so).
    pub fn config<C: serde::de::DeserializeOwned + Default>(&mut self, lab: &str, title: &str) -> C {
        self.config_with(lab, title, |v| serde_json::from_value(v).map_err(|e| e.to_string()))
    }

    /// The remembered settings of the lab of view `V`, read by its trainer's
    /// `LabSettings::recall` (its defaults, with a notice, if they cannot be read).
    pub fn recall<V: super::lab::TrainerView>(&mut self) -> <V::Trainer as super::lab::LabSettings>::Config {
        use super::lab::LabSettings as _;
        self.config_with(V::Trainer::LAB, V::TITLE, V::Trainer::recall)
    }

    /// As [`Self::config`], read by `recall` (a lab's `LabSettings::recall`).
    pub fn config_with<C: Default>(
        &mut self,
        lab: &str,
        title: &str,
        recall: impl FnOnce(serde_json::Value) -> Result<C, String>,
    ) -> C {
        let Some(value) = self.labs.remove(lab) else { return C::default() };
        match recall(value) {
            Ok(c) => c,
            Err(e) => {
                self.notices.push(format!(
                    "The remembered settings of the {title} lab could not be read ({e}); its defaults are used."
                ));
                C::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::gan::GanConfig;

    #[test]
    fn settings_round_trip() {
        let gan = GanConfig { batch: 77, seed: 9, ..GanConfig::default() };
        let text = write(Tab::OptimalD, ThemePreference::Light, [("gan", serde_json::to_value(&gan).unwrap())]);
        let mut back = Remembered::parse(Some(&text));
        assert!(back.notices.is_empty(), "{:?}", back.notices);
        assert_eq!(back.tab, Some(Tab::OptimalD));
        assert_eq!(back.theme, Some(ThemePreference::Light));
        let read: GanConfig = back.config("gan", "GAN");
        assert_eq!(read, gan);
        let other: GanConfig = back.config("optimal-d", "Optimal discriminator");
        assert_eq!(other, GanConfig::default(), "nothing remembered: the defaults, without a notice");
        assert!(back.notices.is_empty());
    }

    #[test]
    fn nothing_stored_is_a_quiet_first_start() {
        let r = Remembered::parse(None);
        assert!(r.notices.is_empty() && r.tab.is_none() && r.theme.is_none());
    }

    #[test]
    fn unreadable_settings_fall_back_to_the_defaults_with_a_notice() {
        for (text, says) in [
            ("{\"version\": 1, \"tab\": \"gan\"", "not valid JSON"),
            ("\u{0}\u{1}garbage", "not valid JSON"),
            ("{\"version\": 99, \"tab\": \"gan\", \"theme\": \"dark\", \"labs\": {}}", "another version"),
            ("{\"tab\": \"gan\"}", "no version"),
            ("{\"version\": 1, \"tab\": 3, \"theme\": \"dark\", \"labs\": {}}", "invalid type"),
        ] {
            let mut r = Remembered::parse(Some(text));
            assert_eq!(r.notices.len(), 1, "{text}: {:?}", r.notices);
            assert!(r.notices[0].contains(says) && r.notices[0].contains("defaults"), "{text}: {}", r.notices[0]);
            assert_eq!(r.tab, None);
            let c: GanConfig = r.config("gan", "GAN");
            assert_eq!(c, GanConfig::default());
        }
    }

    #[test]
    fn a_lab_whose_settings_no_longer_parse_gets_its_defaults_and_the_others_keep_theirs() {
        let good = GanConfig { batch: 33, ..GanConfig::default() };
        let text = write(
            Tab::Gan,
            ThemePreference::Dark,
            [("gan", serde_json::to_value(&good).unwrap()), ("optimal-d", serde_json::json!({"batch": "many"}))],
        );
        let mut r = Remembered::parse(Some(&text));
        let gan: GanConfig = r.config("gan", "GAN");
        assert_eq!(gan, good);
        let optd: crate::train::optimal_d::OptimalDConfig = r.config("optimal-d", "Optimal discriminator");
        assert_eq!(optd, crate::train::optimal_d::OptimalDConfig::default());
        assert_eq!(r.notices.len(), 1);
        assert!(r.notices[0].contains("Optimal discriminator lab"), "{}", r.notices[0]);
    }
}
