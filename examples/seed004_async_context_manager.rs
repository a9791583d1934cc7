//! Seed 004, "Async Context Manager": `AsyncResource.__aenter__` prints "Acquiring
//! resource" and sleeps, `__aexit__` prints "Releasing resource" and sleeps;
//! `use_resource()` prints what `resource.use()` returns inside `async with`.
//!
//! weft: Rust has no async `__aexit__` (a destructor cannot await), so the context
//! manager is `AsyncResource::with(|resource| async move { ... })`: it awaits the
//! acquisition, awaits the body, then awaits the release whatever the body returned,
//! including an error or a cancellation (the second run cancels the body with a
//! deadline, and the resource is still released). Sleeps are 1 ms instead of 0.1 s.
//!
//! ```text
//! Acquiring resource
//! Using resource
//! Releasing resource
//! Acquiring resource
//! Releasing resource
//! body under a 10ms timeout: deadline exceeded
//! ```
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Interrupted, timeout};

/// Async context manager for resource management.
struct AsyncResource;

impl AsyncResource {
    async fn aenter() -> Result<AsyncResource, Cancelled> {
        println!("Acquiring resource");
        weft::time::sleep(Duration::from_millis(1)).await?;
        Ok(AsyncResource)
    }

    async fn aexit(self) {
        println!("Releasing resource");
        // The release may await even while a cancellation propagates.
        let _ = weft::time::sleep(Duration::from_millis(1)).await;
    }

    /// `async with AsyncResource() as resource: body`
    async fn with<T, E, Fut>(body: impl FnOnce(Arc<AsyncResource>) -> Fut) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
        E: From<Cancelled>,
    {
        let resource = Arc::new(AsyncResource::aenter().await?);
        let out = body(resource.clone()).await;
        Arc::into_inner(resource).expect("the body let go of the resource").aexit().await;
        out
    }

    async fn use_(&self) -> &'static str {
        "Using resource"
    }
}

async fn use_resource() -> Result<(), Cancelled> {
    AsyncResource::with(|resource| async move {
        let result = resource.use_().await;
        println!("{result}");
        Ok::<_, Cancelled>(())
    })
    .await
}

fn main() {
    weft::run(async {
        use_resource().await.unwrap();
        let r = timeout(
            Duration::from_millis(10),
            AsyncResource::with(|_resource| async move {
                weft::time::sleep(Duration::from_secs(5)).await?;
                Ok::<_, Interrupted>(())
            }),
        )
        .await;
        println!("body under a 10ms timeout: {}", r.unwrap_err());
    });
}
