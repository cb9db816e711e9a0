//! The timer queue of the event loop (pub(crate)).
//!
//! Timers are keyed by (deadline, sequence): a radix heap orders them, a slab
//! holds their wakers. Cancelling a timer frees its slot at once and leaves a
//! stale heap entry that is skipped when it surfaces (its sequence no longer
//! matches the slot's); the heap is rebuilt when stale entries outnumber live
//! ones, so cancelled timeouts cannot grow it without bound.
//!
//! The floors' own events (the network's packets in flight, its partition
//! checks) are entries too, with a callback instead of a waker
//! ([`Timers::insert_call`]): one queue orders everything that happens at a
//! future instant.
//!
//! A radix heap fits because virtual time is monotone: a timer is only ever
//! registered with a deadline after the last one popped (a sleep whose
//! deadline has come completes without a timer). Entries sit in bucket `i`
//! when their deadline first differs from the last popped deadline at bit
//! `i - 1` (bucket 0: equal to it). Pushing appends to a bucket; popping
//! empties the lowest non-empty bucket into lower ones. Every access is a
//! sequential pass over a `Vec`, where a binary heap would touch random
//! levels of a large array.

use std::task::Waker;

use super::core::Core;

/// What a timer of a floor above the driver runs when it is due: a plain
/// function given the simulation and the token it was registered with
/// (the floor finds its own state through the token).
pub(crate) type Callback = fn(&Core, u32);

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
    /// A callback instead of a waker (a floor's events, such as packet
    /// deliveries, share this queue so that they and timers keep one order).
    call: Option<(Callback, u32)>,
}

/// (deadline, sequence, slot).
type Entry = (u64, u64, u32);

/// A monotone priority queue of entries keyed by deadline.
struct RadixHeap {
    /// The deadline last popped; every entry's deadline is at least this.
    last: u64,
    buckets: [Vec<Entry>; 65],
    /// Bit `i` set when `buckets[i]` is non-empty.
    nonempty: u128,
    len: usize,
}

impl Default for RadixHeap {
    fn default() -> RadixHeap {
        RadixHeap {
            last: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
            nonempty: 0,
            len: 0,
        }
    }
}

impl RadixHeap {
    #[inline]
    fn bucket(&self, deadline: u64) -> usize {
        (64 - (deadline ^ self.last).leading_zeros()) as usize
    }

    #[inline]
    fn push(&mut self, e: Entry) {
        debug_assert!(
            e.0 >= self.last,
            "timer deadline {} before {}",
            e.0,
            self.last
        );
        let b = self.bucket(e.0.max(self.last));
        self.buckets[b].push(e);
        self.nonempty |= 1 << b;
        self.len += 1;
    }

    /// Makes bucket 0 hold every entry with the smallest deadline; returns it.
    fn settle(&mut self) -> Option<u64> {
        if self.nonempty & 1 == 0 {
            if self.nonempty == 0 {
                return None;
            }
            let b = self.nonempty.trailing_zeros() as usize;
            let items = std::mem::take(&mut self.buckets[b]);
            self.nonempty &= !(1 << b);
            self.last = items.iter().map(|e| e.0).min().expect("non-empty bucket");
            for e in &items {
                let nb = self.bucket(e.0);
                debug_assert!(nb < b, "radix heap entries move down");
                self.buckets[nb].push(*e);
                self.nonempty |= 1 << nb;
            }
            // Give the emptied bucket its buffer back, to reuse its capacity.
            let mut items = items;
            items.clear();
            if self.buckets[b].capacity() == 0 {
                self.buckets[b] = items;
            }
        }
        Some(self.last)
    }

    /// Removes the entries of bucket 0 (all due at `self.last`), in sequence order.
    fn pop_min_into(&mut self, out: &mut Vec<Entry>) {
        let bucket = &mut self.buckets[0];
        bucket.sort_unstable_by_key(|e| e.1);
        self.len -= bucket.len();
        out.append(bucket);
        self.nonempty &= !1;
    }

