//! Criterion benchmarks of every lab's training step and of building the snapshot its
//! panels draw (`cargo bench`). The GAN and the AE/VAE steps are timed on the fast path and
//! on candle's autodiff (the reference the fast path is tested against).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use latent_lab::train::gan::{GanConfig, GanTrainer, NetConfig};
use latent_lab::train::lines::{LinesConfig, LinesTrainer};
use latent_lab::train::optimal_d::{OptimalDConfig, OptimalDTrainer};
use latent_lab::train::vae::{VaeConfig, VaeTrainer};
use latent_lab::train::worker::Lab;

/// Times `lab`'s step and its snapshot under `name`.
fn step_and_snapshot<L: Lab>(c: &mut Criterion, name: &str, lab: &mut L) {
    for _ in 0..20 {
        lab.play_step().unwrap();
    }
    lab.snapshot().unwrap();
    c.bench_function(&format!("{name}/step"), |b| b.iter(|| lab.play_step().unwrap()));
    c.bench_function(&format!("{name}/snapshot"), |b| b.iter(|| black_box(lab.snapshot().unwrap())));
}

fn gan(c: &mut Criterion) {
    let mut lab = GanTrainer::new(GanConfig::default()).unwrap();
    step_and_snapshot(c, "gan default (64x3, batch 128)", &mut lab);
    lab.set_path(latent_lab::fast::Path::Reference);
    c.bench_function("gan default (64x3, batch 128)/step, candle reference", |b| b.iter(|| lab.play_step().unwrap()));
    for (hidden, batch) in [(128, 256), (32, 64)] {
        let net = NetConfig { hidden, layers: 2, ..GanConfig::default().generator };
        let config = GanConfig { generator: net, discriminator: net, batch, ..GanConfig::default() };
        let mut lab = GanTrainer::new(config).unwrap();
        c.bench_function(&format!("gan {hidden}x2, batch {batch}/step"), |b| b.iter(|| lab.play_step().unwrap()));
    }
}

fn vae(c: &mut Criterion) {
    let mut lab = VaeTrainer::new(VaeConfig::default()).unwrap();
    step_and_snapshot(c, "ae+vae default (MNIST-5k, 256x2, K 2)", &mut lab);
    c.bench_function("ae+vae default (MNIST-5k, 256x2, K 2)/evaluate", |b| {
        b.iter(|| black_box(lab.evaluate().unwrap()))
    });
    lab.set_path(latent_lab::fast::Path::Reference);
    c.bench_function("ae+vae default (MNIST-5k, 256x2, K 2)/step, candle reference", |b| {
        b.iter(|| lab.play_step().unwrap())
    });
}

fn optimal_d(c: &mut Criterion) {
    let mut lab = OptimalDTrainer::new(OptimalDConfig::default()).unwrap();
    step_and_snapshot(c, "optimal-d default", &mut lab);
}

fn lines(c: &mut Criterion) {
    let mut lab = LinesTrainer::new(LinesConfig::default()).unwrap();
    step_and_snapshot(c, "js-w1 default", &mut lab);
}

criterion_group! {
    name = labs;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = gan, vae, optimal_d, lines
}
criterion_main!(labs);
