//! `weft::hyper`: hyper 1.x served and called on weft.
#![cfg(feature = "hyper")]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft::hyper::{ClientError, Full, Io, Server, collect};
use weft::net::{TcpListener, TcpStream};

type BoxError = weft::hyper::BoxError;

async fn echo(req: Request<Incoming>) -> Result<Response<Full>, BoxError> {
    let path = req.uri().path().to_owned();
    let body = collect(req.into_body()).await?;
    let mut resp = Response::new(Full::new(body));
    resp.headers_mut().insert("x-path", path.parse()?);
    Ok(resp)
}

async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

fn connection_tasks() -> usize {
    weft::all_tasks()
        .iter()
        .filter(|t| !t.is_finished() && t.name().is_some_and(|n| n.starts_with("hyper connection from ")))
        .count()
}

#[weft::test(flavor = "multi_thread", worker_threads = 2, timeout = "60s")]
async fn round_trip() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let mut client = weft::hyper::connect(addr).await?;
    let resp = client.send(Request::post("/ping").body(Full::new("hello"))?).await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-path"], "/ping");
    assert_eq!(resp.headers()["content-length"], "5");
    assert_eq!(collect(resp.into_body()).await?, "hello");
    server.cancel(None);
    assert!(server.await.unwrap_err().is_cancelled());
    Ok(())
}

#[weft::test(timeout = "60s")]
async fn keep_alive_reuses_one_connection() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let mut client = weft::hyper::connect(addr).await?;
    for i in 0..5 {
        let resp = client.send(Request::post("/").body(Full::new(format!("request {i}")))?).await?;
        assert_eq!(collect(resp.into_body()).await?, format!("request {i}"));
        assert!(!client.is_closed(), "the connection stays open between requests");
    }
    assert_eq!(connection_tasks(), 1, "five requests, one connection, one task");
    server.cancel(None);
    let _ = server.await;
    assert_eq!(connection_tasks(), 0);
    Ok(())
}

#[weft::test(flavor = "multi_thread", worker_threads = 2, timeout = "60s")]
async fn one_mebibyte_body_both_ways() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let body: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
    let mut client = weft::hyper::connect(addr).await?;
    for _ in 0..2 {
        let resp = client.send(Request::post("/big").body(Full::new(body.clone()))?).await?;
        assert_eq!(resp.headers()["content-length"], "1048576");
        let back = collect(resp.into_body()).await?;
        assert!(back == body[..], "the 1 MiB body came back intact");
    }
    server.cancel(None);
    let _ = server.await;
    Ok(())
}

/// Shutdown: the server is cancelled while a handler is suspended in a slow request.
/// The handler sees the cancellation and cleans up, an idle keep-alive connection is
/// closed, and `serve` returns only after both connections have finished.
#[weft::test(flavor = "multi_thread", worker_threads = 2, timeout = "60s")]
async fn shutdown_cancels_an_in_flight_request_and_waits_for_its_cleanup() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let started = Arc::new(weft::Event::new());
    let cleaned_up = Arc::new(AtomicBool::new(false));
    let svc = {
        let (started, cleaned_up) = (started.clone(), cleaned_up.clone());
        service_fn(move |req: Request<Incoming>| {
            let (started, cleaned_up) = (started.clone(), cleaned_up.clone());
            async move {
                if req.uri().path() == "/slow" {
                    started.set();
                    if let Err(c) = weft::time::sleep(Duration::from_secs(3600)).await {
                        cleaned_up.store(true, SeqCst); // the handler's cleanup
                        return Err(BoxError::from(c));
                    }
                }
                Ok::<_, BoxError>(Response::new(Full::new("fast")))
            }
        })
    };
    let server = weft::spawn(weft::hyper::serve(l, svc));

    // An idle keep-alive connection, after one request.
    let idle = {
        let mut c = weft::hyper::connect::<Full, _>(addr).await?;
        let resp = c.send(Request::get("/").body(Full::empty())?).await?;
        assert_eq!(collect(resp.into_body()).await?, "fast");
        c
    };
    // A request the handler never finishes on its own.
    let slow = weft::spawn(async move {
        let mut c = weft::hyper::connect::<Full, _>(addr).await?;
        c.send(Request::get("/slow").body(Full::empty())?).await.map(|_| ()).map_err(BoxError::from)
    });
    started.wait().await?;
    assert_eq!(connection_tasks(), 2);

    server.cancel(Some("shutdown"));
    let e = server.await.unwrap_err();
    assert!(e.is_cancelled());
    // `serve` returned: every connection had finished, the handler's cleanup included.
    assert!(cleaned_up.load(SeqCst), "the in-flight handler saw the cancellation and cleaned up");
    assert_eq!(connection_tasks(), 0);
    // The slow request got no response: its connection was closed.
    let err = slow.await.unwrap().unwrap_err();
    assert!(err.downcast_ref::<ClientError>().is_some_and(|e| matches!(e, ClientError::Http(_))), "{err}");
    // The idle connection was closed by the server: its driver ends without error.
    let (_sender, driver) = idle.into_parts();
    assert!(driver.await.unwrap().is_ok());
    Ok(())
}

