//! I/O readiness through `weft::io::Registration`: readable / writable over a mio
//! UnixStream pair and a loopback TCP pair, wakes from another thread's writes, and
//! cancellation while waiting.

mod common;

use common::block_on_both;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};
use weft::io::{Direction, Registration};

fn interest_rw() -> mio::Interest {
    mio::Interest::READABLE | mio::Interest::WRITABLE
}

#[test]
fn unix_pair_is_writable_then_readable_once_the_peer_writes() {
    block_on_both(|flavour| async move {
        let (mut a, mut b) = mio::net::UnixStream::pair().unwrap();
        let reg_a = Registration::new(&mut a, interest_rw()).unwrap();
        let reg_b = Registration::new(&mut b, interest_rw()).unwrap();
        let w = reg_a.writable().await.unwrap();
        assert!(!w.is_closed() && !w.is_shutdown(), "{flavour}");
        let n = reg_a.io(Direction::Write, || a.write(b"ping")).await.unwrap();
        assert_eq!(n, 4);
        let mut buf = [0u8; 16];
        let n = reg_b.io(Direction::Read, || b.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"ping", "{flavour}");
        reg_a.deregister(&mut a).unwrap();
        reg_b.deregister(&mut b).unwrap();
    });
}

#[test]
fn a_reader_waits_until_the_peer_writes_from_another_thread() {
    block_on_both(|flavour| async move {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        let mut b = mio::net::UnixStream::from_std(b);
        let reg = Registration::new(&mut b, mio::Interest::READABLE).unwrap();
        // Read before the writer starts its 30 ms wait: the write comes at least that
        // long after, however the threads are scheduled.
        let start = Instant::now();
        let writer = std::thread::spawn(move || {
            let mut a = a;
            std::thread::sleep(Duration::from_millis(30));
            a.write_all(b"late").unwrap();
            a
        });
        let mut buf = [0u8; 8];
        let n = reg.io(Direction::Read, || b.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"late", "{flavour}");
        assert!(start.elapsed() >= Duration::from_millis(30), "{flavour}: read before the write?");
        let a = writer.join().unwrap();
        // End of stream: the read side reports closed and read gives 0.
        drop(a);
        let ev = reg.readable().await.unwrap();
        let n = reg.io(Direction::Read, || b.read(&mut buf)).await.unwrap();
        assert_eq!(n, 0, "{flavour}: end of stream");
        assert!(ev.is_closed() || n == 0);
    });
}

#[test]
fn a_stream_of_many_chunks_arrives_whole() {
    block_on_both(|flavour| async move {
        let (mut a, mut b) = mio::net::UnixStream::pair().unwrap();
        let reg_a = Registration::new(&mut a, mio::Interest::WRITABLE).unwrap();
        let reg_b = Registration::new(&mut b, mio::Interest::READABLE).unwrap();
        const TOTAL: usize = 1 << 20; // more than a socket buffer: both sides must wait
        let writer = weft::spawn(async move {
            let chunk = vec![7u8; 4096];
            let mut sent = 0;
            while sent < TOTAL {
                let len = chunk.len().min(TOTAL - sent);
                sent += reg_a.io(Direction::Write, || a.write(&chunk[..len])).await.unwrap();
            }
            drop(reg_a);
            drop(a);
            sent
        });
        let mut got = 0;
        let mut buf = vec![0u8; 8192];
        loop {
            let n = reg_b.io(Direction::Read, || b.read(&mut buf)).await.unwrap();
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&x| x == 7));
            got += n;
        }
        assert_eq!(writer.await.unwrap(), TOTAL);
        assert_eq!(got, TOTAL, "{flavour}");
    });
}

