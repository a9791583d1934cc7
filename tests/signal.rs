//! `weft::signal`: listeners that hear every signal sent after they were made, many at
//! once, each wait a checkpoint; signals that cannot be caught are refused. Each test
//! uses a signal of its own (tests run in parallel in one process), sent to this very
//! process with `raise`.

mod common;

use common::block_on_both;
use std::sync::Arc;
use weft::signal::{SignalKind, signal};

fn raise(kind: SignalKind) {
    // SAFETY: raise only sends a signal, whose handler weft installed.
    assert_eq!(unsafe { libc::raise(kind.as_raw()) }, 0);
}

#[test]
fn a_signal_is_delivered_to_every_listener() {
    block_on_both(|flavour| async move {
        let kind = SignalKind::user_defined1();
        let ready = Arc::new(weft::Barrier::new(5).unwrap());
        let listeners: Vec<_> = (0..4)
            .map(|_| {
                let ready = ready.clone();
                let l = signal(kind).unwrap();
                weft::spawn(async move {
                    ready.wait().await.unwrap();
                    l.recv().await
                })
            })
            .collect();
        ready.wait().await.unwrap();
        raise(kind);
        for l in listeners {
            l.await.unwrap().unwrap_or_else(|c| panic!("{flavour}: {c}"));
        }
    });
}

#[test]
fn a_signal_sent_while_nobody_waits_is_not_lost() {
    block_on_both(|flavour| async move {
        let kind = SignalKind::user_defined2();
        let l = signal(kind).unwrap();
        raise(kind);
        l.recv().await.unwrap_or_else(|c| panic!("{flavour}: {c}"));
    });
}

#[test]
fn a_cancelled_recv_leaves_the_signal_for_the_next() {
    block_on_both(|flavour| async move {
        let kind = SignalKind::window_change();
        let l = Arc::new(signal(kind).unwrap());
        let started = Arc::new(weft::Event::new());
        let waiter = {
            let (l, started) = (l.clone(), started.clone());
            weft::spawn(async move {
                started.set();
                l.recv().await
            })
        };
        started.wait().await.unwrap();
        weft::yield_now().await.unwrap();
        waiter.cancel(None);
        assert!(waiter.await.unwrap_err().is_cancelled(), "{flavour}: the recv was a checkpoint");
        raise(kind);
        l.recv().await.unwrap_or_else(|c| panic!("{flavour}: {c}"));
        // Cancelled before its first poll: a checkpoint all the same.
        weft::current_task().unwrap().cancel(None);
        assert!(l.recv().await.is_err(), "{flavour}");
    });
}

#[test]
fn signals_that_cannot_be_caught_are_refused() {
    block_on_both(|flavour| async move {
        for raw in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -3, 1000] {
            let err = signal(SignalKind::from_raw(raw)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{flavour}: {raw}: {err}");
        }
    });
}

#[test]
fn a_listener_needs_a_runtime() {
    let err = signal(SignalKind::hangup()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Other, "{err}");
}
