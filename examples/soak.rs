//! The soak: a TCP echo server on weft with a task group per connection, many clients
//! (weft tasks too, over loopback), random cancellations and disconnects, every byte
//! checked. It prints what it verified, the open file descriptors and the resident memory
//! at the start, in the middle and at the end, and exits non-zero on any mismatch, or if
//! the descriptors or the memory did not come back near where they started.
//!
//! ```text
//! cargo run --release --example soak -- --secs 20 [--clients 64] [--seed 7]
//! ```
//!
//! Each client connection is a task group of two children over one stream: a writer that
//! sends a pseudo-random byte stream (seeded per connection) in random-sized writes, then
//! ends it (`Shutdown::Write`) or, now and then, drops the connection half-way; and a
//! reader that reads the echo and compares every byte with the same stream. The server
//! echoes each connection in a task group of its own. A chaos task cancels random client
//! connections and random server connections while they run. A cancelled or dropped
//! connection loses the bytes in flight (its end is torn down), but never delivers a
//! wrong one: what a reader got is always a prefix of what its writer sent, and a
//! connection that ends cleanly echoes every byte.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};
use weft::net::{TcpListener, TcpStream};
use weft::{Cancelled, GroupError, GroupSpawnError, TaskRef, task_group};

/// What every task adds to.
#[derive(Default)]
struct Stats {
    bytes_verified: AtomicU64,
    mismatches: AtomicU64,
    clean: AtomicU64,
    cancelled: AtomicU64,
    disconnected: AtomicU64,
    /// Connections that ended cleanly with fewer bytes echoed than sent.
    short: AtomicU64,
}

/// xorshift64*: the byte streams and the chaos.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// The byte stream of one connection, produced in the same chunks by writer and reader.
struct Stream {
    rng: Rng,
    pending: Vec<u8>,
}

impl Stream {
    fn new(seed: u64) -> Stream {
        Stream { rng: Rng::new(seed), pending: Vec::new() }
    }
    /// The next `n` bytes of the stream.
    fn take(&mut self, n: usize, out: &mut Vec<u8>) {
        out.clear();
        while out.len() < n {
            if self.pending.is_empty() {
                self.pending.resize(4096, 0);
                self.rng.fill(&mut self.pending);
            }
            let k = (n - out.len()).min(self.pending.len());
            out.extend(self.pending.drain(..k));
        }
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn resident_bytes() -> u64 {
    // The second field of statm: resident pages.
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

/// Gives freed memory back to the system where the allocator keeps it (glibc), so that
/// the resident size measures what is still in use.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of the heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

struct Sample {
    fds: usize,
    rss: u64,
}

fn sample(when: &str, stats: &Stats, started: Instant) -> Sample {
    trim_heap();
    let s = Sample { fds: open_fds(), rss: resident_bytes() };
    println!(
        "soak {when:>6} t={:>6.1}s bytes_verified={} mismatches={} connections clean={} cancelled={} \
         disconnected={} short={} open_fds={} rss_kib={}",
        started.elapsed().as_secs_f64(),
        stats.bytes_verified.load(Relaxed),
        stats.mismatches.load(Relaxed),
        stats.clean.load(Relaxed),
        stats.cancelled.load(Relaxed),
        stats.disconnected.load(Relaxed),
        stats.short.load(Relaxed),
        s.fds,
        s.rss / 1024,
    );
    s
}

// ---------------------------------------------------------------------------------------
// The server

/// Echoes one connection until its client ends the stream; in a task group of its own.
async fn serve(conn: TcpStream) -> Result<(), GroupError> {
    let conn = Arc::new(conn);
    task_group(|tg| async move {
        tg.spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = conn.read(&mut buf).await?;
                if n == 0 {
                    return conn.shutdown(Shutdown::Write);
                }
                conn.write_all(&buf[..n]).await?;
            }
        })?;
        Ok::<_, GroupSpawnError>(())
    })
    .await
}

/// Accepts connections until cancelled; each one is served by its own task, whose
/// handle goes into `live` for the chaos task to pick from.
async fn accept_loop(listener: TcpListener, live: Arc<parking_lot::Mutex<Vec<TaskRef>>>) -> io::Result<()> {
    loop {
        let (conn, _) = listener.accept().await?;
        let t = weft::spawn(serve(conn));
        let mut live = live.lock();
        live.retain(|t| !t.is_finished());
        live.push(t.task_ref());
    }
}