    fn drain_all(&mut self) -> Vec<Entry> {
        let mut all = Vec::with_capacity(self.len);
        for b in &mut self.buckets {
            all.append(b);
        }
        self.nonempty = 0;
        self.len = 0;
        all
    }
}

#[derive(Default)]
pub(crate) struct Timers {
    heap: RadixHeap,
    due: Vec<Entry>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
}

impl Timers {
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        crate::runtime::footprint::touch(crate::runtime::footprint::TIMERS);
        self.insert_slot(deadline, Some(waker), None)
    }

    /// Registers `call(core, token)` to run at `deadline`.
    pub(crate) fn insert_call(&mut self, deadline: u64, call: Callback, token: u32) -> TimerKey {
        crate::runtime::footprint::touch(crate::runtime::footprint::TIMERS);
        self.insert_slot(deadline, None, Some((call, token)))
    }

    #[inline]
    fn insert_slot(
        &mut self,
        deadline: u64,
        waker: Option<Waker>,
        call: Option<(Callback, u32)>,
    ) -> TimerKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let new = Slot { seq, waker, call };
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = new;
                i
            }
            None => {
                self.slots.push(new);
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        self.heap.push((deadline, seq, slot));
        TimerKey { slot, seq }
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|s| s.seq == key.seq)
    }

    /// Replaces the waker of a live timer: `Ok` with the old waker (to be
    /// dropped by the caller once the timers are no longer borrowed: dropping
    /// a waker may free a task and run user destructors), `Err` if the timer
    /// is gone.
    pub(crate) fn update_waker(
        &mut self,
        key: TimerKey,
        waker: &Waker,
    ) -> Result<Option<Waker>, ()> {
        match self.slot_mut(key) {
            Some(slot) => match &slot.waker {
                Some(w) if w.will_wake(waker) => Ok(None),
                _ => Ok(slot.waker.replace(waker.clone())),
            },
            None => Err(()),
        }
    }

    /// Cancels a timer, returning its waker (to be dropped by the caller once
    /// the timers are no longer borrowed, as for `update_waker`).
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        let slot = self.slot_mut(key)?;
        slot.seq = 0;
        slot.call = None;
        let waker = slot.waker.take();
        self.free.push(key.slot);
        self.live -= 1;
        if self.heap.len > 1024 && self.heap.len > 4 * self.live {
            self.compact();
        }
        waker
    }

    fn compact(&mut self) {
        let entries = self.heap.drain_all();
        for e in entries {
            if self.slots[e.2 as usize].seq == e.1 {
                self.heap.push(e);
            }
        }
    }

    fn is_live(&self, e: &Entry) -> bool {
        self.slots[e.2 as usize].seq == e.1
    }

    /// The earliest deadline of a live timer.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        loop {
            let Some(deadline) = self.heap.settle() else {
                // Empty, perhaps after dropping cancelled timers that lay
                // past the clock (which did not move to them): the heap's
                // base goes back to 0, so a timer set now, earlier than
                // those, is still in order.
                self.heap.last = 0;
                return None;
            };
            if self.heap.buckets[0].iter().any(|e| self.is_live(e)) {
                return Some(deadline);
            }
            // Only cancelled timers at this deadline: drop them.
            self.due.clear();
            self.heap.pop_min_into(&mut self.due);
        }
    }

    /// Removes every live timer due at exactly `deadline`, pushing its waker
    /// to `out` (and a callback to `calls`) in registration order.
    /// `deadline` must come from `next_deadline`.
    pub(crate) fn pop_due(
        &mut self,
        deadline: u64,
        out: &mut Vec<Waker>,
        calls: &mut Vec<(Callback, u32)>,
    ) {
        if self.heap.settle() != Some(deadline) {
            return;
        }
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        self.heap.pop_min_into(&mut due);
        for (_, seq, slot) in due.drain(..) {
            let s = &mut self.slots[slot as usize];
            if s.seq != seq {
                continue;
            }
            s.seq = 0;
            if let Some(w) = s.waker.take() {
                out.push(w);
            }
            if let Some(call) = s.call.take() {
                calls.push(call);
            }
            self.free.push(slot);
            self.live -= 1;
        }
        self.due = due;
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
        t.pop_due(5, &mut out, &mut Vec::new());
        assert_eq!(out.len(), 1);
        assert_eq!(t.next_deadline(), Some(10));
        out.clear();
        t.pop_due(10, &mut out, &mut Vec::new());
        assert_eq!(out.len(), 1, "the cancelled timer must not fire");
        assert_eq!(t.live(), 0);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn a_timer_set_after_only_cancelled_ones_were_dropped_may_be_earlier_than_them() {
        // A run goes idle with a cancelled timer at 5 s left (the clock
        // stays at 0); dropping it must not leave the heap based at 5 s,
        // or a timer set now, at 1 s, would be out of order.
        let mut t = Timers::default();
        let stale = t.insert(5_000, noop());
        t.cancel(stale);
        assert_eq!(t.next_deadline(), None);
        t.insert(1_000, noop());
        assert_eq!(t.next_deadline(), Some(1_000));
        let mut out = Vec::new();
        t.pop_due(1_000, &mut out, &mut Vec::new());
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn random_deadlines_pop_in_order_like_a_sorted_list() {
        let mut t = Timers::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut expected = Vec::new();
        let mut now = 0;
        let mut popped = Vec::new();
        for round in 0..50 {
            for _ in 0..200 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let deadline = now + 1 + x % 10_000;
                let key = t.insert(deadline, noop());
                if x % 5 == 0 {
                    t.cancel(key);
                } else {
                    expected.push((deadline, key.seq));
                }
            }
            // Pop a few deadlines, as the event loop does.
            for _ in 0..(round % 7 + 1) * 20 {
                let Some(d) = t.next_deadline() else { break };
                let mut out = Vec::new();
                t.pop_due(d, &mut out, &mut Vec::new());
                assert!(!out.is_empty());
                for _ in 0..out.len() {
                    popped.push(d);
                }
                now = d;
            }
        }
        while let Some(d) = t.next_deadline() {
            let mut out = Vec::new();
            t.pop_due(d, &mut out, &mut Vec::new());
            popped.extend(std::iter::repeat_n(d, out.len()));
        }
        expected.sort();
        let expected: Vec<u64> = expected.into_iter().map(|(d, _)| d).collect();
        assert_eq!(popped, expected);
    }

    fn first(_: &Core, _: u32) {}
    fn second(_: &Core, _: u32) {}

    #[test]
    fn callbacks_share_the_order_of_timers_and_can_be_cancelled() {
        let mut t = Timers::default();
        let _w = t.insert(5, noop());
        let a = t.insert_call(5, first, 1);
        let gone = t.insert_call(5, second, 2);
        let b = t.insert_call(5, second, 3);
        assert!(t.cancel(gone).is_none(), "a callback holds no waker");
        assert_eq!(t.next_deadline(), Some(5));
        let (mut wakers, mut calls) = (Vec::new(), Vec::new());
        t.pop_due(5, &mut wakers, &mut calls);
        assert_eq!(wakers.len(), 1);
        let tokens: Vec<u32> = calls.iter().map(|&(_, token)| token).collect();
        assert_eq!(
            tokens,
            [1, 3],
            "registration order, the cancelled one skipped"
        );
        assert!(
            t.cancel(a).is_none() && t.cancel(b).is_none(),
            "fired: gone"
        );
        assert_eq!(t.live(), 0);
    }

    #[test]
    fn cancelled_timers_do_not_accumulate() {
        let mut t = Timers::default();
        let _keep = t.insert(1, noop());
        for i in 0..100_000 {
            let k = t.insert(1_000 + i, noop());
            t.cancel(k);
        }
        assert!(t.heap.len < 5_000, "heap holds {} entries", t.heap.len);
        assert_eq!(t.live(), 1);
    }
}
