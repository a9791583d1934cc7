//! Seed 004, "Connection Pool": `ConnectionPool(max_connections)` limits users with a
//! semaphore and keeps idle connections in a list; `acquire()` is an
//! `@asynccontextmanager` that reuses an idle connection or creates one, yields it,
//! and puts it back in `finally`; `query(sql)` runs through it.
//!
//! weft: the semaphore permit (`acquire().await?`) and the idle list (a mutex: queries
//! are tasks on several threads) are the same; the context manager is `pool.with(|conn|
//! async move { ... })`, which returns the connection to the list whatever the body
//! returned. The database is simulated (a connection takes 5 ms to create, a query
//! 5 ms). 30 concurrent queries through a pool of 10 create exactly 10 connections.
//!
//! ```text
//! 30 queries answered
//! connections created: 10
//! idle connections after the queries: 10
//! ```
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Semaphore, gather};

static CREATED: AtomicU32 = AtomicU32::new(0);

struct Connection {
    id: u32,
}

impl Connection {
    async fn execute(&self, sql: &str) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(5)).await?;
        Ok(format!("conn {} ran {sql}", self.id))
    }
}

async fn create_connection() -> Result<Connection, Cancelled> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    Ok(Connection { id: CREATED.fetch_add(1, Ordering::SeqCst) + 1 })
}

/// Async connection pool.
struct ConnectionPool {
    semaphore: Semaphore,
    connections: Mutex<Vec<Arc<Connection>>>,
}

impl ConnectionPool {
    fn new(max_connections: usize) -> ConnectionPool {
        ConnectionPool { semaphore: Semaphore::new(max_connections), connections: Mutex::new(Vec::new()) }
    }

    /// `async with pool.acquire() as conn: body`
    async fn with<T, Fut>(&self, body: impl FnOnce(Arc<Connection>) -> Fut) -> Result<T, Cancelled>
    where
        Fut: Future<Output = Result<T, Cancelled>>,
    {
        let _permit = self.semaphore.acquire().await?;
        let idle = self.connections.lock().unwrap().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Arc::new(create_connection().await?),
        };
        let out = body(conn.clone()).await; // try: yield conn
        self.connections.lock().unwrap().push(conn); // finally
        out
    }
}

async fn query(pool: Arc<ConnectionPool>, sql: String) -> Result<String, Cancelled> {
    pool.with(|conn| async move { conn.execute(&sql).await }).await
}

fn main() {
    weft::run(async {
        let pool = Arc::new(ConnectionPool::new(10));
        let queries = (0..30).map(|i| query(pool.clone(), format!("SELECT {i}"))).collect();
        let rows = gather(queries).await.unwrap();
        println!("{} queries answered", rows.len());
        println!("connections created: {}", CREATED.load(Ordering::SeqCst));
        println!("idle connections after the queries: {}", pool.connections.lock().unwrap().len());
    });
}