#[test]
fn loopback_tcp_echo() {
    block_on_both(|flavour| async move {
        let mut listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let reg_l = Registration::new(&mut listener, mio::Interest::READABLE).unwrap();
        let server = weft::spawn(async move {
            let (mut conn, _) = reg_l.io(Direction::Read, || listener.accept()).await.unwrap();
            let reg = Registration::new(&mut conn, interest_rw()).unwrap();
            let mut buf = [0u8; 64];
            let n = reg.io(Direction::Read, || conn.read(&mut buf)).await.unwrap();
            let mut echoed = 0;
            while echoed < n {
                echoed += reg.io(Direction::Write, || conn.write(&buf[echoed..n])).await.unwrap();
            }
            n
        });
        let mut client = mio::net::TcpStream::connect(addr).unwrap();
        let reg_c = Registration::new(&mut client, interest_rw()).unwrap();
        // Connected once writable (a non-blocking connect).
        reg_c.writable().await.unwrap();
        assert!(client.peer_addr().is_ok(), "{flavour}: not connected");
        reg_c.io(Direction::Write, || client.write(b"hello weft")).await.unwrap();
        let mut buf = [0u8; 64];
        let mut got = 0;
        while got < 10 {
            got += reg_c.io(Direction::Read, || client.read(&mut buf[got..])).await.unwrap();
        }
        assert_eq!(&buf[..got], b"hello weft", "{flavour}");
        assert_eq!(server.await.unwrap(), 10);
    });
}

#[test]
fn cancel_while_waiting_for_readiness() {
    block_on_both(|flavour| async move {
        let (_a, mut b) = mio::net::UnixStream::pair().unwrap();
        let started = common::Flag::new();
        let s2 = started.clone();
        let t = weft::spawn(async move {
            let reg = Registration::new(&mut b, mio::Interest::READABLE).unwrap();
            s2.set();
            // (Report the message, not the Cancelled itself: returning it would end
            // this task cancelled.)
            let r = reg.readable().await.map(|_| ()).map_err(|c| c.message().map(String::from));
            // The same through io(): the cancellation becomes an error of kind Other (never
            // Interrupted, which retry loops retry).
            weft::current_task().unwrap().cancel(Some("again"));
            let mut buf = [0u8; 4];
            let e = reg.io(Direction::Read, || b.read(&mut buf)).await.unwrap_err();
            (r, e.kind())
        });
        started.wait().await;
        t.cancel(Some("no data is coming"));
        let (r, kind) = t.await.unwrap();
        assert_eq!(r, Err(Some("no data is coming".to_string())), "{flavour}");
        assert_eq!(kind, ErrorKind::Other, "{flavour}");
    });
}

/// Two tasks wait for the same registration to become readable: one event wakes both
/// (with one waker slot per direction, the second would have replaced the first, which
/// would then wait forever).
#[test]
fn two_tasks_waiting_on_one_registration_both_wake() {
    block_on_both(|flavour| async move {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        let mut b = mio::net::UnixStream::from_std(b);
        let reg = std::sync::Arc::new(Registration::new(&mut b, mio::Interest::READABLE).unwrap());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let reg = reg.clone();
                weft::spawn(async move { reg.readable().await.map(|e| !e.is_shutdown()) })
            })
            .collect();
        // Both are suspended in `readable` before the write.
        weft::time::sleep(Duration::from_millis(50)).await.unwrap();
        let mut a = a;
        a.write_all(b"x").unwrap();
        for w in waiters {
            let woke = weft::move_on_after(Duration::from_secs(10), w).await;
            assert!(matches!(woke, Some(Ok(Ok(true)))), "{flavour}: a waiter was not woken");
        }
        let mut buf = [0u8; 1];
        assert_eq!(reg.io(Direction::Read, || b.read(&mut buf)).await.unwrap(), 1);
    });
}

#[test]
fn registration_outside_a_runtime_is_an_error() {
    let (mut a, _b) = mio::net::UnixStream::pair().unwrap();
    let err = Registration::new(&mut a, mio::Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(err.to_string().contains("outside a weft runtime"), "{err}");
}

#[test]
fn a_task_waiting_on_io_is_dropped_at_shutdown() {
    common::on_both(|rt, flavour| {
        let live = common::Live::new();
        let g = live.guard();
        let (_a, mut b) = mio::net::UnixStream::pair().unwrap();
        let started = common::Flag::new();
        let s2 = started.clone();
        let _t = rt.spawn(async move {
            let _g = g;
            let reg = Registration::new(&mut b, mio::Interest::READABLE).unwrap();
            s2.set();
            reg.readable().await.map(|_| ())
        });
        rt.block_on(started.wait());
        drop(rt);
        assert_eq!(live.count(), 0, "{flavour}");
    });
}
