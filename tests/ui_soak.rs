//! A soak test of the window (issue 13): egui_kittest drives seeded random actions on every
//! lab for thousands of frames while the trainers run: switching tabs, moving sliders to their
//! extremes and back, setting spin fields, clicking buttons, radio buttons, checkboxes and
//! combo boxes (whose choices restart runs), Play/Pause, Step and Reset.
//!
//! Asserted: no panic (of the window, or of a trainer, which the window would show as "the
//! trainer crashed"); no non-finite number ("NaN", "inf") in any text of the accesskit tree,
//! checked every 20 frames; the heap flat (with every lab back at its defaults after each part of
//! the soak, it grows by less than [`MAX_HEAP_GROWTH`] after the first part) and never above
//! [`MAX_HEAP`]; and every
//! trainer still answers afterwards (Play advances its step count, or the run stops at once
//! with a message, within `common::TIMEOUT`).
//!
//! Found by this soak: the optimal-discriminator lab's cross-entropy panel read NaN once D was
//! sure of a sample (fixed, with a test in tests/optimal_d.rs); the AE vs VAE lab showed the
//! numbers of blown-up weights (fixed: a diverged model's picture is never published); and its
//! trainer took no command for minutes while it measured log p(x) at k = 2000 on 2000 test
//! images (fixed: the measurement stops for a waiting command, tests/worker.rs). The soak now
//! moves those sliders over their whole range and fails on any non-finite number on every tab.
//!
//! It runs with the other tests (about 20-50 s here; `--nocapture` prints what it did). It
//! once failed beside a concurrent build: a trainer "did not step within a minute of Play".
//! The trainer had answered, by stopping at once: the soak had left it at extreme settings that
//! diverge at the first step, and under load it had trained fewer steps between actions, so
//! it stood elsewhere when Play came. Stopping with a message is an answer; the check takes it.
//!
//! The actions come from a small LCG seeded with [`SEED`] (or `LATENT_LAB_SOAK_SEED`), so a
//! failure replays; a failure prints the seed and the last actions.
//!
//! The one legitimate infinity on screen is the JS vs W1 lab's: the KL divergence between two
//! parallel lines is infinite for every θ ≠ 0, a fact the lab shows ("KL = ∞ for every θ ≠ 0"
//! on the plot, "KL = ∞, ∞" in its numbers, through `theory::lines::format_divergence`), not
//! a number that overflowed. Those two texts are the only ones allowed to hold "∞" (and not
//! "NaN"). And the message of a run stopped by divergence quotes the value that stopped it
//! ("⚠ training diverged at step 4: the VAE's KL term is inf; …"): that is the detection
//! working, not a number drawn, and is allowed too.

#![allow(clippy::unwrap_used)] // helpers of tests may unwrap, as the tests themselves do
#![allow(unsafe_code)] // the counting allocator below: a global allocator is an unsafe trait

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use eframe::egui::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use latent_lab::train::worker::Control;
use latent_lab::ui::gan::GanView;
use latent_lab::ui::lab::{LabView, TrainerView};
use latent_lab::ui::lines::LinesView;
use latent_lab::ui::optimal_d::OptimalDView;
use latent_lab::ui::vae::VaeView;
use latent_lab::ui::{App, Tab};

mod common;
use common::Labs as _;
use common::{harness, step_until};

