//! Every seed example prints what CPython prints for its recipe.
//!
//! The five asyncio guides weft was built from (the seeds) are ported recipe by recipe:
//!
//! * `tests/seeds/python/<name>.py` is the recipe as CPython runs it (the seed's code,
//!   completed only where the seed leaves a name undefined; each completion is listed at
//!   the top of the file);
//! * `tests/seeds/expected/<name>.txt` is what CPython 3.13 printed, written by
//!   `scripts/regen-seed-expected.sh`, with `*` where a run varies (times, addresses,
//!   install paths: the `# wildcard:` rules of the program, applied by
//!   `scripts/seed-wildcard.py`);
//! * `examples/<name>.rs` is weft's port, completed the same way.
//!
//! This test runs every example and compares its standard output with the expected
//! file line by line, where `*` in an expected line matches any run of characters. A
//! program marked `# unordered` may print its lines in any order (none is today: every
//! recipe's order is fixed). The exit status must be success, and each example must
//! finish within [`TIMEOUT`].
//!
//! Each example runs with `WEFT_CLOCK=paused`, which starts every runtime it builds on
//! the test clock (see `weft::time`): its sleeps and timeouts take no wall time and fire
//! in deadline order, so what it prints cannot depend on how busy the machine is. The
//! exceptions wait for something the paused clock does not wait for (a reply from the
//! HTTP server's own thread, a child process, a thread that must run *while* a timer
//! ticks): each says so on a module-doc line `Real clock: <why>`, runs with
//! `WEFT_CLOCK=real`, and keeps timing margins that two CPU burners on two cores cannot
//! break. Run by hand (`cargo run --example ...`), every example runs in real time.
//!
//! Where weft prints something else on purpose (a Python detail with no Rust
//! counterpart, such as a coroutine's repr, or a seed bug that Rust does not reproduce),
//! the expected output is `tests/seeds/expected/<name>.weft.txt` instead: its
//! first line, `# weft: <why>`, is not part of the output, and the example's doc says
//! why too. `docs/seeds.md` lists every recipe and how it is checked.
//!
//! `examples/<name>_hyper.rs` is the same recipe on hyper (`weft::hyper`): it must
//! print what `<name>` prints, so it is checked against `<name>`'s expected output.
//!
//! An example's module doc may show its output in a ```` ```text ```` block, as an
//! illustration; when it does, the block must be the expected file's text (but for
//! trailing spaces, which a doc comment cannot keep).
//!
//! The examples are built once with `cargo build --examples` (a no-op when `cargo test`
//! has just built them, which it does by default), then each binary is run directly
//! from the target directory, a few at a time.

use std::collections::{BTreeMap, BTreeSet};
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

/// Recipes with a CPython program and expected output but no weft example yet, and why.
const PENDING: &[(&str, &str)] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What an example must print.
struct Expected {
    /// The file it comes from, for messages.
    source: String,
    text: String,
    unordered: bool,
}

/// The expected output of example `name`: its `.weft.txt` if it has one, else CPython's
/// (a `<recipe>_hyper` example's is its recipe's).
fn expected_output(name: &str) -> Result<Expected, String> {
    let name = name.strip_suffix("_hyper").unwrap_or(name);
    let dir = root().join("tests/seeds/expected");
    let unordered = std::fs::read_to_string(root().join(format!("tests/seeds/python/{name}.py")))
        .map(|py| {
            py.lines().any(|l| {
                let l = l.trim();
                l.starts_with('#') && l.trim_start_matches('#').trim() == "unordered"
            })
        })
        .unwrap_or(false);
    let weft = dir.join(format!("{name}.weft.txt"));
    if weft.exists() {
        let text = std::fs::read_to_string(&weft).map_err(|e| e.to_string())?;
        let (header, rest) = text.split_once('\n').unwrap_or((&text, ""));
        if !header.starts_with("# weft: ") {
            return Err(format!(
                "{}: the first line must be `# weft: <why weft prints this>`",
                weft.display()
            ));
        }
        return Ok(Expected {
            source: format!("tests/seeds/expected/{name}.weft.txt"),
            text: rest.to_string(),
            unordered,
        });
    }
    let cpython = dir.join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&cpython)
        .map_err(|_| format!("no expected output: tests/seeds/expected/{name}.txt (CPython's) is missing"))?;
    Ok(Expected { source: format!("tests/seeds/expected/{name}.txt"), text, unordered })
}

