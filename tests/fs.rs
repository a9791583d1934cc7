//! `weft::fs`: the path functions, a directory listing, and `File` through the
//! futures-io traits; cancelled reads lose no byte.

mod common;

use common::block_on_both;
use std::io::{ErrorKind, SeekFrom};
use std::sync::Arc;
use weft::fs::File;

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("weft-test-fs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn the_path_functions() {
    block_on_both(|flavour| async move {
        let d = dir(flavour);
        weft::fs::create_dir_all(d.join("sub")).await.unwrap();
        weft::fs::write(d.join("a.txt"), b"alpha").await.unwrap();
        assert_eq!(weft::fs::copy(d.join("a.txt"), d.join("sub/b.txt")).await.unwrap(), 5);
        weft::fs::rename(d.join("sub/b.txt"), d.join("b.txt")).await.unwrap();
        assert_eq!(weft::fs::read(d.join("b.txt")).await.unwrap(), b"alpha");
        assert!(weft::fs::metadata(d.join("sub")).await.unwrap().is_dir());
        assert!(weft::fs::try_exists(d.join("a.txt")).await.unwrap());
        let mut names = Vec::new();
        let mut entries = weft::fs::read_dir(&d).await.unwrap();
        while let Some(e) = entries.next_entry().await.unwrap() {
            names.push(e.file_name().into_string().unwrap());
        }
        names.sort();
        assert_eq!(names, ["a.txt", "b.txt", "sub"], "{flavour}");
        weft::fs::remove_file(d.join("a.txt")).await.unwrap();
        let e = weft::fs::read_to_string(d.join("a.txt")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{flavour}");
        let e = weft::fs::remove_dir(&d).await.unwrap_err(); // not empty
        assert_eq!(e.kind(), ErrorKind::DirectoryNotEmpty, "{flavour}: {e}");
        weft::fs::remove_dir_all(&d).await.unwrap();
        assert!(!weft::fs::try_exists(&d).await.unwrap());
    });
}

#[test]
fn a_file_through_the_futures_io_traits() {
    use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
    use std::future::poll_fn;
    use std::pin::Pin;
    block_on_both(|flavour| async move {
        let d = dir(&format!("traits-{flavour}"));
        weft::fs::create_dir_all(&d).await.unwrap();
        let path = d.join("f");
        let mut f =
            weft::fs::OpenOptions::new().read(true).write(true).create(true).open(&path).await.unwrap();
        for chunk in [&b"hello "[..], b"async ", b"files"] {
            let n = poll_fn(|cx| Pin::new(&mut f).poll_write(cx, chunk)).await.unwrap();
            assert_eq!(n, chunk.len());
        }
        poll_fn(|cx| Pin::new(&mut f).poll_flush(cx)).await.unwrap();
        let at = poll_fn(|cx| Pin::new(&mut f).poll_seek(cx, SeekFrom::Start(6))).await.unwrap();
        assert_eq!(at, 6);
        let mut buf = [0u8; 5];
        let n = poll_fn(|cx| Pin::new(&mut f).poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], &b"async"[..n], "{flavour}");
        // Overwrite after reading: the write lands where the reader is, not where the
        // thread's read-ahead left the OS position.
        f.seek(SeekFrom::Start(0)).await.unwrap();
        let mut two = [0u8; 2];
        f.read_exact(&mut two).await.unwrap();
        f.write_all(b"LL").await.unwrap();
        f.flush().await.unwrap();
        assert_eq!(weft::fs::read(&path).await.unwrap(), b"heLLo async files", "{flavour}");
        f.set_len(5).await.unwrap();
        assert_eq!(f.metadata().await.unwrap().len(), 5);
        drop(f);
        weft::fs::remove_dir_all(&d).await.unwrap();
    });
}

/// A reader reads a 1 MiB file in small pieces while it is cancelled again and again;
/// what it collects is the file, every byte once.
#[test]
fn cancelled_file_reads_lose_nothing() {
    block_on_both(|flavour| async move {
        let d = dir(&format!("chaos-{flavour}"));
        weft::fs::create_dir_all(&d).await.unwrap();
        let path = d.join("data");
        let data: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
        weft::fs::write(&path, &data).await.unwrap();
        let f = File::open(&path).await.unwrap();
        let started = Arc::new(weft::Event::new());
        // Shared, because the reader may end cancelled (a request that arrived after its
        // last read), and then has no value to return.
        let got = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let reader = {
            let (started, got) = (started.clone(), got.clone());
            weft::spawn(async move {
                let mut f = f;
                started.set();
                let mut buf = vec![0u8; 4093];
                loop {
                    match f.read(&mut buf).await {
                        Ok(0) => return,
                        Ok(n) => got.lock().extend_from_slice(&buf[..n]),
                        Err(e) if weft::io::is_cancelled_error(&e) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        };
        started.wait().await.unwrap();
        let r = reader.task_ref();
        while !r.is_finished() {
            r.cancel(None);
            weft::yield_now().await.unwrap();
        }
        let _ = reader.await;
        let got = std::mem::take(&mut *got.lock());
        assert!(got == data, "{flavour}: {} bytes of {}", got.len(), data.len());
        weft::fs::remove_dir_all(&d).await.unwrap();
    });
}

#[test]
fn file_io_outside_a_runtime_is_an_error() {
    let rt = common::current();
    let path = std::env::temp_dir();
    // The future is made inside, polled outside: no pool to run on.
    let fut = weft::fs::metadata(path);
    drop(rt);
    let e = futures_lite_block_on(fut).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Other, "{e}");
}

/// Polls a future to completion on this thread, outside any runtime.
fn futures_lite_block_on<F: std::future::Future>(fut: F) -> F::Output {
    let waker = futures_task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
