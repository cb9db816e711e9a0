//! `Event`: a flag that tasks wait for (asyncio's `Event`).
//!
//! `set` raises the flag and releases every waiter; waiters that arrive
//! while it is raised pass at once; `clear` lowers it again. A waiter
//! released by `set` returns even if the flag is cleared before it runs,
//! as in asyncio.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::wait::{Switch, WaitKind, WaitList, WaitState, WakeGuard};

/// A task blocked here is reported as waiting on `Event::wait`.
static WAIT: WaitKind = WaitKind::at("Event::wait");

struct State {
    set: bool,
    waiters: WaitList<()>,
}

/// A flag tasks can wait for (asyncio's `asyncio.Event`).
///
/// | asyncio | seedloop |
/// |---|---|
/// | `event.set()` | [`set`](Event::set) |
/// | `event.clear()` | [`clear`](Event::clear) |
/// | `event.is_set()` | [`is_set`](Event::is_set) |
/// | `await event.wait()` | [`wait`](Event::wait)`.await` |
///
/// # Determinism
///
/// A `wait` that finds the flag raised is a switch point. Waiters are
/// released in the order they started waiting.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::Event;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let ready = Rc::new(Event::new());
///     let r = ready.clone();
///     let waiter = seedloop::spawn(async move {
///         r.wait().await;
///         "released"
///     });
///     seedloop::task::yield_now().await;
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "released");
///     assert!(ready.is_set());
/// });
/// ```
pub struct Event {
    /// Thread-checked, so it is `Send` and `Sync`; it works only on the
    /// simulation's thread.
    state: Local<Tracked<State>>,
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Event")
            .field("set", &s.set)
            .field("waiters", &s.waiters.len())
            .finish()
    }
}

impl Event {
    /// An event whose flag is down.
    ///
    /// ```
    /// assert!(!seedloop::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event {
            state: Local::new(Tracked::new(State {
                set: false,
                waiters: WaitList::default(),
            })),
        }
    }

    /// Raises the flag and releases every waiting task. Raising a raised
    /// flag does nothing.
    ///
    /// ```
    /// let e = seedloop::sync::Event::new();
    /// e.set();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        if !s.set {
            s.set = true;
            s.grant_all(|s| &mut s.waiters);
        }
    }

    /// Lowers the flag: later waits wait for the next [`set`](Event::set).
    ///
    /// ```
    /// let e = seedloop::sync::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.borrow_mut().set = false;
    }

    /// Whether the flag is raised.
    ///
    /// ```
    /// let e = seedloop::sync::Event::new();
    /// assert!(!e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.borrow().set
    }

    /// Waits until the flag is raised (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped wait leaves the list, and takes nothing from
    /// the others (a `set` releases everyone).
    ///
    /// # Determinism
    ///
    /// A switch point when the flag is raised already.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let e = seedloop::sync::Event::new();
    ///     e.set();
    ///     e.wait().await; // raised: passes
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            state: WaitState::Init,
            switch: Switch::default(),
            at: Location::caller(),
        }
    }
}

/// The future of [`Event::wait`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let e = seedloop::sync::Event::new();
///     e.set();
///     let fut: seedloop::sync::EventWait<'_> = e.wait();
///     fut.await;
/// });
/// ```
pub struct EventWait<'a> {
    event: &'a Event,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait").finish_non_exhaustive()
    }
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let event = this.event;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Waiting(key) => {
                let s = WakeGuard::one(event.state.borrow_mut());
                if s.waiters.contains(key) {
                    s.wait_again(|s| &mut s.waiters, key, cx, &WAIT, this.at)
                } else {
                    this.state = WaitState::Done;
                    Poll::Ready(())
                }
            }
            WaitState::Init => {
                if event.is_set() {
                    if this.switch.poll_proceed(cx, &WAIT, this.at).is_pending() {
                        return Poll::Pending;
                    }
                    // Cleared while this task yielded: it waits after all.
                    if event.is_set() {
                        this.state = WaitState::Done;
                        return Poll::Ready(());
                    }
                }
                let mut s = event.state.borrow_mut();
                this.state.wait(&mut s.waiters, (), cx, &WAIT, this.at)
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if !self.event.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        self.state.cancel(&self.event.state, |s| &mut s.waiters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_releases_waiters_even_if_cleared_before_they_run() {
        let mut sim = crate::Sim::new(3);
        sim.block_on(async {
            let e = std::rc::Rc::new(Event::new());
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let e = e.clone();
                    crate::spawn(async move { e.wait().await })
                })
                .collect();
            for _ in 0..10 {
                crate::task::yield_now().await;
            }
            e.set();
            e.clear();
            for w in waiters {
                w.await.unwrap();
            }
            assert!(!e.is_set());
            assert!(e.state.borrow().waiters.is_empty());
        });
    }
}
