//! A refused setting named by its flag. A count whose range is a constant of the lab's limits
//! is checked by clap against that constant ([`count_in`]: `invalid value '0' for
//! '--hidden <HIDDEN>': 0 is not in 4..=256`). The other checks live in `train`, whose
//! messages name the setting as the lab says it ("discriminator optimiser: learning rate must
//! be a positive number, got -0.1"); [`name_the_flag`] says the flag instead ("--lr-d must be
//! a positive number, got -0.1"). Each lab's table of settings and flags is tested against
//! `train`'s messages in that lab's file.

use std::ops::RangeInclusive;

use clap::builder::RangedU64ValueParser;

use crate::train::TrainError;

/// A parser of a count that must lie in `range`: pass the lab's own limit (say
/// `train::gan::limits::HIDDEN`), so that the command line and the lab's validation agree.
pub fn count_in(range: RangeInclusive<usize>) -> RangedU64ValueParser<usize> {
    // usize is at most 64 bits wide on every target this builds for, so `as u64` is exact.
    RangedU64ValueParser::new().range(*range.start() as u64..=*range.end() as u64)
}

/// How `train` begins the message of a refused setting, and what the command line says
/// instead (the flag, and the words that follow it up to the message's rest).
pub type SettingFlag = (&'static str, &'static str);

/// `err` with its setting named by its flag: a refused setting ([`TrainError::Invalid`])
/// whose message begins with one of `flags`' beginnings begins with its flag instead (and
/// loses "invalid setting: ", which the flag makes plain); any other error is unchanged.
pub fn name_the_flag(err: TrainError, flags: &[SettingFlag]) -> anyhow::Error {
    if let TrainError::Invalid(message) = &err {
        let named =
            flags.iter().find_map(|(setting, flag)| message.strip_prefix(setting).map(|rest| flag.to_string() + rest));
        if let Some(named) = named {
            return anyhow::Error::msg(named);
        }
    }
    err.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_setting_of_the_table_is_renamed() {
        let flags: [SettingFlag; 2] = [("θ must", "--theta must"), ("θ0 must", "--theta0 must")];
        let named = |message: &str| name_the_flag(TrainError::Invalid(message.to_owned()), &flags).to_string();
        assert_eq!(named("θ must be in [−2, 2], got 3"), "--theta must be in [−2, 2], got 3");
        assert_eq!(named("θ0 must be in [−2, 2], got 3"), "--theta0 must be in [−2, 2], got 3");
        assert_eq!(named("batch must be in 2..=8192, got 0"), "invalid setting: batch must be in 2..=8192, got 0");
        let other = TrainError::Diverged { step: 3, what: "θ must".to_owned() };
        assert!(name_the_flag(other, &flags).to_string().starts_with("training diverged at step 3"));
    }

    #[test]
    fn a_count_out_of_its_range_is_refused_by_clap() {
        let parse = |v: &str| {
            clap::Command::new("t")
                .arg(clap::Arg::new("hidden").long("hidden").value_parser(count_in(4..=256)))
                .try_get_matches_from(["t", "--hidden", v])
                .map(|m| m.get_one::<usize>("hidden").copied())
        };
        assert_eq!(parse("4").unwrap(), Some(4));
        assert_eq!(parse("256").unwrap(), Some(256));
        let err = parse("257").unwrap_err().to_string();
        assert!(err.contains("invalid value '257' for '--hidden <hidden>': 257 is not in 4..=256"), "{err}");
        assert!(parse("3").is_err());
    }
}
