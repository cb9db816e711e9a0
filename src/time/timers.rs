//! The timer queue of the event loop (pub(crate)).
//!
//! Timers are keyed by (deadline, sequence): a binary heap orders them, a slab
//! holds their wakers. Cancelling a timer frees its slot at once and leaves a
//! stale heap entry that is skipped when it surfaces (its sequence no longer
//! matches the slot's); the heap is rebuilt when stale entries outnumber live
//! ones, so cancelled timeouts cannot grow it without bound.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

/// Identifies one registered timer; stale once it fired or was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u64,
}

struct Slot {
    /// 0 when the slot is free.
    seq: u64,
    waker: Option<Waker>,
}

#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
}

impl Timers {
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Slot {
                    seq,
                    waker: Some(waker),
                };
                i
            }
            None => {
                self.slots.push(Slot {
                    seq,
                    waker: Some(waker),
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        self.heap.push(Reverse((deadline, seq, slot)));
        TimerKey { slot, seq }
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|s| s.seq == key.seq)
    }

    /// Replaces the waker of a live timer. False if the timer is gone.
    pub(crate) fn update_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.slot_mut(key) {
            Some(slot) => {
                match &slot.waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => slot.waker = Some(waker.clone()),
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn cancel(&mut self, key: TimerKey) {
        if let Some(slot) = self.slot_mut(key) {
            slot.seq = 0;
            slot.waker = None;
            self.free.push(key.slot);
            self.live -= 1;
            if self.heap.len() > 1024 && self.heap.len() > 4 * self.live {
                self.compact();
            }
        }
    }

    fn compact(&mut self) {
        let slots = &self.slots;
        let entries: Vec<_> = std::mem::take(&mut self.heap)
            .into_vec()
            .into_iter()
            .filter(|Reverse((_, seq, slot))| slots[*slot as usize].seq == *seq)
            .collect();
        self.heap = BinaryHeap::from(entries);
    }

    /// The earliest deadline of a live timer.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(Reverse((deadline, seq, slot))) = self.heap.peek().copied() {
            if self.slots[slot as usize].seq == seq {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// Removes every live timer due at exactly `deadline`, pushing its waker
    /// to `out` in registration order.
    pub(crate) fn pop_due(&mut self, deadline: u64, out: &mut Vec<Waker>) {
        while let Some(Reverse((d, seq, slot))) = self.heap.peek().copied() {
            if d != deadline {
                break;
            }
            self.heap.pop();
            let s = &mut self.slots[slot as usize];
            if s.seq != seq {
                continue;
            }
            s.seq = 0;
            if let Some(w) = s.waker.take() {
                out.push(w);
            }
            self.free.push(slot);
            self.live -= 1;
        }
    }

    /// The number of live timers.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    #[test]
    fn fires_in_deadline_then_registration_order_and_skips_cancelled() {
        let mut t = Timers::default();
        let a = t.insert(10, noop());
        let _b = t.insert(5, noop());
        let _c = t.insert(10, noop());
        t.cancel(a);
        assert_eq!(t.next_deadline(), Some(5));
        let mut out = Vec::new();
        t.pop_due(5, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(t.next_deadline(), Some(10));
        out.clear();
        t.pop_due(10, &mut out);
        assert_eq!(out.len(), 1, "the cancelled timer must not fire");
        assert_eq!(t.live(), 0);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn cancelled_timers_do_not_accumulate() {
        let mut t = Timers::default();
        let _keep = t.insert(1, noop());
        for i in 0..100_000 {
            let k = t.insert(1_000 + i, noop());
            t.cancel(k);
        }
        assert!(t.heap.len() < 5_000, "heap holds {} entries", t.heap.len());
        assert_eq!(t.live(), 1);
    }
}
