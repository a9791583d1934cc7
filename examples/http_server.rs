//! An HTTP/1.1 server: hyper on weft, with no glue. Each connection is a child of the
//! server's task group; Ctrl-C (or `--for SECS`) cancels the server, which shuts every
//! connection down gracefully and waits for them before it exits.
//!
//! `cargo run --example http_server --features hyper -- [--port 8080] [--for SECS]`,
//! then `curl http://127.0.0.1:8080/hello`.

use std::convert::Infallible;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use weft::hyper::{Full, collect};

async fn handle(req: Request<Incoming>) -> Result<Response<Full>, Infallible> {
    let resp = match (req.method(), req.uri().path()) {
        (&Method::GET, "/hello") => Response::new(Full::new("hello, world\n")),
        (&Method::POST, "/echo") => match collect(req.into_body()).await {
            Ok(body) => Response::new(Full::new(body)),
            Err(e) => status(StatusCode::BAD_REQUEST, format!("{e}\n")),
        },
        _ => status(StatusCode::NOT_FOUND, "try GET /hello or POST /echo\n".into()),
    };
    Ok(resp)
}

fn status(code: StatusCode, text: String) -> Response<Full> {
    let mut r = Response::new(Full::new(text));
    *r.status_mut() = code;
    r
}

#[weft::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let port: u16 = arg("--port").map_or(Ok(8080), |p| p.parse())?;
    let run_for: Option<f64> = arg("--for").map(|s| s.parse()).transpose()?;

    let listener = weft::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let server = weft::spawn_named("http server", weft::hyper::serve(listener, service_fn(handle)));
    match run_for {
        Some(secs) => weft::time::sleep(Duration::from_secs_f64(secs)).await?,
        None => weft::signal::ctrl_c().await?,
    }
    server.cancel(Some("shutting down"));
    let _ = server.await; // returns once every connection is closed
    println!("server stopped");
    Ok(())
}
