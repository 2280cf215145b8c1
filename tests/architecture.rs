//! The layering rules of docs/ARCHITECTURE.md, checked on the sources: `unsafe` lives only in
//! src/fast/kernels, and the trainers, the window and the command line never reach into the
//! kernels (they call the fast path's typed steps).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "found only {} source files under {}", files.len(), root.display());
    files
        .into_iter()
        .map(|p| (p.strip_prefix(&root).unwrap().to_path_buf(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// Lines of code (comments dropped) that contain `word` as a token.
fn uses(text: &str, word: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| {
            l.match_indices(word).any(|(i, _)| {
                let before = l[..i].chars().next_back();
                let after = l[i + word.len()..].chars().next();
                let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !ident(before) && !ident(after)
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn unsafe_code_lives_only_in_the_kernels() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        if path.starts_with("fast/kernels") {
            continue;
        }
        for line in uses(&text, "unsafe") {
            // The lint that denies it, and the attribute that allows it for the kernels only.
            if !line.contains("unsafe_code") {
                found.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "`unsafe` outside src/fast/kernels:\n{}", found.join("\n"));
}

#[test]
fn trainers_window_and_command_line_never_import_the_kernels() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let top = path.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        if !(top == "train" || top == "ui" || top.starts_with("cli")) {
            continue;
        }
        // A path through the module (`kernels::…`), not a field that happens to share its name.
        for line in uses(&text, "kernels").into_iter().filter(|l| l.contains("kernels::")) {
            found.push(format!("{}: {}", path.display(), line.trim()));
        }
    }
    assert!(found.is_empty(), "train/, ui/ and cli use the kernels directly:\n{}", found.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The scanners are not vacuous: the kernels do hold `unsafe`, and a line naming the
    // kernels module is recognised while a longer identifier is not.
    let kernels: Vec<_> = sources().into_iter().filter(|(p, _)| p.starts_with("fast/kernels")).collect();
    assert!(kernels.iter().any(|(_, t)| !uses(t, "unsafe").is_empty()));
    assert_eq!(uses("use crate::fast::kernels::Isa; // kernels", "kernels").len(), 1);
    assert!(uses("let my_kernels = 1;", "kernels").is_empty());
}
