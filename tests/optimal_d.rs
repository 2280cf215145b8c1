//! The optimal-discriminator lab: D approaches D* with G frozen, the value of the game at D*
//! is −log 4 + 2·JSD, and D's loss is binary cross-entropy.

use std::process::Command;

use latent_lab::theory::optimal_d::MINUS_LOG_4;
use latent_lab::train::optimal_d::{OptimalDConfig, OptimalDTrainer};

fn frozen(seed: u64) -> OptimalDConfig {
    OptimalDConfig { freeze_g: true, seed, ..OptimalDConfig::default() }
}

/// With the affine generator frozen at N(0, 1) and p_data the two-mode mixture, 3000 seeded D
/// steps (ReLU 64×2, batch 1024, Adam 1e-3) bring sup |D − D*| (where p_data + p_g ≥ 1 % of its
/// peak) down from above 0.3. One seed's value spreads around 0.1 (measured 0.073, 0.062 and
/// 0.101 on seeds 0, 1 and 2 in one session, 0.071, 0.059 and 0.101 in the next), so the test
/// bounds the mean over the three seeds (measured 0.077–0.079, margin 0.021) and each seed by
/// 0.15 (margin 0.049).
#[test]
fn with_g_frozen_d_approaches_d_star() {
    let mut ends = Vec::new();
    for seed in 0..3 {
        let mut t = OptimalDTrainer::new(frozen(seed)).unwrap();
        let before = t.build_snapshot().unwrap().metrics.max_abs_d_minus_dstar;
        for _ in 0..3000 {
            t.iteration().unwrap();
        }
        let s = t.build_snapshot().unwrap();
        assert_eq!(s.g_steps, 0, "a frozen G takes no step");
        assert_eq!(s.affine, Some((1.0, 0.0)), "a frozen G does not move");
        assert!(before > 0.3, "seed {seed} untrained: {before}");
        let end = s.metrics.max_abs_d_minus_dstar;
        assert!(end < 0.15, "seed {seed} trained: {end}");
        ends.push(end);
    }
    let mean = ends.iter().sum::<f64>() / ends.len() as f64;
    eprintln!("sup |D − D*| after 3000 steps, seeds 0–2: {ends:?}, mean {mean:.3}");
    assert!(mean < 0.1, "mean over seeds: {mean} ({ends:?})");
}

/// At D*, the value of the game computed from its definition equals −log 4 + 2·JSD (task 3.3),
/// and the trained D's value approaches it from below. Measured on seed 1 after 3000 steps:
/// JSD 0.366 (bound 0.05), C(G) − V(D, G) 0.0008 (bound 0.01), samples against quadrature
/// 0.009 (bound 0.05).
#[test]
fn the_value_at_d_star_is_minus_log_4_plus_twice_the_jsd() {
    let mut t = OptimalDTrainer::new(frozen(1)).unwrap();
    for _ in 0..3000 {
        t.iteration().unwrap();
    }
    let m = t.build_snapshot().unwrap().metrics;
    assert!((m.v_dstar_g - m.minus_log4_plus_2jsd).abs() < 1e-6, "{} vs {}", m.v_dstar_g, m.minus_log4_plus_2jsd);
    assert!(m.jsd > 0.05 && m.jsd < std::f64::consts::LN_2);
    assert!(m.v_d_g_quadrature <= m.v_dstar_g + 1e-9, "V(D, G) ≤ max_D V(D, G)");
    assert!(
        m.v_dstar_g - m.v_d_g_quadrature < 0.01,
        "a trained D is nearly optimal: {} vs {}",
        m.v_d_g_quadrature,
        m.v_dstar_g
    );
    assert!(
        (m.v_d_g - m.v_d_g_quadrature).abs() < 0.05,
        "samples agree with quadrature: {} vs {}",
        m.v_d_g,
        m.v_d_g_quadrature
    );
}

/// Task 3.1: the discriminator's loss is binary cross-entropy with label 1 for real and 0 for
/// generated samples, and equals −V(D, G).
#[test]
fn the_discriminator_loss_is_binary_cross_entropy() {
    let mut t = OptimalDTrainer::new(OptimalDConfig::default()).unwrap();
    for _ in 0..200 {
        t.iteration().unwrap();
    }
    let m = t.build_snapshot().unwrap().metrics;
    assert!((m.d_loss - m.d_loss_as_bce).abs() < 1e-4, "{} vs {}", m.d_loss, m.d_loss_as_bce);
    assert!((m.d_loss + m.v_d_g).abs() < 1e-4);
}

/// When G trains on, p_g approaches p_data: JSD falls and C(G) goes down toward −log 4
/// (measured: JSD 0.161 → 1e-6 over 3000 steps; C(G) from −1.065 to −1.3863).
#[test]
fn training_g_lowers_the_jsd_toward_zero() {
    let data = latent_lab::theory::optimal_d::Mixture1d::gaussian();
    let mut t = OptimalDTrainer::new(OptimalDConfig { data, ..OptimalDConfig::default() }).unwrap();
    let start = t.build_snapshot().unwrap().metrics;
    for _ in 0..3000 {
        t.iteration().unwrap();
    }
    let end = t.build_snapshot().unwrap().metrics;
    assert!(end.jsd < 0.01 && end.jsd < start.jsd / 5.0, "JSD {} → {}", start.jsd, end.jsd);
    // C(G) = V(D*, G) from its definition (quadrature of the two expectations, not through the
    // JSD) falls to within 0.02 of −log 4, and agrees with −log 4 + 2·JSD.
    assert!((end.v_dstar_g - MINUS_LOG_4).abs() < 0.02, "C(G) = {}", end.v_dstar_g);
    assert!((start.v_dstar_g - MINUS_LOG_4).abs() > 0.1, "C(G) started at {}", start.v_dstar_g);
    assert!((end.v_dstar_g - end.minus_log4_plus_2jsd).abs() < 1e-6);
    let s = t.build_snapshot().unwrap();
    let mid: Vec<f64> = s.d_star.iter().zip(&s.p_data).filter(|(_, p)| **p > 0.1).map(|(d, _)| *d).collect();
    assert!(mid.len() > 10, "points where the data is: {}", mid.len());
    assert!(mid.iter().all(|d| (d - 0.5).abs() < 0.1), "D* → ½ where the data is");
}

