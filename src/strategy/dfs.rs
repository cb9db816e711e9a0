//! `Dfs`: systematic search over tapes with at most `K` non-zero scheduling
//! choices (delay bounding: Emmi, Qadeer and Rakamarić, POPL 2011).
//!
//! One run replays a *prefix* and continues with zeros, like `Replay`,
//! noting the kind and bound of every choice it answers. The search lives
//! between runs: when the next run starts ([`Scheduler::new_run`]), the
//! choices of the run just made give the next tape in lexicographic order
//! whose count of non-zero deviation choices stays within `K`
//! ([`next_prefix`]), or none when the space is exhausted. Each schedule is
//! visited once, provided the program is deterministic given its tape
//! (which the harness checks).
//!
//! Deviation choices are the scheduling kinds: which task runs, whether a
//! switch point yields, timer order, `select` order and `buggify` coins.
//! Data choices (random words, costs and latencies) stay 0 under `Dfs`:
//! their spaces are far too wide to enumerate (a random word has 2^32
//! values). The search counts every one it held at 0 ([`Scheduler::held`]),
//! and a search that held any does not claim its space exhausted: only the
//! schedules were, with that data fixed.
//!
//! The search sees each run as *segments*: a task's step is cut at every
//! pick and every switch point, and each segment carries the footprint the
//! event loop recorded (what it touched). Every run's *class*, its segments
//! up to swapping adjacent independent ones, is counted ([`class`]), so a
//! report says how many distinct runs the search reached up to order.
//!
//! **Partial-order reduction** (`Explorer::reduce_orders`, off by
//! default): only the orders that some race asks for are explored, with
//! sleep sets on top ([`reduce`]). It relies on footprints, so it assumes,
//! as loom and shuttle do, that tasks share state only through seedloop's
//! primitives; memory shared outside them (an `Rc<Cell<_>>`) is invisible
//! to it. Within a deviation bound it may also miss a schedule whose only
//! equivalents need more deviations (Coons, Musuvathi and McKinley, OOPSLA
//! 2013). docs/EXPLORATION.md measures both on the bug suite.

use std::collections::BTreeSet;

use super::{ChoiceKind, Footprint, Held, Scheduler};

mod class;
mod reduce;

/// Where a segment of a task's step starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// The task was picked.
    Pick,
    /// The task passed a switch point without yielding.
    Continue,
    /// The task yielded at a switch point: what it runs until its poll ends.
    AfterYield,
}

/// The task a time advance is counted as: it runs when no task is ready,
/// and no choice puts it elsewhere.
const CLOCK: u64 = u64::MAX;

/// The segment in progress: where it started (the tape position of its
/// choice, if it had one), whose it is, how it started.
#[derive(Clone, Copy, Debug)]
struct Segment {
    pos: Option<usize>,
    task: u64,
    cut: Cut,
}

/// The search's state, which spans runs.
pub(crate) struct Dfs {
    max_deviations: u32,
    /// What this run replays before it continues with zeros.
    prefix: Vec<u32>,
    /// This run's choices so far: value, kind and bound.
    made: Vec<(u32, ChoiceKind, u64)>,
    /// Whether a run was started (the first needs no search step).
    started: bool,
    exhausted: bool,
    /// The data choices held at 0, over every run.
    held: Held,
    /// The segment in progress, and the pick that started it.
    pending: Option<(Segment, Option<usize>)>,
    /// The task picked last: the one at a switch point.
    running: Option<u64>,
    /// This run's class, built segment by segment.
    class: class::Class,
    /// The classes of the runs so far.
    classes: BTreeSet<u64>,
    /// The partial-order reduction, when asked for.
    reduction: Option<reduce::Reduction>,
}

impl Dfs {
    pub(crate) fn new(max_deviations: u32, reduce: bool) -> Dfs {
        Dfs {
            max_deviations,
            prefix: Vec::new(),
            made: Vec::new(),
            started: false,
            exhausted: false,
            held: Held::default(),
            pending: None,
            running: None,
            class: class::Class::default(),
            classes: BTreeSet::new(),
            reduction: reduce.then(reduce::Reduction::default),
        }
    }

    /// The next prefix after the run just made, or `None`.
    fn next(&mut self) -> Option<Vec<u32>> {
        let (values, bounds): (Vec<u32>, Vec<(ChoiceKind, u64)>) =
            self.made.iter().map(|&(v, k, n)| (v, (k, n))).unzip();
        match &mut self.reduction {
            None => next_prefix(&values, &bounds, self.max_deviations),
            Some(reduction) => {
                reduction.finish_run(&values);
                let next = reduction.next(&values, &bounds, self.max_deviations)?;
                let j = next.len() - 1;
                reduction.moved(j, next[j]);
                Some(next)
            }
        }
    }
}

impl Scheduler for Dfs {
    /// The first run replays nothing (all zeros); every later one, the next
    /// prefix after the run just made. `false` once the space is exhausted.
    fn new_run(&mut self, _seed: u64) -> bool {
        if self.exhausted {
            return false;
        }
        if self.started {
            let class = std::mem::take(&mut self.class).finish();
            self.classes.insert(class);
            match self.next() {
                Some(next) => self.prefix = next,
                None => {
                    self.exhausted = true;
                    return false;
                }
            }
        }
        self.started = true;
        self.made.clear();
        self.pending = None;
        self.running = None;
        if let Some(reduction) = &mut self.reduction {
            reduction.start_run();
        }
        true
    }

    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32 {
        let v = self.prefix.get(self.made.len()).copied().unwrap_or(0);
        // As `Replay`: a value too large for this choice is clamped.
        let v = u64::from(v).min(n - 1) as u32;
        self.made.push((v, kind, n));
        match kind {
            ChoiceKind::Random => self.held.random += 1,
            ChoiceKind::Cost => self.held.cost += 1,
            ChoiceKind::Yield => {
                // The loop closed the running task's segment before asking.
                if let Some(task) = self.running {
                    let cut = if v == 0 {
                        Cut::Continue
                    } else {
                        Cut::AfterYield
                    };
                    let pos = Some(self.made.len() - 1);
                    self.pending = Some((Segment { pos, task, cut }, None));
                    if let Some(reduction) = &mut self.reduction {
                        let made = &self.made;
                        reduction.switch_point(task, made.len() - 1, &|k| made[k].0);
                    }
                }
            }
            _ => {}
        }
        v
    }

