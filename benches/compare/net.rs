//! `net/*`: weft's TCP over loopback against tokio's, in the shapes of tokio's own
//! `tcp_echo`-style benches.
//!
//! | workload | both sides |
//! |---|---|
//! | net/tcp_ping_pong | one connection, 1000 round trips of 64 bytes to an echo task |
//! | net/tcp_stream_16mib | one connection, 16 MiB written in 64 KiB chunks by one task, read by another |
//! | net/echo | an echo server: 100 connections from a client process, 100 round trips of 64 bytes each, one task per connection |
//! | net/echo_p99 | the same rounds' 99th percentile round trip, as the client measured it |
//! | net/accept_rate | 1,000 connections accepted from a client process (64 connecting at once), each dropped at once |
//!
//! In `tcp_*` each round opens its own connection to a listener the setup made, so both
//! sides pay one accept and one connect per round too. In `echo` and `accept_rate` only
//! the server runs on the side under test: the client is another process
//! (`net_client.rs`), the same for both sides. All on the multi-thread runtime
//! ([`WORKERS`] workers on both sides).
//!
//! **`tcp_stream_16mib` has two speeds.** On a two-core machine its rounds fall near
//! 2 ms or near 9 ms, on both sides and in about the same mix (for example, in one run:
//! weft 1.74 / 2.09 / 6.20 / 8.95 ms and tokio 1.88 / 2.19 / 6.39 / 10.13 ms for min /
//! q1 / median / q3); pinned to one core (`taskset -c 0`) both sides take about 6 ms
//! every round. The median then lands in one cluster or the other, or between them, and
//! the line's ratio moves from run to run (0.98, 1.12 and 0.97 in three runs on one
//! machine) although neither side changed: read the quartiles on stderr beside it.
//!
//! `compare --syscalls weft|tokio echo|accept_rate ROUNDS` runs only that side's server
//! for ROUNDS rounds, for `strace -c -f -p` to count its system calls (see
//! `benches/compare/syscalls.sh`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::net_client::{Client, MESSAGE as ECHO_MESSAGE};
use crate::runtimes::{Flavor::MultiThread, Rt, Tokio, WORKERS, Weft};
use crate::{Ctx, Outcome, Unit, Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    paired!("net/tcp_ping_pong", MultiThread, weft_ping_pong, tokio_ping_pong),
    paired!("net/tcp_stream_16mib", MultiThread, weft_stream, tokio_stream),
    Workload { name: "net/echo", run: echo },
    paired!("net/accept_rate", MultiThread, weft_accept_rate, tokio_accept_rate),
];

/// Connections of `net/echo`.
const ECHO_CONNS: usize = 100;
/// Round trips per connection and round of `net/echo`.
const ECHO_TRIPS: usize = 100;
/// Connections per round of `net/accept_rate`.
const ACCEPTS: usize = 1_000;

/// `net/echo`, and its p99 line: each round's time is the server's wall time from the
/// command to the client's answer; the client reports the round's p99 round trip.
fn echo(ctx: &Ctx) -> Outcome {
    let (weft_p99, tokio_p99) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let outcome = ctx.alternate(
        weft_echo(Weft::build(MultiThread), weft_p99.clone()),
        tokio_echo(Tokio::build(MultiThread), tokio_p99.clone()),
    );
    // The warm-up rounds' values come first: keep the measured rounds'. A side that did
    // not run (`--only`) has none.
    let tail = |v: &Mutex<Vec<u64>>, n: usize| {
        let v = v.lock().unwrap();
        v[v.len().saturating_sub(n)..].to_vec()
    };
    let p99 = Outcome {
        weft: tail(&weft_p99, outcome.weft.len()),
        tokio: tail(&tokio_p99, outcome.tokio.len()),
        weft_cpu: Vec::new(),
        tokio_cpu: Vec::new(),
        unit: Unit::Nanos,
        items: 1,
    };
    crate::report_extra("net/echo_p99", &p99);
    outcome
}

