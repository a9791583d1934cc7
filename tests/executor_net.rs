//! `weft::net` over loopback, on both flavours: an echo server with many clients, a
//! full-duplex stream shared by a reader task and a writer task, cancelled reads and
//! accepts that lose nothing, refused connections, host-name resolution, end of stream,
//! and UDP.

mod common;

use common::block_on_both;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Duration;
use weft::net::{TcpListener, TcpStream, UdpSocket};

/// Accepts `clients` connections and echoes each one until it ends.
async fn echo_server(listener: TcpListener, clients: usize) -> std::io::Result<()> {
    let mut conns = Vec::new();
    for _ in 0..clients {
        let (conn, _) = listener.accept().await?;
        conns.push(weft::spawn(async move {
            let mut buf = [0u8; 1024];
            loop {
                match conn.read(&mut buf).await? {
                    0 => return Ok::<_, std::io::Error>(()),
                    n => conn.write_all(&buf[..n]).await?,
                }
            }
        }));
    }
    for c in conns {
        c.await.unwrap()?;
    }
    Ok(())
}

#[test]
fn an_echo_server_serves_many_clients() {
    block_on_both(|flavour| async move {
        const CLIENTS: usize = 20;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(echo_server(listener, CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                weft::spawn(async move {
                    let s = TcpStream::connect(addr).await?;
                    let msg: Vec<u8> = (0..4000).map(|j| (i * 7 + j) as u8).collect();
                    s.write_all(&msg).await?;
                    let mut back = vec![0u8; msg.len()];
                    s.read_exact(&mut back).await?;
                    assert_eq!(back, msg);
                    s.shutdown(std::net::Shutdown::Write)?;
                    Ok::<_, std::io::Error>(())
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap().unwrap_or_else(|e| panic!("{flavour}: client: {e}"));
        }
        server.await.unwrap().unwrap_or_else(|e| panic!("{flavour}: server: {e}"));
    });
}

/// One task writes 1 MiB while another reads the echo on the same stream: both
/// directions wait on one registration at the same time.
#[test]
fn a_reader_task_and_a_writer_task_share_one_stream() {
    block_on_both(|flavour| async move {
        const LEN: usize = 1 << 20;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(echo_server(listener, 1));
        let stream = Arc::new(TcpStream::connect(addr).await.unwrap());
        let writer = {
            let stream = stream.clone();
            weft::spawn(async move {
                let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
                for chunk in data.chunks(64 * 1024) {
                    stream.write_all(chunk).await?;
                }
                stream.shutdown(std::net::Shutdown::Write)
            })
        };
        let mut back = Vec::new();
        stream.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap().unwrap();
        assert_eq!(back.len(), LEN, "{flavour}");
        assert!(back.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "{flavour}: bytes out of order");
        server.await.unwrap().unwrap();
    });
}

#[test]
fn a_cancelled_read_loses_no_data() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = Arc::new(TcpStream::connect(listener.local_addr().unwrap()).await.unwrap());
        let (server, _) = listener.accept().await.unwrap();
        let reader = {
            let client = client.clone();
            weft::spawn(async move {
                let mut buf = [0u8; 8];
                let err = client.read(&mut buf).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Other);
                assert!(err.get_ref().is_some_and(|e| e.is::<weft::Cancelled>()), "{err}");
                Err::<(), _>(err)
            })
        };
        weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        reader.cancel(None);
        // The read's error carries the delivered cancellation; the task returned it, so
        // the task ended cancelled.
        assert!(reader.await.unwrap_err().is_cancelled(), "{flavour}");
        server.write_all(b"kept").await.unwrap();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"kept", "{flavour}");
    });
}

