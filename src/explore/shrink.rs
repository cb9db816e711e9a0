//! Shrinking a failing tape toward the simplest run that fails the same way.
//!
//! The tape of a failing run is a list of choices where 0 is always the
//! simplest value. The shrinker edits it and re-runs the program after each
//! edit, keeping an edit only while the run still fails *the same way*: the
//! same kind of error and, for a panic, the same location. Edits, in the
//! order tried, from coarse to fine:
//!
//! 1. set the longest prefix it can to 0 (keeping the last 1, 2, 4, ...
//!    choices), then chunks of choices (half the tape, then a quarter,
//!    down to single choices, visiting only chunks with a non-zero value);
//! 2. delete a chunk of choices (same sizes), then each run of zeros whole;
//! 3. lower each remaining non-zero value (to 1, else by binary search).
//!
//! After a kept edit the tape becomes the *recorded* tape of that run,
//! which is exactly what the run consumed, so trailing choices the failure
//! did not reach disappear. The passes repeat until one round keeps nothing
//! or the budget of re-runs is spent. The result replays to the same
//! failure by construction: it is the record of a run that failed so.

use crate::error::Error;

/// What "the same failure" means: the error's kind and, for a panic, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Signature {
    kind: &'static str,
    location: Option<String>,
}

impl Signature {
    pub(crate) fn of(error: &Error) -> Signature {
        let (kind, location) = match error {
            Error::Deadlock { .. } => ("deadlock", None),
            Error::Panicked { location, .. } => ("panic", location.clone()),
            Error::TimeLimit { .. } => ("time limit", None),
            Error::StepLimit { .. } => ("step limit", None),
            Error::NonDeterminism { .. } => ("nondeterminism", None),
            Error::ForeignWake { .. } => ("foreign wake", None),
        };
        Signature { kind, location }
    }
}

/// The result of a shrink.
#[derive(Debug)]
pub(crate) struct Shrunk {
    /// The smallest failing tape found, trailing zeros trimmed.
    pub(crate) tape: Vec<u32>,
    /// How many re-runs it took.
    pub(crate) runs: u64,
}

/// Shrinks `start`, a tape whose run failed with `target`. `run(tape)`
/// replays a candidate and returns what it recorded and its error, if any,
/// or `None` to stop (its own budget is spent).
pub(crate) fn shrink(
    start: Vec<u32>,
    target: &Signature,
    budget: u64,
    mut run: impl FnMut(&[u32]) -> Option<(Vec<u32>, Option<Error>)>,
) -> Shrunk {
    let mut s = Shrinker {
        best: trim(start),
        target,
        budget,
        runs: 0,
        run: &mut run,
    };
    loop {
        let before = (s.best.len(), nonzero(&s.best), s.best.clone());
        s.zero_prefix();
        s.chunks(Edit::Zero);
        s.chunks(Edit::Delete);
        s.zero_runs();
        s.lower();
        let after = (s.best.len(), nonzero(&s.best), s.best.clone());
        if after == before || s.runs >= s.budget {
            break;
        }
    }
    Shrunk {
        tape: s.best,
        runs: s.runs,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edit {
    Zero,
    Delete,
}

/// Replays a candidate tape: what the run recorded, and its error if it failed.
/// `None`: the caller's own budget (of steps) is spent; stop shrinking.
type Replay<'a> = dyn FnMut(&[u32]) -> Option<(Vec<u32>, Option<Error>)> + 'a;

struct Shrinker<'a> {
    best: Vec<u32>,
    target: &'a Signature,
    budget: u64,
    runs: u64,
    run: &'a mut Replay<'a>,
}

impl Shrinker<'_> {
    /// Runs `candidate`; keeps its record if it fails the same way and is
    /// simpler (fewer non-zero choices, or as many on a shorter or lower tape).
    fn attempt(&mut self, candidate: &[u32]) -> bool {
        if self.runs >= self.budget {
            return false;
        }
        let Some((recorded, error)) = (self.run)(candidate) else {
            self.budget = self.runs;
            return false;
        };
        self.runs += 1;
        let same = error.is_some_and(|e| Signature::of(&e) == *self.target);
        let recorded = trim(recorded);
        if same && simpler(&recorded, &self.best) {
            self.best = recorded;
            true
        } else {
            false
        }
    }

    /// Zeroes the longest prefix it can, trying to keep only the last 1, 2,
    /// 4, ... choices. A schedule choice is a position in the ready queue,
    /// so zeroing an early chunk changes what every later choice means;
    /// aligned chunks then miss edits that a whole prefix keeps.
    fn zero_prefix(&mut self) {
        let mut keep = 1usize;
        while keep < self.best.len() && self.runs < self.budget {
            let cut = self.best.len() - keep;
            if self.best[..cut].iter().any(|v| *v != 0) {
                let mut candidate = vec![0; cut];
                candidate.extend_from_slice(&self.best[cut..]);
                if self.attempt(&candidate) {
                    return;
                }
            }
            keep *= 2;
        }
    }

    fn chunks(&mut self, edit: Edit) {
        let mut size = self.best.len().div_ceil(2).max(1);
        loop {
            // Walk from the end so that a kept edit leaves the positions of
            // the chunks still to visit unchanged.
            let mut end = self.best.len();
            while end > 0 && self.runs < self.budget {
                let start = end.saturating_sub(size);
                let chunk = &self.best[start..end];
                if chunk.iter().any(|v| *v != 0) {
                    let mut candidate = self.best[..start].to_vec();
                    if edit == Edit::Zero {
                        candidate.resize(end, 0);
                    }
                    candidate.extend_from_slice(&self.best[end.min(self.best.len())..]);
                    self.attempt(&candidate);
                }
                end = start.min(self.best.len());
            }
            if size == 1 || self.runs >= self.budget {
                return;
            }
            size = size.div_ceil(2);
        }
    }

    /// Deletes each maximal run of zeros whole (the chunk passes visit only
    /// chunks holding a non-zero value, to bound their cost on long tapes).
    fn zero_runs(&mut self) {
        let mut end = self.best.len();
        while end > 0 && self.runs < self.budget {
            let Some(last_zero) = self.best[..end].iter().rposition(|v| *v == 0) else {
                return;
            };
            let start = self.best[..last_zero]
                .iter()
                .rposition(|v| *v != 0)
                .map_or(0, |i| i + 1);
            let mut candidate = self.best[..start].to_vec();
            candidate.extend_from_slice(&self.best[last_zero + 1..]);
            self.attempt(&candidate);
            end = start.min(self.best.len());
        }
    }

    /// Lowers each non-zero value: to 1 if that still fails, else by
    /// binary search between the highest value known to pass and the
    /// lowest known to fail (about 32 re-runs for a 32-bit value).
    fn lower(&mut self) {
        let mut i = self.best.len();
        while i > 0 && self.runs < self.budget {
            i -= 1;
            let Some(&v) = self.best.get(i) else { continue };
            if v <= 1 {
                continue;
            }
            let (mut passes, mut fails) = (0, v);
            let mut next = 1;
            while fails - passes > 1 && self.runs < self.budget {
                let mut candidate = self.best.clone();
                candidate[i] = next;
                if self.attempt(&candidate) {
                    if self.best.get(i) != Some(&next) {
                        break; // the run took another path: move on
                    }
                    fails = next;
                } else {
                    passes = next;
                }
                next = passes + (fails - passes) / 2;
            }
        }
    }
}

