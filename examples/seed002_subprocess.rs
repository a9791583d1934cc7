//! Seed 002, "Async subprocess and streams": run three commands at once, each with its
//! standard error merged into standard output (asyncio's `stderr=STDOUT`), and print
//! what each said. The recipe's machine was a Mac; this one prints its own versions.
//!
//! weft: [`weft::process::create_subprocess_exec`] gives a `Command`; `Stdio::piped()`
//! is asyncio's `PIPE`, `Stdio::stdout()` its `STDOUT`; `communicate` reads the pipes
//! and waits, as asyncio's does. [`weft::gather`] runs the three at once, in argument
//! order.
//!
//! ```text
//! Python 3.*
//! git version *
//! Linux
//! ```
use weft::gather;
use weft::process::{Stdio, create_subprocess_exec};

/// The recipe's `run(*args)`.
async fn run(args: &[&str]) -> std::io::Result<String> {
    let mut proc =
        create_subprocess_exec(args[0], &args[1..]).stdout(Stdio::piped()).stderr(Stdio::stdout()).spawn()?;
    let (out, _) = proc.communicate(None).await?;
    Ok(String::from_utf8_lossy(&out).trim_end().to_string())
}

fn main() -> std::io::Result<()> {
    weft::run(async {
        let versions =
            gather(vec![run(&["python3", "--version"]), run(&["git", "--version"]), run(&["uname", "-s"])])
                .await?;
        for v in versions {
            println!("{v}");
        }
        Ok(())
    })
}
