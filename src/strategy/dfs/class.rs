//! A run's class: its steps up to swapping adjacent independent ones (its
//! Mazurkiewicz trace), as a hash of its Foata normal form.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::strategy::Footprint;

/// A run's segments in Foata normal form: each at the level one above the
/// highest earlier segment it does not commute with (one of its own task,
/// or one sharing a resource). Two runs that differ only in the order of
/// independent segments have the same levels, so the same hash.
#[derive(Default)]
pub(super) struct Class {
    /// Per task: the level of its last segment and its segments so far.
    tasks: BTreeMap<u64, (u32, u32)>,
    /// Per resource: the highest level of a segment that touched it.
    resources: BTreeMap<u64, u32>,
    /// The level of the last segment that touched everything.
    top: u32,
    highest: u32,
    /// (level, task, the task's segment number, footprint hash)
    steps: Vec<(u32, u64, u32, u64)>,
}

impl Class {
    pub(super) fn step(&mut self, task: u64, footprint: &Footprint) {
        let (last, count) = self.tasks.get(&task).copied().unwrap_or((0, 0));
        let mut level = last.max(self.top);
        if footprint.all {
            level = level.max(self.highest);
        } else {
            for r in &footprint.ids {
                level = level.max(self.resources.get(r).copied().unwrap_or(0));
            }
        }
        level += 1;
        if footprint.all {
            self.top = level;
        } else {
            for r in &footprint.ids {
                self.resources.insert(*r, level);
            }
        }
        self.highest = self.highest.max(level);
        self.tasks.insert(task, (level, count + 1));
        let mut h = DefaultHasher::new();
        footprint.hash(&mut h);
        self.steps.push((level, task, count, h.finish()));
    }

    pub(super) fn finish(mut self) -> u64 {
        self.steps.sort_unstable();
        let mut h = DefaultHasher::new();
        self.steps.hash(&mut h);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(ids: &[u64]) -> Footprint {
        Footprint::of(ids)
    }

    fn class(steps: &[(u64, &[u64])]) -> u64 {
        let mut c = Class::default();
        for (task, ids) in steps {
            c.step(*task, &fp(ids));
        }
        c.finish()
    }

    #[test]
    fn swapping_independent_steps_keeps_the_class_and_dependent_ones_do_not() {
        let a = class(&[(1, &[10]), (2, &[20]), (1, &[30])]);
        let b = class(&[(2, &[20]), (1, &[10]), (1, &[30])]);
        assert_eq!(a, b, "task 2's step commutes with both of task 1's");
        let c = class(&[(1, &[10]), (2, &[10]), (1, &[30])]);
        let d = class(&[(2, &[10]), (1, &[10]), (1, &[30])]);
        assert_ne!(c, d, "both touch resource 10: the order is seen");
    }
}
