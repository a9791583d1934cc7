//! A write to a connection whose peer is gone is an error, never a `SIGPIPE` that ends
//! the process, even where `SIGPIPE` has its default action (a Rust program ignores it
//! from the start; a program embedding weft may not). This binary restores the default
//! action, so it holds this one test only.

mod common;

use std::io::ErrorKind;
use weft::net::UnixStream;

#[test]
fn a_write_to_a_closed_peer_is_an_error_not_a_signal() {
    // SAFETY: sets the default action of SIGPIPE for this test process.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    common::block_on_both(|flavour| async move {
        let (a, b) = UnixStream::pair().unwrap();
        drop(b);
        let e = a.write(b"anyone?").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{flavour}: {e}");
        let e = a.write_vectored(&[std::io::IoSlice::new(b"still?")]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{flavour}: {e}");
        let (c, d) = UnixStream::pair().unwrap();
        drop(d);
        let (_, w) = weft::net::stream::streams(c);
        let e = w.write(b"hello?").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "{flavour}: {e}");
    });
}