#[test]
fn a_cancelled_accept_takes_no_connection() {
    block_on_both(|flavour| async move {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let acceptor = {
            let listener = listener.clone();
            weft::spawn(async move { listener.accept().await.map(|_| ()) })
        };
        weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        acceptor.cancel(None);
        assert!(acceptor.await.unwrap_err().is_cancelled(), "{flavour}");
        let client = TcpStream::connect(addr).await.unwrap();
        let (conn, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap(), "{flavour}");
        drop(conn);
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    block_on_both(|flavour| async move {
        // Bind, note the port, close: nothing listens there now.
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{flavour}: {err}");
    });
}

#[test]
fn a_host_name_is_resolved_and_end_of_stream_reads_zero() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // "localhost" may resolve to ::1 first: every address is tried in turn.
        let client = weft::spawn(TcpStream::connect(("localhost", port)));
        let (conn, _) = listener.accept().await.unwrap();
        let client = client.await.unwrap().unwrap();
        drop(conn);
        let mut buf = [0u8; 4];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "{flavour}: end of stream");
        // Bad input is a typed error, not a hang: an address without a port.
        let err = TcpStream::connect("127.0.0.1").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{flavour}: {err}");
    });
}

#[test]
fn udp_datagrams_go_both_ways() {
    block_on_both(|flavour| async move {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let echo = weft::spawn(async move {
            let mut buf = [0u8; 64];
            for _ in 0..3 {
                let (n, from) = server.recv_from(&mut buf).await?;
                server.send_to(&buf[..n], from).await?;
            }
            Ok::<_, std::io::Error>(())
        });
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(addr).await.unwrap();
        for msg in [&b"one"[..], b"two", b"three"] {
            client.send(msg).await.unwrap();
            let mut buf = [0u8; 64];
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], msg, "{flavour}");
        }
        echo.await.unwrap().unwrap();
    });
}

/// `futures_io::AsyncRead`/`AsyncWrite`: a stream works with code written against the
/// futures traits.
#[test]
fn the_stream_implements_the_futures_io_traits() {
    use futures_io::{AsyncRead, AsyncWrite};
    use std::future::poll_fn;
    use std::pin::Pin;
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let n = poll_fn(|cx| Pin::new(&mut client).poll_write(cx, b"trait")).await.unwrap();
        assert_eq!(n, 5);
        poll_fn(|cx| Pin::new(&mut client).poll_close(cx)).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8];
        loop {
            match poll_fn(|cx| Pin::new(&mut server).poll_read(cx, &mut buf)).await.unwrap() {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(got, b"trait", "{flavour}");
    });
}

/// `start_server` with a task group: one child per connection. Cancelling the group
/// cancels the handlers blocked in `read`; their `io::Error`s are cancellations, not
/// failures, so the group ends stopped, not with an error group.
#[test]
fn a_group_of_connection_handlers_is_cancelled_as_a_whole() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..3).map(|_| weft::spawn(TcpStream::connect(addr))).collect();
        let r = weft::task_group(|tg| async move {
            for _ in 0..3 {
                let (conn, _) = listener.accept().await?;
                tg.spawn(async move {
                    let mut buf = [0u8; 16];
                    conn.read(&mut buf).await // blocks: the clients send nothing
                })?;
            }
            weft::time::sleep(Duration::from_millis(20)).await?;
            tg.cancel();
            weft::time::sleep(Duration::from_secs(60)).await?; // the body sees it too
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .await;
        assert!(matches!(r, Err(weft::GroupError::Stopped)), "{flavour}: {r:?}");
        for c in clients {
            c.await.unwrap().unwrap();
        }
    });
}

