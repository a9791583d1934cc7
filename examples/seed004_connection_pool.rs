//! Seed 004, "Connection Pool": a `ConnectionPool` whose `acquire()` is an
//! `@asynccontextmanager`: inside an `asyncio.Semaphore(max_connections)`, it reuses an
//! idle connection or creates one, yields it, and puts it back in a `finally`.
//!
//! weft: [`weft::Semaphore`] bounds the connections in use; the context manager is an
//! async method taking the body as a closure (setup, body, then the `finally` on every
//! path). [`weft::gather`] runs the queries as tasks. Completed as
//! tests/seeds/python/seed004_connection_pool.py is: connections are in-process (created
//! in 5 ms, counted; a query takes 5 ms); `main` runs 30 queries at once through the
//! seed's pool of 10 and prints how many answered, how many connections were created
//! (ten: every query beyond the tenth waits for a permit and then finds a connection
//! back in the pool) and how many are idle afterwards.
//!
//! ```text
//! 30 queries answered
//! connections created: 10
//! idle connections after the queries: 10
//! ```
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use weft::{Cancelled, Semaphore};

static CREATED: AtomicU32 = AtomicU32::new(0);

struct Connection;

impl Connection {
    async fn execute(&self, sql: &str) -> Result<Vec<String>, Cancelled> {
        weft::time::sleep(Duration::from_millis(5)).await?;
        Ok(vec![sql.to_string()])
    }
}

async fn create_connection() -> Result<Connection, Cancelled> {
    CREATED.fetch_add(1, Ordering::SeqCst);
    weft::time::sleep(Duration::from_millis(5)).await?;
    Ok(Connection)
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

    /// Acquire connection from pool: `async with pool.acquire() as conn: body`.
    async fn acquire<T, F, Fut>(&self, body: F) -> Result<T, Cancelled>
    where
        F: FnOnce(Arc<Connection>) -> Fut,
        Fut: Future<Output = Result<T, Cancelled>>,
    {
        let _permit = self.semaphore.acquire().await?;
        let idle = self.connections.lock().unwrap().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Arc::new(self.create_connection().await?),
        };
        let result = body(conn.clone()).await; // try: yield conn
        self.connections.lock().unwrap().push(conn); // finally:
        result
    }

    /// Create new connection.
    async fn create_connection(&self) -> Result<Connection, Cancelled> {
        create_connection().await
    }
}

// Usage
static POOL: LazyLock<ConnectionPool> = LazyLock::new(|| ConnectionPool::new(10));

async fn query(sql: String) -> Result<Vec<String>, Cancelled> {
    POOL.acquire(|conn| async move { conn.execute(&sql).await }).await
}

async fn main_() -> Result<(), Cancelled> {
    let results = weft::gather((0..30).map(|i| query(format!("SELECT {i}"))).collect()).await?;
    println!("{} queries answered", results.len());
    println!("connections created: {}", CREATED.load(Ordering::SeqCst));
    println!("idle connections after the queries: {}", POOL.connections.lock().unwrap().len());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
