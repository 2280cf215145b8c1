//! `latent-lab train vae` as a user runs it.

use std::process::Command;

fn latent_lab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_latent-lab"))
}

#[test]
fn train_vae_writes_metrics_latents_summary_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = latent_lab()
        .args([
            "train",
            "vae",
            "--data",
            "digits",
            "--latent-dim",
            "2",
            "--beta",
            "1",
            "--steps",
            "200",
            "--eval-every",
            "100",
            "--iw-samples",
            "50",
            "--seed",
            "0",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "vae_test_elbo",
        "vae_test_recon",
        "vae_test_kl",
        "vae_test_log_px_iw",
        "iw_samples",
        "ae_test_recon",
        "vae_prior_nn_dist",
        "ae_prior_nn_dist",
        "vae_prior_class_entropy",
        "ae_prior_class_entropy",
        "steps",
        "seed",
        "steps_per_sec",
    ] {
        assert!(summary.get(key).is_some_and(|v| !v.is_null()), "summary lacks {key}");
    }
    assert_eq!(summary["iw_samples"], 50);
    assert_eq!(summary["steps"], 200);
    let elbo = summary["vae_test_elbo"].as_f64().unwrap();
    let recon = summary["vae_test_recon"].as_f64().unwrap();
    let kl = summary["vae_test_kl"].as_f64().unwrap();
    assert!((elbo + recon + kl).abs() < 1e-6, "ELBO = −(recon + KL)");
    assert!(summary["vae_test_log_px_iw"].as_f64().unwrap() > elbo - 1.0);
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 3);
    let latents = std::fs::read_to_string(out.join("latents.csv")).unwrap();
    let mut lines = latents.lines();
    assert_eq!(lines.next(), Some("model,label,z1,z2"));
    assert_eq!(lines.count(), 2 * 270);
    assert!(out.join("ae.safetensors").exists() && out.join("vae.safetensors").exists());
}

#[test]
fn a_missing_idx_folder_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = latent_lab()
        .args(["train", "vae", "--steps", "1", "--data"])
        .arg(format!("idx:{}", dir.path().display()))
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert!(!s.status.success());
    let err = String::from_utf8_lossy(&s.stderr);
    assert!(err.contains("missing train-images-idx3-ubyte"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn impossible_vae_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, needles) in [
        ("--beta", "5", &["--beta must be in [0, 4], got 5"][..]),
        ("--latent-dim", "0", &["invalid value '0' for '--latent-dim <LATENT_DIM>'", "0 is not in 1..=32"]),
        (
            "--likelihood",
            "poisson",
            &["invalid value 'poisson' for '--likelihood <LIKELIHOOD>'", "[possible values: bernoulli, gaussian]"],
        ),
        ("--data", "cifar", &["invalid value 'cifar' for '--data <DATA>'", "unknown dataset 'cifar'"]),
    ] {
        let s =
            latent_lab().args(["train", "vae", "--steps", "1", flag, value, "--out"]).arg(dir.path()).output().unwrap();
        assert!(!s.status.success());
        let err = String::from_utf8_lossy(&s.stderr);
        assert!(needles.iter().all(|needle| err.contains(needle)), "{flag} {value}: {err}");
    }
}

/// A 31-byte gzip label file whose size trailer (which the file controls) claims 4 GiB: the
/// loader once took it as a capacity hint (up to 1 GiB), and under an address-space limit of
/// 800 MB the process aborted (SIGABRT, exit 134) instead of naming the corrupt file. Now no
/// allocation is sized by the file, and the run ends with a clear error.
#[test]
fn a_lying_gzip_size_trailer_is_an_error_not_an_abort() {
    use latent_lab::data::images::{write_idx_images, write_idx_labels};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("idx");
    std::fs::create_dir(&data).unwrap();
    write_idx_images(&data.join("train-images-idx3-ubyte"), 2, 2, &[0; 16]).unwrap();
    write_idx_labels(&data.join("train-labels-idx1-ubyte"), &[0, 1, 2, 3]).unwrap();
    write_idx_images(&data.join("t10k-images-idx3-ubyte"), 2, 2, &[0; 12]).unwrap();
    let labels = [0u8, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2];
    let mut gz = {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&labels).unwrap();
        enc.finish().unwrap()
    };
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&[0xff; 4]);
    std::fs::write(data.join("t10k-labels-idx1-ubyte.gz"), &gz).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 800000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_latent-lab"))
        .args(["train", "vae", "--steps", "10", "--quiet", "--data"])
        .arg(format!("idx:{}", data.display()))
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{:?}: {stderr}", out.status);
    assert!(stderr.contains("t10k-labels-idx1-ubyte.gz") && stderr.contains("gzip"), "{stderr}");
    // A bad data file is not "an invalid setting" (issue 13, defect 7).
    assert!(!stderr.contains("invalid setting"), "{stderr}");
}

/// Issue 13, defect 8: a run on Fashion-MNIST spent minutes in its final log p(x) estimate over
/// all 10 000 test images, printing nothing. Without `--iw-images` the estimate now takes at
/// most 2000 test images, says so before it starts, and the summary records the count.
#[test]
fn the_final_log_px_estimate_is_bounded_by_default_and_announced() {
    let data = std::path::Path::new("/usr/share/datasets/fashion-mnist");
    assert!(data.is_dir(), "install the data: apt-get install dataset-fashion-mnist");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = latent_lab()
        .args(["train", "vae", "--steps", "2", "--iw-samples", "20", "--data"])
        .arg(format!("idx:{}", data.display()))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&s.stderr);
    assert!(s.status.success(), "{stderr}");
    assert!(stderr.contains("final evaluation: log p(x) with k = 20 on 2000 test images"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["iw_images"], 2000, "{summary}");
    assert_eq!(summary["test_images"], 10000, "{summary}");
}