/// The first ```text block of the example's module doc, if any.
fn doc_block(source: &str) -> Option<String> {
    let mut lines = None::<Vec<String>>;
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
                if doc.trim().starts_with("```text") {
                    lines = Some(Vec::new());
                }
            }
            Some(collected) => {
                if doc.trim() == "```" {
                    let mut text = collected.join("\n");
                    text.push('\n');
                    return Some(text);
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
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
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

/// Compares the whole output with the expected text, line by line (as
/// `scripts/seed-wildcard.py match` does).
fn compare(expected: &Expected, actual: &str) -> Result<(), String> {
    let e_lines: Vec<&str> = expected.text.split('\n').collect();
    let a_lines: Vec<&str> = actual.split('\n').collect();
    if e_lines.len() != a_lines.len() {
        return Err(format!("expected {} lines, got {}", e_lines.len() - 1, a_lines.len() - 1));
    }
    if !expected.unordered {
        for (i, (e, a)) in e_lines.iter().zip(&a_lines).enumerate() {
            if !glob(e, a) {
                return Err(format!("line {}: expected {e:?}, got {a:?}", i + 1));
            }
        }
        return Ok(());
    }
    // Literal lines first, so that a wildcard line does not take a literal one's match.
    let mut used = vec![false; a_lines.len()];
    let mut order = e_lines.clone();
    order.sort_by_key(|e| e.contains('*'));
    for e in order {
        match (0..a_lines.len()).find(|&i| !used[i] && glob(e, a_lines[i])) {
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

/// Builds the facade's examples (nothing, when `cargo test` has just built them) and
/// returns where each one's executable is, as cargo reports it.
///
/// `cargo test` builds the examples with the `test` profile; asking for that profile here
/// finds them fresh, where a plain `cargo build --examples` (the `dev` profile, other
/// artifacts) would link all of them a second time. Fresh or not, cargo's JSON messages
/// name each example's executable.
fn build_examples() -> BTreeMap<String, PathBuf> {
    let profile = examples_dir().parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new(env!("CARGO"));
    // `-p weft`: the examples are the facade's, and `--features hyper` names its feature
    // (the workspace's other packages do not have one of that name).
    cmd.current_dir(root())
        .args(["build", "--quiet", "-p", "weft", "--examples", "--message-format=json"])
        .stderr(Stdio::inherit());
    if cfg!(feature = "hyper") {
        cmd.args(["--features", "hyper"]);
    }
    match profile.as_str() {
        "debug" => {
            cmd.args(["--profile", "test"]);
        }
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let out = cmd.output().expect("run cargo build --examples");
    assert!(out.status.success(), "cargo build --examples failed");
    let mut paths = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if !line.contains(r#""reason":"compiler-artifact""#) || !line.contains(r#""kind":["example"]"#) {
            continue;
        }
        let field = |after: &str, key: &str| -> Option<String> {
            let rest = &line[line.find(after)? + after.len()..];
            let value = &rest[rest.find(key)? + key.len()..];
            Some(value[..value.find('"')?].to_string())
        };
        if let (Some(name), Some(exe)) =
            (field(r#""target":{"#, r#""name":""#), field(r#""target":{"#, r#""executable":""#))
        {
            paths.insert(name, PathBuf::from(exe));
        }
    }
    paths
}

/// Why example `source` must run on the real clock: the rest of its module-doc line
/// `Real clock: <why>`, or `None` if it runs on the paused clock.
fn real_clock_reason(source: &str) -> Option<&str> {
    source
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .find_map(|doc| doc.trim().strip_prefix("Real clock:"))
        .map(str::trim)
}

/// Runs one example, with `WEFT_CLOCK` set to `clock`; returns its stdout, or why it
/// failed.
fn run_example(path: &Path, clock: &str) -> Result<String, String> {
    let mut child = Command::new(path)
        .env("WEFT_CLOCK", clock)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
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
    let out = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    let err = err_reader.join().unwrap();
    if !status.success() {
        return Err(format!("exited with {status}\nstdout:\n{out}\nstderr:\n{err}"));
    }
    Ok(out)
}

/// Names of `examples/seed*.rs`, sorted, with their sources.
fn seed_examples() -> Vec<(String, String)> {
    let dir = root().join("examples");
    let mut examples: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_string();
            // The `_hyper` ports build only with the feature (`cargo test --features hyper`).
            let is_seed = name.starts_with("seed")
                && path.extension()? == "rs"
                && (cfg!(feature = "hyper") || !name.ends_with("_hyper"));
            is_seed.then(|| (name, std::fs::read_to_string(&path).unwrap()))
        })
        .collect();
    examples.sort();
    examples
}

/// Names of the recipes CPython's expected outputs exist for.
fn expected_names() -> BTreeSet<String> {
    std::fs::read_dir(root().join("tests/seeds/expected"))
        .expect("tests/seeds/expected/")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_str()?.to_string();
            let stem = name.strip_suffix(".txt")?;
            (!stem.ends_with(".weft")).then(|| stem.to_string())
        })
        .collect()
}

/// Checks one example; `Err` says what went wrong.
fn check_example(name: &str, source: &str, exe: Option<&PathBuf>) -> Result<(), String> {
    let expected = expected_output(name)?;
    if let Some(block) = doc_block(source) {
        // A doc comment keeps no trailing spaces (rustfmt removes them).
        let trimmed = |t: &str| t.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
        if trimmed(&block) != trimmed(&expected.text) {
            return Err(format!(
                "the ```text block of its doc is not {}:\n--- doc:\n{block}--- file:\n{}",
                expected.source, expected.text
            ));
        }
    }
    if expected.source.ends_with(".weft.txt") && !source.contains(".weft.txt") {
        return Err(format!(
            "its output is {}, but its doc does not say why (name the file)",
            expected.source
        ));
    }
    let clock = match real_clock_reason(source) {
        Some("") => return Err("its doc says `Real clock:` but not why".into()),
        Some(_) => "real",
        None => "paused",
    };
    let exe = exe.ok_or("cargo built no example of that name")?;
    let actual = run_example(exe, clock)?;
    compare(&expected, &actual)
        .map_err(|e| format!("{e}\n--- expected ({}):\n{}--- got:\n{actual}", expected.source, expected.text))
}

#[test]
fn every_seed_example_prints_what_cpython_prints() {
    let examples = seed_examples();
    assert!(!examples.is_empty(), "no seed examples found in examples/");

    let executables = build_examples();

    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, source)) = examples.get(i) else { break };
                    if let Err(e) = check_example(name, source, executables.get(name)) {
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
fn every_recipe_with_cpython_output_has_an_example() {
    let examples: BTreeSet<String> = seed_examples().into_iter().map(|(n, _)| n).collect();
    let mut missing = Vec::new();
    for name in expected_names() {
        let pending = PENDING.iter().any(|(n, _)| *n == name);
        match (examples.contains(&name), pending) {
            (false, false) => missing.push(format!("{name}: no examples/{name}.rs")),
            (true, true) => missing.push(format!("{name}: has an example; remove it from PENDING")),
            _ => {}
        }
        if !root().join(format!("tests/seeds/python/{name}.py")).exists() {
            missing.push(format!("{name}: no tests/seeds/python/{name}.py"));
        }
    }
    for (name, _) in PENDING {
        if !expected_names().contains(*name) {
            missing.push(format!("{name}: PENDING, but has no expected output"));
        }
    }
    for name in &examples {
        let name = name.strip_suffix("_hyper").unwrap_or(name);
        if !expected_names().contains(name) {
            missing.push(format!("{name}: no tests/seeds/expected/{name}.txt"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// `seed003_mixing_async_sync` prints the error rustc gives for its `BAD_SOURCE` (Python
/// compiles its BAD function from a string at run time; Rust cannot): compile it and
/// check that rustc says exactly that, and nothing else.
#[test]
fn the_bad_sync_function_fails_to_compile_as_the_example_says() {
    let example = std::fs::read_to_string(root().join("examples/seed003_mixing_async_sync.rs")).unwrap();
    let between = |start: &str, end: &str| {
        let from = example.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
        example[from..from + example[from..].find(end).unwrap()].to_string()
    };
    let bad_source = between("const BAD_SOURCE: &str = r#\"", "\"#;");
    let printed = between("const BAD_ERROR: &str = \"", "\";");
    let dir = examples_dir().parent().unwrap().join("seed-bad-source");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.rs"), &bad_source).unwrap();
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .current_dir(&dir)
        .args(["--edition", "2024", "--crate-type", "lib", "--emit=metadata", "-o", "bad.rmeta", "bad.rs"])
        .output()
        .expect("run rustc");
    assert!(!out.status.success(), "BAD_SOURCE compiled");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(errors, [printed.as_str()], "rustc said:\n{stderr}");
}

#[test]
fn glob_matches_wildcards() {
    assert!(glob("took * ms", "took 12 ms"));
    assert!(glob("a*b*c", "a-b-c"));
    assert!(!glob("a*b*c", "a-c"));
    assert!(glob("exact", "exact"));
    assert!(!glob("exact", "exact!"));
    assert!(glob("*", ""));
    assert!(!glob("ab*ba", "aba"), "the two ends may not overlap");
}

#[test]
fn compare_checks_every_line_and_the_line_count() {
    let e = |text: &str| Expected { source: String::new(), text: text.into(), unordered: false };
    assert!(compare(&e("a\nin * ms\n"), "a\nin 3 ms\n").is_ok());
    assert!(compare(&e("a\nb\n"), "a\nb").is_err(), "a missing final newline is a difference");
    assert!(compare(&e("a\nb\n"), "b\na\n").is_err(), "order is checked");
    assert!(compare(&e("a: \n"), "a:\n").is_err(), "trailing spaces are kept");
    let mut u = e("a\nb*\n");
    u.unordered = true;
    assert!(compare(&u, "b2\na\n").is_ok());
}
