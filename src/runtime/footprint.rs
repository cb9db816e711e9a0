//! What each step of a run touches (pub(crate)), for `Dfs`'s partial-order
//! reduction and its count of schedules that differ only in the order of
//! independent steps.
//!
//! A *step* is what runs between two picks of the event loop: one poll of
//! the task picked (and a time advance, when no task was ready). Its
//! *footprint* is the set of resources it touched: every primitive's state
//! (a [`Tracked`] cell: a lock, a channel, a socket, the fabric), the task
//! cells it joined or finished, and two run-wide resources, the spawn order
//! and the timer heap. A node's kill, restart, pause or resume and a task's
//! abort touch everything, as does a time advance. Two steps of different
//! tasks whose footprints are disjoint commute: run in either order, they
//! leave the same state.
//!
//! The footprint sees only seedloop's own state. Memory the tasks share
//! outside it (an `Rc<Cell<_>>`) is invisible, so the reduction that relies
//! on footprints assumes, as loom and shuttle do, that tasks share state
//! only through seedloop's primitives; it is off unless asked for.
//!
//! Recording is per thread and off by default: a touch outside a recording
//! run costs one thread-local load and a branch.

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::collections::BTreeMap;

pub(crate) use crate::strategy::Footprint;

/// The order of spawns (task ids are handed out in it).
pub(crate) const SPAWN: u64 = 1 << 62;
/// The timer heap (timers due at one instant fire in registration order).
pub(crate) const TIMERS: u64 = (1 << 62) + 1;

/// The resource of the task with this id (its output, its end).
pub(crate) fn task(id: u64) -> u64 {
    id
}

/// Ids of cells created while a run records: the creating task's id and
/// its count of cells created so far, under this tag. A task's own order
/// of creations does not change when independent steps of other tasks are
/// reordered, so equivalent runs name their cells alike.
const CREATED: u64 = 1 << 63;
/// Ids of cells created while no run recorded, numbered at first touch.
const LOOSE: u64 = (1 << 63) | (1 << 62);

struct Recorder {
    /// Per task: the cells it created so far in this run.
    created: BTreeMap<u64, u64>,
    loose: u64,
    step: Footprint,
    /// The resource touched last: the one whose operation is at a switch point.
    last: Option<u64>,
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static RECORDER: RefCell<Recorder> = const {
        RefCell::new(Recorder {
            created: BTreeMap::new(),
            loose: 0,
            step: Footprint { all: false, ids: Vec::new() },
            last: None,
        })
    };
}

/// Starts recording on this thread, for a new run.
pub(crate) fn start() {
    RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        r.created.clear();
        r.step = Footprint::default();
        r.last = None;
    });
    ON.with(|on| on.set(true));
}

/// Stops recording on this thread.
pub(crate) fn stop() {
    ON.with(|on| on.set(false));
}

/// What the current step touched; the next step starts empty.
pub(crate) fn take() -> Footprint {
    RECORDER.with(|r| std::mem::take(&mut r.borrow_mut().step))
}

#[inline]
fn on() -> bool {
    ON.with(Cell::get)
}

/// At a switch point that lets its operation proceed: the operation's
/// primitive, borrowed before the switch point and changed after it, is
/// touched by the segment that follows too.
pub(crate) fn proceed() {
    if on() {
        RECORDER.with(|r| {
            let mut r = r.borrow_mut();
            if let Some(last) = r.last {
                r.step.add(last);
            }
        });
    }
}

/// The current step touched the resource `id` ([`SPAWN`], [`TIMERS`], a [`task`]).
#[inline]
pub(crate) fn touch(id: u64) {
    if on() {
        RECORDER.with(|r| r.borrow_mut().step.add(id));
    }
}

/// The current step touched everything.
#[inline]
pub(crate) fn touch_all() {
    if on() {
        RECORDER.with(|r| r.borrow_mut().step.all = true);
    }
}

/// The id of a cell created now: 0 (numbered at first touch) unless a run
/// records.
#[inline]
fn created() -> u64 {
    if !on() {
        return 0;
    }
    // The creating task, from the event loop (0: none runs).
    let task = crate::runtime::with_core(|core| {
        core.and_then(|c| c.current_task())
            .map_or(0, |id| id.as_u64())
    });
    RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        let count = r.created.entry(task).or_insert(0);
        *count += 1;
        CREATED | ((task & 0xffff_ffff) << 24) | (*count & 0xff_ffff)
    })
}

#[cold]
fn touch_tracked(slot: &Cell<u64>) {
    RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        let mut id = slot.get();
        if id == 0 {
            r.loose += 1;
            id = LOOSE | r.loose;
            slot.set(id);
        }
        r.last = Some(id);
        r.step.add(id);
    });
}

