//! Seed 003, "Logging in Async Code": `async_operation` logs at INFO when it starts, at
//! DEBUG how many items it fetched, and at ERROR (then re-raises) when the fetch fails.
//!
//! weft: a tiny logger that prints to stdout in the format of Python's
//! `logging.basicConfig(level=DEBUG)` (`LEVEL:name:message`), with the name of the
//! current weft task as the logger name (asyncio tasks have names too:
//! [`weft::spawn_named`], [`weft::current_task`]). Like Python's logging, stdout is
//! thread-safe, so tasks on different workers can log. The fetch is simulated: the
//! first call returns three items, the second fails.
//!
//! ```text
//! INFO:op-1:Started async operation
//! DEBUG:op-1:Fetched 3 items
//! INFO:op-2:Started async operation
//! ERROR:op-2:Error in async operation: upstream unavailable
//! op-1 returned ["a", "b", "c"]
//! op-2 raised: upstream unavailable
//! ```
use std::fmt;
use std::time::Duration;
use weft::Cancelled;

mod log {
    fn emit(level: &str, message: std::fmt::Arguments<'_>) {
        let task = weft::current_task().and_then(|t| t.name()).map_or("root".to_string(), |n| n.to_string());
        println!("{level}:{task}:{message}");
    }
    pub fn info(message: std::fmt::Arguments<'_>) {
        emit("INFO", message)
    }
    pub fn debug(message: std::fmt::Arguments<'_>) {
        emit("DEBUG", message)
    }
    pub fn error(message: std::fmt::Arguments<'_>) {
        emit("ERROR", message)
    }
}

#[derive(Debug)]
enum FetchError {
    Upstream(&'static str),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Upstream(m) => f.write_str(m),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

async fn fetch_data(fail: bool) -> Result<Vec<&'static str>, FetchError> {
    weft::time::sleep(Duration::from_millis(3)).await?;
    if fail {
        return Err(FetchError::Upstream("upstream unavailable"));
    }
    Ok(vec!["a", "b", "c"])
}

/// Async function with logging.
async fn async_operation(fail: bool) -> Result<Vec<&'static str>, FetchError> {
    log::info(format_args!("Started async operation"));
    match fetch_data(fail).await {
        Ok(result) => {
            log::debug(format_args!("Fetched {} items", result.len()));
            Ok(result)
        }
        Err(e) => {
            log::error(format_args!("Error in async operation: {e}"));
            Err(e)
        }
    }
}

fn main() {
    weft::run(async {
        let one = weft::spawn_named("op-1", async_operation(false)).await.unwrap();
        let two = weft::spawn_named("op-2", async_operation(true)).await.unwrap();
        println!("op-1 returned {:?}", one.unwrap());
        println!("op-2 raised: {}", two.unwrap_err());
    });
}
