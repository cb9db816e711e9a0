//! The value tree of [`tape_with`](crate::proptest::tape_with): shrinks a
//! failing tape the way the explorer's shrinker does (feature `proptest`).
//!
//! proptest's own shrinking of a `Vec` deletes elements one at a time and
//! lowers each value on its own. A schedule choice is a position in the
//! ready queue, so zeroing or deleting an early choice changes what the
//! later ones mean, and single edits miss simplifications that a chunk
//! makes at once (it stopped at `0,1,z2,1` where `z2,1` also fails). This
//! tree tries, from coarse to fine: zeroing chunks (half the tape, a
//! quarter, ... single choices), deleting chunks, deleting each run of
//! zeros, then lowering each non-zero value (to 0, to half, by one). Each candidate is simpler than
//! the last failing tape (fewer non-zero choices, or as many on a shorter
//! or lower tape); when one still fails it becomes the new start, and the
//! edits begin again. The result is 1-minimal: zeroing or deleting any one
//! of its remaining non-zero choices makes the failure go away.

use std::collections::VecDeque;
use std::fmt;

use ::proptest::strategy::{BoxedStrategy, NewTree, Strategy, ValueTree};
use ::proptest::test_runner::TestRunner;

use crate::tape::Tape;

/// Generates tapes with `values`, trimmed to at least `min_len`, and
/// shrinks them with a [`TapeTree`].
pub(crate) struct TapeStrategy {
    pub(crate) values: BoxedStrategy<Vec<u32>>,
    pub(crate) min_len: usize,
}

impl fmt::Debug for TapeStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TapeStrategy")
            .field("min_len", &self.min_len)
            .finish_non_exhaustive()
    }
}

impl Strategy for TapeStrategy {
    type Tree = TapeTree;
    type Value = Tape;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let values = self.values.new_tree(runner)?.current();
        Ok(TapeTree::new(trim(values, self.min_len), self.min_len))
    }
}

/// A failing tape and the simpler candidates still to try.
#[derive(Debug, Clone)]
pub(crate) struct TapeTree {
    /// The simplest tape known to fail.
    accepted: Vec<u32>,
    /// What the test is given now: `accepted`, or a candidate.
    current: Vec<u32>,
    /// Whether `current` is a candidate not yet judged.
    trying: bool,
    /// The candidates left for `accepted`, coarse to fine.
    queue: VecDeque<Vec<u32>>,
    min_len: usize,
}

impl TapeTree {
    fn new(tape: Vec<u32>, min_len: usize) -> TapeTree {
        let queue = candidates(&tape, min_len);
        TapeTree {
            current: tape.clone(),
            accepted: tape,
            trying: false,
            queue,
            min_len,
        }
    }
}

impl ValueTree for TapeTree {
    type Value = Tape;

    fn current(&self) -> Tape {
        Tape::from_values(self.current.clone())
    }

    fn simplify(&mut self) -> bool {
        if self.trying {
            // The candidate still failed: it is the new start.
            self.accepted = std::mem::take(&mut self.current);
            self.queue = candidates(&self.accepted, self.min_len);
            self.trying = false;
        }
        match self.queue.pop_front() {
            Some(next) => {
                self.current = next;
                self.trying = true;
                true
            }
            None => {
                self.current = self.accepted.clone();
                false
            }
        }
    }

    fn complicate(&mut self) -> bool {
        // The candidate passed: back to the failing tape; the next
        // `simplify` tries the next candidate.
        self.current = self.accepted.clone();
        self.trying = false;
        !self.queue.is_empty()
    }
}

/// Trailing zeros beyond `min_len` change nothing: a replay adds them.
fn trim(mut values: Vec<u32>, min_len: usize) -> Vec<u32> {
    let end = values.iter().rposition(|v| *v != 0).map_or(0, |i| i + 1);
    values.truncate(end.max(min_len).min(values.len()));
    values
}