// ---------------------------------------------------------------------------------------
// The clients

/// Sends `total` bytes of the connection's stream in random-sized writes, then ends the
/// stream; or, if `drop_at` comes first, stops there and closes the connection.
async fn write_side(
    conn: Arc<TcpStream>,
    seed: u64,
    total: usize,
    drop_at: Option<usize>,
) -> io::Result<usize> {
    let mut stream = Stream::new(seed);
    let mut sizes = Rng::new(seed ^ 0xABCD);
    let mut chunk = Vec::new();
    let mut sent = 0;
    while sent < total {
        if drop_at.is_some_and(|d| sent >= d) {
            conn.shutdown(Shutdown::Both)?;
            return Ok(sent);
        }
        let n = (1 + sizes.below(32 * 1024) as usize).min(total - sent);
        stream.take(n, &mut chunk);
        conn.write_all(&chunk).await?;
        sent += n;
    }
    conn.shutdown(Shutdown::Write)?;
    Ok(sent)
}

/// Reads the echo until the end of the stream, comparing every byte with the stream.
async fn read_side(conn: Arc<TcpStream>, seed: u64, stats: Arc<Stats>) -> io::Result<usize> {
    let mut stream = Stream::new(seed);
    let mut expected = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0;
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(got);
        }
        stream.take(n, &mut expected);
        let wrong = buf[..n].iter().zip(&expected).filter(|(a, b)| a != b).count();
        if wrong > 0 {
            stats.mismatches.fetch_add(wrong as u64, Relaxed);
            eprintln!("soak: MISMATCH: {wrong} wrong bytes at offset {got} (connection seed {seed})");
        }
        stats.bytes_verified.fetch_add((n - wrong) as u64, Relaxed);
        got += n;
    }
}

/// One client connection: a task group of a writer and a reader over one stream.
async fn connection(addr: SocketAddr, seed: u64, stats: Arc<Stats>) {
    let mut rng = Rng::new(seed);
    let total = 1 + rng.below(512 * 1024) as usize;
    let drop_at = (rng.below(10) == 0).then(|| rng.below(total as u64) as usize);
    let conn = match TcpStream::connect(addr).await {
        Ok(c) => Arc::new(c),
        Err(e) if weft::is_cancellation(&e) => {
            stats.cancelled.fetch_add(1, Relaxed);
            return;
        }
        Err(e) => panic!("soak: connect failed: {e}"),
    };
    let (w, r) = (conn.clone(), conn);
    let st = stats.clone();
    let outcome = task_group(|tg| async move {
        let sent = tg.spawn(write_side(w, seed, total, drop_at))?;
        let got = tg.spawn(read_side(r, seed, st))?;
        Ok::<_, GroupSpawnError>((sent, got))
    })
    .await;
    match outcome {
        Ok((sent, got)) => {
            let (sent, got) = (sent.take_result().unwrap().unwrap(), got.take_result().unwrap().unwrap());
            if drop_at.is_some() {
                stats.disconnected.fetch_add(1, Relaxed);
            } else if got == sent {
                stats.clean.fetch_add(1, Relaxed);
            } else {
                // The server side was cancelled by the chaos while echoing.
                stats.short.fetch_add(1, Relaxed);
            }
        }
        Err(GroupError::Cancelled(_)) => {
            stats.cancelled.fetch_add(1, Relaxed);
        }
        // A reset by the other end (its group cancelled, or our own dropped connection).
        Err(GroupError::Failed(_)) => {
            stats.disconnected.fetch_add(1, Relaxed);
        }
        Err(e) => panic!("soak: unexpected group outcome: {e}"),
    }
}

/// Runs connections one after another until `stop`; each is a task of its own, so that
/// the chaos can cancel it.
async fn client(
    addr: SocketAddr,
    id: u64,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    live: Arc<parking_lot::Mutex<Vec<TaskRef>>>,
) -> Result<(), Cancelled> {
    let mut n = 0u64;
    while !stop.load(Relaxed) {
        let seed = (id << 32) | n;
        n += 1;
        let t = weft::spawn(connection(addr, seed, stats.clone()));
        {
            let mut live = live.lock();
            live.retain(|t| !t.is_finished());
            live.push(t.task_ref());
        }
        if let Err(e) = t.await {
            if e.is_cancelled() {
                stats.cancelled.fetch_add(1, Relaxed);
            } else {
                panic!("soak: a connection task failed: {e}");
            }
        }
    }
    Ok(())
}

