//! Seed 002, "Streaming TCP with asyncio.open_connection": a plain-TCP HTTP/1.0 request.
//! The recipe fetches from example.com; to run anywhere (no network needed), this one
//! first starts a tiny HTTP/1.0 server on loopback, in the same program, and fetches
//! from it with exactly the recipe's steps.
//!
//! ```text
//! HTTP/1.0 200 OK
//! ```
use std::net::Shutdown;
use weft::net::{TcpListener, TcpStream};

/// The recipe's `fetch_http`: connect, send the request, read to the end, close.
async fn fetch_http(host: &'static str, port: u16, path: &str) -> std::io::Result<String> {
    let stream = TcpStream::connect((host, port)).await?; // asyncio.open_connection
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes()).await?; // write + drain
    let mut body = Vec::new();
    stream.read_to_end(&mut body).await?; // await reader.read()
    drop(stream); // writer.close(); await writer.wait_closed()
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Answers one request the way an HTTP/1.0 server does: status line, headers, body, close.
async fn serve_once(listener: TcpListener) -> std::io::Result<()> {
    let (conn, _) = listener.accept().await?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await? {
            0 => break,
            n => request.extend_from_slice(&buf[..n]),
        }
    }
    let body = "<html>hello</html>";
    let response =
        format!("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    conn.write_all(response.as_bytes()).await?;
    conn.shutdown(Shutdown::Write)
}

fn main() -> std::io::Result<()> {
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let server = weft::spawn(serve_once(listener));
        let response = fetch_http("127.0.0.1", port, "/").await?;
        println!("{}", response.lines().next().unwrap_or(""));
        server.await.map_err(std::io::Error::other)?
    })
}
