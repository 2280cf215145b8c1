//! The headless training loop, one for every lab: check `--steps`, build the lab (its data
//! loaded, its settings checked), make the output folder, log evaluations to a CSV file as the
//! run goes, print progress unless `--quiet`, keep the log when a step fails (a divergence
//! among them) and fail with that error, and at the end let the lab write its own files
//! before `summary.json`.
//!
//! A lab says what is its own through [`HeadlessLab`]: its log's header and rows, how often it
//! evaluates, one training step, what it prints, and its end files and summary.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;

use super::output::{check_steps, create_file, create_out_dir, write_json, OutputArgs};

/// A lab's log: a CSV file in the output folder, one row per evaluation, flushed as the run
/// goes so that a run stopped by an error keeps it.
#[derive(Debug)]
pub struct Log {
    /// The file's name (one of [`super::output::RUN_FILES`]).
    pub name: &'static str,
    /// Its first lines: the header, and any row from before the first step.
    pub head: Vec<String>,
}

/// Where a run is, as an evaluation sees it.
#[derive(Clone, Copy, Debug)]
pub struct At {
    /// The step just run (the first is 1).
    pub step: u64,
    /// The run's steps (`--steps`).
    pub steps: u64,
    /// The step a resumed run started from (0 for a fresh run).
    pub first: u64,
    /// Seconds spent in training steps so far in this process (evaluations excluded).
    pub train_secs: f64,
    /// Whether progress is printed (no `--quiet`): a lab may skip work done only to print.
    pub printing: bool,
}

impl At {
    /// Whether this is the run's last step (whose evaluation the summary reports).
    pub fn is_last(&self) -> bool {
        self.step == self.steps
    }

    /// Training steps per second so far: steps run in this process / training seconds
    /// (evaluations excluded).
    pub fn steps_per_sec(&self) -> f64 {
        steps_per_sec(self.step - self.first, self.train_secs)
    }
}

/// What one evaluation gives the loop.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// The log's row, without its newline (a lab with a log gives one at every evaluation).
    pub row: Option<String>,
    /// Lines to print unless `--quiet`.
    pub progress: Vec<String>,
}

/// How a whole run went, for its summary.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// The run's steps in all (a resumed run's count its saved steps).
    pub steps: u64,
    /// The step a resumed run started from (0 for a fresh run).
    pub first: u64,
    /// Seconds spent in training steps (evaluations excluded).
    pub train_secs: f64,
    /// When the run started (before its data was loaded).
    pub started: Instant,
}

impl Run {
    /// Training steps per second: steps run in this process / training seconds (evaluations
    /// excluded).
    pub fn steps_per_sec(&self) -> f64 {
        steps_per_sec(self.steps - self.first, self.train_secs)
    }

    /// Wall time of the whole run so far, in seconds.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// `steps / secs`, with a floor on the time so that a run too quick to measure gives a large
/// finite rate rather than infinity.
fn steps_per_sec(steps: u64, secs: f64) -> f64 {
    steps as f64 / secs.max(1e-9)
}

/// A lab that [`run`] can train headless.
pub trait HeadlessLab: Sized {
    /// What `summary.json` holds.
    type Summary: serde::Serialize;

    /// The log written as the run goes, if the lab keeps one.
    fn log(&self) -> Option<Log>;

    /// Steps already done: a run resumed from a saved folder goes on from there (0: fresh).
    fn first_step(&self) -> u64 {
        0
    }

    /// The line printed before the first step, if any.
    fn start_message(&self, steps: u64) -> Option<String>;

    /// Evaluate after every this many steps (and always after the last); at least 1.
    fn eval_every(&self) -> u64;

    /// One training step (for a GAN, one iteration: its D steps and its G step).
    fn step(&mut self) -> anyhow::Result<()>;

    /// Measures the models after step `at.step`: the log's row and the progress to print.
    fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation>;

