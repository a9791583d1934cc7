//! asyncio's streams and servers over loopback and temp-dir Unix sockets: a server of
//! 1,000 concurrent connections, half-close, 64 MiB checked end to end, cancellation in
//! the middle of every read and write of the streams API (no byte lost or doubled),
//! a server whose close cancels its handlers and waits for their cleanup, and the bad
//! input a service meets (refused, in use, unparsable, too long, reset, closed peer).

mod common;

use common::block_on_both;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weft::net::{
    StreamAddr, StreamError, StreamReader, StreamWriter, TcpListener, TcpStream, UnixStream, open_connection,
    open_unix_connection, start_server, start_unix_server,
};

fn inet(server: &weft::net::Server) -> SocketAddr {
    match server.sockets()[0] {
        StreamAddr::Inet(a) => a,
        ref other => panic!("not an internet address: {other}"),
    }
}

/// A fresh directory for this test's Unix sockets.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Echoes lines until the end of the stream.
async fn echo_lines(mut reader: StreamReader, writer: StreamWriter) -> Result<(), StreamError> {
    loop {
        let line = reader.readline().await?;
        if line.is_empty() {
            return Ok(());
        }
        writer.write(&line)?;
        writer.drain().await?;
    }
}

fn raise_fd_limit(want: u64) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write a live local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
    }
    assert!(lim.rlim_cur >= want, "this test needs {want} open files; the hard limit is {}", lim.rlim_max);
}

