//! A line-based chat server on `start_server`: each client's first line is its name;
//! every later line goes to every other client as `name: line`.
//!
//! ```text
//! cargo run --example chat -- 127.0.0.1:7008   # serves until Ctrl-C; try `nc 127.0.0.1 7008`
//! cargo run --example chat                     # a demonstration: alice and bob chat
//! ```
//!
//! Each connection's handler is a child of the server's task group; a client that reads
//! too slowly is dropped when its write buffer passes a limit, instead of holding up
//! the others (a broadcast never waits in `drain`).
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use weft::net::{StreamAddr, StreamReader, StreamWriter, open_connection, start_server};

/// Bytes a client may have waiting before it is dropped.
const SLOW_CLIENT: usize = 1 << 20;

#[derive(Default)]
struct Room {
    members: parking_lot::Mutex<HashMap<u64, (String, Arc<StreamWriter>)>>,
    next_id: AtomicU64,
}

impl Room {
    /// Sends `line` to everyone but `from`.
    fn broadcast(&self, from: u64, line: &str) {
        let mut members = self.members.lock();
        members.retain(|&id, (_, w)| {
            if id == from {
                return true;
            }
            w.write(line.as_bytes()).is_ok() && w.write_buffer_size() < SLOW_CLIENT
        });
    }
}

async fn handle(room: Arc<Room>, mut reader: StreamReader, writer: StreamWriter) -> std::io::Result<()> {
    let writer = Arc::new(writer);
    writer.write(b"name?\n")?;
    let name = String::from_utf8_lossy(&reader.readline().await?).trim().to_string();
    if name.is_empty() {
        return Ok(());
    }
    let id = room.next_id.fetch_add(1, Ordering::Relaxed);
    room.members.lock().insert(id, (name.clone(), writer.clone()));
    room.broadcast(id, &format!("* {name} joined\n"));
    writer.write(b"welcome\n")?;
    let r = async {
        loop {
            let line = reader.readline().await?;
            if line.is_empty() {
                return Ok::<_, std::io::Error>(());
            }
            room.broadcast(id, &format!("{name}: {}", String::from_utf8_lossy(&line)));
        }
    }
    .await;
    // Cleanup, also when the server is closing (the handler is cancelled).
    room.members.lock().remove(&id);
    room.broadcast(id, &format!("* {name} left\n"));
    r
}

/// Reads lines until `until` is seen; returns the lines.
async fn expect(reader: &mut StreamReader, until: &str) -> std::io::Result<Vec<String>> {
    let mut seen = Vec::new();
    loop {
        let line = String::from_utf8_lossy(&reader.readline().await?).trim_end().to_string();
        let done = line == until || line.is_empty();
        seen.push(line);
        if done {
            return Ok(seen);
        }
    }
}

async fn join(addr: &str, name: &str) -> std::io::Result<(StreamReader, StreamWriter)> {
    let (mut r, w) = open_connection(addr.to_string()).await?;
    expect(&mut r, "name?").await?;
    w.write(format!("{name}\n").as_bytes())?;
    expect(&mut r, "welcome").await?;
    Ok((r, w))
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    weft::run(async move {
        let room = Arc::new(Room::default());
        let handler = move |r, w| handle(room.clone(), r, w);
        if let Some(addr) = addr {
            let server = start_server(handler, addr).await?;
            println!("chat on {}", server.sockets()[0]);
            server.serve_forever().await?;
            return Ok(());
        }
        let server = start_server(handler, "127.0.0.1:0").await?;
        let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
        let addr = addr.to_string();
        let (mut alice_r, alice) = join(&addr, "alice").await?;
        let (mut bob_r, bob) = join(&addr, "bob").await?;
        expect(&mut alice_r, "* bob joined").await?;
        alice.write(b"hi bob\n")?;
        for line in expect(&mut bob_r, "alice: hi bob").await? {
            println!("bob sees: {line}");
        }
        bob.write(b"hi alice\n")?;
        for line in expect(&mut alice_r, "bob: hi alice").await? {
            println!("alice sees: {line}");
        }
        bob.close();
        for line in expect(&mut alice_r, "* bob left").await? {
            println!("alice sees: {line}");
        }
        server.close();
        server.wait_closed().await?;
        Ok(())
    })
}
