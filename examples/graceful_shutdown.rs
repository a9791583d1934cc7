//! A server that shuts down gracefully on `SIGTERM` (what a service manager sends): it
//! stops accepting, gives its handlers a grace period to finish on their own, cancels
//! those still running, waits for their cleanup, and exits 0.
//!
//! ```text
//! cargo run --example graceful_shutdown -- [GRACE_MS]   # prints "listening on ADDR"
//! # connect with `nc`, then: kill -TERM <pid>
//! ```
//!
//! Each handler greets its client with `hello N`, echoes lines until the client closes
//! its side, and always reports its cleanup: `handler N: finished` when it ended on its
//! own, `handler N: cancelled` when the grace period was over. `tests/process_signals.rs`
//! runs this program and checks both.
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::net::{StreamReader, StreamWriter, start_server};
use weft::signal::{SignalKind, signal};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn handler(n: usize, mut reader: StreamReader, writer: StreamWriter) -> std::io::Result<()> {
    writer.write(format!("hello {n}\n").as_bytes())?;
    let served = async {
        loop {
            let line = reader.readline().await?;
            if line.is_empty() {
                return Ok::<_, std::io::Error>(());
            }
            writer.write(&line)?;
            writer.drain().await?;
        }
    }
    .await;
    // The cleanup runs in both cases; it may await (a goodbye to the client).
    let cancelled = served.as_ref().is_err_and(weft::io::is_cancelled_error);
    let _ = writer.write(b"goodbye\n");
    writer.close();
    let _ = writer.wait_closed().await;
    say(&format!("handler {n}: {}", if cancelled { "cancelled" } else { "finished" }));
    served
}

fn main() -> std::io::Result<()> {
    let grace = Duration::from_millis(std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2_000));
    weft::run(async move {
        // Listen for SIGTERM before anybody can send it (from "listening on" on).
        let term = signal(SignalKind::terminate())?;
        let count = Arc::new(AtomicUsize::new(0));
        let server =
            start_server(move |r, w| handler(count.fetch_add(1, Ordering::SeqCst), r, w), "127.0.0.1:0")
                .await?;
        say(&format!("listening on {}", server.sockets()[0]));
        term.recv().await?;
        say("SIGTERM: no new connections");
        let cancelled = server.shutdown(grace).await?;
        say(&format!("shut down ({cancelled} handlers cancelled after the grace period)"));
        Ok(())
    })
}
