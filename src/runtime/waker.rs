//! Real `std::task::Waker`s for simulated tasks.
//!
//! A waker may legally be sent to and called from any thread, but a wake from
//! a thread other than the simulation's would make the run depend on the OS
//! scheduler. So each wake first checks the calling thread: on the
//! simulation's thread it records the task in the pending list that the event
//! loop drains after every step; on any other thread it touches nothing but a
//! mutex-guarded slot, which fails the run with `Error::ForeignWake`.
//!
//! Invariant: `pending` is only read or written on the owner thread (checked
//! on every access), which is what makes the `Sync` impl below sound.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use crate::task::Id;

thread_local! {
    static MARK: u8 = const { 0 };
}

/// An address unique to the calling thread among live threads.
#[inline]
fn thread_mark() -> usize {
    MARK.with(|m| m as *const u8 as usize)
}

/// The tasks woken since the event loop last looked, plus the first foreign wake.
pub(crate) struct WakeQueue {
    owner: usize,
    pending: UnsafeCell<Vec<u32>>,
    foreign_seen: AtomicBool,
    foreign: Mutex<Option<(Id, String)>>,
}

// SAFETY: `pending` is only accessed after checking that the caller runs on
// the owner thread (the thread that created the queue and its `Sim`, which is
// `!Send`). Other threads only touch the atomic and the mutex.
unsafe impl Sync for WakeQueue {}
unsafe impl Send for WakeQueue {}

impl WakeQueue {
    pub(crate) fn new() -> Arc<WakeQueue> {
        Arc::new(WakeQueue {
            owner: thread_mark(),
            pending: UnsafeCell::new(Vec::new()),
            foreign_seen: AtomicBool::new(false),
            foreign: Mutex::new(None),
        })
    }

    /// Moves the pending wakes into `out` (in wake order). Owner thread only.
    #[inline]
    pub(crate) fn drain_into(&self, out: &mut impl Extend<u32>) {
        debug_assert_eq!(self.owner, thread_mark(), "wake queue drained off its thread");
        // SAFETY: owner thread (the Sim is !Send and calls this), and no
        // reference into `pending` outlives this call.
        let pending = unsafe { &mut *self.pending.get() };
        if !pending.is_empty() {
            out.extend(pending.drain(..));
        }
    }

    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        // SAFETY: as in `drain_into`.
        unsafe { !(*self.pending.get()).is_empty() }
    }

    /// The first foreign wake seen, if any (task id and thread name).
    pub(crate) fn foreign(&self) -> Option<(Id, String)> {
        if !self.foreign_seen.load(Ordering::Acquire) {
            return None;
        }
        self.foreign.lock().map(|g| g.clone()).unwrap_or(None)
    }
}

/// The waker of one task.
pub(crate) struct TaskWaker {
    pub(crate) slot: u32,
    pub(crate) id: Id,
    /// Set from a wake until the task is next polled, so a task sits in the
    /// pending list or the ready queue at most once. Left set for good once
    /// the task is gone, which turns later wakes into no-ops.
    pub(crate) notified: AtomicBool,
    queue: Arc<WakeQueue>,
}

impl TaskWaker {
    pub(crate) fn new(slot: u32, id: Id, queue: Arc<WakeQueue>) -> Arc<TaskWaker> {
        Arc::new(TaskWaker {
            slot,
            id,
            notified: AtomicBool::new(true),
            queue,
        })
    }

    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }

    #[inline]
    fn wake_inner(&self) {
        if self.queue.owner != thread_mark() {
            self.foreign_wake();
            return;
        }
        // Owner thread: plain loads and stores suffice (no other thread
        // writes `notified` except through `foreign_wake`, which does not).
        if self.notified.load(Ordering::Relaxed) {
            return;
        }
        self.notified.store(true, Ordering::Relaxed);
        tracing::trace!(target: "seedloop::runtime", task = self.id.as_u64(), "wake");
        // SAFETY: owner thread, checked above; no reference into `pending`
        // is live (the loop only borrows it inside `drain_into`, which calls
        // no user code).
        unsafe { (*self.queue.pending.get()).push(self.slot) };
    }

    #[cold]
    fn foreign_wake(&self) {
        let thread = std::thread::current();
        let name = thread
            .name()
            .map_or_else(|| format!("{:?}", thread.id()), str::to_string);
        if let Ok(mut slot) = self.queue.foreign.lock() {
            if slot.is_none() {
                *slot = Some((self.id, name));
            }
        }
        self.queue.foreign_seen.store(true, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_inner();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_inner();
    }
}