/// A primitive's state: a `RefCell` whose every borrow is a touch of the
/// primitive. Its id travels with it when it moves.
pub(crate) struct Tracked<T: ?Sized> {
    id: Cell<u64>,
    cell: RefCell<T>,
}

impl<T> Tracked<T> {
    pub(crate) fn new(value: T) -> Tracked<T> {
        Tracked {
            id: Cell::new(created()),
            cell: RefCell::new(value),
        }
    }
}

impl<T: ?Sized> Tracked<T> {
    #[inline]
    fn touched(&self) {
        if on() {
            touch_tracked(&self.id);
        }
    }

    #[inline]
    #[track_caller]
    pub(crate) fn borrow(&self) -> Ref<'_, T> {
        self.touched();
        self.cell.borrow()
    }

    #[inline]
    #[track_caller]
    pub(crate) fn borrow_mut(&self) -> RefMut<'_, T> {
        self.touched();
        self.cell.borrow_mut()
    }

    #[inline]
    pub(crate) fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, std::cell::BorrowMutError> {
        self.touched();
        self.cell.try_borrow_mut()
    }
}

/// A primitive's `Cell` of plain state (a stored permit, a version): every
/// read or write is a touch, numbered like a [`Tracked`] cell's.
pub(crate) struct TrackedCell<T> {
    id: Cell<u64>,
    cell: Cell<T>,
}

impl<T: Copy> TrackedCell<T> {
    pub(crate) fn new(value: T) -> TrackedCell<T> {
        TrackedCell {
            id: Cell::new(created()),
            cell: Cell::new(value),
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> T {
        if on() {
            touch_tracked(&self.id);
        }
        self.cell.get()
    }

    #[inline]
    pub(crate) fn set(&self, value: T) {
        if on() {
            touch_tracked(&self.id);
        }
        self.cell.set(value);
    }

    #[inline]
    pub(crate) fn replace(&self, value: T) -> T {
        if on() {
            touch_tracked(&self.id);
        }
        self.cell.replace(value)
    }

    /// The value, for a report (not a touch).
    pub(crate) fn peek(&self) -> T {
        self.cell.get()
    }
}

impl<T: Copy + Default> Default for TrackedCell<T> {
    fn default() -> TrackedCell<T> {
        TrackedCell::new(T::default())
    }
}

impl<T: Default> Default for Tracked<T> {
    fn default() -> Tracked<T> {
        Tracked::new(T::default())
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Formatting is not a touch: it is how a report looks, not the run.
        std::fmt::Debug::fmt(&self.cell, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(ids: &[u64]) -> Footprint {
        Footprint::of(ids)
    }

    #[test]
    fn disjoint_footprints_commute_and_everything_commutes_with_nothing_but_empty() {
        assert!(fp(&[1, 3, 5]).independent(&fp(&[2, 4, 6])));
        assert!(!fp(&[1, 3, 5]).independent(&fp(&[0, 5])));
        assert!(fp(&[]).independent(&fp(&[7])));
        let all = Footprint {
            all: true,
            ids: Vec::new(),
        };
        assert!(!all.independent(&fp(&[])));
        let mut u = fp(&[3]);
        u.union(&fp(&[1, 3]));
        assert_eq!(u, fp(&[1, 3]));
    }

    #[test]
    fn cells_are_named_by_their_creator_and_keep_it_when_moved() {
        touch(5); // off: nothing recorded
        assert_eq!(take(), fp(&[]));
        let loose = Tracked::new(0); // created while off: named at first touch
        let mut sim = crate::Sim::new(0);
        let (task, seen) = sim.block_on(async move {
            start();
            let made = crate::spawn(async {
                let (a, b) = (Tracked::new(1), Tracked::new(2));
                let c = TrackedCell::new(3u8);
                let _ = b.borrow();
                let _ = a.borrow_mut();
                c.set(4);
                touch(SPAWN);
                let moved = Box::new(b);
                let _ = moved.borrow();
                (crate::task::id().as_u64(), a)
            });
            let (task, a) = made.await.unwrap();
            let _ = loose.borrow();
            let seen = take();
            touch_all();
            assert!(take().all);
            stop();
            let _ = a.borrow();
            assert_eq!(take(), fp(&[]));
            (task, seen)
        });
        let of_task = |k: u64| CREATED | (task << 24) | k;
        let expected = [SPAWN, of_task(1), of_task(2), of_task(3), LOOSE | 1];
        assert!(
            expected.iter().all(|id| seen.ids.contains(id)),
            "{seen:?} lacks one of {expected:x?}"
        );
    }
}
