//! Seed 002, "The event loop — what actually runs": inside `asyncio.run`, the running
//! loop is fetched and its class and `is_running()` printed (CPython on Linux:
//! `_UnixSelectorEventLoop`, `True`).
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed002_event_loop.weft.txt: the loop's class is a Python
//! detail. weft's counterpart of the event loop is a [`weft::Runtime`], which has a
//! flavour instead: multi-thread (work stealing, what [`weft::run`] builds) or
//! current-thread (one loop, asyncio's order). The program prints the flavour of the
//! runtime it runs on and whether the code runs inside it (as a task).
//!
//! ```text
//! loop: MultiThread
//! running: True
//! ```
#[path = "support/py.rs"]
mod py;

fn main() {
    let rt = weft::Runtime::new().unwrap(); // what asyncio.run (weft::run) makes
    let flavor = rt.flavor();
    weft::run_on(&rt, async move {
        println!("loop: {flavor:?}");
        println!("running: {}", py::py_bool(weft::current_task().is_some()));
    })
    .unwrap();
}