/// The default seed of the actions.
const SEED: u64 = 0x1a7e_2026_0013;
/// Frames the soak runs (it also stops after [`MAX_SOAK`]).
const FRAMES: usize = 4000;
/// Frames of warm-up before the first memory reading (every lab built, its first pictures
/// drawn, the allocator's pools grown).
const WARM_UP: usize = 400;
/// A cap on the soak's own time, so that a slow machine ends it early rather than late.
const MAX_SOAK: Duration = Duration::from_secs(100);
/// The text of the accesskit tree is checked every this many frames.
const CHECK_EVERY: usize = 20;
/// The most the live heap may grow from the end of the soak's first part to the end of its
/// last, each part ending with every lab back at its default settings (the first part fills
/// what is cached legitimately). Measured on the heap (a counting allocator), not on the
/// resident size: glibc keeps freed memory in its per-thread arenas, so the resident size stays
/// high after the soak's large settings (an AE vs VAE step at batch 516 × 32 samples of z holds
/// about a gigabyte of activations) although nothing leaked. What legitimately stays and moves
/// the reading by tens of megabytes either way: the curves' histories (each capped at 1024
/// points), egui's caches of text layouts and textures, the data a lab holds, and the matrix
/// products' per-thread scratch buffers, which keep the size of the largest product seen.
/// The reading is taken with every trainer paused, the least of 20 ([`settled_heap`]). Seen
/// here: readings of 62-81 MB, an item of about 17 MB coming and going between parts (seeds
/// 0, 5, 6), so a change of at most 19 MB. A planted leak of 40 kB a frame (a picture's worth,
/// `forget`-ten in `App::ui`) grew it by 123 MB over the last three parts. 64 MiB is about
/// 21 kB a frame.
const MAX_HEAP_GROWTH: isize = 64 << 20;

/// The parts of the soak (see [`MAX_HEAP_GROWTH`]).
const QUARTERS: usize = 4;

/// The most the live heap may hold at any check: the AE vs VAE lab's stated model budget
/// ([`latent_lab::train::vae::MODEL_MEMORY_BUDGET`], 2 GiB) and as much again for everything
/// else. Above it memory is running away, whatever the settings.
const MAX_HEAP: isize = 4 << 30;

/// The system allocator, counting the bytes live on the heap, process-wide (every thread:
/// the trainers allocate on theirs).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds GlobalAlloc's contract;
// the counting is one atomic add (no allocation, no lock).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as given.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as given.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer came from this allocator (that is, from System) with
        // this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for dealloc and alloc: the caller's pointer, layout and size, unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes live on the heap now.
fn live_heap() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The AE vs VAE lab's sliders that go over their whole range: its log p(x) estimate (a
/// measurement at k = 2000 on 2000 test images takes minutes, and stops for any command). Its
/// other sliders (the models' shape, batch, samples of z) keep to the lower half of their
/// ranges: there a training step, the unit the trainer never cuts, grows to 19 s of one core
/// and over a gigabyte of activations (hidden width 1024 × 4, batch 1024, 64 samples of z:
/// 65 536 decoded rows a step), beyond what this soak's time and memory bounds are for.
const WHOLE_RANGE: [&str; 2] = ["importance samples k", "test images"];

/// A small linear congruential generator (Knuth's MMIX constants): the soak's only randomness.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

/// The size of a memory page.
fn page_size() -> u64 {
    let out = std::process::Command::new("getconf").arg("PAGESIZE").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Resident memory of this process in bytes (/proc/self/statm counts pages).
fn resident_bytes(page: u64) -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * page
}

/// Whether `text` shows a non-finite number: "NaN", "inf" or "infinity" as a word (any case),
/// or "∞" outside the JS vs W1 lab's KL texts.
fn shows_non_finite(text: &str) -> bool {
    let word = text
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| ["nan", "inf", "infinity"].contains(&w.to_lowercase().as_str()));
    if text.contains("training diverged at step") {
        return false;
    }
    let kl = text == "KL = ∞ for every θ ≠ 0" || text.starts_with("KL = ");
    word || (text.contains('∞') && !kl)
}

/// Every label and value in the accesskit tree that shows a non-finite number, with its role
/// and the texts of the nodes beside it (to say where it is).
fn non_finite_texts(h: &Harness<'static, App>) -> Vec<String> {
    let root = h.root();
    std::iter::once(root)
        .chain(root.children_recursive())
        .filter_map(|n| {
            let node = n.accesskit_node();
            let texts: Vec<String> = [node.label(), node.value()].into_iter().flatten().collect();
            let bad: Vec<&String> = texts.iter().filter(|t| shows_non_finite(t)).collect();
            if bad.is_empty() {
                return None;
            }
            // The texts before it in its parent, then in its parent's parent, and so on up.
            let mut beside = Vec::new();
            let mut at = n;
            while let Some(parent) = at.parent() {
                let texts: Vec<String> = parent
                    .children()
                    .filter_map(|c| c.accesskit_node().label().or_else(|| c.accesskit_node().value()))
                    .filter(|t| !t.is_empty())
                    .take(8)
                    .collect();
                if !texts.is_empty() {
                    beside.push(texts.join(" | "));
                }
                if beside.len() >= 3 {
                    break;
                }
                at = parent;
            }
            Some(format!("{bad:?} ({:?}; around it: {beside:?})", node.role()))
        })
        .collect()
}

