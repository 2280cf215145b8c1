//! Seeded GAN training: reproducibility, single steps, learning a Gaussian, divergence,
//! checkpoints.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do

use latent_lab::data::toy2d::Toy2d;
use latent_lab::model::optim::OptimizerKind;
use latent_lab::train::gan::{GanConfig, GanLoss, GanTrainer};
use latent_lab::train::TrainError;

fn params(net: &latent_lab::model::mlp::Mlp) -> Vec<f32> {
    net.vars().iter().flat_map(|v| v.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap()).collect()
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let run = |seed| {
        let mut t = GanTrainer::new(GanConfig { seed, ..GanConfig::default() }).unwrap();
        let losses: Vec<_> = (0..30).map(|_| t.iteration().unwrap()).collect();
        (losses, params(t.generator()))
    };
    let (a, pa) = run(3);
    let (b, pb) = run(3);
    let (c, _) = run(4);
    assert_eq!(a, b);
    assert_eq!(pa, pb);
    assert_ne!(a, c);
}

#[test]
fn step_d_changes_only_the_discriminator_and_step_g_only_the_generator() {
    let mut t = GanTrainer::new(GanConfig::default()).unwrap();
    let (g0, d0) = (params(t.generator()), params(t.discriminator()));
    t.step_d().unwrap();
    let (g1, d1) = (params(t.generator()), params(t.discriminator()));
    assert_eq!(g0, g1);
    assert_ne!(d0, d1);
    assert_eq!((t.d_steps_done(), t.iterations()), (1, 0));
    t.step_g().unwrap();
    let (g2, d2) = (params(t.generator()), params(t.discriminator()));
    assert_ne!(g1, g2);
    assert_eq!(d1, d2);
    assert_eq!((t.d_steps_done(), t.iterations()), (1, 1));
}

#[test]
fn iteration_runs_d_steps_discriminator_steps() {
    let mut t = GanTrainer::new(GanConfig { d_steps: 5, ..GanConfig::default() }).unwrap();
    t.iteration().unwrap();
    t.iteration().unwrap();
    assert_eq!((t.d_steps_done(), t.iterations()), (10, 2));
}

fn mean_cov(pts: &[[f32; 2]]) -> ([f64; 2], [[f64; 2]; 2]) {
    let n = pts.len() as f64;
    let m = [0, 1].map(|k| pts.iter().map(|p| f64::from(p[k])).sum::<f64>() / n);
    let mut c = [[0.0; 2]; 2];
    for p in pts {
        for i in 0..2 {
            for j in 0..2 {
                c[i][j] += (f64::from(p[i]) - m[i]) * (f64::from(p[j]) - m[j]) / n;
            }
        }
    }
    (m, c)
}

/// Non-saturating GAN on one 2-D Gaussian (mean (0, 0), std (1, 0.5), correlation 0.3):
/// after 3000 seeded iterations the generated mean is within 0.15 of the true mean and every
/// covariance entry within 0.1 of the true one (true covariance [[1, 0.15], [0.15, 0.25]];
/// the untrained generator's covariance is near 0). Two time-scale settings (D learns 4× faster,
/// two D steps per G step, batch 512) keep the game calm enough to measure; on four seeds
/// they gave mean errors ≤ 0.07 and covariance errors ≤ 0.05.
#[test]
fn non_saturating_gan_learns_a_gaussian() {
    let data = Toy2d::gaussian();
    let Toy2d::Gaussian { mean, std, rho } = data.clone() else { unreachable!() };
    let mut config =
        GanConfig { data, loss: GanLoss::NonSaturating, seed: 1, d_steps: 2, batch: 512, ..GanConfig::default() };
    config.generator.layers = 2;
    config.discriminator.layers = 2;
    config.opt_d.lr = 4e-4;
    config.opt_g.lr = 1e-4;
    let mut t = GanTrainer::new(config).unwrap();
    for _ in 0..3000 {
        t.iteration().unwrap();
    }
    let (m, c) = mean_cov(&t.generate(20_000).unwrap());
    let (sx, sy) = (f64::from(std[0]), f64::from(std[1]));
    let truth = [[sx * sx, f64::from(rho) * sx * sy], [f64::from(rho) * sx * sy, sy * sy]];
    for k in 0..2 {
        assert!((m[k] - f64::from(mean[k])).abs() < 0.15, "mean {m:?} vs {mean:?}");
    }
    for i in 0..2 {
        for j in 0..2 {
            assert!((c[i][j] - truth[i][j]).abs() < 0.1, "cov {c:?} vs {truth:?}");
        }
    }
}