/// One side's echo server: setup, then a closure per round. Also the `--syscalls` mode.
pub fn weft_echo(rt: Weft, p99: Arc<Mutex<Vec<u64>>>) -> impl FnMut() -> Duration {
    let listener = Arc::new(rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    let addr = listener.local_addr().unwrap();
    let mut client = Client::spawn();
    move || {
        let start = Instant::now();
        client.send(&format!("echo {addr} {ECHO_CONNS} {ECHO_TRIPS}"));
        let listener = listener.clone();
        rt.block_on(async move {
            let mut conns = Vec::with_capacity(ECHO_CONNS);
            for _ in 0..ECHO_CONNS {
                let (conn, _) = listener.accept().await.unwrap();
                conns.push(<Weft as Rt>::spawn(async move {
                    conn.set_nodelay(true).unwrap();
                    let mut buf = [0u8; ECHO_MESSAGE];
                    for _ in 0..ECHO_TRIPS {
                        conn.read_exact(&mut buf).await.unwrap();
                        conn.write_all(&buf).await.unwrap();
                    }
                }));
            }
            for c in conns {
                c.await.unwrap();
            }
        });
        p99.lock().unwrap().push(client.done().expect("echo reports its p99"));
        start.elapsed()
    }
}

pub fn tokio_echo(rt: Tokio, p99: Arc<Mutex<Vec<u64>>>) -> impl FnMut() -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = Arc::new(rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    let addr = listener.local_addr().unwrap();
    let mut client = Client::spawn();
    move || {
        let start = Instant::now();
        client.send(&format!("echo {addr} {ECHO_CONNS} {ECHO_TRIPS}"));
        let listener = listener.clone();
        rt.block_on(async move {
            let mut conns = Vec::with_capacity(ECHO_CONNS);
            for _ in 0..ECHO_CONNS {
                let (mut conn, _) = listener.accept().await.unwrap();
                conns.push(<Tokio as Rt>::spawn(async move {
                    conn.set_nodelay(true).unwrap();
                    let mut buf = [0u8; ECHO_MESSAGE];
                    for _ in 0..ECHO_TRIPS {
                        conn.read_exact(&mut buf).await.unwrap();
                        conn.write_all(&buf).await.unwrap();
                    }
                }));
            }
            for c in conns {
                c.await.unwrap();
            }
        });
        p99.lock().unwrap().push(client.done().expect("echo reports its p99"));
        start.elapsed()
    }
}

pub fn weft_accept_rate(rt: Weft) -> impl FnMut() -> Duration {
    let listener = Arc::new(rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    let addr = listener.local_addr().unwrap();
    let mut client = Client::spawn();
    move || {
        let start = Instant::now();
        client.send(&format!("accept {addr} {ACCEPTS}"));
        let listener = listener.clone();
        rt.block_on(async move {
            for _ in 0..ACCEPTS {
                let (conn, _) = listener.accept().await.unwrap();
                drop(conn);
            }
        });
        client.done();
        start.elapsed()
    }
}

pub fn tokio_accept_rate(rt: Tokio) -> impl FnMut() -> Duration {
    let listener = Arc::new(rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    let addr = listener.local_addr().unwrap();
    let mut client = Client::spawn();
    move || {
        let start = Instant::now();
        client.send(&format!("accept {addr} {ACCEPTS}"));
        let listener = listener.clone();
        rt.block_on(async move {
            for _ in 0..ACCEPTS {
                let (conn, _) = listener.accept().await.unwrap();
                drop(conn);
            }
        });
        client.done();
        start.elapsed()
    }
}

/// `--syscalls SIDE WORKLOAD ROUNDS`: builds SIDE's server for WORKLOAD and its client,
/// says `ready PID` on stderr, waits for a line on stdin (strace attaches meanwhile: the
/// client process already exists, so it is not followed), runs ROUNDS rounds, and prints
/// the round trips (or accepts) they made.
pub fn syscalls_mode(side: &str, workload: &str, rounds: usize) {
    let mut round: Box<dyn FnMut() -> Duration> = match (side, workload) {
        ("weft", "echo") => Box::new(weft_echo(Weft::build(MultiThread), Default::default())),
        ("tokio", "echo") => Box::new(tokio_echo(Tokio::build(MultiThread), Default::default())),
        ("weft", "accept_rate") => Box::new(weft_accept_rate(Weft::build(MultiThread))),
        ("tokio", "accept_rate") => Box::new(tokio_accept_rate(Tokio::build(MultiThread))),
        _ => panic!("--syscalls weft|tokio echo|accept_rate ROUNDS"),
    };
    round(); // warm: connections, buffers, worker threads all exist before counting
    eprintln!("ready {}", std::process::id());
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    for _ in 0..rounds {
        round();
    }
    let per_round = if workload == "echo" { ECHO_CONNS * ECHO_TRIPS } else { ACCEPTS };
    println!("operations {}", rounds * per_round);
}

const _: usize = WORKERS;

const ROUND_TRIPS: usize = 1_000;
const MESSAGE: usize = 64;
const STREAM: usize = 16 << 20;
const CHUNK: usize = 64 << 10;

fn weft_ping_pong(rt: Weft) -> impl FnMut() -> Duration {
    let listener = std::sync::Arc::new(rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    move || {
        let listener = listener.clone();
        timed(|| {
            rt.block_on(async move {
                let addr = listener.local_addr().unwrap();
                let server = <Weft as Rt>::spawn(async move {
                    let (conn, _) = listener.accept().await.unwrap();
                    conn.set_nodelay(true).unwrap();
                    let mut buf = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        conn.read_exact(&mut buf).await.unwrap();
                        conn.write_all(&buf).await.unwrap();
                    }
                });
                let client = weft::net::TcpStream::connect(addr).await.unwrap();
                client.set_nodelay(true).unwrap();
                let mut buf = [7u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    client.write_all(&buf).await.unwrap();
                    client.read_exact(&mut buf).await.unwrap();
                }
                server.await.unwrap();
            })
        })
    }
}

fn tokio_ping_pong(rt: Tokio) -> impl FnMut() -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = std::sync::Arc::new(rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    move || {
        let listener = listener.clone();
        timed(|| {
            rt.block_on(async move {
                let addr = listener.local_addr().unwrap();
                let server = <Tokio as Rt>::spawn(async move {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    conn.set_nodelay(true).unwrap();
                    let mut buf = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        conn.read_exact(&mut buf).await.unwrap();
                        conn.write_all(&buf).await.unwrap();
                    }
                });
                let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
                client.set_nodelay(true).unwrap();
                let mut buf = [7u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    client.write_all(&buf).await.unwrap();
                    client.read_exact(&mut buf).await.unwrap();
                }
                server.await.unwrap();
            })
        })
    }
}

fn weft_stream(rt: Weft) -> impl FnMut() -> Duration {
    let listener = std::sync::Arc::new(rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    move || {
        let listener = listener.clone();
        timed(|| {
            rt.block_on(async move {
                let addr = listener.local_addr().unwrap();
                let reader = <Weft as Rt>::spawn(async move {
                    let (conn, _) = listener.accept().await.unwrap();
                    let mut buf = vec![0u8; CHUNK];
                    let mut total = 0;
                    loop {
                        match conn.read(&mut buf).await.unwrap() {
                            0 => return total,
                            n => total += n,
                        }
                    }
                });
                let writer = <Weft as Rt>::spawn(async move {
                    let conn = weft::net::TcpStream::connect(addr).await.unwrap();
                    let chunk = vec![1u8; CHUNK];
                    for _ in 0..STREAM / CHUNK {
                        conn.write_all(&chunk).await.unwrap();
                    }
                });
                writer.await.unwrap();
                assert_eq!(reader.await.unwrap(), STREAM);
            })
        })
    }
}

fn tokio_stream(rt: Tokio) -> impl FnMut() -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = std::sync::Arc::new(rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap());
    move || {
        let listener = listener.clone();
        timed(|| {
            rt.block_on(async move {
                let addr = listener.local_addr().unwrap();
                let reader = <Tokio as Rt>::spawn(async move {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    let mut buf = vec![0u8; CHUNK];
                    let mut total = 0;
                    loop {
                        match conn.read(&mut buf).await.unwrap() {
                            0 => return total,
                            n => total += n,
                        }
                    }
                });
                let writer = <Tokio as Rt>::spawn(async move {
                    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
                    let chunk = vec![1u8; CHUNK];
                    for _ in 0..STREAM / CHUNK {
                        conn.write_all(&chunk).await.unwrap();
                    }
                });
                writer.await.unwrap();
                assert_eq!(reader.await.unwrap(), STREAM);
            })
        })
    }
}