/// A deadline around `serve` works as a shutdown: the connections are closed and joined.
#[weft::test(timeout = "60s")]
async fn a_deadline_around_serve_closes_its_connections() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let accepted = Arc::new(weft::Event::new());
    let svc = {
        let accepted = accepted.clone();
        service_fn(move |_req: Request<Incoming>| {
            accepted.set();
            async { Ok::<_, Infallible>(Response::new(Full::new("hi"))) }
        })
    };
    let client = weft::spawn(async move {
        let mut c = weft::hyper::connect::<Full, _>(addr).await?;
        let resp = c.send(Request::get("/").body(Full::empty())?).await?;
        collect(resp.into_body()).await?;
        let (_sender, driver) = c.into_parts();
        driver.await.unwrap()?; // until the server closes the idle connection
        Ok::<_, BoxError>(())
    });
    let served = weft::move_on_after(Duration::from_millis(50), weft::hyper::serve(l, svc)).await;
    assert!(served.is_none(), "serve ran until its deadline");
    assert!(accepted.is_set());
    assert_eq!(connection_tasks(), 0, "the deadline's shutdown joined the connection");
    client.await.unwrap()?;
    Ok(())
}

/// A client task cancelled while its request is in flight: `send` returns the
/// cancellation, the connection is closed (its response would arrive unread).
#[weft::test(flavor = "multi_thread", worker_threads = 2, timeout = "60s")]
async fn a_client_cancelled_mid_request() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let started = Arc::new(weft::Event::new());
    let release = Arc::new(weft::Event::new());
    let svc = {
        let (started, release) = (started.clone(), release.clone());
        service_fn(move |_req: Request<Incoming>| {
            let (started, release) = (started.clone(), release.clone());
            async move {
                started.set();
                release.wait().await?;
                Ok::<_, BoxError>(Response::new(Full::new("late")))
            }
        })
    };
    let server = weft::spawn(weft::hyper::serve(l, svc));
    let (tx, rx) = weft::oneshot::channel();
    let request = weft::spawn(async move {
        let mut c = weft::hyper::connect::<Full, _>(addr).await?;
        let r = c.send(Request::get("/").body(Full::empty())?).await;
        let _ = tx.send(c);
        r.map(|_| ()).map_err(BoxError::from)
    });
    started.wait().await?;
    assert!(request.cancel(Some("user went away")));
    let err = request.await.unwrap_err();
    assert!(err.is_cancelled(), "the client task ended cancelled: {err:?}");
    let client = rx.await.unwrap();
    let (sender, driver) = client.into_parts();
    assert!(driver.await.is_err(), "the connection's task was stopped");
    assert!(sender.is_closed(), "the connection is closed");
    release.set();
    server.cancel(None);
    let _ = server.await;
    Ok(())
}

/// `serve_connection` over a Unix socket, and its cancellation outcome.
#[weft::test(timeout = "60s")]
async fn serve_connection_over_unix_and_its_cancellation() -> Result<(), BoxError> {
    let (a, b) = weft::net::UnixStream::pair()?;
    let conn = weft::spawn(async move {
        let r = Server::new().serve_connection(Io::new(a), service_fn(echo)).await;
        let e = r.unwrap_err();
        assert!(weft::is_cancellation(&e));
        assert!(matches!(e, weft::hyper::ConnectionError::Cancelled(_)), "{e:?}");
        Err::<(), _>(e) // the task ends cancelled: it propagates its cancellation
    });
    let mut client = weft::hyper::handshake::<_, Full>(b).await?;
    let resp = client.send(Request::post("/").body(Full::new("unix"))?).await?;
    assert_eq!(collect(resp.into_body()).await?, "unix");
    conn.cancel(None);
    assert!(conn.await.unwrap_err().is_cancelled());
    Ok(())
}

/// hyper's own client over weft's `Io`, against the server, many requests in turn.
#[weft::test(flavor = "multi_thread", worker_threads = 2, timeout = "60s")]
async fn hyper_client_over_io_directly() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
    let driver = weft::spawn(conn);
    let n = AtomicUsize::new(0);
    for i in 0..50 {
        sender.ready().await?; // the previous response is read: the connection is free
        let resp = sender.send_request(Request::post("/").body(Full::new(format!("{i}")))?).await?;
        assert_eq!(collect(resp.into_body()).await?, format!("{i}"));
        n.fetch_add(1, SeqCst);
    }
    drop(sender);
    driver.await.unwrap()?;
    assert_eq!(n.load(SeqCst), 50);
    server.cancel(None);
    let _ = server.await;
    Ok(())
}

/// `serve` cancelled before its first poll: it never listens, and its listener is closed;
/// cancelling it after it ended does nothing.
#[weft::test(timeout = "60s")]
async fn serve_cancelled_before_its_first_poll_and_after_it_ended() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    assert!(server.cancel(None));
    assert!(server.await.unwrap_err().is_cancelled());
    let refused = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);

    let (l, _) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let handle = server.task_ref();
    server.cancel(None);
    let _ = server.await;
    assert!(!handle.cancel(None), "a finished server takes no cancellation");
    Ok(())
}

/// A `send` from a task whose cancellation is already pending: no request goes out, and
/// the connection is closed.
#[weft::test(timeout = "60s")]
async fn send_with_a_cancellation_pending() -> Result<(), BoxError> {
    let (l, addr) = listener().await;
    let server = weft::spawn(weft::hyper::serve(l, service_fn(echo)));
    let mut client = weft::hyper::connect::<Full, _>(addr).await?;
    weft::current_task().unwrap().cancel(Some("gone"));
    let r = client.send(Request::post("/").body(Full::new("x"))?).await;
    assert!(matches!(&r, Err(ClientError::Cancelled(c)) if c.message() == Some("gone")), "{r:?}");
    drop(r); // the delivered cancellation, handled here
    let (sender, driver) = client.into_parts();
    assert!(driver.await.is_err(), "the connection's task was stopped");
    assert!(sender.is_closed());
    server.cancel(None);
    let _ = server.await;
    Ok(())
}
