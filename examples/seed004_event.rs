//! Seed 004, "Event": a `DataProcessor` whose producer sleeps, fills `_data` with three
//! items and sets an event; the consumer waits for the event and prints "Processing 3
//! items"; `main` gathers both.
//!
//! weft: [`weft::Event`] (`set()`, `wait().await?`); the data sits behind a mutex in the
//! shared processor (producer and consumer are tasks, possibly on different threads).
//! The producer sleeps 10 ms instead of 1 s.
//!
//! ```text
//! Processing 3 items
//! ```
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Event};

#[derive(Default)]
struct DataProcessor {
    data_ready: Event,
    data: Mutex<Vec<String>>,
}

impl DataProcessor {
    /// Produce data.
    async fn producer(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?;
        *self.data.lock().unwrap() = vec!["item1".into(), "item2".into(), "item3".into()];
        self.data_ready.set(); // Signal data is ready
        Ok(())
    }

    /// Wait for and consume data.
    async fn consumer(&self) -> Result<(), Cancelled> {
        self.data_ready.wait().await?; // Wait for signal
        println!("Processing {} items", self.data.lock().unwrap().len());
        Ok(())
    }
}

fn main() {
    weft::run(async {
        let processor = Arc::new(DataProcessor::default());
        let (p, c) = (processor.clone(), processor.clone());
        weft::gather!(async move { p.producer().await }, async move { c.consumer().await }).await.unwrap();
    });
}
