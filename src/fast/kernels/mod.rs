//! The fast path's kernels: every hand-written loop that is compiled once per instruction set,
//! the one call into `gemm`, and every `unsafe` block of the crate. Nothing outside this
//! module may use `unsafe` (the crate denies it; only this module's files allow it, and clippy
//! denies an `unsafe` block without a `SAFETY:` comment).
//!
//! # Instruction sets
//! An [`Isa`] names a set of vector instructions the processor has: AVX-512, AVX2 with FMA,
//! or the portable baseline every x86-64 (or other) processor has. It can only be obtained
//! from [`Isa::best`] or [`Isa::available`], which check the processor at run time, so a
//! value of it is a proof that its instructions may be executed: that is the whole argument
//! of every `unsafe` call below. Each kernel is written once, as an `#[inline(always)]` loop
//! that the compiler vectorises, and [`per_isa!`] compiles it a second and a third time with
//! the wider instructions enabled; the caller passes the `Isa` to use. Tests run every
//! version the processor has ([`Isa::available`]) and say which ones ran.
//!
//! `gemm`'s own kernels are chosen by `gemm` at run time the same way; with this crate's
//! `x86-v4` feature of `gemm` enabled (Cargo.toml) they include AVX-512.

pub mod elementwise;
pub mod gemm;
pub mod likelihood;
pub mod sparse;
pub mod update;

pub use self::gemm::{matmul, Mat};

/// A set of vector instructions the processor has (checked at run time; see the module's
/// documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Isa(Level);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Level {
    Portable,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx512,
}

impl Isa {
    /// The instructions every processor of the target has.
    pub const PORTABLE: Self = Self(Level::Portable);

    /// The widest set this processor has, or a narrower one named by the environment
    /// variable `LATENT_LAB_ISA` (`portable` or `avx2`: to measure or test the narrower
    /// versions on a wide processor; a name the processor lacks, or any other value, is
    /// ignored). Read once.
    pub fn best() -> Self {
        static BEST: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| {
            let sets = Self::available();
            let widest = *sets.last().expect("the portable set is always available");
            let cap = std::env::var("LATENT_LAB_ISA").ok();
            cap.and_then(|name| sets.into_iter().find(|s| s.name() == name)).map_or(widest, |s| s.min(widest))
        })
    }

    /// Every set this processor has, narrowest first (the portable one always).
    pub fn available() -> Vec<Self> {
        let mut sets = vec![Self::PORTABLE];
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
            if avx2 {
                sets.push(Self(Level::Avx2));
                if std::arch::is_x86_feature_detected!("avx512f") {
                    sets.push(Self(Level::Avx512));
                }
            }
        }
        sets
    }

    /// A short name: "avx512", "avx2" or "portable".
    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Portable => "portable",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Whether this is the AVX-512 set.
    pub fn is_avx512(self) -> bool {
        self.0 == Level::Avx512
    }
}

/// The instructions of `gemm`'s matrix-product kernels on this processor: `gemm` is built
/// with its `x86-v4` feature (Cargo.toml) and picks its AVX-512 kernels when the processor has
/// AVX-512F, else AVX2/FMA ones (`LATENT_LAB_ISA` does not reach it).
pub fn gemm_isa() -> Isa {
    *Isa::available().last().expect("the portable set is always available")
}

/// The processor's model name, as /proc/cpuinfo gives it ("AMD EPYC", "Intel(R) Xeon(R) …"),
/// or the architecture's name where there is no such file.
pub fn processor_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

/// Defines `$vis fn $name(isa: Isa, args…) -> ret` that runs the `#[inline(always)]` function
/// `$body` compiled for the instruction set `isa` (AVX-512, AVX2 with FMA, or portable).
macro_rules! per_isa {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:path;) => {
        $(#[$meta])*
        $vis fn $name(isa: $crate::fast::kernels::Isa, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                if isa.is_avx512() {
                    // SAFETY: an `Isa` is made only by `Isa::best`/`Isa::available`, after
                    // checking that the processor has its instructions; having them is the only
                    // requirement of a function compiled for them, which is itself safe code.
                    return unsafe { avx512($($arg),*) };
                }
                if isa != $crate::fast::kernels::Isa::PORTABLE {
                    // SAFETY: as above; the only other set is AVX2 with FMA.
                    return unsafe { avx2($($arg),*) };
                }
            }
            let _ = isa;
            $body($($arg),*)
        }
    };
}
pub(crate) use per_isa;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sets_are_ordered_and_the_best_is_the_widest() {
        let sets = Isa::available();
        assert_eq!(sets[0], Isa::PORTABLE);
        assert!(sets.windows(2).all(|w| w[0] < w[1]));
        if std::env::var_os("LATENT_LAB_ISA").is_none() {
            assert_eq!(Isa::best(), *sets.last().unwrap());
        }
        assert!(sets.contains(&Isa::best()));
        #[cfg(target_arch = "x86_64")]
        {
            let has = |f: &str| sets.iter().any(|s| s.name() == f);
            assert_eq!(has("avx512"), std::arch::is_x86_feature_detected!("avx512f") && has("avx2"));
        }
        eprintln!("instruction sets on this processor: {:?}", sets.iter().map(|s| s.name()).collect::<Vec<_>>());
    }
}