/// A writer and a reader move 1 MiB through one connection while a chaos task cancels
/// both at random moments. Each cancelled `read` or `write` did not happen, so the bytes
/// that arrive are exactly the bytes sent, in order: none lost, none doubled.
///
/// That something was cancelled is proven by construction, not left to luck: the writer
/// does not start until a read of the reader, blocked on the empty connection, has been
/// cancelled (the chaos keeps cancelling it until the reader reports one).
#[test]
fn cancelled_reads_and_writes_lose_and_duplicate_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    block_on_both(|flavour| async move {
        const LEN: usize = 1 << 20;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let data: Arc<Vec<u8>> = Arc::new((0..LEN).map(|i| (i * 31 % 253) as u8).collect());
        let go = Arc::new(weft::Event::new());
        // What each side did, kept outside the tasks: a task whose last step races a
        // cancellation ends cancelled, and its return value would be lost.
        let (w_interrupted, r_interrupted) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let got = Arc::new(parking_lot::Mutex::new(Vec::with_capacity(LEN)));
        let started = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (data, go, interrupted, started) =
                (data.clone(), go.clone(), w_interrupted.clone(), started.clone());
            weft::spawn(async move {
                started.fetch_add(1, SeqCst);
                while go.wait().await.is_err() {}
                let mut pos = 0;
                while pos < LEN {
                    let end = (pos + 1009).min(LEN);
                    match client.write(&data[pos..end]).await {
                        Ok(n) => pos += n,
                        Err(e) if weft::is_cancellation(&e) => _ = interrupted.fetch_add(1, SeqCst),
                        Err(e) => panic!("write: {e}"),
                    }
                    // Paced, so that the chaos finds both tasks at work. (A cancellation
                    // delivered here is simply swallowed.)
                    let _ = weft::yield_now().await;
                }
                client.shutdown(std::net::Shutdown::Write).unwrap();
            })
        };
        let reader = {
            let (got, interrupted, started) = (got.clone(), r_interrupted.clone(), started.clone());
            weft::spawn(async move {
                started.fetch_add(1, SeqCst);
                let mut buf = [0u8; 997];
                loop {
                    match server.read(&mut buf).await {
                        Ok(0) => return,
                        Ok(n) => got.lock().extend_from_slice(&buf[..n]),
                        Err(e) if weft::is_cancellation(&e) => _ = interrupted.fetch_add(1, SeqCst),
                        Err(e) => panic!("read: {e}"),
                    }
                }
            })
        };
        let (w, r) = (writer.task_ref(), reader.task_ref());
        // A task cancelled before its first step never runs (as in asyncio): let both
        // start. Then, until the reader reports a cancelled read, nothing can arrive:
        // every request lands in a read waiting on the empty connection.
        while started.load(SeqCst) < 2 {
            weft::yield_now().await.unwrap();
        }
        while r_interrupted.load(SeqCst) == 0 {
            r.cancel(None);
            weft::yield_now().await.unwrap();
        }
        go.set();
        while !(w.is_finished() && r.is_finished()) {
            for t in [&w, &r] {
                t.cancel(None);
            }
            weft::yield_now().await.unwrap();
        }
        // Either may have ended cancelled (a request that arrived after its last wait).
        let _ = writer.await;
        let _ = reader.await;
        let (wi, ri) = (w_interrupted.load(SeqCst), r_interrupted.load(SeqCst));
        let got = got.lock();
        assert!(ri > 0, "{flavour}: no read was interrupted");
        assert_eq!(got.len(), LEN, "{flavour}: {wi} writes and {ri} reads interrupted");
        assert!(*got == *data, "{flavour}: the bytes differ");
    });
}

/// A retry loop written for blocking I/O retries `Interrupted` (`EINTR`). A cancelled
/// read must not look like one: the loop ends with the cancellation instead of waiting
/// again forever.
#[test]
fn a_std_style_retry_loop_ends_after_a_cancel() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (_server, _) = listener.accept().await.unwrap();
        let started = Arc::new(weft::Event::new());
        let reader = {
            let started = started.clone();
            weft::spawn(async move {
                let mut buf = [0u8; 8];
                started.set();
                let mut retries = 0;
                let r = loop {
                    match client.read(&mut buf).await {
                        Err(e) if e.kind() == ErrorKind::Interrupted => retries += 1,
                        r => break r,
                    }
                };
                (r.map_err(|e| weft::io::is_cancelled_error(&e)), retries)
            })
        };
        started.wait().await.unwrap();
        reader.cancel(None);
        let (r, retries) = reader.await.unwrap();
        assert_eq!(r, Err(true), "{flavour}: the loop ended with the cancellation");
        assert_eq!(retries, 0, "{flavour}");
    });
}
