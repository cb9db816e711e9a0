//! The wake queue shared by a simulation's wakers, and foreign-thread detection.
//!
//! A `Waker` may legally be sent to and called from any thread, but a wake
//! from a thread other than the simulation's would make the run depend on the
//! OS scheduler. So every waker operation first checks the calling thread
//! (`WakeQueue::is_owner`). On the simulation's thread a wake records the task
//! in `pending`, which the event loop drains after every step. On any other
//! thread nothing but the atomic flag and the mutex below is touched, and the
//! run then fails with `Error::ForeignWake`.
//!
//! Invariant: `pending` and `pending_ids` are only read or written on the
//! owner thread (every access is behind an `is_owner` check or happens in
//! the `!Send` event loop), which is what makes the `Sync` impl sound.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{RawWaker, Waker};

use super::cell::TaskRef;
use crate::trace::Id;

thread_local! {
    static MARK: u8 = const { 0 };
}

/// An address unique to the calling thread among live threads.
#[inline]
fn thread_mark() -> usize {
    MARK.with(|m| m as *const u8 as usize)
}

pub(crate) struct WakeQueue {
    owner: usize,
    pending: UnsafeCell<Vec<TaskRef>>,
    /// Wakes, on the owner thread, through a waker that was cloned on another thread.
    pending_ids: UnsafeCell<Vec<Id>>,
    foreign_seen: AtomicBool,
    foreign: Mutex<Option<(Id, String)>>,
    /// Whether wakes are logged (a subscriber listened when the run was
    /// built).
    log: bool,
}

// SAFETY: see the module invariant. `owner` is immutable; other threads only
// touch `foreign_seen` and `foreign`, which are thread-safe.
unsafe impl Sync for WakeQueue {}
unsafe impl Send for WakeQueue {}

impl WakeQueue {
    pub(crate) fn new(log: bool) -> Arc<WakeQueue> {
        Arc::new(WakeQueue {
            owner: thread_mark(),
            pending: UnsafeCell::new(Vec::new()),
            pending_ids: UnsafeCell::new(Vec::new()),
            foreign_seen: AtomicBool::new(false),
            foreign: Mutex::new(None),
            log,
        })
    }

    /// Whether wakes are logged at `TRACE`.
    #[inline]
    pub(crate) fn logs(&self) -> bool {
        self.log
    }

    #[inline]
    pub(crate) fn is_owner(&self) -> bool {
        self.owner == thread_mark()
    }

    /// Records a woken task.
    ///
    /// # Safety
    ///
    /// Owner thread only.
    #[inline]
    pub(crate) unsafe fn push(&self, task: TaskRef) {
        debug_assert!(self.is_owner(), "wake queue pushed off its thread");
        // SAFETY: owner thread (caller's contract); no reference into
        // `pending` is live, `drain_into` holds one only while it runs and
        // calls no user code.
        unsafe { (*self.pending.get()).push(task) };
    }

    /// Moves the pending wakes into `out`, in wake order. Owner thread only.
    #[inline]
    pub(crate) fn drain_into(&self, out: &mut std::collections::VecDeque<TaskRef>) {
        assert!(self.is_owner(), "wake queue drained off its thread");
        // SAFETY: owner thread, checked above; see `push`.
        let pending = unsafe { &mut *self.pending.get() };
        // A plain loop: `VecDeque::extend` from a drain is several times
        // slower for the one or two entries a step usually brings.
        for task in pending.drain(..) {
            out.push_back(task);
        }
    }

    /// Calls `f` with the id of every task woken since the last drain, in
    /// wake order (duplicates included). Owner thread only.
    pub(crate) fn for_each_pending(&self, f: &mut dyn FnMut(u64)) {
        assert!(self.is_owner(), "wake queue read off its thread");
        // SAFETY: owner thread, checked above; `f` only reads ids and
        // wakes nothing, so no other reference into `pending` is made.
        for task in unsafe { &*self.pending.get() } {
            f(task.header().id.as_u64());
        }
    }

    /// Takes the id-based wakes (rare: see `pending_ids`). Owner thread only.
    pub(crate) fn take_ids(&self) -> Vec<Id> {
        assert!(self.is_owner(), "wake queue drained off its thread");
        // SAFETY: owner thread, checked above.
        unsafe { std::mem::take(&mut *self.pending_ids.get()) }
    }

    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        // SAFETY: only called by the event loop, on the owner thread.
        unsafe { !(*self.pending.get()).is_empty() || !(*self.pending_ids.get()).is_empty() }
    }

    /// Notes a wake of task `id` from another thread (the first one wins).
    #[cold]
    pub(crate) fn record_foreign(&self, id: Id) {
        let thread = std::thread::current();
        let name = thread
            .name()
            .map_or_else(|| format!("{:?}", thread.id()), str::to_string);
        if let Ok(mut slot) = self.foreign.lock() {
            if slot.is_none() {
                *slot = Some((id, name));
            }
        }
        self.foreign_seen.store(true, Ordering::Release);
    }

    /// Drops every pending wake (at shutdown). Owner thread only.
    pub(crate) fn clear(&self) {
        assert!(self.is_owner(), "wake queue cleared off its thread");
        // SAFETY: owner thread, checked above. Take the list out before
        // dropping it: dropping a task may wake another one.
        loop {
            let pending = unsafe { std::mem::take(&mut *self.pending.get()) };
            let ids = unsafe { std::mem::take(&mut *self.pending_ids.get()) };
            if pending.is_empty() && ids.is_empty() {
                break;
            }
            drop(pending);
        }
    }

    /// The first foreign wake seen, if any (task id and thread name).
    #[inline]
    pub(crate) fn foreign(&self) -> Option<(Id, String)> {
        if !self.foreign_seen.load(Ordering::Acquire) {
            return None;
        }
        self.foreign.lock().map(|g| g.clone()).unwrap_or(None)
    }
}

impl Drop for WakeQueue {
    fn drop(&mut self) {
        // The last reference may be dropped by a detached waker on another
        // thread. Queued tasks hold non-atomic counts, which must not be
        // touched there: leak them (the simulation clears the queue when it
        // shuts down, so this only happens after a misuse).
        if !self.is_owner() {
            std::mem::forget(std::mem::take(self.pending.get_mut()));
        }
    }
}

/// The waker handed out when a task's waker is cloned on another thread: it
/// holds no reference to the task (whose count is not thread-safe), only its
/// id and the queue.
struct DetachedWaker {
    queue: Arc<WakeQueue>,
    id: Id,
}

impl std::task::Wake for DetachedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queue.is_owner() {
            // Back on the simulation's thread: an ordinary wake, by id.
            // SAFETY: owner thread, checked just above.
            unsafe { (*self.queue.pending_ids.get()).push(self.id) };
        } else {
            self.queue.record_foreign(self.id);
        }
    }
}

/// A waker for task `id` that does not reference the task (see `DetachedWaker`).
pub(crate) fn detached(queue: &Arc<WakeQueue>, id: Id) -> RawWaker {
    let waker = std::mem::ManuallyDrop::new(Waker::from(Arc::new(DetachedWaker {
        queue: queue.clone(),
        id,
    })));
    RawWaker::new(waker.data(), waker.vtable())
}
