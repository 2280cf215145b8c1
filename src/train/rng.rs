//! The trainers' random numbers: ChaCha12, the generator behind rand's `StdRng` (the same
//! numbers for the same seed), used by name so that its position can be saved with a run and
//! put back ([`state`], [`restore`]): a resumed run draws the minibatches and noise that a run
//! trained straight through would have drawn.

use rand::SeedableRng as _;

/// The generator every trainer draws from.
pub type TrainRng = chacha20::ChaCha12Rng;

/// The generator seeded with `seed`, as `StdRng::seed_from_u64(seed)` would be.
pub fn seeded(seed: u64) -> TrainRng {
    TrainRng::seed_from_u64(seed)
}

/// The generator's full state (key, stream and position) as 98 hexadecimal digits.
pub fn state(rng: &TrainRng) -> String {
    rng.serialize_state().iter().map(|b| format!("{b:02x}")).collect()
}

/// The generator at the state written by [`state`]; anything else is refused.
pub fn restore(text: &str) -> Result<TrainRng, String> {
    let mut bytes = [0u8; 49];
    let digits = text.as_bytes();
    if digits.len() != 2 * bytes.len() {
        return Err(format!("a generator state is {} hexadecimal digits, got {}", 2 * bytes.len(), digits.len()));
    }
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| "a generator state holds a non-ASCII character".to_owned())?;
        *byte =
            u8::from_str_radix(pair, 16).map_err(|_| format!("'{pair}' in a generator state is not hexadecimal"))?;
    }
    Ok(TrainRng::deserialize_state(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng as _, RngExt as _};

    #[test]
    fn draws_the_same_numbers_as_std_rng() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut ours = seeded(seed);
            let mut std = StdRng::seed_from_u64(seed);
            for _ in 0..100 {
                assert_eq!(ours.next_u32(), std.next_u32());
                assert_eq!(ours.next_u64(), std.next_u64());
                assert_eq!(ours.random::<f32>(), std.random::<f32>());
            }
        }
    }

    #[test]
    fn a_restored_state_goes_on_with_the_same_numbers() {
        let mut rng = seeded(7);
        // An odd number of 32-bit draws, so the position is inside a block.
        for _ in 0..37 {
            rng.next_u32();
        }
        let saved = state(&rng);
        assert_eq!(saved.len(), 98);
        let mut back = restore(&saved).unwrap();
        for _ in 0..200 {
            assert_eq!(back.next_u64(), rng.next_u64());
        }
        assert_ne!(state(&seeded(7)), saved, "the position is part of the state");
    }

    #[test]
    fn a_malformed_state_is_refused() {
        assert!(restore("00").unwrap_err().contains("98 hexadecimal digits, got 2"));
        let bad = "zz".repeat(49);
        assert!(restore(&bad).unwrap_err().contains("'zz'"));
        let wide = "é".repeat(49);
        assert!(restore(&wide).is_err());
    }
}