/// The errors of the labs' trainers that a panic caused.
fn crashes(app: &App) -> Vec<String> {
    [app.gan().error(), app.vae().error(), app.optimal_d().error(), app.lines().error()]
        .into_iter()
        .flatten()
        .filter(|e| e.contains("crashed"))
        .map(str::to_owned)
        .collect()
}

/// What a node is called in the log.
fn name_of(node: &egui_kittest::Node<'_>) -> String {
    let n = node.accesskit_node();
    format!("{:?} '{}'", n.role(), n.label().or_else(|| n.value()).unwrap_or_default())
}

/// One random action; returns what was done, for the log.
fn act(h: &mut Harness<'static, App>, rng: &mut Lcg) -> String {
    match rng.below(100) {
        0..=9 => {
            let tab = Tab::ALL[rng.below(Tab::ALL.len())];
            let title = title_of(tab);
            let clicked =
                h.query_all_by_role_and_label(Role::Button, title).next().map(|b| b.click_accesskit()).is_some();
            if !clicked {
                h.state_mut().show_tab(tab);
            }
            format!("tab {title}{}", if clicked { "" } else { " (by show_tab: no button found)" })
        }
        10..=44 => {
            let sliders: Vec<_> =
                h.query_all_by_role(Role::Slider).filter(|n| !n.accesskit_node().is_disabled()).collect();
            if sliders.is_empty() {
                return "no slider".to_owned();
            }
            let slider = &sliders[rng.below(sliders.len())];
            let n = slider.accesskit_node();
            let (lo, hi) = (n.min_numeric_value().unwrap_or(0.0), n.max_numeric_value().unwrap_or(1.0));
            let value = match rng.below(4) {
                0 => lo,
                1 => hi,
                2 => lo + (hi - lo) * rng.unit(),
                // Back near the bottom of the range: extremes and back.
                _ => lo + (hi - lo) * 0.1 * rng.unit(),
            };
            // The AE vs VAE lab's sliders but those of its log p(x) estimate keep to the lower
            // half of their range (see WHOLE_RANGE).
            let label = n.label().unwrap_or_default();
            let capped = h.state().tab() == Tab::AeVae && !WHOLE_RANGE.contains(&label.as_str());
            let value = if capped { value.min(lo + (hi - lo) * 0.5) } else { value };
            let what = format!("slider {} = {value}", name_of(slider));
            slider.set_value_accesskit(value);
            what
        }
        45..=49 => {
            let spins: Vec<_> =
                h.query_all_by_role(Role::SpinButton).filter(|n| !n.accesskit_node().is_disabled()).collect();
            if spins.is_empty() {
                return "no spin field".to_owned();
            }
            let spin = &spins[rng.below(spins.len())];
            let value = [0.0, 1.0, 7.0, 1e6, rng.unit() * 100.0][rng.below(5)];
            let what = format!("spin {} = {value}", name_of(spin));
            spin.set_value_accesskit(value);
            what
        }
        50..=84 => {
            let clickable = [Role::Button, Role::RadioButton, Role::CheckBox, Role::ComboBox];
            let nodes: Vec<_> = h
                .root()
                .children_recursive()
                .filter(|n| {
                    let a = n.accesskit_node();
                    // "Save" (of a run, a picture or the curves) would write wherever the file
                    // browser has wandered; the soak writes nothing. Opening runs and unpacking
                    // the ready-made states (into the temporary folder) it does.
                    clickable.contains(&a.role()) && !a.is_disabled() && a.label().as_deref() != Some("Save")
                })
                .collect();
            if nodes.is_empty() {
                return "nothing to click".to_owned();
            }
            let node = &nodes[rng.below(nodes.len())];
            let what = format!("click {}", name_of(node));
            node.click_accesskit();
            what
        }
        85..=94 => {
            let played =
                h.query_all_by_role_and_label(Role::Button, "Play").next().map(|b| b.click_accesskit()).is_some();
            if played { "Play" } else { "(no Play button: playing, or an error stands)" }.to_owned()
        }
        _ => "train".to_owned(),
    }
}

