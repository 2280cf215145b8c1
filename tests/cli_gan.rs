//! The headless command line, run as a user would: files written, errors reported.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do

use std::process::Command;

fn latent_lab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_latent-lab"))
}

/// Runs `latent-lab ARGS --out OUT`, which must succeed, and reads the summary it wrote.
fn run_for_summary(args: &[&str], out: &std::path::Path) -> serde_json::Value {
    let s = latent_lab().args(args).arg("--out").arg(out).output().unwrap();
    assert!(s.status.success(), "{args:?}: {}", String::from_utf8_lossy(&s.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn train_gan_writes_metrics_summary_samples_and_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let status = latent_lab()
        .args([
            "train",
            "gan",
            "--data",
            "ring8",
            "--loss",
            "ns",
            "--steps",
            "300",
            "--seed",
            "0",
            "--eval-every",
            "100",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = metrics.lines().collect();
    assert_eq!(lines[0], "step,d_loss,g_loss,d_real,d_fake,js_grid,modes_covered,high_quality_fraction");
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("300,"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "d_loss",
        "g_loss",
        "d_real",
        "d_fake",
        "js_grid",
        "modes_covered",
        "high_quality_fraction",
        "steps",
        "seed",
        "modes_total",
        "steps_per_sec",
        "elapsed_secs",
    ] {
        assert!(summary.get(key).is_some_and(serde_json::Value::is_number), "summary's {key} is not a number");
    }
    assert_eq!(summary["steps"], 300);
    assert_eq!(summary["modes_total"], 8);
    // The summary's JS is the last row's, and after 300 steps G is still far from the ring
    // (measured 0.652 to 0.692 nats on seeds 0–3; ln 2 ≈ 0.693 for disjoint samples).
    let js = summary["js_grid"].as_f64().unwrap();
    let last_row_js: f64 = lines[3].split(',').nth(5).unwrap().parse().unwrap();
    assert!((js - last_row_js).abs() < 1e-9 * js.abs().max(1.0), "{js} vs {last_row_js}");
    assert!(js > 0.5, "{js}");
    let samples = std::fs::read_to_string(out.join("samples.csv")).unwrap();
    assert_eq!(samples.lines().count(), 2501);
    assert!(std::fs::metadata(out.join("checkpoint.safetensors")).unwrap().len() > 1000);
}

#[test]
fn same_seed_same_summary_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out = dir.path().join(name);
        let s = latent_lab()
            .args(["train", "gan", "--steps", "100", "--seed", "7", "--quiet", "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(s.success());
        std::fs::read_to_string(out.join("metrics.csv")).unwrap()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn a_malformed_csv_names_the_file_and_line_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "x,y\n0.5,1.0\n0.25,abc\n").unwrap();
    let out = latent_lab()
        .args(["train", "gan", "--steps", "10", "--data"])
        .arg(format!("csv:{}", csv.display()))
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("points.csv") && err.contains("line 3"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
}

#[test]
fn an_unreadable_csv_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = latent_lab()
        .args(["train", "gan", "--data", "csv:/nonexistent/pts.csv", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pts.csv"), "{err}");
}

#[test]
fn a_csv_of_points_trains() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pts.csv");
    std::fs::write(&csv, "x,y\n0,0\n1,1\n-1,1\n").unwrap();
    let data = format!("csv:{}", csv.display());
    let summary =
        run_for_summary(&["train", "gan", "--steps", "50", "--quiet", "--data", &data], &dir.path().join("run"));
    assert!(summary["modes_covered"].is_null());
}

#[test]
fn a_diverging_run_stops_names_the_step_and_keeps_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = latent_lab()
        .args([
            "train",
            "gan",
            "--steps",
            "5000",
            "--eval-every",
            "1",
            "--optimizer-d",
            "sgd",
            "--optimizer-g",
            "sgd",
            "--lr-d",
            "10",
            "--lr-g",
            "10",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!s.status.success());
    let err = String::from_utf8_lossy(&s.stderr);
    assert!(err.contains("diverged at step"), "{err}");
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(metrics.lines().count() >= 2, "metrics so far are kept: {metrics}");
    assert!(!out.join("summary.json").exists());
}

#[test]
fn impossible_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, needles) in [
        ("--d-steps", "0", &["invalid value '0' for '--d-steps <D_STEPS>'", "0 is not in 1..=10"][..]),
        (
            "--loss",
            "wgan",
            &[
                "invalid value 'wgan' for '--loss <LOSS>'",
                "[possible values: minimax, ns, lsgan, wgan-clip, wgan-gp, hinge]",
            ],
        ),
        ("--data", "circle", &["circle"]),
        ("--hidden", "1000", &["invalid value '1000' for '--hidden <HIDDEN>'", "1000 is not in 4..=256"]),
    ] {
        let s =
            latent_lab().args(["train", "gan", "--steps", "1", flag, value, "--out"]).arg(dir.path()).output().unwrap();
        assert!(!s.status.success());
        let err = String::from_utf8_lossy(&s.stderr);
        assert!(needles.iter().all(|needle| err.contains(needle)), "{flag} {value}: {err}");
    }
}

#[test]
fn help_lists_every_setting() {
    let s = latent_lab().args(["train", "gan", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&s.stdout);
    for flag in [
        "--data",
        "--loss",
        "--steps",
        "--seed",
        "--out",
        "--lr-d",
        "--lr-g",
        "--optimizer-d",
        "--optimizer-g",
        "--d-steps",
        "--batch",
        "--hidden",
        "--layers",
        "--noise-dim",
        "--noise",
        "--activation",
        "--beta1",
        "--beta2",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

/// A negative number after a flag is a value (clap took `-0.1` for a flag and said
/// "unexpected argument '-0' found"): a negative learning rate reaches the range check, which
/// names the flag, and a negative θ is accepted.
#[test]
fn negative_numbers_after_flags_are_values() {
    let dir = tempfile::tempdir().unwrap();
    let bad = latent_lab()
        .args(["train", "gan", "--lr-d", "-0.1", "--steps", "5", "--out"])
        .arg(dir.path().join("a"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(stderr.contains("--lr-d must be a positive number, got -0.1"), "{stderr}");
    let summary = run_for_summary(&["lines", "--theta", "-0.5", "--steps", "20", "--quiet"], &dir.path().join("b"));
    assert_eq!(summary["theta"], -0.5);
    assert_eq!(summary["w1"], 0.5);
}

/// samples.csv holds the points the summary measured (issue 13, defect 6: they were drawn from
/// fresh noise, and coverage recomputed from them disagreed): the coverage recomputed from the
/// file equals the summary's. Every output is readable by all (the checkpoint was 0600).
#[test]
fn samples_csv_holds_what_the_summary_measured() {
    use latent_lab::theory::modes::{mode_coverage, COVERAGE_MIN_COUNT};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let summary =
        run_for_summary(&["train", "gan", "--data", "grid25", "--steps", "400", "--seed", "2", "--quiet"], &out);
    let text = std::fs::read_to_string(out.join("samples.csv")).unwrap();
    let points: Vec<[f32; 2]> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (x, y) = l.split_once(',').unwrap();
            [x.parse().unwrap(), y.parse().unwrap()]
        })
        .collect();
    let modes = latent_lab::data::toy2d::Toy2d::grid25().modes().unwrap();
    let c = mode_coverage(&points, &modes.centres, modes.sigma, COVERAGE_MIN_COUNT);
    assert_eq!(summary["modes_covered"], c.modes_covered);
    let hq = summary["high_quality_fraction"].as_f64().unwrap();
    assert!((hq - c.high_quality_fraction).abs() < 1e-12, "summary {hq}, from samples.csv {}", c.high_quality_fraction);
    #[cfg(unix)]
    for entry in std::fs::read_dir(&out).unwrap() {
        use std::os::unix::fs::PermissionsExt as _;
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o044, 0o044, "{:?} has mode {mode:o}", entry.file_name());
    }
}

/// A folder holding an earlier run's files is refused (runs never mix their files), and left
/// as it was; --force replaces them. --steps 0 is refused by every command before its folder
/// is made (issue 13, defect 4).
#[test]
fn an_earlier_run_s_folder_is_refused_unless_forced_and_steps_zero_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = |extra: &[&str]| {
        latent_lab().args(["train", "gan", "--steps", "20", "--quiet", "--out"]).arg(&out).args(extra).output().unwrap()
    };
    assert!(run(&["--seed", "1"]).status.success());
    let first = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let again = run(&["--seed", "2"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(stderr.contains("already holds an earlier run's files") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), first, "the earlier run is untouched");
    assert!(run(&["--seed", "2", "--force"]).status.success());
    assert_ne!(std::fs::read_to_string(out.join("summary.json")).unwrap(), first);

    for command in
        [vec!["train", "gan"], vec!["train", "vae", "--data", "digits"], vec!["train", "optimal-d"], vec!["lines"]]
    {
        let fresh = dir.path().join(format!("zero-{}", command.join("-")));
        let s = latent_lab().args(&command).args(["--steps", "0", "--out"]).arg(&fresh).output().unwrap();
        let stderr = String::from_utf8_lossy(&s.stderr);
        assert!(!s.status.success(), "{command:?} accepted --steps 0");
        assert!(stderr.contains("--steps must be at least 1"), "{command:?}: {stderr}");
        assert!(!fresh.exists(), "{command:?} made its folder");
    }
}

/// Issue 13, defect 5: a GAN on CSV points of 10³⁰ exited 0 with meaningless numbers. It is
/// now refused before training, naming the file, the line and the bound, and makes no folder.
#[test]
fn csv_points_of_huge_magnitude_are_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("huge.csv");
    std::fs::write(&csv, "x,y\n1e30,0\n0,1e30\n").unwrap();
    let run = dir.path().join("run");
    let s = latent_lab()
        .args(["train", "gan", "--steps", "10", "--data"])
        .arg(format!("csv:{}", csv.display()))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&s.stderr);
    assert_eq!(s.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("huge.csv line 2") && stderr.contains("beyond ±1e6"), "{stderr}");
    assert!(!run.exists(), "a refused run made its folder");
}

/// An unreadable file's cause is printed once (issue 13, defect 7: "…: stream did not contain
/// valid UTF-8: stream did not contain valid UTF-8"), for the GAN's CSV points and the VAE's
/// IDX folder alike.
#[test]
fn an_unreadable_file_s_cause_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("latin1.csv");
    std::fs::write(&csv, b"x,y\n\xff\xfe,1\n").unwrap();
    let missing = dir.path().join("no-such-folder");
    for (args, cause) in [
        (vec!["train".to_owned(), "gan".to_owned(), "--data".to_owned(), format!("csv:{}", csv.display())], "UTF-8"),
        (
            vec!["train".to_owned(), "vae".to_owned(), "--data".to_owned(), format!("idx:{}", missing.display())],
            "os error",
        ),
    ] {
        let s = latent_lab().args(&args).args(["--steps", "5", "--out"]).arg(dir.path().join("out")).output().unwrap();
        let stderr = String::from_utf8_lossy(&s.stderr);
        assert!(!s.status.success());
        assert_eq!(stderr.matches(cause).count(), 1, "{stderr}");
        assert_eq!(stderr.matches("cannot read").count(), 1, "{stderr}");
    }
}

/// Issue 13, defect 8: long training printed nothing between evaluations. A run of a few
/// seconds now prints a progress line at least every two seconds: the step, the speed and the
/// training time left.
#[test]
fn long_training_reports_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let s = latent_lab()
        .args(["train", "gan", "--steps", "80000", "--hidden", "32", "--layers", "2", "--batch", "64"])
        .args(["--eval-every", "80000", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&s.stderr);
    assert!(s.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("of training left")).collect();
    assert!(!lines.is_empty(), "no progress line in: {stderr}");
    assert!(lines.iter().all(|l| l.contains("/80000 (") && l.contains("steps/s, about")), "{lines:?}");
}
