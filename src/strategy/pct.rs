//! `Pct`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi
//! and Nagarakatte, ASPLOS 2010).
//!
//! Every task gets a random priority when it is first seen, and the ready
//! task with the highest priority runs. Before the run, `depth - 1` *change
//! points* are drawn uniformly among the first `k` scheduling points, where
//! `k` is the explorer's estimate of the run's length (the steps of a
//! plain run). With no
//! estimate (a plain `Sim`), each change point is drawn log-uniformly
//! instead: point `i` with probability at least `1 / (21 i)`, whatever the
//! run's length, so a bug of depth `d` whose change points fall at points
//! `i_1 .. i_(d-1)` is found with probability at least
//! `1 / (n * 21^(d-1) * i_1 * ... * i_(d-1))` per run. When the run reaches change point `i`,
//! the task about to run (or running, at a switch point) drops to priority
//! `i`, below every initial priority, and the highest-priority ready task
//! runs instead. A bug that needs `d` ordering constraints is found with
//! probability at least `1 / (n * k^(d-1))` per run, for `n` tasks.
//!
//! Scheduling points are the steps (a pick among the ready tasks, even when
//! only one is ready) and the `Yield` switch points.
//! As in the paper, the highest-priority ready task runs at *every*
//! scheduling point: a switch point yields at a change point, or when a
//! task of higher priority than the running one is ready (one it spawned
//! or woke, say). Otherwise a task runs until it blocks. Data choices
//! (random words, costs, timer order, coins) come from the run's ChaCha8
//! generator.
//!
//! The state machine, per scheduling point: count it; if the count is the
//! next change point, lower the priority of the task that would run; then
//! run the highest-priority ready task (at a switch point: yield if the
//! running task was lowered, or is no longer the highest).
//!
//! Until issue 13's second round a switch point yielded only at change
//! points, so a task spawned with a higher priority waited until its
//! spawner blocked: `pct:1` then never preempted at all. Yielding to the
//! higher priority is what the paper's algorithm does, and it took
//! `send_then_count` under `pct:2` from 0.24 failures per run to 0.86.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChoiceKind, Scheduler, uniform};

pub(crate) struct Pct {
    depth: u32,
    /// `k`: the estimate of a run's length in scheduling points.
    steps_hint: u64,
    rng: ChaCha8Rng,
    /// Priority by task id (0 = not seen yet). Initial priorities are at
    /// least `depth`, change points give `1..depth`.
    priority: Vec<u64>,
    /// The change points, in decreasing order of step, so the next is last.
    changes: Vec<(u64, u64)>,
    /// Scheduling points passed so far.
    points: u64,
    /// The task picked last: the one running at a switch point.
    running: Option<u64>,
}

impl Pct {
    /// A `Pct` scheduler for bugs of depth `depth`, in runs of about
    /// `steps_hint` scheduling points.
    pub(crate) fn new(depth: u32, steps_hint: u64) -> Pct {
        Pct {
            depth,
            steps_hint,
            rng: ChaCha8Rng::seed_from_u64(0),
            priority: Vec::new(),
            changes: Vec::new(),
            points: 0,
            running: None,
        }
    }

    /// The state at the start of a run with this seed: the change points
    /// drawn, no task seen, no point passed.
    fn start(&mut self, seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let k = self.steps_hint;
        // Change point i (1-based) lowers a task to priority depth - i, so
        // the later a change point, the lower the priority it gives.
        let mut steps: Vec<u64> = (1..self.depth.max(1))
            .map(|_| match k {
                0 => log_uniform(&mut rng),
                k => uniform(&mut rng, k) + 1,
            })
            .collect();
        steps.sort_unstable();
        let depth = u64::from(self.depth.max(1));
        let mut changes: Vec<(u64, u64)> = steps
            .into_iter()
            .enumerate()
            .map(|(i, step)| (step, depth - 1 - i as u64))
            .collect();
        changes.reverse();
        self.rng = rng;
        self.priority.clear();
        self.changes = changes;
        self.points = 0;
        self.running = None;
    }

    fn priority_of(&mut self, id: u64) -> u64 {
        let i = id as usize;
        if i >= self.priority.len() {
            self.priority.resize(i + 1, 0);
        }
        if self.priority[i] == 0 {
            // Distinct with overwhelming probability; ties go to the older task.
            let floor = self.changes.len() as u64 + 2;
            self.priority[i] = floor + (self.rng.next_u64() >> 2);
        }
        self.priority[i]
    }

    /// Counts a scheduling point; returns the priority to give the task at
    /// hand if this point is a change point.
    fn point(&mut self) -> Option<u64> {
        self.points += 1;
        match self.changes.last() {
            Some(&(step, prio)) if step == self.points => {
                self.changes.pop();
                Some(prio)
            }
            _ => None,
        }
    }

    fn best(&mut self, n: usize, id: &dyn Fn(usize) -> u64) -> usize {
        let mut best = (0, 0);
        for i in 0..n {
            let p = self.priority_of(id(i));
            if p > best.1 {
                best = (i, p);
            }
        }
        best.0
    }
}