/// Cancels a random running connection (client or server side) every few milliseconds.
async fn chaos(
    seed: u64,
    clients: Arc<parking_lot::Mutex<Vec<TaskRef>>>,
    servers: Arc<parking_lot::Mutex<Vec<TaskRef>>>,
) -> Result<(), Cancelled> {
    let mut rng = Rng::new(seed);
    loop {
        weft::time::sleep(Duration::from_micros(500 + rng.below(5000))).await?;
        let side = if rng.below(2) == 0 { &clients } else { &servers };
        let victim = {
            let live = side.lock();
            (!live.is_empty()).then(|| live[rng.below(live.len() as u64) as usize].clone())
        };
        if let Some(v) = victim {
            v.cancel(Some("chaos"));
        }
    }
}

struct Args {
    secs: u64,
    clients: u64,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args { secs: 20, clients: 64, seed: 1 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse().ok());
        match (flag.as_str(), value) {
            ("--secs", Some(v)) => a.secs = v,
            ("--clients", Some(v)) => a.clients = v,
            ("--seed", Some(v)) => a.seed = v,
            _ => {
                eprintln!("usage: soak [--secs N] [--clients N] [--seed N]");
                std::process::exit(2);
            }
        }
    }
    a
}

fn main() {
    let args = args();
    let rt = weft::Runtime::new().expect("runtime");
    let started = Instant::now();
    let stats = Arc::new(Stats::default());
    let (listener, addr) = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().unwrap();
        (l, addr)
    });
    // Warm up the runtime and the allocator, so the start sample is a fair baseline.
    rt.block_on(async {
        let c = TcpStream::connect(addr).await.unwrap();
        let (s, _) = listener.accept().await.unwrap();
        drop((c, s));
    });
    let start = sample("start", &stats, started);

    let servers = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let clients_live = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let acceptor = rt.spawn(accept_loop(listener, servers.clone()));
    let chaos_task = rt.spawn(chaos(args.seed, clients_live.clone(), servers.clone()));
    let clients: Vec<_> = (0..args.clients)
        .map(|id| {
            rt.spawn(client(
                addr,
                id + args.seed * 1_000_000,
                stats.clone(),
                stop.clone(),
                clients_live.clone(),
            ))
        })
        .collect();

    let half = Duration::from_secs(args.secs) / 2;
    std::thread::sleep(half);
    let middle = sample("middle", &stats, started);
    std::thread::sleep(Duration::from_secs(args.secs) - half);

    // Stop: clients finish their connection; then the chaos, the acceptor and every
    // server connection left.
    stop.store(true, Relaxed);
    rt.block_on(async {
        for c in clients {
            c.await.expect("client").expect("client");
        }
        chaos_task.cancel(None);
        acceptor.cancel(None);
        let _ = chaos_task.await;
        let _ = acceptor.await;
        let left: Vec<TaskRef> = servers.lock().drain(..).collect();
        for s in &left {
            s.cancel(None);
        }
        while left.iter().any(|s| !s.is_finished()) {
            weft::time::sleep(Duration::from_millis(1)).await.unwrap();
        }
    });
    clients_live.lock().clear();
    let end = sample("end", &stats, started);

    let mismatches = stats.mismatches.load(Relaxed);
    let verified = stats.bytes_verified.load(Relaxed);
    let mut failed = Vec::new();
    if mismatches > 0 {
        failed.push(format!("{mismatches} bytes did not match"));
    }
    if verified == 0 {
        failed.push("no byte was verified".to_owned());
    }
    // The listener is closed now (the acceptor ended): at most what we started with.
    if end.fds > start.fds {
        failed.push(format!("open fds {} at the end, {} at the start", end.fds, start.fds));
    }
    // Memory: back near the start, well below the middle's peak load. Allocator caches and
    // thread stacks of the blocking pool allow some slack.
    let slack = 16 << 20;
    if end.rss > start.rss + slack {
        failed.push(format!(
            "resident memory {} KiB at the end, {} KiB at the start ({} KiB in the middle)",
            end.rss / 1024,
            start.rss / 1024,
            middle.rss / 1024
        ));
    }
    drop(rt);
    if failed.is_empty() {
        println!("soak ok: {verified} bytes verified, 0 mismatches, fds and memory back to the start");
    } else {
        for f in &failed {
            eprintln!("soak FAILED: {f}");
        }
        std::process::exit(1);
    }
}
