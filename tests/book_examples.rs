//! The book's example programs print what the book says they print.
//!
//! A chapter shows a program's output in a ```` ```text ```` block under a marker naming
//! the example: `<!-- output: examples/book_ch0_executor.rs -->`. This test builds each
//! example so named, runs it, and compares its standard output with the block, line by
//! line (trailing spaces aside). The exit status must be success.

mod docs_check;

use docs_check::{markdown_files, root};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one example may run: they finish in milliseconds; this only turns a hang into
/// a failure.
const TIMEOUT: Duration = Duration::from_secs(60);

/// `(chapter, line, example path, expected lines)` for every output marker of the book.
fn output_markers() -> Vec<(String, usize, String, Vec<String>)> {
    let root = root();
    let mut out = Vec::new();
    for doc in markdown_files(&root, "docs/book") {
        let md = std::fs::read_to_string(root.join(&doc)).unwrap();
        let lines: Vec<&str> = md.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(example) =
                line.trim().strip_prefix("<!-- output:").and_then(|r| r.strip_suffix("-->")).map(str::trim)
            else {
                continue;
            };
            let fence = lines[n + 1..].iter().position(|l| !l.trim().is_empty()).map(|k| n + 1 + k);
            let Some(open) = fence.filter(|&k| lines[k].trim() == "```text") else {
                panic!("{doc}:{}: an output marker must be followed by a ```text block", n + 1);
            };
            let close = lines[open + 1..]
                .iter()
                .position(|l| l.trim() == "```")
                .map(|k| open + 1 + k)
                .unwrap_or_else(|| panic!("{doc}:{}: the ```text block is never closed", open + 1));
            let expected = lines[open + 1..close].iter().map(|l| l.trim_end().to_string()).collect();
            out.push((doc.clone(), n + 1, example.to_string(), expected));
        }
    }
    out
}

/// `target/<profile>/examples`, next to this test's `target/<profile>/deps`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").join("examples")
}

fn build(example: &str) {
    let profile = examples_dir().parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root()).args(["build", "--quiet", "--example", example]);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    assert!(cmd.status().expect("run cargo build").success(), "cargo build --example {example} failed");
}

/// Runs a built example; its stdout lines, or why it failed.
fn run(example: &str) -> Result<Vec<String>, String> {
    let path = examples_dir().join(format!("{example}{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
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
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    if !status.success() {
        return Err(format!("exited with {status}\nstdout:\n{out}\nstderr:\n{err}"));
    }
    Ok(out.lines().map(|l| l.trim_end().to_string()).collect())
}

#[test]
fn every_example_of_the_book_prints_what_the_book_shows() {
    let markers = output_markers();
    assert!(!markers.is_empty(), "no output markers in docs/book: did the chapter 0 marker go?");
    let mut failures = Vec::new();
    for (doc, line, example, expected) in &markers {
        let name =
            example.strip_prefix("examples/").and_then(|e| e.strip_suffix(".rs")).unwrap_or_else(|| {
                panic!("{doc}:{line}: an output marker names an example as examples/NAME.rs, not {example}")
            });
        build(name);
        match run(name) {
            Ok(actual) if actual == *expected => {}
            Ok(actual) => failures.push(format!(
                "{doc}:{line}: {example} printed\n{}\n--- but the chapter shows\n{}",
                actual.join("\n"),
                expected.join("\n")
            )),
            Err(e) => failures.push(format!("{doc}:{line}: {example}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}\n", failures.join("\n\n"));
}
