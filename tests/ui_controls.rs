//! A refused setting is named in the window by its control, as the window labels it (issue 13:
//! "the flag's name on the command line and the control's name in the window"), whichever way
//! it arrives: settings a running trainer refuses, and settings a lab cannot start with. And
//! the two front ends keep to their own words: no window message names a command-line flag,
//! no command-line message tells the user to press a button.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do

use std::path::{Path, PathBuf};

use eframe::egui::Role;
use egui_kittest::kittest::Queryable as _;
use latent_lab::train::gan::{GanCommand, GanConfig};
use latent_lab::train::optimal_d::{OptimalDCommand, OptimalDConfig};
use latent_lab::train::worker::Control;
use latent_lab::ui::gan::GanView;
use latent_lab::ui::lab::TrainerView as _;
use latent_lab::ui::optimal_d::OptimalDView;

mod common;
use common::Labs as _;
use common::{harness, step_until};

/// A learning rate the GAN lab refuses, sent to its running trainer (as a settings change
/// that skipped the panel's check would arrive): the message box names the slider and its
/// section, not the setting's internal name or a flag.
#[test]
fn a_refused_gan_setting_names_the_slider_in_its_section() {
    let mut h = harness();
    step_until(&mut h, "first snapshot", |a| a.gan().snapshot().is_some());
    let mut config = GanConfig::default();
    config.opt_d.lr = -0.1;
    h.state_mut().gan_mut().send(Control::Lab(GanCommand::SetConfig(Box::new(config))));
    step_until(&mut h, "a message", |a| a.gan().message().is_some());
    h.run_steps(2);
    let message = h.state().gan().message().unwrap().to_owned();
    assert_eq!(message, "learning rate (Discriminator) must be a positive number, got -0.1");
    h.get_by_label_contains("learning rate (Discriminator) must be a positive number");
    // The control so named is on screen under that name.
    assert!(h.query_all_by_label("Discriminator").next().is_some());
    assert_eq!(h.query_all_by_role_and_label(Role::Slider, "learning rate").count(), 2, "G's and D's sliders");
}

/// A lab asked to start with settings it cannot use starts with its defaults and says why,
/// naming the control.
#[test]
fn a_gan_lab_started_with_a_bad_setting_names_the_control() {
    let mut h = harness();
    let ctx = h.ctx.clone();
    let mut config = GanConfig::default();
    config.opt_g.lr = 0.0;
    *h.state_mut().gan_mut() = GanView::with_config(&ctx, config);
    step_until(&mut h, "a message", |a| a.gan().message().is_some());
    h.run_steps(2);
    let message = h.state().gan().message().unwrap().to_owned();
    assert_eq!(message, "learning rate (Generator) must be a positive number, got 0");
    h.get_by_label_contains("learning rate (Generator) must be");
}

/// The optimal-discriminator lab's sliders have their own words ("D learning rate").
#[test]
fn a_refused_optimal_d_setting_names_its_slider() {
    let mut h = harness();
    let view = |a: &latent_lab::ui::App| a.view::<OptimalDView>().unwrap().snapshot().is_some();
    step_until(&mut h, "first snapshot", view);
    let config = OptimalDConfig { lr_d: -0.1, ..OptimalDConfig::default() };
    let lab = h.state_mut().view_mut::<OptimalDView>().unwrap();
    lab.send(Control::Lab(OptimalDCommand::SetConfig(Box::new(config))));
    step_until(&mut h, "a message", |a| a.optimal_d().message().is_some());
    let message = h.state().optimal_d().message().unwrap().to_owned();
    assert!(message.starts_with("D learning rate must be a positive number"), "{message}");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code lines (comments dropped) of every source file under `src/<dir>`, with where they
/// are.
fn code_lines(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            lines.push((format!("{}:{}", file.display(), i + 1), code.to_owned()));
        }
    }
    lines
}

/// A command-line flag (`--lr-d`) in `line`.
fn names_a_flag(line: &str) -> bool {
    line.match_indices("--").any(|(i, _)| line[i + 2..].chars().next().is_some_and(|c| c.is_ascii_lowercase()))
}

#[test]
fn the_window_never_names_a_flag_and_the_command_line_never_a_button() {
    let flags: Vec<String> = code_lines("ui")
        .into_iter()
        .filter(|(_, code)| names_a_flag(code))
        .map(|(at, code)| format!("{at}: {code}"))
        .collect();
    assert!(flags.is_empty(), "the window names command-line flags:\n{}", flags.join("\n"));
    // What the command line prints comes from cli/ and the layers below it; the trainer
    // thread (train/worker.rs, whose crash message says "press Reset") runs only in the window.
    let mut buttons = Vec::new();
    for dir in ["cli", "train", "data", "model", "objective", "theory", "fast"] {
        for (at, code) in code_lines(dir) {
            let window_only = at.contains("train/worker.rs");
            if !window_only && (code.contains("press Reset") || code.contains("Reset run") || code.contains("press ")) {
                buttons.push(format!("{at}: {code}"));
            }
            if dir == "cli" && code.contains("worker::") {
                buttons.push(format!("{at}: the command line uses the window's trainer thread: {code}"));
            }
        }
    }
    assert!(buttons.is_empty(), "the command line's messages name window buttons:\n{}", buttons.join("\n"));
    // The scanners see what they look for.
    assert!(names_a_flag("\"--lr-d must\"") && !names_a_flag("a -- b") && !names_a_flag("x--1"));
    assert!(code_lines("train").iter().any(|(at, code)| at.contains("worker.rs") && code.contains("press Reset")));
}
