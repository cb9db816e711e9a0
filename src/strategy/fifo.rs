//! `Fifo`: every choice is 0, the plainest run.

use super::{ChoiceKind, Scheduler};

pub(crate) struct Fifo;

impl Scheduler for Fifo {
    fn new_run(&mut self, _seed: u64) -> bool {
        true
    }

    fn choose(&mut self, _kind: ChoiceKind, _n: u64) -> u32 {
        0
    }
}