    /// After the last step: writes the lab's own files into `out` (samples, latents,
    /// checkpoints) and returns the summary.
    fn finish(self, out: &Path, run: &Run) -> anyhow::Result<Self::Summary>;
}

/// The open log: its path (for messages) and its file.
struct OpenLog {
    path: std::path::PathBuf,
    file: std::io::BufWriter<std::fs::File>,
}

impl OpenLog {
    /// Writes `line` and flushes it, naming the file in an error.
    fn write_line(&mut self, line: &str) -> anyhow::Result<()> {
        writeln!(self.file, "{line}")
            .and_then(|()| self.file.flush())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// Runs a lab headless for `steps` steps into `output`: checks `steps` first, then builds the
/// lab with `build` (which checks its settings and loads its data, so that a refused setting
/// or a missing file leaves no folder behind), then makes the folder and trains. A step that
/// fails (say, on a divergence) ends the run with its error, naming the log, which keeps every
/// row written so far; no summary is written then. Returns the summary it wrote.
pub fn run<L: HeadlessLab>(
    output: &OutputArgs,
    steps: u64,
    build: impl FnOnce() -> anyhow::Result<L>,
) -> anyhow::Result<L::Summary> {
    check_steps(steps)?;
    let started = Instant::now();
    let mut lab = build()?;
    let first = lab.first_step();
    if steps <= first {
        anyhow::bail!(
            "--steps {steps} does not go beyond the resumed run's step {first}: --steps counts the run's steps in all"
        );
    }
    create_out_dir(output)?;
    let out = &output.out;
    let printing = !output.quiet;
    let mut log = match lab.log() {
        Some(Log { name, head }) => {
            let path = out.join(name);
            let mut log = OpenLog { file: create_file(&path)?, path };
            for line in &head {
                log.write_line(line)?;
            }
            Some(log)
        }
        None => None,
    };
    if printing {
        if let Some(message) = lab.start_message(steps) {
            eprintln!("{message}");
        }
    }
    let mut train_secs = 0.0;
    let mut last_report = Instant::now();
    for step in first + 1..=steps {
        let t = Instant::now();
        let stepped = lab.step();
        train_secs += t.elapsed().as_secs_f64();
        if printing && step < steps && last_report.elapsed().as_secs_f64() >= PROGRESS_EVERY_SECS {
            last_report = Instant::now();
            eprintln!("{}", progress_line(step, steps, first, train_secs));
        }
        if let Err(e) = stepped {
            return Err(match &mut log {
                Some(log) => {
                    log.file.flush().with_context(|| format!("cannot write {}", log.path.display()))?;
                    anyhow::anyhow!("{e} (metrics up to here are in {})", log.path.display())
                }
                None => e,
            });
        }
        if step % lab.eval_every() == 0 || step == steps {
            let Evaluation { row, progress } = lab.evaluate(&At { step, steps, first, train_secs, printing })?;
            if let (Some(log), Some(row)) = (&mut log, row) {
                log.write_line(&row)?;
            }
            if printing {
                for line in progress {
                    eprintln!("{line}");
                }
            }
        }
    }
    drop(log);
    let summary = lab.finish(out, &Run { steps, first, train_secs, started })?;
    write_json(&out.join("summary.json"), &summary)?;
    if printing {
        eprintln!("wrote {}", out.display());
    }
    Ok(summary)
}

/// Seconds between two progress lines during training (unless `--quiet`).
pub const PROGRESS_EVERY_SECS: f64 = 2.0;

/// The progress line printed during training: the step, its share of the run, the training
/// speed so far in this process (steps since `first`, evaluations excluded) and the training
/// time left at that speed (an estimate: the evaluations still to come are not in it).
pub fn progress_line(step: u64, steps: u64, first: u64, train_secs: f64) -> String {
    let rate = steps_per_sec(step - first.min(step), train_secs);
    let left = if rate > 0.0 { (steps - step.min(steps)) as f64 / rate } else { f64::INFINITY };
    format!(
        "  step {step}/{steps} ({:.0} %), {rate:.0} steps/s, about {} of training left",
        100.0 * step as f64 / steps.max(1) as f64,
        duration_text(left)
    )
}

/// Seconds as "42 s", "3 min 20 s" or "2 h 5 min".
fn duration_text(secs: f64) -> String {
    if !secs.is_finite() {
        return "an unknown time".to_owned();
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The trainer a run starts with: the saved run in `resume` opened by `open` (with its log's
/// rows up to its step, `step` telling the step), or a fresh one from `new`.
pub fn resumed_or_new<T>(
    resume: Option<&Path>,
    open: impl FnOnce(&Path) -> Result<T, crate::train::run::RunError>,
    step: impl FnOnce(&T) -> u64,
    new: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Vec<String>)> {
    match resume {
        Some(dir) => {
            let trainer = open(dir)?;
            let earlier = earlier_rows(dir, "metrics.csv", step(&trainer))?;
            Ok((trainer, earlier))
        }
        None => Ok((new()?, Vec::new())),
    }
}

/// The rows of the log `name` of the saved run in `dir` up to and including step `upto` (a
/// resumed run's log starts with them), without the header; none if the run has no such log.
/// A log that is not a run's CSV is an error naming it.
pub fn earlier_rows(dir: &Path, name: &str, upto: u64) -> anyhow::Result<Vec<String>> {
    /// Far beyond any log of evaluations (a row per evaluation).
    const MAX_LOG_BYTES: u64 = 256 << 20;
    let path = dir.join(name);
    let Ok(meta) = std::fs::metadata(&path) else { return Ok(Vec::new()) };
    if meta.len() > MAX_LOG_BYTES {
        anyhow::bail!("{}: {} bytes, more than a log of {MAX_LOG_BYTES}", path.display(), meta.len());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let step = line.split(',').next().and_then(|f| f.parse::<u64>().ok());
        match step {
            Some(step) if step <= upto => rows.push(line.to_owned()),
            Some(_) => {}
            None => anyhow::bail!("{}, line {}: a row does not start with its step", path.display(), i + 1),
        }
    }
    Ok(rows)
}

/// Refuses an evaluation interval of no steps (`--eval-every`), before anything is loaded.
pub fn check_eval_every(every: u64) -> anyhow::Result<()> {
    if every == 0 {
        anyhow::bail!("--eval-every must be at least 1");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, defect 8: training shows how far it is. The line's numbers are their
    /// formulas: step/steps, steps per training second, and the steps left at that rate.
    #[test]
    fn the_progress_line_says_how_far_how_fast_and_how_long_is_left() {
        assert_eq!(
            progress_line(1000, 4000, 0, 2.0),
            "  step 1000/4000 (25 %), 500 steps/s, about 6 s of training left"
        );
        assert_eq!(
            progress_line(10, 100_000, 0, 1.0),
            "  step 10/100000 (0 %), 10 steps/s, about 2 h 46 min of training left"
        );
        assert_eq!(
            progress_line(300, 1200, 0, 100.0),
            "  step 300/1200 (25 %), 3 steps/s, about 5 min 0 s of training left"
        );
        assert!(progress_line(0, 10, 0, 0.0).contains("an unknown time"));
        // A run resumed at step 3000: its speed counts only the steps run since.
        assert_eq!(
            progress_line(3500, 4000, 3000, 1.0),
            "  step 3500/4000 (88 %), 500 steps/s, about 1 s of training left"
        );
    }

    /// A lab that counts its steps, evaluates every 2nd, logs the step (if it keeps a log) and
    /// fails at step `fail_at`.
    struct Counting {
        keeps_log: bool,
        fail_at: Option<u64>,
        steps: u64,
    }

    impl HeadlessLab for Counting {
        type Summary = u64;

        fn log(&self) -> Option<Log> {
            self.keeps_log.then(|| Log { name: "metrics.csv", head: vec!["step".to_owned(), "0".to_owned()] })
        }

        fn start_message(&self, _steps: u64) -> Option<String> {
            None
        }

        fn eval_every(&self) -> u64 {
            2
        }

        fn step(&mut self) -> anyhow::Result<()> {
            self.steps += 1;
            if Some(self.steps) == self.fail_at {
                anyhow::bail!("diverged at step {}", self.steps);
            }
            Ok(())
        }

        fn evaluate(&mut self, at: &At) -> anyhow::Result<Evaluation> {
            assert_eq!(at.step, self.steps);
            Ok(Evaluation { row: Some(at.step.to_string()), progress: vec![] })
        }

        fn finish(self, out: &Path, run: &Run) -> anyhow::Result<u64> {
            std::fs::write(out.join("samples.csv"), "end\n")?;
            Ok(run.steps)
        }
    }

    fn output(out: &Path) -> OutputArgs {
        OutputArgs { out: out.to_path_buf(), force: false, quiet: true }
    }

    /// Rows at every 2nd step and at the last; the lab's end files, then the summary.
    #[test]
    fn a_run_logs_each_evaluation_and_ends_with_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let summary = run(&output(&out), 5, || Ok(Counting { keeps_log: true, fail_at: None, steps: 0 })).unwrap();
        assert_eq!(summary, 5);
        assert_eq!(std::fs::read_to_string(out.join("metrics.csv")).unwrap(), "step\n0\n2\n4\n5\n");
        assert_eq!(std::fs::read_to_string(out.join("samples.csv")).unwrap(), "end\n");
        assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), "5\n");
    }

    /// A failing step ends the run with its error, which names the log; the log keeps its rows
    /// and no end file or summary is written. Without a log the error is the step's own.
    #[test]
    fn a_failing_step_keeps_the_log_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let err = run(&output(&out), 9, || Ok(Counting { keeps_log: true, fail_at: Some(5), steps: 0 })).unwrap_err();
        let expected = format!("diverged at step 5 (metrics up to here are in {})", out.join("metrics.csv").display());
        assert_eq!(err.to_string(), expected);
        assert_eq!(std::fs::read_to_string(out.join("metrics.csv")).unwrap(), "step\n0\n2\n4\n");
        assert!(!out.join("summary.json").exists() && !out.join("samples.csv").exists());
        let out = dir.path().join("no-log");
        let err = run(&output(&out), 9, || Ok(Counting { keeps_log: false, fail_at: Some(1), steps: 0 })).unwrap_err();
        assert_eq!(err.to_string(), "diverged at step 1");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    }

    /// --steps 0 is refused before the lab is built or the folder made.
    #[test]
    fn no_steps_builds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let err = run::<Counting>(&output(&out), 0, || panic!("the lab was built")).unwrap_err();
        assert_eq!(err.to_string(), "--steps must be at least 1");
        assert!(!out.exists());
    }
}
