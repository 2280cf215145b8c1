//! The ready-made states bundled in the program (issue 12) open, and show what their names
//! say: the collapsed ring covers at most 6 of 8 modes, the WGAN-GP ring all 8; the AE and the
//! VAE on MNIST-5k are trained (test ELBO and reconstructions far better than at step 0, the
//! VAE's codes spread like its prior); the JS vs W1 race is finished (the WGAN's θ at 0, the
//! GAN's stalled). Together they stay under the 10 MB the issue allows.

#![allow(clippy::unwrap_used)]

use latent_lab::train::gan::GanTrainer;
use latent_lab::train::lines::LinesTrainer;
use latent_lab::train::run::RunError;
use latent_lab::train::states::{ReadyMade, READY_MADE};
use latent_lab::train::vae::VaeTrainer;
use latent_lab::train::worker::Lab;

/// The bundled state `name`, opened in its lab `L`.
fn open<L: Lab>(name: &str) -> Result<L, RunError> {
    let dir = tempfile::tempdir().unwrap();
    let state = ReadyMade::named(name).unwrap();
    let folder = state.unpack(dir.path()).unwrap();
    L::open_run(&folder)
}

fn opened(name: &str) -> GanTrainer {
    open(name).unwrap()
}

#[test]
fn the_collapsed_ring_covers_at_most_six_modes_and_the_wgan_gp_ring_all_eight() {
    let mut collapsed = opened("ring8-ns-collapsed");
    assert_eq!(collapsed.iterations(), 6000);
    let (m, _) = collapsed.evaluate().unwrap();
    let c = m.coverage.unwrap();
    assert!(c.modes_covered <= 6, "collapsed: {} of {} modes", c.modes_covered, c.modes_total);

    let mut wgan = opened("ring8-wgan-gp-all-modes");
    assert_eq!(wgan.iterations(), 15000);
    let (m, _) = wgan.evaluate().unwrap();
    let c = m.coverage.unwrap();
    assert_eq!((c.modes_covered, c.modes_total), (8, 8));
    assert_eq!(collapsed.config().seed, wgan.config().seed, "the same seed, two objectives");
}

#[test]
fn the_ae_and_the_vae_on_mnist5k_are_trained_and_the_vae_codes_spread_like_the_prior() {
    let mut t: VaeTrainer = open("mnist5k-ae-vae").unwrap();
    assert_eq!(t.steps(), 6000);
    assert_eq!(t.config().data, latent_lab::data::source::ImageSource::Mnist5k);
    assert_eq!(t.config().latent_dim, 2);
    // Its curves came with it: a test evaluation every 250 steps.
    assert_eq!(t.history().test_neg_elbo.points().len(), 6000 / 250);
    let trained = t.evaluate().unwrap();
    let mut fresh = VaeTrainer::new(t.config().clone()).unwrap();
    let untrained = fresh.evaluate().unwrap();
    // About −160 nats against about −540 at step 0; the AE's reconstruction likewise.
    assert!(trained.vae_test_elbo > untrained.vae_test_elbo + 200.0, "{trained:?} vs {untrained:?}");
    assert!(trained.vae_test_elbo > -200.0, "{trained:?}");
    assert!(trained.ae_test_recon < untrained.ae_test_recon - 200.0, "{trained:?} vs {untrained:?}");
    // The VAE's posterior means of the test images: centred, of about unit spread, as the
    // prior N(0, I) the KL term pulls them to.
    let (_, vae) = t.latents().unwrap();
    let k = 2;
    let n = vae.codes.len() / k;
    for d in 0..k {
        let column: Vec<f64> = vae.codes.iter().skip(d).step_by(k).map(|&z| f64::from(z)).collect();
        let mean = column.iter().sum::<f64>() / n as f64;
        let sd = (column.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!(mean.abs() < 0.5 && (0.5..1.5).contains(&sd), "z{}: mean {mean}, sd {sd}", d + 1);
    }
    // Its prior samples look like digits of many classes.
    assert!(trained.vae_prior.class_entropy > 1.5, "{:?}", trained.vae_prior);
}

#[test]
fn the_finished_race_has_the_wgan_theta_at_zero_and_the_gan_theta_stalled() {
    let t: LinesTrainer = open("js-w1-race-finished").unwrap();
    assert_eq!(t.race_steps(), 600);
    let (gan, wgan) = t.race_theta().unwrap();
    let theta0 = t.config().theta0;
    assert_eq!(theta0, 1.0);
    assert!(wgan.abs() < 0.05, "the WGAN's θ ends at {wgan}");
    assert!(gan > 0.5, "the GAN's θ ends at {gan}: JS gives it no gradient once D separates the lines");
    let h = t.race_history();
    for curve in [&h.theta_gan, &h.theta_wgan] {
        assert_eq!(curve.points().len(), 600, "both curves, every step");
        assert_eq!(curve.points().last().unwrap()[0], 600.0);
    }
}

/// Opens `state` in its lab and takes one training step from its saved step.
fn opens_and_trains_on(state: &ReadyMade, dir: &std::path::Path) {
    fn go_on<L: Lab>(folder: &std::path::Path) {
        let mut lab = L::open_run(folder).unwrap();
        let before = lab.steps();
        lab.play_step().unwrap();
        assert!(lab.steps() > before);
    }
    let folder = state.unpack(dir).unwrap();
    match state.lab {
        "gan" => go_on::<GanTrainer>(&folder),
        "ae-vae" => go_on::<VaeTrainer>(&folder),
        "js-w1" => go_on::<LinesTrainer>(&folder),
        lab => panic!("{}: a test for the {lab} lab is missing here", state.name),
    }
}

#[test]
fn every_state_opens_in_its_lab_and_all_fit_in_ten_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    for state in READY_MADE {
        opens_and_trains_on(&state, dir.path());
    }
    let total: usize = READY_MADE.iter().map(ReadyMade::size).sum();
    assert!(total < 5 << 20, "the bundled states take {total} bytes, well under the 10 MB allowed");
}