/// A change point for a run of unknown length: a scale `2^e`, `e` uniform
/// in `0..=LOG_MAX`, then a point uniform within `[2^e, 2^(e+1))`. Point
/// `i` is drawn with probability at least `1 / ((LOG_MAX + 1) * i)`,
/// whatever the run's length: short runs get their change points as often
/// as long ones get theirs, scale for scale.
fn log_uniform(rng: &mut ChaCha8Rng) -> u64 {
    let e = uniform(rng, u64::from(LOG_MAX) + 1);
    let base = 1u64 << e;
    base + uniform(rng, base)
}

/// The largest scale of [`log_uniform`]: runs of up to 2^21 scheduling
/// points are covered.
const LOG_MAX: u32 = 20;

impl Scheduler for Pct {
    fn new_run(&mut self, seed: u64) -> bool {
        self.start(seed);
        true
    }

    fn every_step(&self) -> bool {
        true
    }

    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32 {
        match kind {
            ChoiceKind::Yield => {
                let Some(prio) = self.point() else { return 0 };
                match self.running {
                    Some(task) => {
                        self.priority_of(task);
                        self.priority[task as usize] = prio;
                        1
                    }
                    None => 0,
                }
            }
            ChoiceKind::Coin { p } => u32::from(p == u32::MAX || self.rng.next_u32() < p),
            // A `Schedule` choice without ids does not happen (the loop
            // calls `pick`); the rest are data choices.
            _ => uniform(&mut self.rng, n) as u32,
        }
    }

    fn switch_point(&mut self, others: super::Others<'_>) -> u32 {
        if self.choose(ChoiceKind::Yield, 2) == 1 {
            return 1;
        }
        // No change point: yield to a ready task of higher priority (the
        // highest-priority ready task runs at every scheduling point).
        let Some(running) = self.running else {
            return 0;
        };
        let mine = self.priority_of(running);
        let mut higher = false;
        others(&mut |id| higher |= self.priority_of(id) > mine);
        u32::from(higher)
    }

    fn pick(&mut self, n: usize, id: &dyn Fn(usize) -> u64) -> u32 {
        let mut i = self.best(n, id);
        if let Some(prio) = self.point() {
            let task = id(i);
            self.priority[task as usize] = prio;
            i = self.best(n, id);
        }
        self.running = Some(id(i));
        i as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(seed: u64, depth: u32, steps_hint: u64) -> Pct {
        let mut pct = Pct::new(depth, steps_hint);
        assert!(pct.new_run(seed));
        pct
    }

    #[test]
    fn without_change_points_the_highest_priority_task_always_runs() {
        let mut pct = started(7, 1, 100);
        let ids = [3u64, 5, 9];
        let first = pct.pick(3, &|i| ids[i]);
        for _ in 0..20 {
            assert_eq!(pct.pick(3, &|i| ids[i]), first);
            assert_eq!(pct.choose(ChoiceKind::Yield, 2), 0);
        }
    }

    #[test]
    fn a_change_point_demotes_the_running_task_once() {
        // Depth 2, k = 1: the one change point is the first scheduling point.
        let mut pct = started(1, 2, 1);
        let ids = [1u64, 2];
        let undisturbed = {
            // The same draws, with the change point far beyond the run.
            let mut plain = started(1, 2, u64::MAX - 1);
            plain.pick(2, &|i| ids[i])
        };
        let picked = pct.pick(2, &|i| ids[i]);
        assert_ne!(
            picked, undisturbed,
            "the change point demoted the favourite"
        );
        for _ in 0..10 {
            assert_eq!(pct.pick(2, &|i| ids[i]), picked);
        }
    }

    #[test]
    fn a_switch_point_yields_to_a_ready_task_of_higher_priority() {
        let mut pct = started(5, 1, 100);
        let ids = [1u64, 2];
        let running = ids[pct.pick(2, &|i| ids[i]) as usize];
        let other = if running == 1 { 2 } else { 1 };
        // The other task, of lower priority, is ready: proceed.
        assert_eq!(pct.switch_point(&|f| f(other)), 0);
        // A new task of higher priority than the running one is ready: yield.
        let newcomer = (3..100)
            .find(|&id| {
                let mut probe = started(5, 1, 100);
                probe.pick(2, &|i| ids[i]);
                for earlier in 3..id {
                    probe.priority_of(earlier);
                }
                probe.priority_of(id) > probe.priority_of(running)
            })
            .expect("some task outranks the running one");
        for earlier in 3..newcomer {
            pct.priority_of(earlier);
        }
        assert_eq!(pct.switch_point(&|f| f(newcomer)), 1);
        // Nothing else ready: proceed.
        assert_eq!(pct.switch_point(&|_| {}), 0);
    }

    #[test]
    fn a_change_point_at_a_switch_point_yields() {
        let mut pct = started(3, 2, 2);
        let ids = [4u64, 6];
        let a = pct.pick(2, &|i| ids[i]);
        // Point 2 is the change point: the running task yields and is demoted.
        assert_eq!(pct.choose(ChoiceKind::Yield, 2), 1);
        let b = pct.pick(2, &|i| ids[i]);
        assert_ne!(a, b);
    }
}
