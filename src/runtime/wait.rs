//! What every primitive is built from (pub(crate)): a FIFO list of waiting
//! tasks, and the switch point.
//!
//! **Wait list.** A waiter is pushed with its waker and some data (how many
//! permits it needs, say) and gets a key. The primitive *grants* a waiter by
//! removing it from the list and waking it; the waiter's future, on its next
//! poll, sees its key gone and knows it was granted. A future dropped while
//! its key is still listed removes itself (cancellation); one dropped after it
//! was granted hands back what it was given. Keys carry a generation, so a
//! stale key never matches a reused slot. Removal from the middle is lazy: the
//! FIFO order skips dead keys when they reach the front.
//!
//! **Switch point.** An operation that could proceed at once (an uncontended
//! lock, a send with room, a receive with a message waiting) first asks the
//! strategy whether to yield (a choice on the tape, 0 = proceed). Without it,
//! a task that never blocks runs to its next real await in one step, and most
//! races around locks and channels can never show.

use std::collections::VecDeque;
use std::panic::Location;
use std::task::{Context, Poll, Waker};

use crate::strategy::ChoiceKind;

/// What a blocked task waits on, as a deadlock report names it. Each
/// primitive declares its own as a `static` (the event loop knows none of
/// them): `static LOCK: WaitKind = WaitKind::at("Mutex::lock");`.
#[derive(Debug)]
pub(crate) struct WaitKind {
    label: &'static str,
    place: Place,
}

/// How the place given with a wait is shown.
#[derive(Debug)]
enum Place {
    /// `label at <caller>`: where the user called the operation.
    Caller,
    /// `label of a task spawned at <site>`: the awaited task's spawn site.
    Task,
    /// `label` alone: the operation is inside seedloop (a socket's), its place says nothing.
    Hidden,
}

impl WaitKind {
    /// Reported as `label at <where it was called>`.
    pub(crate) const fn at(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Caller,
        }
    }

    /// Reported as `label of a task spawned at <its spawn site>`.
    pub(crate) const fn of_task(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Task,
        }
    }

    /// Reported as `label` alone.
    pub(crate) const fn plain(label: &'static str) -> WaitKind {
        WaitKind {
            label,
            place: Place::Hidden,
        }
    }

    /// The operation's name (`Mutex::lock`).
    pub(crate) fn label(&self) -> &'static str {
        self.label
    }

    /// The words of a deadlock report for a wait noted at `at`.
    pub(crate) fn describe(&self, at: &Location<'_>) -> String {
        match self.place {
            Place::Caller => format!("{} at {at}", self.label),
            Place::Task => format!("{} of a task spawned at {at}", self.label),
            Place::Hidden => self.label.to_string(),
        }
    }
}

/// Identifies one waiter of a [`WaitList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitKey {
    index: u32,
    generation: u32,
}

struct Slot<T> {
    generation: u32,
    waiter: Option<(Waker, T)>,
}

/// A FIFO list of waiting tasks, each with data of type `T`.
pub(crate) struct WaitList<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    order: VecDeque<WaitKey>,
    len: usize,
}

impl<T> Default for WaitList<T> {
    fn default() -> WaitList<T> {
        WaitList {
            slots: Vec::new(),
            free: Vec::new(),
            order: VecDeque::new(),
            len: 0,
        }
    }
}