fn trim(mut tape: Vec<u32>) -> Vec<u32> {
    while tape.last() == Some(&0) {
        tape.pop();
    }
    tape
}

fn nonzero(tape: &[u32]) -> usize {
    tape.iter().filter(|v| **v != 0).count()
}

/// Fewer non-zero choices; then a shorter tape; then smaller values.
fn simpler(a: &[u32], b: &[u32]) -> bool {
    (nonzero(a), a.len(), a) < (nonzero(b), b.len(), b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn panic_at(loc: &str) -> Error {
        Error::Panicked {
            task: Box::new(crate::error::TaskInfo {
                node: None,
                id: crate::trace::Id::from_u64(1),
                name: None,
                spawned_at: String::new(),
                waiting_on: None,
            }),
            message: "boom".into(),
            location: Some(loc.into()),
            time: Duration::ZERO,
        }
    }

    /// A fake program: fails at "a" when the tape holds a 3 somewhere after
    /// a non-zero value, consuming the whole tape it is given.
    fn program(tape: &[u32]) -> (Vec<u32>, Option<Error>) {
        let first = tape.iter().position(|v| *v != 0);
        let fails = first.is_some_and(|f| tape[f + 1..].contains(&3));
        (tape.to_vec(), fails.then(|| panic_at("a")))
    }

    #[test]
    fn shrinks_to_the_essential_choices() {
        let start: Vec<u32> = (0..500u32).map(|i| (i * 7919) % 11).collect();
        assert!(program(&start).1.is_some());
        let target = Signature::of(&panic_at("a"));
        let out = shrink(start, &target, 10_000, |t| Some(program(t)));
        assert_eq!(out.tape, vec![1, 3], "after {} runs", out.runs);
        assert!(program(&out.tape).1.is_some());
    }

    #[test]
    fn a_different_failure_is_not_kept() {
        let target = Signature::of(&panic_at("elsewhere"));
        let start = vec![5, 3, 3];
        let out = shrink(start.clone(), &target, 1000, |t| Some(program(t)));
        assert_eq!(out.tape, start);
    }

    #[test]
    fn large_values_are_lowered_by_binary_search() {
        // Fails while the value at index 0 is at least 3_000_000_000.
        let program = |t: &[u32]| {
            let fails = t.first().is_some_and(|v| *v >= 3_000_000_000);
            (t.to_vec(), fails.then(|| panic_at("a")))
        };
        let out = shrink(vec![u32::MAX], &Signature::of(&panic_at("a")), 1000, |t| {
            Some(program(t))
        });
        assert_eq!(out.tape, vec![3_000_000_000]);
        // Two rounds of about 33 (the second confirms nothing moves).
        assert!(out.runs < 100, "{} re-runs", out.runs);
    }

    #[test]
    fn the_budget_bounds_the_runs() {
        let start: Vec<u32> = (0..5000u32).map(|i| i % 5).collect();
        let out = shrink(start.clone(), &Signature::of(&panic_at("a")), 25, |t| {
            Some(program(t))
        });
        assert_eq!(out.runs, 25);
        let mut left = 7;
        let out = shrink(start, &Signature::of(&panic_at("a")), 25, |t| {
            left -= 1;
            (left >= 0).then(|| program(t))
        });
        assert_eq!(out.runs, 7, "the caller's budget stops it");
    }
}
