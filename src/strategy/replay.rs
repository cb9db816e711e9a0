//! `Replay`: every choice read back from a tape; zeros once it runs out.

use super::{ChoiceKind, Scheduler};
use crate::tape::Tape;

pub(crate) struct Replay {
    values: Vec<u32>,
    next: usize,
}

impl Replay {
    pub(crate) fn new(tape: Tape) -> Replay {
        Replay {
            values: tape.into_values(),
            next: 0,
        }
    }
}

impl Scheduler for Replay {
    /// Every run reads the tape from its start.
    fn new_run(&mut self, _seed: u64) -> bool {
        self.next = 0;
        true
    }

    #[inline]
    fn choose(&mut self, _kind: ChoiceKind, n: u64) -> u32 {
        let v = self.values.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        // A value too large for this choice (the tape was edited or the run
        // diverged) is clamped to the largest allowed value.
        u64::from(v).min(n - 1) as u32
    }
}
