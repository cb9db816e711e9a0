//! The current simulation of this thread, and `Handle`.

use crate::runtime::local::Local;
use std::cell::RefCell;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use super::core::Core;
use super::panic_hook;
use super::task::JoinHandle;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Makes `core` the current simulation of this thread until dropped.
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
    _panics: panic_hook::Scope,
}

pub(crate) fn enter(core: &Rc<Core>) -> EnterGuard {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(core.clone()));
    EnterGuard {
        previous,
        _panics: panic_hook::enter(!core.cfg.print_panics),
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current simulation, if this thread is running one.
#[inline]
pub(crate) fn try_core() -> Option<Rc<Core>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with the current simulation, if any, without taking a count of it.
#[inline]
pub(crate) fn with_core<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_deref()))
}

/// The current simulation; panics with a clear message outside one.
#[inline]
#[track_caller]
pub(crate) fn core() -> Rc<Core> {
    match try_core() {
        Some(core) => core,
        None => outside(),
    }
}

#[cold]
#[track_caller]
fn outside() -> ! {
    panic!(
        "seedloop: this must be called from inside a simulation (a future run by Sim::block_on, \
         or a task it spawned); there is no current simulation on this thread"
    )
}

/// A reference to a running simulation, for code that needs to reach it
/// without a `Sim` at hand (tokio's `Handle`).
///
/// # Examples
///
/// ```
/// use seedloop::{Handle, Sim};
///
/// let mut sim = Sim::new(5);
/// let seed = sim.block_on(async { Handle::current().seed() });
/// assert_eq!(seed, 5);
/// assert!(Handle::try_current().is_none()); // outside the simulation
/// ```
#[derive(Clone)]
pub struct Handle {
    /// Thread-checked, so a handle is `Send` and `Sync` as tokio's is; it
    /// works only on the simulation's thread.
    pub(crate) core: Local<Rc<Core>>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("seed", &self.seed())
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Handle {
    /// The simulation this thread is running.
    ///
    /// # Panics
    ///
    /// Outside a simulation, with a message that says so.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let handle = seedloop::Handle::current();
    ///     assert_eq!(handle.elapsed(), std::time::Duration::ZERO);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        Handle {
            core: Local::new(core()),
        }
    }

    /// The simulation this thread is running, or `None` outside one.
    ///
    /// ```
    /// assert!(seedloop::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        try_core().map(|core| Handle {
            core: Local::new(core),
        })
    }

    /// Spawns a task on this simulation; see [`crate::task::spawn`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let handle = sim.handle();
    /// let task = handle.spawn(async { 6 * 7 });
    /// assert_eq!(sim.block_on(task).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future, None, Location::caller())
    }

    /// The seed of the simulation.
    ///
    /// ```
    /// assert_eq!(seedloop::Sim::new(99).handle().seed(), 99);
    /// ```
    pub fn seed(&self) -> u64 {
        self.core.cfg.seed
    }

    /// Virtual time since the simulation started.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(seedloop::sleep(std::time::Duration::from_secs(3)));
    /// assert_eq!(sim.handle().elapsed().as_secs(), 3);
    /// ```
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.core.now())
    }
}
