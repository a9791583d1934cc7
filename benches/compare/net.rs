//! `net/*`: weft's TCP over loopback against tokio's, in the shapes of tokio's own
//! `tcp_echo`-style benches.
//!
//! | workload | both sides |
//! |---|---|
//! | net/tcp_ping_pong | one connection, 1000 round trips of 64 bytes to an echo task |
//! | net/tcp_stream_16mib | one connection, 16 MiB written in 64 KiB chunks by one task, read by another |
//!
//! Each round opens its own connection to a listener the setup made, so both sides pay
//! one accept and one connect per round too. All on the multi-thread runtime ([`WORKERS`]
//! workers on both sides).

use std::time::Duration;

use crate::runtimes::{Flavor::MultiThread, Rt, Tokio, WORKERS, Weft};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    paired!("net/tcp_ping_pong", MultiThread, weft_ping_pong, tokio_ping_pong),
    paired!("net/tcp_stream_16mib", MultiThread, weft_stream, tokio_stream),
];

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
