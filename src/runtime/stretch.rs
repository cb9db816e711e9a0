//! The last stretch before the step limit (pub(crate)): which tasks took
//! the steps, so that a run stopped by the limit names its spinners.
//!
//! Counting every poll of every run would cost the hot path; instead the
//! event loop starts counting `STRETCH` steps before the limit (the same
//! comparison that guards the limit), and only then notes each polled task.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::trace::Id;

/// How many steps before the limit the counting starts.
pub(crate) const STRETCH: u64 = 10_000;

/// The polls of each task over the last stretch.
pub(crate) struct Stretch {
    /// The step at which counting starts.
    pub(crate) from: u64,
    on: Cell<bool>,
    polls: RefCell<BTreeMap<Id, u64>>,
}

impl Stretch {
    /// A stretch ending at `limit`.
    pub(crate) fn new(limit: u64) -> Stretch {
        Stretch {
            from: limit.saturating_sub(STRETCH),
            on: Cell::new(false),
            polls: RefCell::new(BTreeMap::new()),
        }
    }

    /// Starts counting (the step count reached `from`).
    #[cold]
    pub(crate) fn start(&self) {
        self.on.set(true);
    }

    /// Notes a poll of `task`, when counting.
    #[inline]
    pub(crate) fn polled(&self, task: Id) {
        if self.on.get() {
            *self.polls.borrow_mut().entry(task).or_insert(0) += 1;
        }
    }

    /// The tasks that took the most polls, most first (ties by id), at most `n`.
    pub(crate) fn busiest(&self, n: usize) -> Vec<(Id, u64)> {
        let mut all: Vec<(Id, u64)> = self.polls.borrow().iter().map(|(k, v)| (*k, *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// How many steps the stretch covered.
    pub(crate) fn len(&self, limit: u64) -> u64 {
        limit - self.from
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_once_started_and_ranks_by_polls() {
        let s = Stretch::new(50);
        assert_eq!(s.from, 0);
        let (a, b) = (Id::from_u64(1), Id::from_u64(2));
        let big = Stretch::new(1_000_000);
        big.polled(a);
        assert!(big.busiest(3).is_empty(), "not counting before the stretch");
        s.start();
        for _ in 0..3 {
            s.polled(b);
        }
        s.polled(a);
        assert_eq!(s.busiest(3), vec![(b, 3), (a, 1)]);
        assert_eq!(s.busiest(1), vec![(b, 3)]);
        assert_eq!(s.len(50), 50);
    }
}
