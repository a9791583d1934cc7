//! The message of a caught panic, for the failures a group reports and the panics
//! `gather` and `shield` resume.

/// The message a panic payload carries (`"Box<dyn Any>"` for a payload that is not a
/// string).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}
