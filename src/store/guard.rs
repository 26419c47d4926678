//! Keeping sled's panics away from the user. sled 0.34 panics on some damaged files (a
//! truncated `db` whose snapshot names segments past its end, for one) instead of returning an
//! error. Calls that may meet such a file run through [`quietly`]: a panic becomes an `Err`
//! carrying its message, which goes to the log, never to the terminal.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`quietly`] calls this thread is inside.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Puts a hook in front of whatever panic hook is installed: on a thread inside [`quietly`],
/// a panic is logged instead of printed; elsewhere the earlier hook runs as before.
fn install_hook() {
    HOOK.call_once(|| {
        let earlier = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) > 0 {
                tracing::error!("the storage engine stopped on damaged data: {info}");
            } else {
                earlier(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it is logged (not printed) and returned as `Err(message)`.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_the_thread_goes_on() {
        let r: Result<(), String> = quietly(|| panic!("segment 27 of 27"));
        assert_eq!(r.unwrap_err(), "segment 27 of 27");
        assert_eq!(quietly(|| 5).unwrap(), 5);
        assert_eq!(QUIET.with(Cell::get), 0);
    }
}
