//! An HTTP/1.1 client: hyper on weft. Starts a local hyper server (so that it runs
//! anywhere), then sends requests over one keep-alive connection.
//!
//! `cargo run --example http_client --features hyper`

use std::convert::Infallible;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft::hyper::{Full, collect};

async fn greet(req: Request<Incoming>) -> Result<Response<Full>, Infallible> {
    Ok(Response::new(Full::new(format!("you asked for {}", req.uri().path()))))
}

#[weft::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = weft::spawn(weft::hyper::serve(listener, service_fn(greet)));

    let mut client = weft::hyper::connect(addr).await?;
    for path in ["/", "/weft", "/hyper"] {
        let req = Request::get(path).header("host", addr.to_string()).body(Full::empty())?;
        let resp = client.send(req).await?;
        let status = resp.status();
        let body = collect(resp.into_body()).await?;
        println!("GET {path} -> {status}: {}", String::from_utf8_lossy(&body));
    }

    server.cancel(None);
    let _ = server.await;
    Ok(())
}