#[test]
fn a_learning_rate_of_ten_diverges_with_a_clear_error() {
    let mut config = GanConfig::default();
    config.opt_d.kind = OptimizerKind::Sgd;
    config.opt_g.kind = OptimizerKind::Sgd;
    config.opt_d.lr = 10.0;
    config.opt_g.lr = 10.0;
    let mut t = GanTrainer::new(config).unwrap();
    let err = (0..5000).find_map(|_| t.iteration().err()).expect("the run diverges");
    assert!(matches!(err, TrainError::Diverged { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("diverged at step") && text.contains("a lower learning rate may help"), "{text}");
    // The command line prints the same message, where there is no Reset to press.
    assert!(!text.contains("Reset"), "{text}");
}

#[test]
fn live_settings_keep_the_run_and_architecture_restarts_it() {
    let mut t = GanTrainer::new(GanConfig::default()).unwrap();
    for _ in 0..5 {
        t.iteration().unwrap();
    }
    let mut c = t.config().clone();
    c.opt_g.lr = 5e-4;
    c.d_steps = 3;
    c.loss = GanLoss::Minimax;
    t.set_config(c.clone()).unwrap();
    assert_eq!(t.iterations(), 5);
    c.generator.hidden = 32;
    t.set_config(c).unwrap();
    assert_eq!(t.iterations(), 0);
    assert_eq!(t.generator().shape().hidden, 32);
}

#[test]
fn impossible_settings_are_refused_with_their_name() {
    let bad = GanConfig { noise_dim: 0, ..GanConfig::default() };
    let err = GanTrainer::new(bad).err().unwrap().to_string();
    assert!(err.contains("noise dimension"), "{err}");
    let mut t = GanTrainer::new(GanConfig::default()).unwrap();
    let mut c = t.config().clone();
    c.opt_d.lr = -1.0;
    let err = t.set_config(c).unwrap_err().to_string();
    assert!(err.contains("discriminator optimiser") && err.contains("learning rate"), "{err}");
}

#[test]
fn checkpoint_round_trip_and_wrong_shape_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ckpt.safetensors");
    let mut a = GanTrainer::new(GanConfig { seed: 5, ..GanConfig::default() }).unwrap();
    for _ in 0..10 {
        a.iteration().unwrap();
    }
    a.save(&path).unwrap();
    let mut b = GanTrainer::new(GanConfig { seed: 6, ..GanConfig::default() }).unwrap();
    b.load(&path).unwrap();
    assert_eq!(params(a.generator()), params(b.generator()));
    assert_eq!(params(a.discriminator()), params(b.discriminator()));
    let mut wide = GanConfig::default();
    wide.discriminator.hidden = 32;
    let mut c = GanTrainer::new(wide).unwrap();
    let before = params(c.generator());
    let err = c.load(&path).unwrap_err().to_string();
    assert!(err.contains("discriminator.0.weight") && err.contains("shape"), "{err}");
    assert_eq!(before, params(c.generator()), "nothing is half-loaded");
}

#[test]
fn generator_gradient_matches_finite_differences() {
    // The arrows show −∇ₓ ℓ_G(x); check ∇ₓ against central differences of ℓ_G.
    let mut t = GanTrainer::new(GanConfig { loss: GanLoss::Minimax, ..GanConfig::default() }).unwrap();
    for _ in 0..20 {
        t.iteration().unwrap();
    }
    let dev = candle_core::Device::Cpu;
    let pts = vec![[0.3f32, -0.7], [1.5, 1.0]];
    let (grad, _) = t.generator_loss_gradient(&pts).unwrap();
    let loss_at = |p: [f32; 2]| {
        let x = latent_lab::train::gan::points_tensor(&[p], &dev).unwrap();
        let out = t.discriminator().forward(&x).unwrap();
        let l = latent_lab::objective::gan::g_loss(GanLoss::Minimax, &out).unwrap();
        f64::from(l.sum_all().unwrap().to_vec0::<f32>().unwrap())
    };
    let h = 1e-2f32;
    for (p, g) in pts.iter().zip(&grad) {
        for k in 0..2 {
            let (mut a, mut b) = (*p, *p);
            a[k] += h;
            b[k] -= h;
            let fd = (loss_at(a) - loss_at(b)) / (2.0 * f64::from(h));
            assert!((fd - f64::from(g[k])).abs() < 2e-3 + 0.02 * fd.abs(), "fd {fd} vs autodiff {}", g[k]);
        }
    }
}

/// A step can leave non-finite weights that no loss has seen yet (the update after the last
/// finite loss); the snapshot refuses to measure or draw them.
#[test]
fn non_finite_weights_never_reach_a_snapshot() {
    let mut t = GanTrainer::new(GanConfig::default()).unwrap();
    t.iteration().unwrap();
    let w = &t.generator().layers().last().unwrap().bias;
    let nan = candle_core::Tensor::full(f32::NAN, w.dims(), &candle_core::Device::Cpu).unwrap();
    w.set(&nan).unwrap();
    let err = t.build_snapshot().expect_err("a diverged snapshot is refused").to_string();
    assert!(err.contains("diverged") && err.contains("non-finite"), "{err}");
}

/// The fast path is an optimisation, not another model: from the same seed it must give the
/// candle path's numbers, for every objective it takes and every activation. Under SGD the
/// weights must agree to float rounding after 25 iterations. Adam and RMSProp divide by the
/// gradient's running size, so where a gradient is nearly zero its rounding decides the sign
/// of a whole learning-rate step; under the objectives' own optimisers the losses must agree.
#[test]
fn fast_path_computes_what_the_candle_path_computes() {
    use latent_lab::model::mlp::Activation;
    let cases = [
        (GanLoss::Minimax, Activation::Relu),
        (GanLoss::NonSaturating, Activation::LeakyRelu),
        (GanLoss::LeastSquares, Activation::Tanh),
        (GanLoss::WganClip, Activation::Relu),
        (GanLoss::WganGp, Activation::LeakyRelu),
        (GanLoss::WganGp, Activation::Relu),
        (GanLoss::Hinge, Activation::Tanh),
    ];
    for (i, (loss, activation)) in cases.into_iter().enumerate() {
        for sgd in [true, false] {
            let mut config = GanConfig { seed: 5, batch: 64, ..GanConfig::default() };
            loss.apply_defaults(&mut config);
            config.generator.activation = activation;
            config.discriminator.activation = activation;
            config.d_steps = 2;
            if sgd {
                config.opt_d.kind = OptimizerKind::Sgd;
                config.opt_d.lr = 0.01;
                config.opt_g = config.opt_d;
            }
            // Every other case draws z uniformly instead of from a normal.
            if i % 2 == 1 {
                config.noise = latent_lab::train::gan::NoiseKind::Uniform;
            }
            let mut fast = GanTrainer::new(config.clone()).unwrap();
            // The cases cut each minibatch into one, two or three parts (as with that many
            // threads).
            let parts = 1 + i % 3;
            fast.set_compute_threads(parts);
            let mut reference = GanTrainer::new(config.clone()).unwrap();
            reference.set_path(latent_lab::fast::Path::Reference);
            assert!(fast.uses_fast_path() && !reference.uses_fast_path());
            let optimiser = if sgd { "SGD" } else { "own optimiser" };
            let case = format!("{loss:?}, {activation:?}, {optimiser}, {parts} part(s), {:?} noise", config.noise);
            for step in 0..25 {
                let (a, b) = (fast.iteration().unwrap(), reference.iteration().unwrap());
                for (x, y, what) in [(a.d_loss, b.d_loss, "D loss"), (a.g_loss, b.g_loss, "G loss")] {
                    assert!((x - y).abs() < 1e-3 * (1.0 + y.abs()), "{case}, step {step}, {what}: {x} vs {y}");
                }
            }
            if sgd {
                for (a, b) in
                    [(fast.generator(), reference.generator()), (fast.discriminator(), reference.discriminator())]
                {
                    let (pa, pb) = (params(a), params(b));
                    let worst = pa.iter().zip(&pb).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
                    // Equal to float rounding (measured 0 to 1.2e-7), except where a pre-activation
                    // lies within rounding of a ReLU kink: the two paths may then take its two
                    // sides for one sample, a single jump (measured 2.4e-6, non-saturating with
                    // leaky ReLU and uniform noise, between steps 3 and 10).
                    assert!(worst < 1e-5, "{case}: weights differ by {worst}");
                }
            }
            // The weights did move: the comparison is not between two untouched nets.
            let untouched = GanTrainer::new(fast.config().clone()).unwrap();
            assert_ne!(params(untouched.generator()), params(fast.generator()), "{case}");
        }
    }
}

/// Where the fast path cannot go (spectral normalisation, the gradient penalty of a tanh
/// critic), the trainer takes the candle path, and switching mid-run keeps the optimiser's
/// state.
#[test]
fn spectral_norm_and_a_tanh_penalty_take_the_candle_path() {
    let mut config = GanConfig { batch: 32, ..GanConfig::default() };
    GanLoss::WganGp.apply_defaults(&mut config);
    assert!(GanTrainer::new(config.clone()).unwrap().uses_fast_path());
    config.discriminator.activation = latent_lab::model::mlp::Activation::Tanh;
    assert!(!GanTrainer::new(config.clone()).unwrap().uses_fast_path());
    let sn = GanConfig { spectral_norm: true, batch: 32, ..GanConfig::default() };
    assert!(!GanTrainer::new(sn).unwrap().uses_fast_path());
    // A tanh GAN on the fast path switches, live, to the gradient penalty on candle's path.
    let mut tanh = GanConfig { batch: 32, ..GanConfig::default() };
    tanh.discriminator.activation = config.discriminator.activation;
    let mut t = GanTrainer::new(tanh).unwrap();
    assert!(t.uses_fast_path());
    t.iteration().unwrap();
    t.set_config(config).unwrap();
    assert!(!t.uses_fast_path());
    t.iteration().unwrap();
    assert_eq!(t.iterations(), 2, "the switch kept the run");
}

/// The snapshot's numbers (metrics, heatmap, arrows, manifold) are the same whether they are
/// computed on the fast path or through candle, for every objective.
#[test]
fn fast_evaluation_matches_candle_evaluation() {
    for loss in GanLoss::ALL {
        let mut config = GanConfig { batch: 64, ..GanConfig::default() };
        loss.apply_defaults(&mut config);
        let mut t = GanTrainer::new(config).unwrap();
        for _ in 0..40 {
            t.iteration().unwrap();
        }
        let fast = t.build_snapshot().unwrap();
        t.set_path(latent_lab::fast::Path::Reference);
        let reference = t.build_snapshot().unwrap();
        let (a, b) = (&fast.metrics, &reference.metrics);
        for (x, y, what) in [
            (a.d_real, b.d_real, "mean D(real)"),
            (a.d_fake, b.d_fake, "mean D(fake)"),
            (a.grad_norm, b.grad_norm, "gradient norm"),
            (a.lipschitz, b.lipschitz, "Lipschitz estimate"),
            (a.js_grid, b.js_grid, "JS (grid)"),
            (a.js_from_d.unwrap_or(0.0), b.js_from_d.unwrap_or(0.0), "JS via D"),
        ] {
            assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{loss:?} {what}: {x} vs {y}");
        }
        let close = |p: &[f32], q: &[f32], what: &str| {
            assert_eq!(p.len(), q.len(), "{what}");
            let worst = p.iter().zip(q).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
            assert!(worst < 1e-4, "{loss:?} {what} differs by {worst}");
        };
        close(&fast.heat.values, &reference.heat.values, "heatmap");
        let flat = |pts: &[[f32; 2]]| pts.iter().flatten().copied().collect::<Vec<f32>>();
        close(&flat(&fast.fake), &flat(&reference.fake), "generated points");
        let arrows =
            |s: &latent_lab::train::gan::GanSnapshot| s.arrows.iter().flat_map(|(_, g)| *g).collect::<Vec<_>>();
        close(&arrows(&fast), &arrows(&reference), "arrows");
        close(&flat(&fast.manifold.concat()), &flat(&reference.manifold.concat()), "manifold");
    }
}

/// Sets every weight and bias of `net` (layer by layer, weights stored (in, out)).
fn set_layers(net: &latent_lab::model::mlp::Mlp, layers: &[(Vec<f32>, Vec<f32>)]) {
    use candle_core::{Device, Tensor};
    assert_eq!(net.layers().len(), layers.len());
    for (layer, (w, b)) in net.layers().iter().zip(layers) {
        let shape = layer.weight.as_tensor().dims().to_vec();
        layer.weight.set(&Tensor::from_slice(w, (shape[0], shape[1]), &Device::Cpu).unwrap()).unwrap();
        layer.bias.set(&Tensor::from_slice(b, b.len(), &Device::Cpu).unwrap()).unwrap();
    }
}

/// Mode coverage measured by the trainer, on generators whose output is known: one that maps
/// all noise to one mode's centre covers 1 of 8 modes; one that sends each eighth of the noise
/// (by the normal quantiles) to its own centre covers all 8.
#[test]
fn the_trainer_measures_the_coverage_of_a_known_generator() {
    use latent_lab::model::mlp::Activation;
    use latent_lab::theory::normal::std_normal_quantile;
    use latent_lab::train::gan::NetConfig;
    let g = NetConfig { hidden: 14, layers: 1, activation: Activation::Relu };
    let mut t = GanTrainer::new(GanConfig { generator: g, noise_dim: 1, ..GanConfig::default() }).unwrap();
    let modes = t.config().data.modes().unwrap();
    let c = &modes.centres;
    assert_eq!(c.len(), 8);

    // Collapsed: the output layer ignores the hidden units and adds mode 3's centre.
    set_layers(t.generator(), &[(vec![1.0; 14], vec![0.0; 14]), (vec![0.0; 28], c[3].to_vec())]);
    let coverage = t.evaluate().unwrap().0.coverage.unwrap();
    assert_eq!((coverage.modes_covered, coverage.modes_total), (1, 8));
    assert_eq!(coverage.high_quality.iter().position(|&n| n > 0), Some(3));
    assert_eq!(coverage.high_quality_fraction, 1.0);

    // A staircase: s_k(z) = relu(a(z − t_k)) − relu(a(z − t_k) − 1) steps from 0 to 1 at
    // t_k = Φ⁻¹(k/8), and G(z) = c₀ + Σ_k s_k (c_k − c_(k−1)) is c_k on the k-th eighth.
    let a = 1e4f32;
    let mut w1 = vec![a; 14];
    let mut b1 = vec![0.0f32; 14];
    let mut w2 = vec![0.0f32; 28];
    for k in 1..8 {
        let t_k = std_normal_quantile(k as f64 / 8.0) as f32;
        let i = 2 * (k - 1);
        (b1[i], b1[i + 1]) = (-a * t_k, -a * t_k - 1.0);
        w1[i] = a;
        for d in 0..2 {
            let step = c[k][d] - c[k - 1][d];
            (w2[i * 2 + d], w2[(i + 1) * 2 + d]) = (step, -step);
        }
    }
    set_layers(t.generator(), &[(w1, b1), (w2, c[0].to_vec())]);
    let coverage = t.evaluate().unwrap().0.coverage.unwrap();
    assert_eq!(coverage.modes_covered, 8, "{:?}", coverage.high_quality);
    // Each mode holds about an eighth of the samples (2500/8 ≈ 312).
    assert!(coverage.high_quality.iter().all(|&n| (200..=430).contains(&n)), "{:?}", coverage.high_quality);
}

/// The Lipschitz estimate the GAN lab shows, on a discriminator that is linear on the whole
/// view box (every hidden unit active: large biases): ∇ₓD is the same vector everywhere, so
/// the estimate must be its norm exactly.
#[test]
fn the_trainer_s_lipschitz_estimate_is_a_known_constant() {
    let mut t = GanTrainer::new(GanConfig::default()).unwrap();
    // D: 2 → 64 → 64 → 64 → 1, ReLU. Layer 0 copies x into units 0 and 1 (+100), the middle
    // layers copy units 0 and 1, the last reads 3·unit 0 − 4·unit 1: ∇ₓD = (3, −4), norm 5.
    let h = 64;
    let mut w0 = vec![0.0f32; 2 * h];
    (w0[0], w0[h + 1]) = (1.0, 1.0);
    let mut mid = vec![0.0f32; h * h];
    (mid[0], mid[h + 1]) = (1.0, 1.0);
    let mut last = vec![0.0f32; h];
    (last[0], last[1]) = (3.0, -4.0);
    let bias = {
        let mut b = vec![0.0f32; h];
        (b[0], b[1]) = (100.0, 100.0);
        b
    };
    let mid_bias = vec![0.0f32; h];
    set_layers(t.discriminator(), &[(w0, bias), (mid.clone(), mid_bias.clone()), (mid, mid_bias), (last, vec![0.0])]);
    let lipschitz = t.evaluate().unwrap().0.lipschitz;
    assert!((lipschitz - 5.0).abs() < 1e-5, "{lipschitz}");
}

/// Issue 14, item 6: SGD at a learning rate of 10 on the generator only sent every generated
/// point to about (−9, −69), far outside the view, and training went on with no message. The
/// trainer's evaluation now stops such a run once the median generated point stays more than
/// [`RUNAWAY_WIDTHS`] view widths outside the view for [`RUNAWAY_EVALUATIONS`] evaluations.
#[test]
fn a_runaway_generator_stops_the_run_with_a_message_that_says_what_to_try() {
    use latent_lab::train::gan::{RUNAWAY_EVALUATIONS, RUNAWAY_WIDTHS};
    let mut config = GanConfig::default();
    config.opt_g.kind = OptimizerKind::Sgd;
    config.opt_g.lr = 10.0;
    let mut t = GanTrainer::new(config).unwrap();
    let mut stopped = None;
    let mut far_evals = 0;
    'run: for _ in 0..200 {
        for _ in 0..25 {
            if let Err(e) = t.iteration() {
                stopped = Some(e);
                break 'run;
            }
        }
        match t.evaluate() {
            Ok((_, fake)) => {
                let [lo, hi] = t.config().data.view_bounds();
                let width = f64::from((hi[0] - lo[0]).max(hi[1] - lo[1]));
                let mut d: Vec<f64> = fake
                    .iter()
                    .map(|p| {
                        let dx = (lo[0] - p[0]).max(p[0] - hi[0]).max(0.0);
                        let dy = (lo[1] - p[1]).max(p[1] - hi[1]).max(0.0);
                        f64::from(dx.hypot(dy))
                    })
                    .collect();
                d.sort_by(f64::total_cmp);
                far_evals = if d[d.len() / 2] > RUNAWAY_WIDTHS * width { far_evals + 1 } else { 0 };
                assert!(far_evals < RUNAWAY_EVALUATIONS, "the run went on with its samples far away");
            }
            Err(e) => {
                stopped = Some(e);
                break;
            }
        }
    }
    let err = stopped.expect("the run stops");
    let text = err.to_string();
    assert!(text.contains("generated points left the data"), "{text}");
    assert!(text.contains("generator's learning rate"), "{text}");
    assert_eq!(
        far_evals,
        RUNAWAY_EVALUATIONS - 1,
        "it stopped on the evaluation that made {RUNAWAY_EVALUATIONS}: {text}"
    );
}
