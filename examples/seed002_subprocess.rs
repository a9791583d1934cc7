//! Seed 002, "Async subprocess and streams": `run(*args)` starts a program with its
//! standard output piped and its standard error merged into it (`stderr=STDOUT`), reads
//! it all with `communicate()`, and returns it; three runs are gathered and printed.
//!
//! weft: [`weft::process::create_subprocess_exec`] gives a `Command`; `Stdio::piped()`
//! is asyncio's `PIPE`, `Stdio::stdout()` its `STDOUT`; `communicate` reads the pipes
//! and waits, as asyncio's does. [`weft::gather`] runs the three at once, results in
//! argument order. Completed as tests/seeds/python/seed002_subprocess.py is: the seed's
//! `python3 --version`, `git --version` and `uname -s` print what the machine has (its
//! stated output is one Mac's), so the three commands are `echo hello from echo`,
//! `sh -c "echo to stdout; echo to stderr >&2"` (both streams through one pipe) and
//! `ls` of a temporary directory holding two files.
//!
//! ```text
//! hello from echo
//! to stdout
//! to stderr
//! a.txt
//! b.txt
//! ```
use weft::process::{Stdio, create_subprocess_exec};

/// The recipe's `run(*args)`.
async fn run(args: Vec<String>) -> std::io::Result<String> {
    let mut proc = create_subprocess_exec(&args[0], &args[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::stdout())
        .spawn()?;
    let (out, _) = proc.communicate(None).await?;
    Ok(String::from_utf8_lossy(&out).trim_end().to_string())
}

async fn main_(tmp: String) -> std::io::Result<()> {
    let cmd = |args: &[&str]| run(args.iter().map(|a| a.to_string()).collect());
    let versions = weft::gather(vec![
        cmd(&["echo", "hello from echo"]),
        cmd(&["sh", "-c", "echo to stdout; echo to stderr >&2"]),
        cmd(&["ls", &tmp]),
    ])
    .await?;
    for v in versions {
        println!("{v}");
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let tmp = std::env::temp_dir().join(format!("weft-seed002-subprocess-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    for name in ["b.txt", "a.txt"] {
        std::fs::write(tmp.join(name), "")?;
    }
    let result = weft::run(main_(tmp.to_string_lossy().into_owned()));
    std::fs::remove_dir_all(&tmp)?;
    result
}