fn nonzero(tape: &[u32]) -> usize {
    tape.iter().filter(|v| **v != 0).count()
}

/// Whether `a` is simpler than `b`: fewer non-zero choices, or as many on
/// a shorter tape, or as long with lower values.
fn simpler(a: &[u32], b: &[u32]) -> bool {
    (nonzero(a), a.len(), a) < (nonzero(b), b.len(), b)
}

/// Every simpler edit of `tape`, coarse to fine, without repeats.
fn candidates(tape: &[u32], min_len: usize) -> VecDeque<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut push = |c: Vec<u32>| {
        let c = trim(c, min_len);
        if c.len() >= min_len && simpler(&c, tape) && !out.contains(&c) {
            out.push(c);
        }
    };
    let len = tape.len();
    // Zero, then delete, chunks of halving sizes, walking from the end.
    for delete in [false, true] {
        let mut size = len.div_ceil(2).max(1);
        loop {
            let mut end = len;
            while end > 0 {
                let start = end.saturating_sub(size);
                if tape[start..end].iter().any(|v| *v != 0) {
                    let mut c = tape[..start].to_vec();
                    if !delete {
                        c.resize(end, 0);
                    }
                    c.extend_from_slice(&tape[end..]);
                    push(c);
                }
                end = start;
            }
            if size == 1 {
                break;
            }
            size = size.div_ceil(2);
        }
    }
    // Delete each maximal run of zeros whole (the chunk edits visit only
    // chunks with a non-zero value).
    let mut i = 0;
    while i < len {
        if tape[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < len && tape[i] == 0 {
            i += 1;
        }
        let mut c = tape[..start].to_vec();
        c.extend_from_slice(&tape[i..]);
        push(c);
    }
    // Lower each non-zero value: to 0, to half, by one.
    for (i, &v) in tape.iter().enumerate() {
        if v == 0 {
            continue;
        }
        for lower in [0, v / 2, v - 1] {
            if lower < v {
                let mut c = tape.to_vec();
                c[i] = lower;
                push(c);
            }
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a tree as proptest does, with `fails` as the property.
    fn minimize(start: Vec<u32>, fails: impl Fn(&[u32]) -> bool) -> Vec<u32> {
        assert!(fails(&start));
        let mut tree = TapeTree::new(trim(start, 0), 0);
        while tree.simplify() {
            if !fails(tree.current().values()) && !tree.complicate() {
                break;
            }
        }
        tree.current().values().to_vec()
    }

    #[test]
    fn a_chunk_edit_proptests_single_edits_miss_is_found() {
        // Fails when the last two choices are `1, 1` after any zeros, or
        // at `0,1,0,0,1` (the shape proptest stopped at): `z2,1` is simpler.
        let fails = |t: &[u32]| t.ends_with(&[1]) && t.iter().filter(|v| **v != 0).count() >= 1;
        assert_eq!(minimize(vec![0, 1, 0, 0, 1], fails), vec![1]);
        let pair = |t: &[u32]| t.windows(2).any(|w| w == [2, 1]);
        assert_eq!(minimize(vec![3, 2, 1, 4, 0, 2, 1], pair), vec![2, 1]);
    }

    #[test]
    fn the_result_is_one_minimal() {
        // Two non-zero choices needed, anywhere: the result keeps two, and
        // zeroing or deleting either makes it pass.
        let fails = |t: &[u32]| t.iter().filter(|v| **v != 0).count() >= 2;
        let got = minimize(vec![5, 0, 7, 9, 0, 3], fails);
        assert_eq!(got.iter().filter(|v| **v != 0).count(), 2);
        for i in (0..got.len()).filter(|&i| got[i] != 0) {
            let mut zeroed = got.clone();
            zeroed[i] = 0;
            assert!(!fails(&zeroed));
            let mut deleted = got.clone();
            deleted.remove(i);
            assert!(!fails(&deleted));
        }
        assert_eq!(got, vec![1, 1], "lowered and packed");
    }
}