#[test]
fn a_server_serves_a_thousand_concurrent_connections() {
    const CONNS: usize = 1000;
    raise_fd_limit(8 * CONNS as u64);
    block_on_both(|flavour| async move {
        let server = start_server(echo_lines, "127.0.0.1:0").await.unwrap();
        let addr = inet(&server);
        // Every connection is open at once: each client waits at the barrier after its
        // first echo, so the server holds all of them together.
        let all_open = Arc::new(weft::Barrier::new(CONNS).unwrap());
        let peak = Arc::new(AtomicUsize::new(0));
        let clients: Vec<_> = (0..CONNS)
            .map(|i| {
                let (all_open, peak) = (all_open.clone(), peak.clone());
                weft::spawn(async move {
                    let (mut r, w) = open_connection(addr).await?;
                    let line = format!("hello from {i}\n");
                    w.write(line.as_bytes())?;
                    assert_eq!(r.readline().await?, line.as_bytes());
                    all_open.wait().await?;
                    peak.fetch_max(i + 1, SeqCst);
                    w.write(b"bye\n")?;
                    assert_eq!(r.readline().await?, b"bye\n");
                    w.close();
                    w.wait_closed().await?;
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap().unwrap_or_else(|e| panic!("{flavour}: {e}"));
        }
        server.close();
        server.wait_closed().await.unwrap();
        assert_eq!(server.active_connections(), 0, "{flavour}");
    });
}

#[test]
fn half_close_lets_the_other_side_answer() {
    block_on_both(|flavour| async move {
        let server = start_server(
            |mut r: StreamReader, w: StreamWriter| async move {
                let request = r.read_to_end().await?; // until the client's write_eof
                w.write(format!("got {} bytes", request.len()).as_bytes())?;
                w.close();
                w.wait_closed().await
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let (mut r, w) = open_connection(inet(&server)).await.unwrap();
        w.write(&[7u8; 10_000]).unwrap();
        w.write_eof().unwrap();
        assert!(w.is_closing());
        assert_eq!(r.read_to_end().await.unwrap(), b"got 10000 bytes", "{flavour}");
        assert!(r.at_eof());
        // A write after write_eof is an error, not a silent loss.
        assert_eq!(w.write(b"late").unwrap_err().kind(), ErrorKind::BrokenPipe, "{flavour}");
    });
}

#[test]
fn sixty_four_mib_arrive_intact() {
    const LEN: usize = 64 << 20;
    const BLOCK: usize = 1 << 20;
    // Block `b` is `PATTERN[b % 251..][..BLOCK]`: each block differs from its neighbours,
    // so a lost, doubled or reordered block shows.
    fn pattern() -> Arc<Vec<u8>> {
        Arc::new((0..BLOCK + 251).map(|i| (i * 31 % 251) as u8).collect())
    }
    block_on_both(|flavour| async move {
        let (a, b) = UnixStream::pair().unwrap();
        let (_, w) = weft::net::stream::streams(a);
        let mut r = StreamReader::new(b);
        let p = pattern();
        let writer = {
            let p = p.clone();
            weft::spawn(async move {
                for block in 0..LEN / BLOCK {
                    w.write(&p[block % 251..][..BLOCK])?;
                    w.drain().await?;
                }
                w.close();
                w.wait_closed().await
            })
        };
        let mut block = 0;
        loop {
            match r.readexactly(BLOCK).await {
                Ok(got) => {
                    assert!(got[..] == p[block % 251..][..BLOCK], "{flavour}: block {block} differs");
                    block += 1;
                }
                Err(StreamError::IncompleteRead { partial, .. }) => {
                    assert!(partial.is_empty(), "{flavour}: {} stray bytes", partial.len());
                    break;
                }
                Err(e) => panic!("{flavour}: {e}"),
            }
        }
        writer.await.unwrap().unwrap();
        assert_eq!(block * BLOCK, LEN, "{flavour}");
    });
}

/// Bytes written to `a` that its peer has not read yet.
fn unread(a: &UnixStream) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ) writes one c_int into a live local.
    assert_eq!(unsafe { libc::ioctl(a.as_raw_fd(), libc::TIOCOUTQ, &mut n) }, 0);
    n as usize
}

#[test]
fn a_cancelled_read_of_any_kind_loses_no_byte() {
    type Op = fn(
        &mut StreamReader,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Vec<u8>, StreamError>> + Send + '_>,
    >;
    let ops: [(&str, Op, &[u8], &[u8]); 5] = [
        ("readline", |r| Box::pin(r.readline()), b"first ha", b"lf\n"),
        ("readuntil", |r| Box::pin(r.readuntil(b"\r\n\r\n")), b"GET / HTTP/1.0\r\n", b"\r\n"),
        ("readexactly", |r| Box::pin(r.readexactly(10)), b"01234", b"56789"),
        ("read", |r| Box::pin(async move { Ok(r.read(100).await?) }), b"", b"late bytes"),
        (
            "read_to_end",
            |r| Box::pin(async move { Ok(r.read_to_end().await?) }),
            b"partial ",
            b"and the rest",
        ),
    ];
    let rt = common::current();
    common::watchdog("cancelled reads", common::WATCHDOG, move || {
        rt.block_on(async move {
            for (name, op, first, second) in ops {
                let (a, b) = UnixStream::pair().unwrap();
                a.write_all(first).await.unwrap();
                let mut reader = StreamReader::new(b);
                let task = weft::spawn(async move {
                    let r = op(&mut reader).await;
                    (reader, r.map_err(|e| e.is_cancelled()))
                });
                // The reader takes `first` out of the socket in the same step that then
                // waits for more.
                while unread(&a) > 0 {
                    weft::yield_now().await.unwrap();
                }
                weft::yield_now().await.unwrap();
                assert!(!task.is_finished(), "{name}: it should be waiting for more");
                task.cancel(None);
                let (mut reader, r) = task.await.unwrap();
                assert_eq!(r, Err(true), "{name}: cancelled");
                assert_eq!(reader.buffered(), first, "{name}: the buffered bytes stayed");
                a.write_all(second).await.unwrap();
                if name == "read_to_end" {
                    drop(a);
                }
                let whole: Vec<u8> = [first, second].concat();
                let got = op(&mut reader).await.unwrap();
                assert_eq!(got, whole, "{name}: the next read returns every byte once");
            }
        })
    });
}

/// A writer whose peer does not read: `drain` waits at the high water mark; cancelled
/// there, the data stays buffered and all of it arrives once the peer reads, in order
/// and once.
#[test]
fn a_cancelled_drain_loses_and_doubles_nothing() {
    block_on_both(|flavour| async move {
        const LEN: usize = 8 << 20;
        let (a, b) = UnixStream::pair().unwrap();
        let (_, w) = weft::net::stream::streams(a);
        w.set_write_buffer_limits(64 * 1024, None);
        let data: Vec<u8> = (0..LEN).map(|i| (i % 241) as u8).collect();
        w.write(&data).unwrap();
        assert!(w.write_buffer_size() > 64 * 1024, "{flavour}: the socket cannot take 8 MiB at once");
        let w = Arc::new(w);
        let started = Arc::new(weft::Event::new());
        let drainer = {
            let (w, started) = (w.clone(), started.clone());
            weft::spawn(async move {
                started.set();
                w.drain().await.map_err(|e| weft::io::is_cancelled_error(&e))
            })
        };
        started.wait().await.unwrap();
        drainer.cancel(None);
        assert_eq!(drainer.await.unwrap(), Err(true), "{flavour}: the drain was waiting");
        w.close();
        let mut r = StreamReader::new(b);
        let got = r.read_to_end().await.unwrap();
        assert!(got == data, "{flavour}: {} bytes arrived of {LEN}", got.len());
        w.wait_closed().await.unwrap();
    });
}

/// Closing a server cancels its handlers, which may await in their cleanup; wait_closed
/// returns when every cleanup is done.
#[test]
fn closing_a_server_cancels_its_handlers_and_waits_for_their_cleanup() {
    block_on_both(|flavour| async move {
        let cleaned = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let server = {
            let (cleaned, started) = (cleaned.clone(), started.clone());
            start_server(
                move |mut r: StreamReader, w: StreamWriter| {
                    let (cleaned, started) = (cleaned.clone(), started.clone());
                    async move {
                        started.fetch_add(1, SeqCst);
                        let r = r.readline().await; // the clients send nothing
                        // Cleanup that awaits: a goodbye, then a pause.
                        let _ = w.write(b"goodbye\n");
                        weft::time::sleep(Duration::from_millis(5)).await.unwrap();
                        cleaned.fetch_add(1, SeqCst);
                        r.map(|_| ())
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap()
        };
        let mut clients = Vec::new();
        for _ in 0..5 {
            clients.push(open_connection(inet(&server)).await.unwrap());
        }
        while started.load(SeqCst) < 5 {
            weft::yield_now().await.unwrap();
        }
        server.close();
        assert!(!server.is_serving());
        server.wait_closed().await.unwrap();
        assert_eq!(cleaned.load(SeqCst), 5, "{flavour}: every handler's cleanup ran");
        for (mut r, _w) in clients {
            assert_eq!(r.readline().await.unwrap(), b"goodbye\n", "{flavour}");
        }
        // Not listening any more.
        let e = TcpStream::connect(inet(&server)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{flavour}");
    });
}

#[test]
fn serve_forever_closes_the_server_when_cancelled() {
    block_on_both(|flavour| async move {
        let server = Arc::new(
            start_server(
                |_r: StreamReader, _w: StreamWriter| async { Ok::<_, std::io::Error>(()) },
                "127.0.0.1:0",
            )
            .await
            .unwrap(),
        );
        let started = Arc::new(weft::Event::new());
        let serving = {
            let (server, started) = (server.clone(), started.clone());
            weft::spawn(async move {
                started.set();
                server.serve_forever().await
            })
        };
        started.wait().await.unwrap();
        serving.cancel(None);
        assert!(serving.await.unwrap_err().is_cancelled(), "{flavour}");
        assert!(!server.is_serving(), "{flavour}");
        server.wait_closed().await.unwrap();
    });
}

#[test]
fn a_unix_server_and_datagrams() {
    block_on_both(|flavour| async move {
        let dir = temp_dir(&format!("unix-{flavour}"));
        let path = dir.join("echo.sock");
        let server = start_unix_server(echo_lines, &path).await.unwrap();
        assert_eq!(server.sockets()[0], StreamAddr::Unix(Some(path.clone())));
        let (mut r, w) = open_unix_connection(&path).await.unwrap();
        w.write(b"over unix\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"over unix\n", "{flavour}");
        // The path is taken while the server lives.
        let e = weft::net::UnixListener::bind(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AddrInUse, "{flavour}");
        server.close();
        server.wait_closed().await.unwrap();

        let a = weft::net::UnixDatagram::bind(dir.join("a.sock")).unwrap();
        let b = weft::net::UnixDatagram::bind(dir.join("b.sock")).unwrap();
        b.send_to(b"datagram", dir.join("a.sock")).await.unwrap();
        let mut buf = [0u8; 32];
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from.as_pathname()), (&b"datagram"[..], Some(dir.join("b.sock").as_path())));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn owned_halves_work_in_separate_tasks_and_reunite() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (read, write) = server.into_split();
        let (cread, cwrite) = client.into_split();
        let echo = weft::spawn(async move {
            let mut buf = [0u8; 1024];
            loop {
                match read.read(&mut buf).await? {
                    0 => return Ok::<_, std::io::Error>(()),
                    n => write.write_all(&buf[..n]).await?,
                }
            }
        });
        let data: Vec<u8> = (0..200_000).map(|i| (i % 199) as u8).collect();
        let sender = {
            let data = data.clone();
            weft::spawn(async move {
                cwrite.write_all(&data).await?;
                Ok::<_, std::io::Error>(cwrite) // dropping it would send the end of stream
            })
        };
        let mut got = vec![0u8; data.len()];
        cread.read_exact(&mut got).await.unwrap();
        assert!(got == data, "{flavour}");
        let cwrite = sender.await.unwrap().unwrap();
        let client = cread.reunite(cwrite).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        echo.await.unwrap().unwrap();
        // Halves of two different streams do not reunite.
        let (a, b) = UnixStream::pair().unwrap();
        let (ar, _aw) = a.into_split();
        let (_br, bw) = b.into_split();
        assert!(ar.reunite(bw).is_err(), "{flavour}");
    });
}

#[test]
fn vectored_writes_through_the_futures_io_trait() {
    use futures_io::AsyncWrite;
    use std::io::IoSlice;
    use std::pin::Pin;
    block_on_both(|flavour| async move {
        let (mut a, b) = UnixStream::pair().unwrap();
        let bufs = [IoSlice::new(b"one "), IoSlice::new(b"two "), IoSlice::new(b"three")];
        let n = std::future::poll_fn(|cx| Pin::new(&mut a).poll_write_vectored(cx, &bufs)).await.unwrap();
        assert_eq!(n, 13, "{flavour}: one writev took all three");
        drop(a);
        let mut out = Vec::new();
        b.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"one two three", "{flavour}");
    });
}

#[test]
fn readline_and_readuntil_keep_asyncios_limit_rules() {
    block_on_both(|flavour| async move {
        let (a, b) = UnixStream::pair().unwrap();
        let mut r = StreamReader::new(b);
        r.set_limit(8);
        a.write_all(b"0123456789abc\nshort\n").await.unwrap();
        // readuntil: the data stays.
        match r.readuntil(b"\n").await {
            Err(StreamError::LimitOverrun { consumed: 13, separator_found: true }) => {}
            other => panic!("{flavour}: {other:?}"),
        }
        assert_eq!(r.buffered(), b"0123456789abc\nshort\n");
        // readline: the long line is discarded with its newline, as asyncio does.
        assert!(matches!(r.readline().await, Err(StreamError::LimitOverrun { .. })), "{flavour}");
        assert_eq!(r.readline().await.unwrap(), b"short\n", "{flavour}");
        // No separator within the limit: discarded whole by readline.
        a.write_all(b"xxxxxxxxxxxxxxxxxxxx").await.unwrap();
        drop(a);
        match r.readuntil(b"\n").await {
            Err(StreamError::LimitOverrun { separator_found: false, .. }) => {}
            other => panic!("{flavour}: {other:?}"),
        }
        assert!(r.readline().await.is_err());
        assert_eq!(r.readline().await.unwrap(), b"", "{flavour}: end of stream");
        assert!(r.at_eof());
        // Read after EOF: empty again, never an error or a hang.
        assert_eq!(r.read(10).await.unwrap(), b"", "{flavour}");
        assert!(matches!(r.readexactly(1).await, Err(StreamError::IncompleteRead { .. })));
    });
}

#[test]
fn bad_input_is_a_clear_error() {
    block_on_both(|flavour| async move {
        // Connection refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let e = open_connection(closed).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{flavour}: {e}");
        // A port in use.
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let e = start_server(echo_lines, taken.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AddrInUse, "{flavour}: {e}");
        // An address that does not parse (no port).
        let e = open_connection("127.0.0.1").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{flavour}: {e}");
        // A Unix path that is too long; one that does not exist.
        let long = std::env::temp_dir().join("y".repeat(300));
        let e = start_unix_server(echo_lines, &long).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{flavour}: {e}");
        let e = open_unix_connection("/nonexistent/weft.sock").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{flavour}: {e}");
    });
}

#[test]
fn a_peer_that_resets_or_closes_is_an_error_not_a_signal() {
    block_on_both(|flavour| async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mut r, w) = open_connection(listener.local_addr().unwrap()).await.unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        peer.write_all(b"partial line").await.unwrap();
        // SO_LINGER 0: closing sends a reset instead of an end of stream.
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: setsockopt reads a live local linger struct.
        let rc = unsafe {
            use std::os::fd::AsRawFd;
            libc::setsockopt(
                peer.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
        drop(peer);
        let e = match r.readline().await {
            Err(StreamError::Io(e)) => e,
            Ok(line) if line.is_empty() => panic!("{flavour}: a reset is not an orderly end"),
            other => panic!("{flavour}: {other:?}"),
        };
        assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{flavour}: {e}");
        // Writing to the reset connection: an error from write or drain, and no SIGPIPE.
        let mut failed = None;
        for _ in 0..100 {
            if let Err(e) = w.write(&[0u8; 65536]) {
                failed = Some(e);
                break;
            }
            if let Err(e) = w.drain().await {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("writing to a reset peer fails");
        assert!(matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset), "{flavour}: {e}");
    });
}