/// The tab button's text of `tab`.
fn title_of(tab: Tab) -> &'static str {
    match tab {
        Tab::Gan => GanView::TITLE,
        Tab::AeVae => VaeView::TITLE,
        Tab::OptimalD => OptimalDView::TITLE,
        Tab::JsW1 => LinesView::TITLE,
    }
}

/// The steps done by the lab of `tab`.
fn steps(app: &App, tab: Tab) -> u64 {
    match tab {
        Tab::Gan => LabView::status(app.gan()).steps,
        Tab::AeVae => LabView::status(app.vae()).steps,
        Tab::OptimalD => LabView::status(app.optimal_d()).steps,
        Tab::JsW1 => LabView::status(app.lines()).steps,
    }
}

/// After the soak: on each lab, dismiss any message, reset after an error, press Play, and
/// wait for the step count to move.
fn every_trainer_answers(h: &mut Harness<'static, App>) {
    for tab in Tab::ALL {
        h.state_mut().show_tab(tab);
        h.run_steps(2);
        for _ in 0..5 {
            let dismissed = h.query_all_by_role_and_label(Role::Button, "OK").next().map(|ok| ok.click_accesskit());
            if dismissed.is_none() {
                break;
            }
            h.run_steps(2);
        }
        let has_error = match tab {
            Tab::Gan => h.state().gan().error().is_some(),
            Tab::AeVae => h.state().vae().error().is_some(),
            Tab::OptimalD => h.state().optimal_d().error().is_some(),
            Tab::JsW1 => h.state().lines().error().is_some(),
        };
        if has_error {
            let error = error_of(h.state(), tab);
            eprintln!("soak: {tab:?} stands at an error ({error:?}); pressing Reset run");
            h.get_by_role_and_label(Role::Button, "Reset run").click_accesskit();
            h.run_steps(2);
            step_until(h, &format!("{tab:?} answers Reset run"), |a| error_of(a, tab).is_none());
        }
        let before = steps(h.state(), tab);
        // What the trainer was doing, so that a trainer slow to answer says why.
        let status = match tab {
            Tab::Gan => LabView::status(h.state().gan()).clone(),
            Tab::AeVae => LabView::status(h.state().vae()).clone(),
            Tab::OptimalD => LabView::status(h.state().optimal_d()).clone(),
            Tab::JsW1 => LabView::status(h.state().lines()).clone(),
        };
        eprintln!(
            "soak: {tab:?} at step {before}: a snapshot takes {:.2} s, {:.0} steps/s, last picture {:.1} s ago",
            status.snapshot_secs,
            status.steps_per_sec,
            status.published_at.map_or(f64::NAN, |t| t.elapsed().as_secs_f64())
        );
        let app = h.state_mut();
        match tab {
            Tab::Gan => app.gan_mut().send(Control::Play),
            Tab::AeVae => app.vae_mut().send(Control::Play),
            Tab::OptimalD => app.view_mut::<OptimalDView>().unwrap().send(Control::Play),
            Tab::JsW1 => app.view_mut::<LinesView>().unwrap().send(Control::Play),
        }
        // It answers by training, or by stopping at once with a message: settings the soak
        // left at extremes (a learning rate of 10, say) can diverge at the first step, and
        // how far training got between actions depends on the machine's load.
        let start = Instant::now();
        step_until(h, &format!("{tab:?} answers Play after the soak"), |a| {
            steps(a, tab) > before || error_of(a, tab).is_some()
        });
        match error_of(h.state(), tab) {
            Some(e) => eprintln!("soak: {tab:?} answered in {:.1} s by stopping: {e}", start.elapsed().as_secs_f64()),
            None => eprintln!("soak: {tab:?} answered in {:.1} s by training", start.elapsed().as_secs_f64()),
        }
    }
}

