//! Typed per-run state (pub(crate)): where the floors above the driver keep
//! their part of the world (the network, buggify's sites, the node table,
//! later disks and processes), owned by the simulation and dropped with it.
//!
//! A floor declares its state type, implements [`PerRun`] for it, and names
//! one `static` [`Slot`] for it:
//!
//! ```text
//! static FABRIC: Slot<Transport> = Slot::new();
//! impl PerRun for Transport { fn new(core: &Core) -> Transport { .. } }
//! let transport: &Transport = core.state(&FABRIC); // created at first use in a run
//! ```
//!
//! The state is created the first time a run asks for it (so a run that
//! never touches the network builds none), and lives until the simulation
//! shuts down: then, after every task is dropped, each state's
//! [`PerRun::shutdown`] runs, the latest created first, with the simulation
//! still current. A slot's index is handed out once per process, the first
//! time any simulation uses it; it decides only where the state is stored,
//! never anything a run does.

use std::any::Any;
use std::cell::{OnceCell, RefCell};
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::core::Core;

/// How many kinds of per-run state a process may have.
const SLOTS: usize = 32;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A floor's state for one run.
pub(crate) trait PerRun: 'static {
    /// Builds the state, at the floor's first use in a run. It may ask for
    /// the states of the floors below (creating them first) and register
    /// node hooks.
    fn new(core: &Core) -> Self;

    /// The run ends: let go of what the state holds (sockets, wakers),
    /// while the simulation is still current. Every task is dropped already.
    fn shutdown(&self) {}
}

/// The place of one state type, declared once as a `static`.
pub(crate) struct Slot<T> {
    index: OnceLock<usize>,
    _state: PhantomData<fn() -> T>,
}

impl<T: PerRun> Slot<T> {
    pub(crate) const fn new() -> Slot<T> {
        Slot {
            index: OnceLock::new(),
            _state: PhantomData,
        }
    }

    #[inline]
    fn index(&self) -> usize {
        *self.index.get_or_init(|| {
            let i = NEXT.fetch_add(1, Ordering::Relaxed);
            assert!(
                i < SLOTS,
                "seedloop: more than {SLOTS} kinds of per-run state (raise runtime::state::SLOTS)"
            );
            i
        })
    }
}

trait Erased {
    fn as_any(&self) -> &dyn Any;
    fn shutdown(&self);
}

impl<T: PerRun> Erased for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn shutdown(&self) {
        PerRun::shutdown(self);
    }
}

/// The states of one run.
pub(crate) struct States {
    cells: Box<[OnceCell<Box<dyn Erased>>]>,
    /// Slot indices, in the order their states were created.
    created: RefCell<Vec<usize>>,
}

impl States {
    pub(crate) fn new() -> States {
        States {
            cells: (0..SLOTS).map(|_| OnceCell::new()).collect(),
            created: RefCell::new(Vec::new()),
        }
    }

    /// Every state's `shutdown`, the latest created first.
    pub(crate) fn shutdown(&self) {
        let created = std::mem::take(&mut *self.created.borrow_mut());
        for i in created.into_iter().rev() {
            if let Some(state) = self.cells[i].get() {
                state.shutdown();
            }
        }
    }
}

impl Core {
    /// This run's state of type `T`, created at the first call.
    ///
    /// # Panics
    ///
    /// If `T::new` asks for `T` itself (a floor cannot be built from itself).
    #[inline]
    pub(crate) fn state<T: PerRun>(&self, slot: &'static Slot<T>) -> &T {
        let i = slot.index();
        let state = self.states.cells[i].get_or_init(|| {
            let state: Box<dyn Erased> = Box::new(T::new(self));
            self.states.created.borrow_mut().push(i);
            state
        });
        // SAFETY: cell `i` belongs to `slot` alone (a slot's index is handed
        // out once, to that one `static`), and `slot: &Slot<T>` fills it
        // with a `T` only: the box holds a `T`, whose address the thin
        // pointer keeps. (A downcast would ask the vtable twice per lookup,
        // on the network's hot path.)
        debug_assert!(state.as_any().is::<T>(), "a slot holds its own type");
        unsafe { &*(&**state as *const dyn Erased).cast::<T>() }
    }

    /// This run's state of type `T` if it was created.
    #[inline]
    pub(crate) fn try_state<T: PerRun>(&self, slot: &'static Slot<T>) -> Option<&T> {
        self.states.cells[slot.index()]
            .get()
            .and_then(|s| s.as_any().downcast_ref::<T>())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::Sim;

    thread_local! {
        static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    fn log(line: String) {
        LOG.with(|l| l.borrow_mut().push(line));
    }

    struct Lower(Cell<u32>);
    struct Upper;

    impl PerRun for Lower {
        fn new(_: &Core) -> Lower {
            log("new lower".into());
            Lower(Cell::new(0))
        }

        fn shutdown(&self) {
            log(format!("shutdown lower at {}", self.0.get()));
        }
    }

    impl PerRun for Upper {
        fn new(core: &Core) -> Upper {
            // A floor built on another gets it first.
            core.state(&LOWER).0.set(10);
            log("new upper".into());
            Upper
        }

        fn shutdown(&self) {
            log("shutdown upper".into());
        }
    }

    static LOWER: Slot<Lower> = Slot::new();
    static UPPER: Slot<Upper> = Slot::new();

    #[test]
    fn states_are_made_at_first_use_once_per_run_and_shut_down_latest_first() {
        LOG.with(|l| l.borrow_mut().clear());
        let mut sim = Sim::new(1);
        sim.block_on(async {
            let core = crate::runtime::current_core();
            assert!(
                core.try_state(&UPPER).is_none(),
                "nothing made before its use"
            );
            core.state(&UPPER);
            core.state(&UPPER);
            let lower = core.state(&LOWER);
            lower.0.set(lower.0.get() + 1);
        });
        let mut other = Sim::new(2);
        other.block_on(async {
            let core = crate::runtime::current_core();
            assert_eq!(core.state(&LOWER).0.get(), 0, "each run has its own");
        });
        drop(sim);
        drop(other);
        let log = LOG.with(|l| l.take());
        assert_eq!(
            log,
            [
                "new lower",
                "new upper",
                "new lower",
                "shutdown upper",
                "shutdown lower at 11",
                "shutdown lower at 0",
            ]
        );
    }
}
