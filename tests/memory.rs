//! Resident memory while training, in a test binary of its own: no other test runs in this
//! process, so the process's resident size is this test's.

use latent_lab::train::gan::{GanConfig, GanTrainer};

/// The size of a memory page, from the system (4096 on most x86-64 Linux systems, 16 KiB or
/// 64 KiB on some ARM ones).
fn page_size() -> u64 {
    let out = std::process::Command::new("getconf").arg("PAGESIZE").output().expect("getconf runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("getconf prints the page size")
}

/// Resident memory of this process in bytes (Linux: /proc/self/statm counts pages).
fn resident_bytes(page: u64) -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * page
}

/// Training must not keep old steps alive: before the optimiser detached candle's gradients,
/// Adam's moments chained every step's graph and 3000 steps took 9 GB. Both paths, 1500
/// iterations each after a warm-up; measured growth here: under 1 MB for either.
#[test]
fn memory_stays_flat_while_training() {
    let page = page_size();
    assert!(page.is_power_of_two() && page >= 4096, "page size {page}");
    for reference in [false, true] {
        let mut t = GanTrainer::new(GanConfig { batch: 512, ..GanConfig::default() }).unwrap();
        t.set_path(if reference { latent_lab::fast::Path::Reference } else { latent_lab::fast::Path::Fast });
        for _ in 0..200 {
            t.iteration().unwrap();
        }
        let before = resident_bytes(page);
        for _ in 0..1500 {
            t.iteration().unwrap();
        }
        let grown = resident_bytes(page).saturating_sub(before);
        eprintln!("reference path {reference}: resident memory grew by {} kB", grown >> 10);
        // The leak this guards against grew by about 3 MB a step (4.5 GB over these steps).
        assert!(
            grown < 32 << 20,
            "reference path {reference}: resident memory grew by {} MB over 1500 steps",
            grown >> 20
        );
    }
}
