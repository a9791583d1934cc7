//! Seed 004, "Event": a `DataProcessor` whose producer fills the data and sets an
//! `asyncio.Event`, while the consumer waits for it, then processes the data.
//!
//! weft: [`weft::Event`] is asyncio's: `set()` wakes every waiter; [`weft::gather!`]
//! runs producer and consumer as tasks. Completed as tests/seeds/python/seed004_event.py
//! is: the producer sleeps 10 ms; `main` (never run in the seed) is run.
//!
//! ```text
//! Processing 3 items
//! ```
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Event};

/// Signal between coroutines
#[derive(Default)]
struct DataProcessor {
    data_ready: Event,
    data: Mutex<Vec<&'static str>>,
}

impl DataProcessor {
    /// Produce data.
    async fn producer(self: Arc<Self>) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?;
        *self.data.lock().unwrap() = vec!["item1", "item2", "item3"];
        self.data_ready.set(); // Signal data is ready
        Ok(())
    }

    /// Wait for and consume data.
    async fn consumer(self: Arc<Self>) -> Result<(), Cancelled> {
        self.data_ready.wait().await?; // Wait for signal
        println!("Processing {} items", self.data.lock().unwrap().len());
        Ok(())
    }
}

// Usage
async fn main_() -> Result<(), Cancelled> {
    let processor = Arc::new(DataProcessor::default());
    weft::gather!(processor.clone().producer(), processor.clone().consumer()).await?;
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