/// The error that stopped the lab of `tab`, if one stands.
fn error_of(app: &App, tab: Tab) -> Option<String> {
    match tab {
        Tab::Gan => app.gan().error().map(str::to_owned),
        Tab::AeVae => app.vae().error().map(str::to_owned),
        Tab::OptimalD => app.optimal_d().error().map(str::to_owned),
        Tab::JsW1 => app.lines().error().map(str::to_owned),
    }
}

#[test]
fn random_actions_on_every_lab_keep_the_window_sound() {
    let seed = std::env::var("LATENT_LAB_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED);
    let page = page_size();
    let mut rng = Lcg(seed);
    let mut log: VecDeque<String> = VecDeque::new();
    let soak_began = std::time::SystemTime::now();
    let mut h = harness();
    let started = Instant::now();
    let mut warm_rss = None;
    let mut peak_rss = 0;
    let mut at_defaults = Vec::new();
    let mut peak_heap = 0;
    let mut frames = 0;
    let mut checks = 0;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Every lab's trainer is built before the soak starts.
        step_until(&mut h, "every trainer built", |a| {
            Tab::ALL.iter().all(|&t| match t {
                Tab::Gan => a.gan().snapshot().is_some(),
                Tab::AeVae => a.vae().snapshot().is_some(),
                Tab::OptimalD => a.optimal_d().snapshot().is_some(),
                Tab::JsW1 => a.lines().snapshot().is_some(),
            })
        });
        h.state_mut().play_shown();
        for part in 1..=QUARTERS {
            while frames < FRAMES * part / QUARTERS && started.elapsed() < MAX_SOAK {
                let what = act(&mut h, &mut rng);
                log.push_back(format!("frame {frames}: {what}"));
                if log.len() > 40 {
                    log.pop_front();
                }
                // Training runs between actions: a few frames, a few milliseconds each.
                for _ in 0..1 + rng.below(4) {
                    h.step();
                    frames += 1;
                    std::thread::sleep(Duration::from_millis(2));
                    if frames % CHECK_EVERY == 0 {
                        checks += 1;
                        let bad = non_finite_texts(&h);
                        assert!(bad.is_empty(), "non-finite numbers on screen at frame {frames}: {bad:?}");
                        let crashed = crashes(h.state());
                        assert!(crashed.is_empty(), "a trainer crashed by frame {frames}: {crashed:?}");
                        let rss = resident_bytes(page);
                        let heap = live_heap();
                        peak_rss = peak_rss.max(rss);
                        peak_heap = peak_heap.max(heap);
                        if frames >= WARM_UP && warm_rss.is_none() {
                            warm_rss = Some(rss);
                        }
                        if frames % 200 == 0 {
                            eprintln!("soak: frame {frames}: resident {} MB, heap {} MB", rss >> 20, heap >> 20);
                        }
                        assert!(heap < MAX_HEAP, "the heap holds {} MB at frame {frames}", heap >> 20);
                    }
                }
            }
            // Each part ends with every lab back at its defaults (see MAX_HEAP_GROWTH).
            back_to_the_defaults(&mut h);
            let settled = settled_heap(&mut h);
            at_defaults.push(settled);
            eprintln!("soak: frame {frames}: every lab at its defaults, heap {} MB", settled >> 20);
            h.state_mut().play_shown();
        }
        every_trainer_answers(&mut h);
    }));
    if let Err(panic) = outcome {
        eprintln!("soak failed: seed {seed} (LATENT_LAB_SOAK_SEED={seed} replays it), frame {frames}; last actions:");
        for line in &log {
            eprintln!("  {line}");
        }
        std::panic::resume_unwind(panic);
    }
    let end_rss = resident_bytes(page);
    let warm_rss = warm_rss.expect("the soak ran past its warm-up");
    let parts: Vec<String> = at_defaults.iter().map(|b| format!("{} MB", b >> 20)).collect();
    let in_all = at_defaults[at_defaults.len() - 1] - at_defaults[0];
    eprintln!(
        "soak: seed {seed}, {frames} frames in {:.0} s, {checks} checks; heap with every lab at its defaults \
         after each part {}, peak {} MB; resident after warm-up {} MB, peak {} MB, at the end {} MB",
        started.elapsed().as_secs_f64(),
        parts.join(", "),
        peak_heap >> 20,
        warm_rss >> 20,
        peak_rss >> 20,
        end_rss >> 20,
    );
    assert!(frames >= 1000, "only {frames} frames in {MAX_SOAK:?}");
    assert_eq!(at_defaults.len(), QUARTERS, "the soak ran every part");
    let written = written_since(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), soak_began);
    assert!(written.is_empty(), "the soak wrote into the source tree: {written:?}");
    assert!(
        in_all < MAX_HEAP_GROWTH,
        "the heap grew by {} MB after the first part (after each part: {})",
        in_all >> 20,
        parts.join(", ")
    );
}

