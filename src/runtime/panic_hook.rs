//! Where panics inside a simulation happened, and whether they are printed.
//!
//! A panic payload does not carry its location, but reports and the
//! harness's shrinker need it ("the same panic location"). So a panic hook,
//! installed once per process and chained to the hook that was there before,
//! notes the location of every panic raised on a thread that is running a
//! simulation. If the simulation asked for quiet panics, the note is all it
//! does; otherwise it also calls the previous hook, which prints as usual.

use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the hook (once per process). Called when a `Sim` is created,
/// never while unwinding (the standard library forbids it then).
pub(crate) fn install() {
    if std::thread::panicking() {
        return;
    }
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = DEPTH.with(Cell::get) > 0;
            if inside {
                let loc = info.location().map(|l| l.to_string());
                LOCATION.with(|slot| *slot.borrow_mut() = loc);
                if QUIET.with(Cell::get) {
                    return;
                }
            }
            previous(info);
        }));
    });
}

/// Marks this thread as running a simulation until dropped.
pub(crate) struct Scope {
    quiet_before: bool,
}

pub(crate) fn enter(quiet: bool) -> Scope {
    DEPTH.with(|d| d.set(d.get() + 1));
    let quiet_before = QUIET.with(|q| q.replace(quiet));
    Scope { quiet_before }
}

impl Drop for Scope {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
        QUIET.with(|q| q.set(self.quiet_before));
    }
}

/// The location of the last panic noted on this thread, taken.
pub(crate) fn take_location() -> Option<String> {
    LOCATION.with(|slot| slot.borrow_mut().take())
}
