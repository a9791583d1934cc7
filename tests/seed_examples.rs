//! Every seed example (`examples/seed*.rs`) runs and prints what its module doc says it
//! prints.
//!
//! The contract is the first ```` ```text ```` block of the example's `//!` doc: the
//! program's standard output must be exactly those lines, where `*` in an expected line
//! matches any text (timings, counts that depend on timing). A block opened with
//! ```` ```text unordered ```` may come out in any order (for recipes whose own output
//! order is not deterministic); otherwise the order is checked too. The exit status
//! must be success, and each program must finish within [`TIMEOUT`].
//!
//! The examples are built once with `cargo build --examples` (a no-op when `cargo test`
//! has just built them, which it does by default), then each binary is run directly
//! from the target directory, a few at a time.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one example may run.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How many examples run at once (timing-sensitive examples stay honest on two cores).
const PARALLEL: usize = 3;

struct Expected {
    lines: Vec<String>,
    unordered: bool,
}

/// The first ```text block of the example's module doc.
fn expected_output(source: &str) -> Option<Expected> {
    let mut lines = None::<Vec<String>>;
    let mut unordered = false;
    for line in source.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            if line.trim().is_empty() {
                continue;
            }
            break; // the module doc ended
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        match &mut lines {
            None => {
                if let Some(info) = doc.trim().strip_prefix("```text") {
                    unordered = info.split_whitespace().any(|w| w == "unordered");
                    lines = Some(Vec::new());
                }
            }
            Some(collected) => {
                if doc.trim() == "```" {
                    return Some(Expected { lines: lines.take().unwrap(), unordered });
                }
                collected.push(doc.to_string());
            }
        }
    }
    None
}

/// `pattern` with `*` matching any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn compare(expected: &Expected, actual: &[String]) -> Result<(), String> {
    if expected.lines.len() != actual.len() {
        return Err(format!("expected {} lines, got {}", expected.lines.len(), actual.len()));
    }
    if !expected.unordered {
        for (i, (e, a)) in expected.lines.iter().zip(actual).enumerate() {
            if !glob(e, a) {
                return Err(format!("line {}: expected {e:?}, got {a:?}", i + 1));
            }
        }
        return Ok(());
    }
    // Literal lines first, so that a wildcard line does not take a literal one's match.
    let mut used = vec![false; actual.len()];
    let mut order: Vec<&String> = expected.lines.iter().collect();
    order.sort_by_key(|e| e.contains('*'));
    for e in order {
        match (0..actual.len()).find(|&i| !used[i] && glob(e, &actual[i])) {
            Some(i) => used[i] = true,
            None => return Err(format!("no output line matches {e:?}")),
        }
    }
    Ok(())
}

/// `target/<profile>/examples`, next to this test's `target/<profile>/deps`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").join("examples")
}

fn build_examples() {
    let profile = examples_dir().parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(["build", "--quiet", "--examples"]);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let status = cmd.status().expect("run cargo build --examples");
    assert!(status.success(), "cargo build --examples failed");
}

/// Runs one example; returns its stdout lines, or why it failed.
fn run_example(name: &str) -> Result<Vec<String>, String> {
    let path = examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = out_reader.join().unwrap();
    let err = err_reader.join().unwrap();
    if !status.success() {
        return Err(format!("exited with {status}\nstdout:\n{out}\nstderr:\n{err}"));
    }
    Ok(out.lines().map(|l| l.trim_end().to_string()).collect())
}

#[test]
fn every_seed_example_prints_what_its_doc_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_string();
            let is_seed = name.starts_with("seed") && path.extension()? == "rs";
            is_seed.then(|| (name, std::fs::read_to_string(&path).unwrap()))
        })
        .collect();
    examples.sort();
    assert!(!examples.is_empty(), "no seed examples found in {}", dir.display());

    build_examples();

    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, source)) = examples.get(i) else { break };
                    let Some(expected) = expected_output(source) else {
                        failures.lock().unwrap().push(format!("{name}: its module doc has no ```text block"));
                        continue;
                    };
                    let result = run_example(name).and_then(|actual| {
                        compare(&expected, &actual).map_err(|e| {
                            format!(
                                "{e}\n--- expected:\n{}\n--- got:\n{}",
                                expected.lines.join("\n"),
                                actual.join("\n")
                            )
                        })
                    });
                    if let Err(e) = result {
                        failures.lock().unwrap().push(format!("{name}: {e}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} seed examples failed:\n\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n\n")
    );
}

#[test]
fn glob_matches_wildcards() {
    assert!(glob("took * ms", "took 12 ms"));
    assert!(glob("a*b*c", "a-b-c"));
    assert!(!glob("a*b*c", "a-c"));
    assert!(glob("exact", "exact"));
    assert!(!glob("exact", "exact!"));
    assert!(glob("*", ""));
}
