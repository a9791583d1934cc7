//! A LIFO or priority queue hands a waiting getter a *claim*, not an item: the getter takes
//! the item the order gives when it runs (asyncio's woken getter calls `_get()` then), and
//! nobody else can take the item the claim stands for. These tests follow a claim down
//! every path: used, given back by a getter cancelled before it ran, passed on to the next
//! getter, and revoked by a shutdown; and check that no item is lost or taken twice.

mod common;
use common::*;
use std::sync::Arc;
use weft_executor::Task;
use weft_primitives::queue::Order;
use weft_primitives::{GetError, Queue, TryGetError};

fn getter<O: Order<u32> + Send + Sync + 'static>(q: &Arc<Queue<u32, O>>) -> Task<Result<u32, GetError>>
where
    O::Buf: Send,
{
    let q = q.clone();
    spawn(async move { q.get().await })
}

#[test]
fn lifo_getter_takes_the_newest_item_when_it_runs() {
    run(async {
        let q = Arc::new(Queue::lifo(0));
        let g = getter(&q);
        tick().await;
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        assert_eq!(q.qsize(), 1, "one item is promised to the getter");
        assert_eq!(q.get_nowait(), Ok(2), "get_nowait takes the unclaimed one, the newest");
        assert_eq!(q.get_nowait(), Err(TryGetError::Empty), "the claimed item is the getter's");
        assert_eq!(g.await.unwrap(), Ok(1));
    })
}

#[test]
fn priority_getters_take_the_smallest_items_in_their_order() {
    run(async {
        let q = Arc::new(Queue::priority(0));
        let (g1, g2) = (getter(&q), getter(&q));
        tick().await;
        for item in [5, 1, 3] {
            q.put_nowait(item).unwrap();
        }
        assert_eq!(q.qsize(), 1);
        assert_eq!(g1.await.unwrap(), Ok(1));
        assert_eq!(g2.await.unwrap(), Ok(3));
        assert_eq!(q.get_nowait(), Ok(5));
    })
}

#[test]
fn a_getter_cancelled_with_a_claim_passes_it_to_the_next_getter() {
    run(async {
        let q = Arc::new(Queue::lifo(0));
        let (g1, g2) = (getter(&q), getter(&q));
        tick().await;
        q.put_nowait(7).unwrap(); // claimed by g1
        g1.cancel(None); // before g1 runs
        assert!(g1.await.unwrap_err().is_cancelled());
        assert_eq!(g2.await.unwrap(), Ok(7), "the claim went to g2");
        assert_eq!(q.qsize(), 0);
    })
}

#[test]
fn a_claim_given_back_with_nobody_waiting_leaves_the_item_to_take() {
    run(async {
        let q = Arc::new(Queue::priority(0));
        let g = getter(&q);
        tick().await;
        q.put_nowait(4).unwrap();
        assert_eq!(q.qsize(), 0);
        g.abort(); // dropped before it ran: its claim comes back
        assert!(g.await.is_err());
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get_nowait(), Ok(4));
    })
}

#[test]
fn a_getter_cancelled_before_it_was_handed_anything_gives_nothing_back() {
    run(async {
        let q = Arc::new(Queue::lifo(0));
        let (g1, g2) = (getter(&q), getter(&q));
        tick().await;
        g1.cancel(None); // while waiting, nothing handed yet
        tick().await;
        q.put_nowait(1).unwrap();
        assert_eq!(g2.await.unwrap(), Ok(1));
        assert!(g1.await.unwrap_err().is_cancelled());
    })
}

#[test]
fn shutdown_immediate_revokes_claims_and_counts_their_items_done() {
    run(async {
        let q = Arc::new(Queue::lifo(0));
        let g = getter(&q);
        tick().await;
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        q.shutdown(true);
        assert_eq!(g.await.unwrap(), Err(GetError::ShutDown));
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
    })
}

#[test]
fn shutdown_leaves_a_claimed_item_to_its_getter() {
    run(async {
        let q = Arc::new(Queue::priority(0));
        let g = getter(&q);
        tick().await;
        q.put_nowait(9).unwrap();
        q.shutdown(false);
        assert_eq!(g.await.unwrap(), Ok(9), "items left can still be taken");
        assert_eq!(q.get_nowait(), Err(TryGetError::ShutDown));
    })
}

#[test]
fn a_bounded_lifo_queue_counts_claimed_items_in_full() {
    run(async {
        let q = Arc::new(Queue::lifo(1));
        let g = getter(&q);
        tick().await;
        q.put_nowait(1).unwrap();
        assert!(q.full(), "the claimed item still takes its slot until the getter runs");
        assert!(q.put_nowait(2).is_err());
        assert_eq!(g.await.unwrap(), Ok(1));
        assert!(!q.full());
    })
}

#[test]
fn many_getters_and_items_on_two_workers_lose_and_double_nothing() {
    run_mt(async {
        let q = Arc::new(Queue::priority(0));
        let getters: Vec<_> = (0..50).map(|_| getter(&q)).collect();
        for i in 0..50 {
            q.put_nowait(i).unwrap();
        }
        let mut got = Vec::new();
        for (i, g) in getters.into_iter().enumerate() {
            if i % 7 == 0 {
                g.cancel(None);
            }
            if let Ok(Ok(v)) = g.await {
                got.push(v);
            }
        }
        while let Ok(v) = q.get_nowait() {
            got.push(v);
        }
        got.sort();
        assert_eq!(got, (0..50).collect::<Vec<_>>());
    })
}