impl<T> WaitList<T> {
    /// The number of waiters.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, waker: Waker, data: T) -> WaitKey {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    waiter: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.waiter = Some((waker, data));
        let key = WaitKey {
            index,
            generation: slot.generation,
        };
        self.order.push_back(key);
        self.len += 1;
        key
    }

    fn slot(&self, key: WaitKey) -> Option<&Slot<T>> {
        self.slots
            .get(key.index as usize)
            .filter(|s| s.generation == key.generation && s.waiter.is_some())
    }

    /// True while the waiter is listed (not yet granted nor removed).
    pub(crate) fn contains(&self, key: WaitKey) -> bool {
        self.slot(key).is_some()
    }

    /// The waiter's data, while it is listed.
    pub(crate) fn data_mut(&mut self, key: WaitKey) -> Option<&mut T> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.waiter.as_mut())
            .map(|(_, data)| data)
    }

    /// Replaces the waiter's waker if it would not wake the same task; the
    /// old waker is returned, to be dropped outside any borrow.
    pub(crate) fn update_waker(&mut self, key: WaitKey, waker: &Waker) -> Option<Waker> {
        let slot = self
            .slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)?;
        let (old, _) = slot.waiter.as_mut()?;
        if old.will_wake(waker) {
            None
        } else {
            Some(std::mem::replace(old, waker.clone()))
        }
    }

    /// Removes a listed waiter (cancellation), returning its waker and data.
    pub(crate) fn remove(&mut self, key: WaitKey) -> Option<(Waker, T)> {
        let slot = self
            .slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)?;
        let waiter = slot.waiter.take()?;
        self.free.push(key.index);
        self.len -= 1;
        if self.order.len() > 2 * self.len + 32 {
            let slots = &self.slots;
            self.order.retain(|k| {
                slots[k.index as usize].generation == k.generation
                    && slots[k.index as usize].waiter.is_some()
            });
        }
        Some(waiter)
    }

    /// The first listed waiter.
    pub(crate) fn front(&mut self) -> Option<WaitKey> {
        while let Some(&key) = self.order.front() {
            if self.slot(key).is_some() {
                return Some(key);
            }
            self.order.pop_front();
        }
        None
    }

    /// Removes the first waiter: it is granted. Returns its waker (to be
    /// woken once no borrow is held) and data.
    pub(crate) fn pop_front(&mut self) -> Option<(Waker, T)> {
        let key = self.front()?;
        self.order.pop_front();
        self.remove(key)
    }

    /// The listed waiters' keys, in FIFO order.
    pub(crate) fn keys(&mut self) -> Vec<WaitKey> {
        let slots = &self.slots;
        self.order.retain(|k| {
            slots[k.index as usize].generation == k.generation
                && slots[k.index as usize].waiter.is_some()
        });
        self.order.iter().copied().collect()
    }

    /// A clone of a listed waiter's waker.
    pub(crate) fn waker(&self, key: WaitKey) -> Option<Waker> {
        self.slot(key)
            .and_then(|s| s.waiter.as_ref())
            .map(|(w, _)| w.clone())
    }

    /// Removes every waiter, in FIFO order.
    pub(crate) fn drain(&mut self) -> Vec<(Waker, T)> {
        let mut out = Vec::with_capacity(self.len);
        while let Some(w) = self.pop_front() {
            out.push(w);
        }
        out
    }
}

/// Wakes every waker of a granted batch (call with no borrow held).
pub(crate) fn wake_all<T>(granted: Vec<(Waker, T)>) {
    for (waker, _) in granted {
        waker.wake();
    }
}

/// The switch point of one operation: asked at most once.
#[derive(Debug, Default)]
pub(crate) struct Switch {
    asked: bool,
}

impl Switch {
    /// `Ready` when the operation may proceed now; `Pending` (having woken
    /// the task, so it is polled again soon) when the strategy chose to
    /// yield first. Outside a simulation it always proceeds.
    #[inline]
    pub(crate) fn poll_proceed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.asked {
            return Poll::Ready(());
        }
        self.asked = true;
        let yields = crate::runtime::with_core(|core| {
            core.is_some_and(|c| c.choose(ChoiceKind::Yield, 2) == 1)
        });
        if yields {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(())
    }
}

/// Notes that the running task blocks on `kind`, called at `at`.
#[inline]
pub(crate) fn mark_waiting(kind: &'static WaitKind, at: &'static Location<'static>) {
    crate::runtime::with_core(|core| {
        if let Some(core) = core {
            core.mark_waiting(kind, at);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_cancellation_in_the_middle() {
        let mut list = WaitList::default();
        let w = || Waker::noop().clone();
        let a = list.push(w(), 'a');
        let b = list.push(w(), 'b');
        let c = list.push(w(), 'c');
        assert_eq!(list.remove(b).map(|(_, d)| d), Some('b'));
        assert!(!list.contains(b));
        assert_eq!(list.pop_front().map(|(_, d)| d), Some('a'));
        assert!(!list.contains(a));
        let d = list.push(w(), 'd'); // reuses a slot: the old key must not match
        assert!(!list.contains(a) && !list.contains(b));
        assert_eq!(list.front(), Some(c));
        assert_eq!(
            list.drain().into_iter().map(|(_, d)| d).collect::<String>(),
            "cd"
        );
        assert!(list.is_empty() && !list.contains(d));
    }

    #[test]
    fn many_cancellations_do_not_grow_the_order() {
        let mut list = WaitList::default();
        let keep = list.push(Waker::noop().clone(), 0);
        for i in 0..10_000 {
            let k = list.push(Waker::noop().clone(), i);
            list.remove(k);
        }
        assert!(list.order.len() < 100, "{}", list.order.len());
        assert_eq!(list.front(), Some(keep));
    }
}