    fn every_step(&self) -> bool {
        true
    }

    fn footprints(&self) -> bool {
        true
    }

    fn pick(&mut self, n: usize, id: &dyn Fn(usize) -> u64) -> u32 {
        let pos = (n > 1).then_some(self.made.len());
        let v = if n > 1 {
            self.choose(ChoiceKind::Schedule, n as u64)
        } else {
            0
        };
        let task = id(v as usize);
        let pick = self.reduction.as_mut().map(|reduction| {
            let asleep = reduction.asleep(pos);
            reduction.picked(reduce::Pick {
                pos,
                ready: if n > 1 {
                    (0..n).map(id).collect()
                } else {
                    Vec::new()
                },
                blocked: asleep.contains(&task),
                asleep,
                at: self.made.len(),
            })
        });
        let cut = Cut::Pick;
        self.pending = Some((Segment { pos, task, cut }, pick));
        self.running = Some(task);
        v
    }

    fn stepped(&mut self, footprint: Footprint) {
        let Some((seg, pick)) = self.pending.take() else {
            return; // before the first pick
        };
        let quiet = footprint.ids.is_empty() && !footprint.all;
        if !(seg.cut == Cut::AfterYield && quiet) {
            self.class.step(seg.task, &footprint);
        }
        if let Some(reduction) = &mut self.reduction {
            reduction.closed(seg, pick, footprint);
        }
    }

    fn advancing(&mut self) {
        let seg = Segment {
            pos: None,
            task: CLOCK,
            cut: Cut::Pick,
        };
        self.pending = Some((seg, None));
        self.running = None;
    }

    fn held(&self) -> Held {
        self.held
    }

    fn classes(&self) -> Option<u64> {
        Some(self.classes.len() as u64)
    }
}

/// Whether the search may deviate (choose non-zero) at a choice of this kind.
pub(crate) fn deviates(kind: ChoiceKind) -> bool {
    !matches!(kind, ChoiceKind::Random | ChoiceKind::Cost)
}

/// The prefix of the next run after a run that chose `values`, where choice
/// `i` had `bounds[i]` options and kind `kinds[i]`. `None`: every tape with
/// at most `max_deviations` non-zero deviation choices has been run.
pub(crate) fn next_prefix(
    values: &[u32],
    bounds: &[(ChoiceKind, u64)],
    max_deviations: u32,
) -> Option<Vec<u32>> {
    debug_assert_eq!(values.len(), bounds.len(), "one bound per choice");
    // Non-zero deviation choices before position j, for every j.
    let mut before = Vec::with_capacity(values.len());
    let mut count = 0u32;
    for (v, (kind, _)) in values.iter().zip(bounds) {
        before.push(count);
        if *v != 0 && deviates(*kind) {
            count += 1;
        }
    }
    (0..values.len()).rev().find_map(|j| {
        let (kind, n) = bounds[j];
        let next = u64::from(values[j]) + 1;
        (deviates(kind) && next < n && before[j] < max_deviations).then(|| {
            let mut prefix = values[..j].to_vec();
            prefix.push(next as u32);
            prefix
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: ChoiceKind = ChoiceKind::Schedule;

    #[test]
    fn increments_the_deepest_choice_that_has_room() {
        let b = [(S, 3), (S, 2), (S, 2)];
        assert_eq!(next_prefix(&[0, 0, 0], &b, 2), Some(vec![0, 0, 1]));
        assert_eq!(next_prefix(&[0, 0, 1], &b, 2), Some(vec![0, 1]));
        assert_eq!(next_prefix(&[2, 1, 1], &b, 3), None);
    }

    #[test]
    fn respects_the_bound_on_deviations() {
        let b = [(S, 3), (S, 2), (S, 2)];
        // With one deviation used at position 0, no later one may be added.
        assert_eq!(next_prefix(&[1, 0, 0], &b, 1), Some(vec![2]));
        assert_eq!(next_prefix(&[2, 0, 0], &b, 1), None);
    }

    #[test]
    fn the_scheduler_walks_every_schedule_once_then_says_so() {
        // A "program" that makes two binary scheduling choices: every run
        // answers them, and the walk visits 00, 01, 10, 11 (bound 2), once each.
        let mut dfs = Dfs::new(2, false);
        let mut seen = Vec::new();
        while dfs.new_run(0) {
            let run = (dfs.choose(S, 2), dfs.choose(S, 2));
            seen.push(run);
        }
        assert_eq!(seen, [(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert!(!dfs.new_run(0), "an exhausted search stays exhausted");
    }

    #[test]
    fn data_choices_never_deviate() {
        let b = [(S, 2), (ChoiceKind::Random, 1 << 32)];
        assert_eq!(next_prefix(&[0, 0], &b, 2), Some(vec![1]));
    }
}