#[test]
fn cli_writes_metrics_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = Command::new(env!("CARGO_BIN_EXE_latent-lab"))
        .args(["train", "optimal-d", "--data", "mix2", "--freeze-g", "--steps", "300", "--seed", "0", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in ["max_abs_d_minus_dstar", "v_d_g", "minus_log4_plus_2jsd", "jsd", "steps", "seed"] {
        assert!(summary.get(key).is_some_and(|v| !v.is_null()), "summary lacks {key}");
    }
    assert_eq!(summary["g_steps"], 0);
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 4);
    let bad = Command::new(env!("CARGO_BIN_EXE_latent-lab"))
        .args(["train", "optimal-d", "--data", "mix:0.5,0,0", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("standard deviation"));
}

/// The fast path trains the same models as candle's autodiff: from one seed, the losses of
/// 30 iterations and the final D(x) and (a, b) agree, for the affine and the MLP generator.
#[test]
fn fast_path_trains_like_the_candle_path() {
    use latent_lab::train::optimal_d::Generator1d;
    for generator in [Generator1d::Affine, Generator1d::Mlp { hidden: 16, layers: 1 }] {
        let config = OptimalDConfig { generator, batch: 256, seed: 4, ..OptimalDConfig::default() };
        let mut fast = OptimalDTrainer::new(config.clone()).unwrap();
        fast.set_compute_threads(2);
        let mut reference = OptimalDTrainer::new(config).unwrap();
        reference.set_path(latent_lab::fast::Path::Reference);
        for step in 0..30 {
            let (a, b) = (fast.step_d().unwrap(), reference.step_d().unwrap());
            assert!((a - b).abs() < 1e-4 * (1.0 + b.abs()), "{generator:?} D step {step}: {a} vs {b}");
            let (a, b) = (fast.step_g().unwrap(), reference.step_g().unwrap());
            assert!((a - b).abs() < 1e-4 * (1.0 + b.abs()), "{generator:?} G step {step}: {a} vs {b}");
        }
        let xs: Vec<f64> = (0..41).map(|i| -4.0 + 0.2 * f64::from(i)).collect();
        let (da, db) = (fast.d_at(&xs).unwrap(), reference.d_at(&xs).unwrap());
        let worst = da.iter().zip(&db).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-4, "{generator:?}: D(x) differs by {worst}");
        if let (Some(a), Some(b)) = (fast.affine_params(), reference.affine_params()) {
            assert!((a.0 - b.0).abs() < 1e-5 && (a.1 - b.1).abs() < 1e-5, "{a:?} vs {b:?}");
            assert!((a.0 - 1.0).abs() > 1e-3 || a.1.abs() > 1e-3, "G moved: {a:?}");
        }
    }
}

/// A blow-up that stays finite is a divergence too (issue 13, defect 5: at a learning rate of
/// 10⁶ the run exited 0 with a loss of 9·10²⁸): the run stops, names the step and the bound,
/// exits non-zero and keeps its metrics.
#[test]
fn a_finite_blow_up_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = Command::new(env!("CARGO_BIN_EXE_latent-lab"))
        .args(["train", "optimal-d", "--lr-d", "1e6", "--steps", "3000", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&s.stderr);
    assert!(!s.status.success(), "{stderr}");
    assert!(stderr.contains("diverged at step") && stderr.contains("beyond ±1e8"), "{stderr}");
    assert!(out.join("metrics.csv").exists());
    assert!(!out.join("summary.json").exists(), "no summary of a diverged run");
}

/// D's loss as a binary cross-entropy stays finite when D is sure of a sample: candle's formula
/// took 0 · log 0 once σ(logit) rounded to 1 (or 0) in f32, and the window's "D's loss is a
/// cross-entropy" panel showed NaN (found by tests/ui_soak.rs). Below the clamp it is the
/// exact cross-entropy.
#[test]
fn the_cross_entropy_form_of_ds_loss_is_finite_when_d_saturates() {
    use latent_lab::train::optimal_d::bce_with_logits;
    let device = candle_core::Device::Cpu;
    let logits = candle_core::Tensor::new(&[40.0f32, -40.0, 0.0, 3.0, 1e30], &device).unwrap();
    for label in [1.0, 0.0] {
        let loss = bce_with_logits(&logits, label).unwrap();
        assert!(loss.is_finite(), "label {label}: {loss}");
    }
    let small = candle_core::Tensor::new(&[0.0f32, 3.0, -2.0], &device).unwrap();
    let softplus = |x: f64| (1.0 + x.exp()).ln();
    let exact = (softplus(-0.0) + softplus(-3.0) + softplus(2.0)) / 3.0;
    assert!((bce_with_logits(&small, 1.0).unwrap() - exact).abs() < 1e-6);
}
