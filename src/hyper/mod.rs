//! hyper 1.x on weft, with no glue to write (feature `hyper`).
//!
//! | item | what it is | hyper's trait or tokio's counterpart |
//! |---|---|---|
//! | [`Executor`] | spawns hyper's background futures as named weft tasks | `hyper::rt::Executor`; hyper-util's `TokioExecutor` |
//! | [`Timer`] | hyper's timeouts on weft's timer wheel and clock | `hyper::rt::Timer`; hyper-util's `TokioTimer` |
//! | [`Io`] | a [`TcpStream`](crate::net::TcpStream) or [`UnixStream`](crate::net::UnixStream) as hyper's I/O: reads into hyper's uninitialised buffer, vectored writes | `hyper::rt::Read`/`Write`; hyper-util's `TokioIo` |
//! | [`Server`], [`serve`] | accept loop; each connection a child of a task group; a cancellation shuts every connection down gracefully and waits for it | hyper-util's `GracefulShutdown` + a `JoinSet` |
//! | [`Client`], [`connect`], [`handshake`] | one HTTP/1 connection, driven by a weft task; `send` is a checkpoint | `hyper::client::conn::http1` + `tokio::spawn` |
//! | [`Full`], [`collect`] | a body known in full; reading a body to its end | http-body-util's `Full`, `BodyExt::collect` |
//!
//! ```
//! use std::convert::Infallible;
//! use hyper::{Request, Response, body::Incoming};
//! use weft::hyper::Full;
//!
//! async fn hello(req: Request<Incoming>) -> Result<Response<Full>, Infallible> {
//!     Ok(Response::new(Full::new(format!("hello from {}", req.uri().path()))))
//! }
//!
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let server = weft::spawn(weft::hyper::serve(listener, hyper::service::service_fn(hello)));
//!
//! let mut client = weft::hyper::connect(addr).await?;
//! let resp = client.send(Request::get("/weft").body(Full::empty())?).await?;
//! assert_eq!(weft::hyper::collect(resp.into_body()).await?, "hello from /weft");
//!
//! server.cancel(Some("shutdown")); // every connection is shut down and joined
//! assert!(server.await.unwrap_err().is_cancelled());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
//! ```
//!
//! **Cancellation.** The server's connections are the children of a
//! [`TaskGroup`](crate::TaskGroup): a cancellation of the task running
//! [`Server::serve`] (or a deadline around it) cancels each connection, which shuts
//! down gracefully and cancels its in-flight handler ([`Server::serve_connection`] says
//! how), and `serve` returns once all are done. hyper's timer sleeps are not
//! checkpoints ([`Timer`] says why). A [`Client::send`] is one.
//!
//! HTTP/1.1 only: hyper's `http2` feature needs the `h2` crate, which builds tokio's
//! I/O utilities; weft keeps tokio out of its build (hyper 1.x itself depends on
//! tokio's `sync` channels only, and nothing of tokio's runtime runs).

mod body;
mod client;
mod io;
mod rt;
mod server;

pub use body::{BoxError, Full, collect};
pub use bytes::Bytes;
pub use client::{Client, ClientError, connect, handshake};
pub use io::Io;
pub use rt::{Executor, Timer, TimerSleep};
pub use server::{ConnectionError, DEFAULT_GRACE, Server, serve};
