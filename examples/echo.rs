//! An echo server and its client, on asyncio's streams.
//!
//! ```text
//! cargo run --example echo -- server 127.0.0.1:7007   # serves until Ctrl-C
//! cargo run --example echo -- client 127.0.0.1:7007   # sends stdin's lines, prints the echoes
//! cargo run --example echo                            # both, in one process, as a demonstration
//! ```
//!
//! The server is `start_server` with one handler per connection (children of the
//! server's task group); `serve_forever` returns when Ctrl-C cancels the main task, after
//! the server has closed and every handler has finished.
use std::io::BufRead;
use weft::net::{StreamAddr, StreamReader, StreamWriter, open_connection, start_server};

/// Echoes each line back until the client closes its side.
async fn echo(mut reader: StreamReader, writer: StreamWriter) -> std::io::Result<()> {
    loop {
        let line = reader.readline().await?;
        if line.is_empty() {
            break;
        }
        writer.write(&line)?;
        writer.drain().await?; // back-pressure: wait if the client reads slowly
    }
    writer.close();
    writer.wait_closed().await
}

async fn client(addr: String, lines: Vec<String>) -> std::io::Result<()> {
    let (mut reader, writer) = open_connection(addr).await?;
    for line in lines {
        writer.write(format!("{line}\n").as_bytes())?;
        writer.drain().await?;
        let back = reader.readline().await?;
        print!("echo: {}", String::from_utf8_lossy(&back));
    }
    writer.close();
    writer.wait_closed().await
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    weft::run(async move {
        match args.first().map(String::as_str) {
            Some("server") => {
                let addr = args.get(1).cloned().unwrap_or_else(|| "127.0.0.1:7007".into());
                let server = start_server(echo, addr).await?;
                println!("serving on {}", server.sockets()[0]);
                server.serve_forever().await?; // until Ctrl-C
                Ok(())
            }
            Some("client") => {
                let addr = args.get(1).cloned().unwrap_or_else(|| "127.0.0.1:7007".into());
                let lines =
                    weft::to_thread(|| std::io::stdin().lock().lines().collect::<Result<Vec<_>, _>>())
                        .await
                        .map_err(std::io::Error::other)??;
                client(addr, lines).await
            }
            _ => {
                let server = start_server(echo, "127.0.0.1:0").await?;
                let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
                client(addr.to_string(), vec!["hello".into(), "weft".into()]).await?;
                server.close();
                server.wait_closed().await?;
                Ok(())
            }
        }
    })
}
