//! `http/*`: hyper 1.x served on weft against hyper served on tokio, driven by `wrk`.
//!
//! | workload | both sides |
//! |---|---|
//! | http/hello_c64 | `GET /` answered with a 13-byte body, 64 keep-alive connections |
//! | http/hello_c256 | the same at 256 connections |
//! | http/hello_64k_c64 | a 64 KiB body, 64 connections |
//! | http/*_p99 | the same rounds' 99th percentile latency, as wrk measured it |
//!
//! **Same server on both sides.** The same handler and body type
//! (`weft::hyper::Full`), hyper's HTTP/1 connection with keep-alive and a timer (so
//! hyper's header read timeout is armed on both), `TCP_NODELAY`, [`WORKERS`] workers.
//! weft's side is `weft::hyper::serve` as a user writes it (each connection a child of
//! a task group, graceful shutdown included); tokio's is the usual accept loop with
//! hyper-util's `TokioIo` and `TokioTimer` and one `tokio::spawn` per connection.
//!
//! **Rounds.** The load generator is `wrk` (Debian's package; the bench installs it
//! with `apt-get` when it is missing and it can, and skips these workloads with a line
//! saying so when it cannot), a child process: `wrk -t2 -cN -dS --latency`. Rounds
//! alternate weft, tokio, weft, ... (one warm-up round per side first).
//!
//! **What the line says.** `*_ns` is wall time per request, `1e9 / requests per
//! second`, so `ratio` (weft/tokio) is `tokio_rps / weft_rps`: below 1, weft served
//! more requests per second. `*_cpu_ns` is the server process's CPU time per request
//! (wrk's own CPU is another process's and is not counted). stderr has the requests per
//! second of each round.
//!
//! **The load generator shares the cores.** On a two-core machine wrk's two threads and
//! the server's two workers take turns on the same cores, so a server's requests per
//! second depend on how it leaves the cores to wrk, not only on its own cost per request.
//! A server that runs dry between bursts of requests sleeps, wrk gets a core and sends a
//! burst, and the replies go back in a burst that wakes wrk once; a server that always
//! finds the next request pending interleaves with wrk reply by reply, and each reply
//! wakes wrk (a wake-up the server pays for in its `sendmsg`). At 256 connections the two
//! sides of this bench fall on either side of that line: in one measured pair of runs
//! tokio's workers were woken by wrk 13,266 times and woke wrk 96,104 times, weft's
//! 4,474 and 162,906 times, and wrk's `epoll_wait` returned 10.4 ready sockets per call with
//! tokio against 7.5 with weft; weft's workers spent more user time per request (2.0 µs
//! against tokio's 1.3 in that profile). `perf stat -e sched:sched_wakeup` and
//! `perf record -e syscalls:sys_exit_epoll_wait` over a run show which side of it a
//! server is on.
//!
//! **Without the sharing.** To see a server's own cost per request, give it one core
//! and wrk the other: run the bench under `taskset -c 0`, with a `wrk` ahead in `PATH`
//! that runs `taskset -c 1 /usr/bin/wrk "$@"`. The server's core is then saturated and
//! wrk's is not, so `*_ns` and `*_cpu_ns` agree and the ratio is that of the two
//! servers' CPU time per request. In one such run on a two-core machine: 1.024 at 64
//! connections and 1.040 at 256 (CPU 1.024 and 1.042), against 1.02 and 1.06 with the
//! cores shared. By profile at 256 connections, the kernel's time per request was the
//! same on both sides (3,507 against 3,528 ns) and the difference was user time (weft
//! 1,276 against tokio 1,063 ns). By instruction count (`valgrind --tool=callgrind` on
//! the server while wrk drives 64 connections, in a build before the changes of the
//! next paragraph), weft's server executed 9,026 instructions per request and tokio's
//! 8,553: hyper's own code the same on both sides
//! (3,116 against 3,142), the runtime's part 2,318 (I/O readiness, timers, the cancel
//! scopes and the task group of `weft::hyper::serve`) against tokio's 1,874.
//!
//! **What the structure costs.** `weft::hyper::serve` runs each connection as a named
//! child of a task group, its I/O in a shield and its handlers in a scope of their own
//! (so that a shutdown is graceful). The same hyper connection spawned bare on weft, as
//! tokio's side does it (`--http-server weft-bare`, below), served about 4% more
//! requests per second at 256 connections (weft alone, six alternating pairs: 4,685
//! against 4,505 ns per request, CPU 4,761 against 4,570), which is about the distance
//! to tokio's line. Its cost is less the structure's instructions than the code they add
//! to every request's path. A request runs more code than a core's 32 KiB instruction
//! cache holds (hyper, the runtime, and between them the kernel's TCP path), so every
//! line of code a request touches tends to be fetched again from L2 at the next request:
//! what counts is how many distinct lines of code a request runs, not only how many
//! instructions. Under `valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64
//! --D1=49152,12,64`, 256 connections from wrk, per request (one run each):
//!
//! | server | instructions | L1i misses | L1d misses |
//! |---|---:|---:|---:|
//! | `weft::hyper::serve` (`--http-server weft`) | 9,066 | 567 | 52 |
//! | bare connections on weft (`weft-bare`) | 8,784 | 505 | 40 |
//! | tokio (`tokio`) | 8,705 | 493 | 35 |
//!
//! The group child's poll, the shield's `poll_inside`, the handlers' scope wrapper and
//! the checkpoints' walk of the scopes each touch a few lines; in a first version they
//! touched more (a child judged its end in the poll that every wake-up runs, and each
//! request cloned the handlers' scope): taking those out of the path removed 300
//! instructions and 18 simulated L1i misses per request, and the server served 0.3 to
//! 1.6% more requests per second (twelve alternating pairs, weft alone). Inlining the
//! timer wheel's insert and remove into the sleep (180 fewer instructions, 28 fewer
//! simulated misses per request) did not move this line and made `time/sleep_many` 5%
//! slower: it was not kept. Read differences of a percent or two between builds with
//! care: a build that skipped the read of a task's inherited scope per poll (an
//! experiment) served 1.4% fewer requests per second than the build that makes it (five
//! alternating pairs, weft alone), although it executes fewer instructions.
//!
//! **Profiling one server.** `compare --http-server weft|weft-bare|tokio SECS
//! [BODY_BYTES]` serves http/hello's response (or a body of BODY_BYTES bytes, as
//! `hello_64k_c64` with 65536) on that side alone for SECS seconds and prints `ready
//! http://ADDR/` on stderr; point a profiler at it and wrk at the address:
//!
//! ```text
//! cargo bench --bench compare -p weft-bench --features http --no-run   # prints the binary
//! valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=49152,12,64 \
//!     target/release/deps/compare-<hash> --http-server weft 25 &
//! wrk -t2 -c256 -d12s http://ADDR/     # once `ready` is printed
//! ```
//!
//! Divide callgrind's totals by wrk's request count (they include the server's start).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft::hyper::Full;

