//! The client of `net/echo` and `net/accept_rate`, in a process of its own, so that it
//! shares no runtime (and no scheduler, allocator or thread) with the side it measures.
//!
//! The bench binary re-executes itself with `--net-client`; the child reads one command
//! per line on its standard input and answers one line on its standard output:
//!
//! | command | what the client does | answer |
//! |---|---|---|
//! | `echo ADDR CONNS TRIPS` | opens `CONNS` connections at once; on each, `TRIPS` round trips of a 64-byte message, one at a time; closes them | `done p99_ns=N` (the 99th percentile of every round trip's time) |
//! | `accept ADDR N` | opens `N` connections, at most 64 at once; each waits for the server to close it (so the server, not the client, keeps the `TIME_WAIT`, and at most 64 wait in the accept queue) | `done` |
//!
//! The client runs on a current-thread tokio runtime whichever side it measures: the
//! same client for both sides.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The message size of `net/echo`.
pub const MESSAGE: usize = 64;

/// A client process, spawned by [`Client::spawn`]; killed when dropped.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Client {
    pub fn spawn() -> Client {
        let mut child = Command::new(std::env::current_exe().expect("the bench's own path"))
            .arg("--net-client")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the client process");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client { child, stdin, stdout }
    }

    /// Sends a command (the client starts on it at once).
    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").expect("the client process is gone");
        self.stdin.flush().unwrap();
    }

    /// Waits for the answer to the last command; returns its `p99_ns`, if it has one.
    pub fn done(&mut self) -> Option<u64> {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read the client's answer");
        let line = line.trim();
        assert!(line.starts_with("done"), "the client answered {line:?}");
        line.split_whitespace().find_map(|w| w.strip_prefix("p99_ns=")).map(|v| v.parse().unwrap())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client process's `main`: serves commands until its standard input closes.
pub fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["echo", addr, conns, trips] => {
                let p99 =
                    rt.block_on(echo(addr.parse().unwrap(), conns.parse().unwrap(), trips.parse().unwrap()));
                writeln!(out, "done p99_ns={}", p99.as_nanos()).unwrap();
            }
            ["accept", addr, n] => {
                rt.block_on(accept(addr.parse().unwrap(), n.parse().unwrap()));
                writeln!(out, "done").unwrap();
            }
            _ => panic!("net client: unknown command {line:?}"),
        }
        out.flush().unwrap();
    }
}

async fn echo(addr: SocketAddr, conns: usize, trips: usize) -> Duration {
    let mut tasks = Vec::new();
    for _ in 0..conns {
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            let mut buf = [7u8; MESSAGE];
            let mut times = Vec::with_capacity(trips);
            for _ in 0..trips {
                let start = Instant::now();
                s.write_all(&buf).await.unwrap();
                s.read_exact(&mut buf).await.unwrap();
                times.push(start.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::with_capacity(conns * trips);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    all[(all.len() - 1) * 99 / 100]
}

async fn accept(addr: SocketAddr, n: usize) {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = permits.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut buf = [0u8; 1];
            let _ = s.read(&mut buf).await; // the end of stream (or a reset) from the server
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
