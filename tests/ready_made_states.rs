//! The ready-made states bundled in the program (issue 12) open, and show what their names
//! say: the collapsed ring covers at most 6 of 8 modes, the WGAN-GP ring all 8. Together they
//! stay under the 10 MB the issue allows.

#![allow(clippy::unwrap_used)]

use latent_lab::train::gan::GanTrainer;
use latent_lab::train::states::{ReadyMade, READY_MADE};

fn opened(name: &str) -> GanTrainer {
    let dir = tempfile::tempdir().unwrap();
    let state = ReadyMade::named(name).unwrap();
    let folder = state.unpack(dir.path()).unwrap();
    GanTrainer::open_run(&folder).unwrap()
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
fn every_state_opens_in_its_lab_and_all_fit_in_ten_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    for state in READY_MADE {
        let folder = state.unpack(dir.path()).unwrap();
        assert_eq!(state.lab, "gan", "{}: a test for its lab is missing here", state.name);
        let mut trainer = GanTrainer::open_run(&folder).unwrap();
        // It trains on from its saved step.
        let before = trainer.iterations();
        trainer.iteration().unwrap();
        assert_eq!(trainer.iterations(), before + 1);
    }
    let total: usize = READY_MADE.iter().map(ReadyMade::size).sum();
    assert!(total < 10 << 20, "the bundled states take {total} bytes");
}