/// Files and folders under `dir` (but `target/` and `.git/`) changed since `since`: the soak
/// must write nothing there (it once saved runs and curves wherever its file browser had gone).
fn written_since(dir: &std::path::Path, since: std::time::SystemTime) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t >= since) {
            found.push(path.clone());
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(written_since(&path, since));
        }
    }
    found
}

/// The heap with every trainer paused: the least of 20 readings 25 ms apart, frames drawn
/// between them, so that a picture being built or a frame's buffers do not count.
fn settled_heap(h: &mut Harness<'static, App>) -> isize {
    let app = h.state_mut();
    app.gan_mut().send(Control::Pause);
    app.vae_mut().send(Control::Pause);
    app.view_mut::<OptimalDView>().unwrap().send(Control::Pause);
    app.view_mut::<LinesView>().unwrap().send(Control::Pause);
    h.run_steps(5);
    (0..20)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(25));
            h.step();
            live_heap()
        })
        .min()
        .unwrap()
}

/// Puts every lab back at its default settings, restarts it and lets it train a little, so
/// that what the heap holds at the end can be compared with what it held after the warm-up.
fn back_to_the_defaults(h: &mut Harness<'static, App>) {
    let app = h.state_mut();
    app.gan_mut().handle_mut().apply(latent_lab::train::gan::GanConfig::default());
    app.vae_mut().handle_mut().apply(latent_lab::train::vae::VaeConfig::default());
    app.view_mut::<OptimalDView>().unwrap().handle_mut().apply(latent_lab::train::optimal_d::OptimalDConfig::default());
    app.view_mut::<LinesView>().unwrap().handle_mut().apply(latent_lab::train::lines::LinesConfig::default());
    for tab in Tab::ALL {
        h.state_mut().show_tab(tab);
        h.run_steps(2);
        let app = h.state_mut();
        match tab {
            Tab::Gan => app.gan_mut().send(Control::Reset),
            Tab::AeVae => app.vae_mut().send(Control::Reset),
            Tab::OptimalD => app.view_mut::<OptimalDView>().unwrap().send(Control::Reset),
            Tab::JsW1 => app.view_mut::<LinesView>().unwrap().send(Control::Reset),
        }
        step_until(h, &format!("{tab:?} back at its defaults"), |a| match tab {
            Tab::Gan => a.gan().snapshot().is_some_and(|s| s.config == Default::default() && s.iterations == 0),
            Tab::AeVae => a.vae().snapshot().is_some_and(|s| s.config == Default::default() && s.steps == 0),
            Tab::OptimalD => a.optimal_d().snapshot().is_some_and(|s| s.config == Default::default() && s.g_steps == 0),
            Tab::JsW1 => a.lines().snapshot().is_some_and(|s| s.config == Default::default()),
        });
        h.run_steps(20);
    }
}

#[test]
fn the_non_finite_scanner_sees_what_it_looks_for() {
    for bad in ["NaN", "loss = nan", "d_loss inf", "-inf", "W1 ≈ ∞", "Infinity", "x: NaN, y: 0"] {
        assert!(shows_non_finite(bad), "{bad}");
    }
    assert!(shows_non_finite("KL = NaN, ∞") && shows_non_finite("W1 = ∞ (KL = 0)"));
    for fine in [
        "⚠ training diverged at step 4: the VAE's KL term is inf; a lower learning rate may help",
        "KL = ∞ for every θ ≠ 0",
        "KL = ∞, ∞",
        "KL = 0.000, 0.000",
        "information",
        "infer",
        "finance",
        "1.0e-3",
        "Nano",
    ] {
        assert!(!shows_non_finite(fine), "{fine}");
    }
}
