//! weft-primitives: Lock, Semaphore, Event, Condition, Barrier, queues (in progress).
