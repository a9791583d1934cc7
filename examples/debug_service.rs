//! A small request/reply service with three bugs on purpose, run in debug mode so that
//! weft points at each of them:
//!
//! * **a slow handler**: a `SLOW` request blocks its worker for 150 ms inside one poll
//!   (a synchronous call that should have gone to `to_thread`): debug mode reports a
//!   *slow poll*, naming the task and where it was spawned;
//! * **a leaked failure**: the `audit-log` task panics and nobody awaits it: debug mode
//!   reports an *unobserved failure*;
//! * **a stuck task**: `cache-warmer` waits for an event that is never set: it shows in
//!   the live task tree as `waiting on event`, and when the runtime shuts down debug mode
//!   lists it among the *tasks pending at shutdown*.
//!
//! It also opens the introspection socket, so that while it runs under its own load,
//! another terminal can print its task tree:
//!
//! ```text
//! cargo run --example debug_service -- 30       # serves and loads itself for 30 s
//! cargo run --example weft_ps -- <pid>          # in another terminal
//! ```
//!
//! Debug mode's reports go to stderr; the service's own lines to stdout.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft::net::{StreamAddr, StreamReader, StreamWriter, open_connection, start_server};

/// Answers each line: `ok` at once, or after a blocking 150 ms for `SLOW` (the bug).
async fn handle(mut reader: StreamReader, writer: StreamWriter) -> std::io::Result<()> {
    loop {
        let line = reader.readline().await?;
        if line.is_empty() {
            break;
        }
        if line.starts_with(b"SLOW") {
            std::thread::sleep(Duration::from_millis(150)); // blocks the worker: the bug
        }
        writer.write(b"ok\n")?;
        writer.drain().await?;
    }
    writer.close();
    writer.wait_closed().await
}

/// One client: requests until `until`, one slow request in fifty.
async fn client(
    addr: String,
    id: u64,
    until: std::time::Instant,
    served: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let (mut reader, writer) = open_connection(addr).await?;
    let mut n = 0u64;
    while std::time::Instant::now() < until {
        let req: &[u8] = if (n + id) % 50 == 0 { b"SLOW\n" } else { b"GET\n" };
        writer.write(req)?;
        writer.drain().await?;
        let reply = reader.readline().await?;
        assert_eq!(reply, b"ok\n");
        served.fetch_add(1, Ordering::Relaxed);
        n += 1;
    }
    writer.close();
    writer.wait_closed().await
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let rt = weft::Runtime::builder().worker_threads(2).debug(true).introspection_socket(true).build()?;
    let pid = std::process::id();
    println!("debug_service: pid {pid}, socket {}", weft::observe::socket_path(pid).display());
    let served = Arc::new(AtomicU64::new(0));
    let count = served.clone();
    rt.block_on(async move {
        // The stuck task: nobody ever sets `warmed`.
        let warmed = Arc::new(weft::Event::new());
        let w = warmed.clone();
        drop(weft::spawn_named("cache-warmer", async move { w.wait().await }));
        // The leaked failure: a detached task that panics.
        drop(weft::spawn_named("audit-log", async {
            weft::time::sleep(Duration::from_millis(20)).await?;
            panic!("audit sink unreachable");
            #[allow(unreachable_code)]
            Ok::<(), weft::Cancelled>(())
        }));
        let server = start_server(handle, "127.0.0.1:0").await?;
        let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
        let until = std::time::Instant::now() + Duration::from_secs(secs);
        let clients: Vec<_> = (0..8)
            .map(|i| {
                weft::spawn_named(&format!("client-{i}"), client(addr.to_string(), i, until, count.clone()))
            })
            .collect();
        // Printed once the clients exist: a `weft_ps` started on this line sees them.
        println!("debug_service: serving on {addr} for {secs} s");
        for c in clients {
            c.await??;
        }
        server.close();
        server.wait_closed().await?;
        // `warmed` stays unset: the cache-warmer is still pending when the runtime drops.
        drop(warmed);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    println!("debug_service: served {} requests", served.load(Ordering::Relaxed));
    drop(rt); // debug mode lists the tasks still pending
    Ok(())
}