use crate::runtimes::{Flavor::MultiThread, Rt, Tokio, WORKERS, Weft};
use crate::{Ctx, Outcome, Sample, Side, Unit, Workload, cpu, progress};

pub const WORKLOADS: &[Workload] = &[
    Workload { name: "http/hello_c64", run: |ctx| hello(ctx, "http/hello_c64_p99", 64, 13) },
    Workload { name: "http/hello_c256", run: |ctx| hello(ctx, "http/hello_c256_p99", 256, 13) },
    Workload { name: "http/hello_64k_c64", run: |ctx| hello(ctx, "http/hello_64k_c64_p99", 64, 64 * 1024) },
];

/// What one wrk run reported.
struct WrkRun {
    requests: u64,
    rps: f64,
    p99: Duration,
    errors: String,
}

/// Whether `wrk` can be run, installing it from Debian's packages once if it is missing.
fn wrk_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let runs = || Command::new("wrk").arg("--version").output().is_ok();
        if runs() {
            return true;
        }
        eprintln!("compare: http/*: wrk is missing; trying `apt-get install -y wrk`");
        let installed =
            Command::new("apt-get").args(["install", "-y", "-qq", "wrk"]).status().is_ok_and(|s| s.success());
        installed && runs()
    })
}

fn run_wrk(addr: SocketAddr, conns: usize, secs: u64) -> WrkRun {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{conns}"), &format!("-d{secs}s"), "--latency"])
        .arg(format!("http://{addr}/"))
        .output()
        .expect("compare: run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    let field = |prefix: &str| {
        text.lines().find_map(|l| l.trim_start().strip_prefix(prefix).map(|r| r.trim().to_owned()))
    };
    let rps: f64 = field("Requests/sec:").and_then(|v| v.parse().ok()).expect("wrk: Requests/sec");
    let p99 = field("99%").map(|v| parse_latency(&v)).expect("wrk: 99% latency");
    // "  123456 requests in 2.00s, 12.34MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .expect("wrk: requests");
    let errors = text
        .lines()
        .filter(|l| l.contains("Socket errors") || l.contains("Non-2xx"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    WrkRun { requests, rps, p99, errors }
}

/// wrk's latency: `812.00us`, `1.23ms`, `2.01s`.
fn parse_latency(v: &str) -> Duration {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    let secs = match unit {
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        _ => f64::NAN,
    };
    Duration::from_secs_f64(if secs.is_finite() { secs } else { 0.0 })
}

/// The handler both sides run.
async fn handler(body: Bytes, _req: Request<Incoming>) -> Result<Response<Full>, Infallible> {
    Ok(Response::new(Full::new(body)))
}

fn weft_server(rt: &Weft, body: Bytes) -> SocketAddr {
    let listener = rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = service_fn(move |req| handler(body.clone(), req));
    drop(rt.spawn_remote(weft::hyper::serve(listener, svc)));
    addr
}

/// The same hyper connection as `weft_server`'s, spawned bare (`weft::spawn`, no task
/// group, shield or scopes), as tokio's side spawns it: what `--http-server weft-bare`
/// serves, to measure what the structure of `weft::hyper::serve` costs.
fn weft_bare_server(rt: &Weft, body: Bytes) -> SocketAddr {
    let listener = rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(rt.spawn_remote(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            drop(weft::spawn(async move {
                let svc = service_fn(move |req| handler(body.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(weft::hyper::Timer)
                    .keep_alive(true)
                    .serve_connection(weft::hyper::Io::new(stream), svc)
                    .await;
            }));
        }
    }));
    addr
}

/// `compare --http-server weft|weft-bare|tokio SECS`: serves http/hello's 13-byte
/// response on one side alone for SECS seconds, for a profiler and a load generator run
/// by hand (see the module docs, "Profiling one server"); prints `ready http://ADDR/` on
/// stderr once it listens.
pub fn server_mode(side: &str, secs: &str, body_len: &str) {
    let secs: u64 = secs.parse().expect("--http-server SIDE SECS [BODY_BYTES]: SECS is a number of seconds");
    let body = match body_len {
        "" => Bytes::from_static(b"Hello, World!"),
        n => Bytes::from(vec![
            b'x';
            n.parse()
                .expect("--http-server SIDE SECS [BODY_BYTES]: BODY_BYTES is a number")
        ]),
    };
    let (weft_rt, tokio_rt);
    let addr = match side {
        "weft" => {
            weft_rt = Weft::build(MultiThread);
            weft_server(&weft_rt, body)
        }
        "weft-bare" => {
            weft_rt = Weft::build(MultiThread);
            weft_bare_server(&weft_rt, body)
        }
        "tokio" => {
            tokio_rt = Tokio::build(MultiThread);
            tokio_server(&tokio_rt, body)
        }
        other => panic!("--http-server: unknown side {other:?} (weft, weft-bare or tokio)"),
    };
    eprintln!("ready http://{addr}/");
    std::thread::sleep(Duration::from_secs(secs));
    // The runtimes' workers are still serving: leave without waiting for them.
    std::process::exit(0);
}

fn tokio_server(rt: &Tokio, body: Bytes) -> SocketAddr {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(rt.spawn_remote(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handler(body.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    }));
    addr
}

fn hello(ctx: &Ctx, p99_name: &'static str, conns: usize, body_len: usize) -> Outcome {
    let empty = || Outcome::from_samples(&[], &[], Unit::Nanos);
    if !wrk_available() {
        eprintln!("compare: http/*: SKIPPED: wrk is not installed and could not be (apt-get install wrk)");
        return empty();
    }
    let body = Bytes::from(vec![b'x'; body_len]);
    let (weft_rt, tokio_rt) = (Weft::build(MultiThread), Tokio::build(MultiThread));
    let sides = [weft_server(&weft_rt, body.clone()), tokio_server(&tokio_rt, body)];
    let (secs, rounds) = if ctx.quick { (1, 3) } else { (3, 5) };
    eprintln!("  {WORKERS} workers per side; wrk -t2 -c{conns} -d{secs}s, {rounds} rounds per side");

    // `--only=weft` / `--only=tokio` (for a profiler): the other side's rounds are skipped.
    let only = crate::ONLY.load(std::sync::atomic::Ordering::Relaxed);
    let skipped = |side: usize| only != 0 && only != [Side::Weft as u8, Side::Tokio as u8][side];
    let round = |side: usize| {
        if skipped(side) {
            let run = WrkRun { requests: 0, rps: 0.0, p99: Duration::ZERO, errors: String::new() };
            return (Sample { value: 0, cpu: 0 }, run);
        }
        progress(if side == 0 { Side::Weft } else { Side::Tokio });
        let start = cpu::now();
        let run = run_wrk(sides[side], conns, secs);
        let cpu_ns = cpu::now().saturating_sub(start);
        progress(Side::None);
        let sample = Sample { value: (1e9 / run.rps.max(1e-9)) as u64, cpu: cpu_ns / run.requests.max(1) };
        (sample, run)
    };
    // Warm-up: one round per side.
    round(0);
    round(1);
    let (mut weft, mut tokio, mut weft_p99, mut tokio_p99) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        for side in 0..2 {
            let (sample, run) = round(side);
            if skipped(side) {
                continue;
            }
            let name = ["weft", "tokio"][side];
            eprintln!(
                "  {name}: {:.0} req/s, p99 {:?}, {} ns CPU/request{}",
                run.rps,
                run.p99,
                sample.cpu,
                if run.errors.is_empty() { String::new() } else { format!(" ({})", run.errors) }
            );
            let p99 = Sample { value: run.p99.as_nanos() as u64, cpu: 0 };
            if side == 0 {
                weft.push(sample);
                weft_p99.push(p99);
            } else {
                tokio.push(sample);
                tokio_p99.push(p99);
            }
        }
    }
    crate::report_extra(p99_name, &Outcome::from_samples(&weft_p99, &tokio_p99, Unit::Nanos));
    Outcome::from_samples(&weft, &tokio, Unit::Nanos)
}
