//! Ctrl-C, the way `asyncio.run` handles it since Python 3.11: the first `SIGINT`
//! cancels the main task, whose cleanup then runs; a second one ends the process at once.
//!
//! Run it and press Ctrl-C (`cargo run --example ctrl_c`); with `--stubborn`, the cleanup
//! never ends, and only a second Ctrl-C stops the program. `tests/process_signals.rs`
//! does both with `kill -INT`.
use std::io::Write;
use std::time::Duration;

fn main() {
    let stubborn = std::env::args().any(|a| a == "--stubborn");
    let outcome = weft::run(async move {
        say("ready");
        let slept = weft::time::sleep(Duration::from_secs(3600)).await;
        say(if slept.is_err() { "main task cancelled" } else { "main task slept an hour" });
        if stubborn {
            say("cleaning up slowly");
            loop {
                // Each Ctrl-C after the first ends the process before this returns.
                let _ = weft::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        say("cleanup done");
        slept
    });
    say(&format!("run returned {outcome:?}"));
}

fn say(line: &str) {
    println!("{line}");
    let _ = std::io::stdout().flush();
}
