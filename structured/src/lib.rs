//! weft-structured: TaskGroup, CancelScope, timeouts, shield, gather (in progress).
