//! The state every queue kind shares, and its non-blocking operations (the
//! futures of the blocking ones are in `ops`).
//!
//! **State.** The buffer holds the items, in the order of its discipline.
//! Three wait lists hold the blocked getters (each with a ticket), the
//! blocked putters (each with its item) and the tasks in `join`. `handed`
//! holds items already given to a granted getter that has not run yet, by
//! ticket; they still count in `qsize` (asyncio's getter, too, takes its
//! item only when it runs). `unfinished` counts items put and not yet marked
//! done.
//!
//! **Grants.** Blocked operations are served in FIFO order and nobody
//! barges past them:
//! - a putter is granted when there is room: its item moves into the buffer
//!   at once (it counts as put from then on), and the putter is woken to
//!   return `Ok`;
//! - a getter is granted when the buffer has an item: the next item (in the
//!   buffer's order) moves to `handed` under the getter's ticket, and the
//!   getter is woken to return it. So the first getter to block receives the
//!   first item, whichever of the woken tasks runs first.
//!
//! After every change, `settle` restores the invariants: no putter waits
//! while there is room (unless shut down), and no getter waits while the
//! buffer has an item. So `room ⇒ no putter listed` and `getter listed ⇒
//! buffer empty`.
//!
//! **Cancellation.** A getter dropped after its grant puts its item back
//! (`unget`: where it would have been) and the next getter receives it;
//! dropped before its grant, it just leaves the list. A putter dropped while
//! listed drops its item; after its grant the item is already in the queue.
//!
//! **Shutdown** (Python 3.13). Later puts fail; blocked putters are woken and
//! fail with their item back. Getters still receive the items left; once the
//! queue is empty, blocked and later getters fail. `immediate` first removes
//! every item (handed ones too), counting each as done; granted getters whose
//! item was removed fail as well.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;

use super::buffer::{Buffer, Item};
use super::error::{TaskDoneError, TryGetError, TryPutError};
use super::ops::{Get, Join, Put};
use crate::runtime::wait::{WaitList, WakeGuard, Wakeups};

pub(super) struct State<T> {
    pub(super) buf: Buffer<T>,
    pub(super) maxsize: usize,
    /// Items given to granted getters that have not run yet, by ticket,
    /// with their sequence numbers (to go back in place if a getter is
    /// cancelled).
    pub(super) handed: BTreeMap<u64, Item<T>>,
    pub(super) next_ticket: u64,
    pub(super) unfinished: usize,
    pub(super) shut_down: bool,
    pub(super) getters: WaitList<u64>,
    pub(super) putters: WaitList<T>,
    pub(super) joiners: WaitList<()>,
}

impl<T> State<T> {
    pub(super) fn qsize(&self) -> usize {
        self.buf.len() + self.handed.len()
    }

    pub(super) fn has_room(&self) -> bool {
        self.maxsize == 0 || self.qsize() < self.maxsize
    }

    /// True when getters can never be served again.
    pub(super) fn exhausted(&self) -> bool {
        self.shut_down && self.qsize() == 0
    }

    pub(super) fn insert(&mut self, item: T) {
        self.buf.push(item);
        self.unfinished += 1;
    }

    /// Grants the putters and getters that can proceed (FIFO), and the
    /// joiners once nothing is unfinished; adds whom to wake, once the state
    /// is no longer borrowed, to `woken`.
    pub(super) fn settle(&mut self, woken: &mut Wakeups) {
        if !self.shut_down {
            while self.has_room() {
                let Some((waker, item)) = self.putters.pop_front() else {
                    break;
                };
                self.insert(item);
                woken.wake(waker);
            }
        }
        while !self.buf.is_empty() {
            let Some((waker, ticket)) = self.getters.pop_front() else {
                break;
            };
            let item = self.buf.pop().expect("the buffer has an item");
            self.handed.insert(ticket, item);
            woken.wake(waker);
        }
        if self.exhausted() && !self.getters.is_empty() {
            // The listed getters stay listed; each sees the shutdown and fails.
            for key in self.getters.keys() {
                woken.wake(self.getters.waker(key));
            }
        }
        if self.unfinished == 0 && !self.joiners.is_empty() {
            woken.grant_all(&mut self.joiners);
        }
        debug_assert!(
            self.shut_down || !self.has_room() || self.putters.is_empty(),
            "a putter waits while the queue has room"
        );
        debug_assert!(
            self.buf.is_empty() || self.getters.is_empty(),
            "a getter waits while the buffer has an item"
        );
    }
}

/// One queue, shared by the handles of every kind.
pub(crate) struct Shared<T> {
    /// Thread-checked, so a queue and the futures of its operations are
    /// `Send` and `Sync`; they work only on the simulation's thread.
    pub(super) state: Local<Tracked<State<T>>>,
}

impl<T> Shared<T> {
    pub(crate) fn new(buf: Buffer<T>, maxsize: usize) -> Shared<T> {
        Shared {
            state: Local::new(Tracked::new(State {
                buf,
                maxsize,
                handed: BTreeMap::new(),
                next_ticket: 0,
                unfinished: 0,
                shut_down: false,
                getters: WaitList::default(),
                putters: WaitList::default(),
                joiners: WaitList::default(),
            })),
        }
    }

    pub(crate) fn qsize(&self) -> usize {
        self.state.borrow().qsize()
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.state.borrow().maxsize
    }

    pub(crate) fn is_full(&self) -> bool {
        !self.state.borrow().has_room()
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.state.borrow().shut_down
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        self.state.borrow().unfinished
    }

    pub(crate) fn fmt_fields(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct(name)
            .field("qsize", &s.qsize())
            .field("maxsize", &s.maxsize)
            .field("unfinished_tasks", &s.unfinished)
            .field("shut_down", &s.shut_down)
            .field("getters", &s.getters.len())
            .field("putters", &s.putters.len())
            .finish()
    }

    pub(crate) fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        if s.shut_down {
            return Err(TryPutError::ShutDown(item));
        }
        if !s.has_room() {
            return Err(TryPutError::Full(item));
        }
        s.insert(item);
        s.with_wakeups(State::settle);
        Ok(())
    }

    pub(crate) fn try_get(&self) -> Result<T, TryGetError> {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        let Some((_, item)) = s.buf.pop() else {
            return Err(if s.exhausted() {
                TryGetError::ShutDown
            } else {
                TryGetError::Empty
            });
        };
        s.with_wakeups(State::settle);
        Ok(item)
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        if s.unfinished == 0 {
            return Err(TaskDoneError);
        }
        s.unfinished -= 1;
        s.with_wakeups(State::settle);
        Ok(())
    }

    pub(crate) fn shutdown(&self, immediate: bool) {
        let drained = {
            let mut s = WakeGuard::new(self.state.borrow_mut());
            s.shut_down = true;
            let drained = if immediate {
                let handed = std::mem::take(&mut s.handed);
                let mut drained: Vec<T> = s.buf.take_all();
                drained.extend(handed.into_values().map(|(_, item)| item));
                s.unfinished = s.unfinished.saturating_sub(drained.len());
                drained
            } else {
                Vec::new()
            };
            s.with_wakeups(|s, woken| {
                // Blocked putters stay listed and fail with their item back.
                for key in s.putters.keys() {
                    woken.wake(s.putters.waker(key));
                }
                s.settle(woken);
            });
            drained
        }; // wakes
        drop(drained); // the items' destructors run with no borrow held, after the wakes
    }

    pub(crate) fn get(&self, at: &'static Location<'static>) -> Get<'_, T> {
        Get::new(self, at)
    }

    pub(crate) fn put(&self, item: T, at: &'static Location<'static>) -> Put<'_, T> {
        Put::new(self, item, at)
    }

    pub(crate) fn join(&self, at: &'static Location<'static>) -> Join<'_, T> {
        Join::new(self, at)
    }
}
