//! `Dfs`'s partial-order reduction: source-set backtracking (Flanagan and
//! Godefroid, POPL 2005; Abdulla et al., POPL 2014) with sleep sets
//! (Godefroid, 1996), over the segments of a run.
//!
//! A run is cut into *segments* at every pick of a task and at every switch
//! point; each segment has the footprint the event loop recorded. After a
//! run, every *race* (a segment, and the latest earlier segment of another
//! task that touched a resource it touches) asks for the other order: at
//! the choice that started the earlier segment, pick the later segment's
//! task (or, if it was not ready there, every ready task), or yield at the
//! switch point where the earlier segment continued. Only those
//! alternatives are explored at scheduling choices; the other deviation
//! kinds (timer order, `select` order, coins) are enumerated in full.
//!
//! Sleep sets skip what the backtracking would still repeat: once the
//! subtree of a task at a choice is explored, the task sleeps in its
//! siblings' subtrees until a segment that does not commute with what it
//! ran there (the rest of the poll the choice started: no other task runs
//! inside a poll, so its segments move together);
//! an alternative whose task sleeps is skipped, and nothing below a pick of
//! a sleeping task is explored.

use std::collections::{BTreeMap, BTreeSet};

use super::{CLOCK, Cut, Segment};
use crate::strategy::{ChoiceKind, Footprint};

/// One pick of a run.
pub(super) struct Pick {
    /// The tape position of the choice, when several tasks were ready.
    pub(super) pos: Option<usize>,
    /// The ids of the ready tasks, when there was a choice.
    pub(super) ready: Vec<u64>,
    /// The tasks asleep at this pick.
    pub(super) asleep: Vec<u64>,
    /// The task picked was asleep: the rest of the run repeats explored ones.
    pub(super) blocked: bool,
    /// The tape length at the pick.
    pub(super) at: usize,
}

/// The reduction's state: per run, and along the current path.
#[derive(Default)]
pub(super) struct Reduction {
    picks: Vec<Pick>,
    /// This run's segments: how each started, which pick, its footprint.
    segments: Vec<(Segment, Option<usize>, Footprint)>,
    /// The tasks asleep now, each with the footprint of its explored segment.
    sleep: Vec<(u64, Footprint)>,
    /// Per choice on the current path: the tasks explored there before its
    /// current value, with the union of their segments' footprints.
    done: BTreeMap<usize, Vec<(u64, Footprint)>>,
    /// The same union for the current value's task, still growing.
    acc: BTreeMap<usize, (u64, Footprint)>,
    /// Per choice on the current path: the values the races ask for.
    backtrack: BTreeMap<usize, BTreeSet<u32>>,
    /// Per choice on the current path: the values run there so far.
    tried: BTreeMap<usize, BTreeSet<u32>>,
    /// Per pick on the current path: the yields its reversals need, as
    /// (value at the pick, task, the task's switch point by count).
    wishes: BTreeMap<usize, BTreeSet<(u32, u64, u32)>>,
    /// This run's switch points so far, per task.
    switches: BTreeMap<u64, u32>,
    /// The choices that started the running poll or one of its segments.
    poll: Vec<usize>,
}

impl Reduction {
    /// A new run starts on the path kept so far.
    pub(super) fn start_run(&mut self) {
        self.picks.clear();
        self.segments.clear();
        self.sleep.clear();
        self.switches.clear();
        self.poll.clear();
    }

    /// The running `task` is at a switch point, choice `pos` of a run whose
    /// choices so far are `value(k)`: a reversal that moved a segment after
    /// a yield of this task asks for the same yield here.
    pub(super) fn switch_point(&mut self, task: u64, pos: usize, value: &dyn Fn(usize) -> u32) {
        let count = self.switches.entry(task).or_insert(0);
        *count += 1;
        let nth = *count;
        let wanted = self.wishes.range(..pos).any(|(&k, set)| {
            set.iter()
                .any(|&(v, t, n)| t == task && n == nth && value(k) == v)
        });
        if wanted {
            self.backtrack.entry(pos).or_default().insert(1);
        }
    }

    /// The tasks asleep at a pick at tape position `pos` (if any).
    pub(super) fn asleep(&self, pos: Option<usize>) -> Vec<u64> {
        let mut asleep: Vec<u64> = self.sleep.iter().map(|(t, _)| *t).collect();
        if let Some(done) = pos.and_then(|p| self.done.get(&p)) {
            asleep.extend(done.iter().map(|(t, _)| *t));
        }
        asleep
    }

    /// Notes a pick; returns its index.
    pub(super) fn picked(&mut self, pick: Pick) -> usize {
        self.picks.push(pick);
        self.picks.len() - 1
    }

    /// Closes a segment: sleepers that commute with it stay asleep; the task
    /// that ran wakes, except after a yield whose remainder touched nothing
    /// (its continuation, explored in the sibling that did not yield, still
    /// sleeps); siblings explored at the segment's choice fall asleep the
    /// same way.
    pub(super) fn closed(&mut self, seg: Segment, pick: Option<usize>, footprint: Footprint) {
        let quiet = footprint.ids.is_empty() && !footprint.all;
        let siblings = match seg.cut {
            Cut::Pick | Cut::AfterYield => seg.pos.and_then(|p| self.done.get(&p)),
            Cut::Continue => None,
        };
        let mut sleep: Vec<(u64, Footprint)> = Vec::new();
        for (t, f) in self.sleep.iter().chain(siblings.into_iter().flatten()) {
            let stays = f.independent(&footprint)
                && (*t != seg.task || (seg.cut == Cut::AfterYield && quiet));
            if stays && !sleep.iter().any(|(u, _)| u == t) {
                sleep.push((*t, f.clone()));
            }
        }
        self.sleep = sleep;
        // What a task explored at a choice is the rest of the poll the
        // choice started: its later segments (what it continued with, the
        // rest after a yield) run before any other task can.
        if seg.cut == Cut::Pick {
            self.poll.clear();
        } else {
            for p in &self.poll {
                if let Some(entry) = self.acc.get_mut(p) {
                    if entry.0 == seg.task {
                        entry.1.union(&footprint);
                    }
                }
            }
        }
        if let (Some(p), Cut::Pick | Cut::Continue) = (seg.pos, seg.cut) {
            if seg.task != CLOCK {
                self.poll.push(p);
            }
        }
        if seg.cut == Cut::AfterYield {
            self.poll.clear();
        }
        if let (Some(p), Cut::Pick | Cut::Continue) = (seg.pos, seg.cut) {
            let entry = self
                .acc
                .entry(p)
                .or_insert_with(|| (seg.task, Footprint::default()));
            if entry.0 == seg.task {
                entry.1.union(&footprint);
            } else {
                *entry = (seg.task, footprint.clone());
            }
        }
        self.segments.push((seg, pick, footprint));
    }

    /// After a run that made `values`: what it tried, and what its races ask for.
    pub(super) fn finish_run(&mut self, values: &[u32]) {
        for (p, v) in values.iter().enumerate() {
            self.tried.entry(p).or_default().insert(*v);
        }
        let mut last: BTreeMap<u64, usize> = BTreeMap::new();
        let mut last_all: Option<usize> = None;
        let mut last_of_task: BTreeMap<u64, usize> = BTreeMap::new();
        let mut asks: Vec<(usize, u64)> = Vec::new();
        for (j, (seg, _, footprint)) in self.segments.iter().enumerate() {
            if footprint.ids.is_empty() && !footprint.all {
                continue;
            }
            let q = seg.task;
            let mut earlier: BTreeSet<usize> = BTreeSet::new();
            // Everything before a time advance happens before everything
            // after it, and no choice moves the advance: it is in no race.
            let other = |i: &usize| {
                let t = self.segments[*i].0.task;
                t != q && t != CLOCK
            };
            if footprint.all {
                if q != CLOCK {
                    earlier.extend(last_of_task.values().copied().filter(other));
                }
            } else {
                for r in &footprint.ids {
                    let i = last.get(r).copied().max(last_all);
                    if let Some(i) = i.filter(other) {
                        earlier.insert(i);
                    }
                }
            }
            asks.extend(earlier.into_iter().map(|i| (i, q)));
            if footprint.all {
                last_all = Some(j);
            } else {
                for r in &footprint.ids {
                    last.insert(*r, j);
                }
            }
            if q != CLOCK {
                last_of_task.insert(q, j);
            }
        }
        for (i, q) in asks {
            self.reverse(i, q);
        }
    }

    /// Asks for segment `i` to come after task `q`'s.
    fn reverse(&mut self, i: usize, q: u64) {
        // The rest of a poll after a yield runs before any other task can:
        // the other order starts where the poll did, at its pick.
        // A segment after a yield exists only if the task yields there
        // again: the reversal also asks for that switch point to yield.
        let mut wish = None;
        let i = if self.segments[i].0.cut == Cut::AfterYield {
            let task = self.segments[i].0.task;
            let nth = self.segments[..=i]
                .iter()
                .filter(|(s, _, _)| s.task == task && s.cut != Cut::Pick)
                .count() as u32;
            wish = Some((task, nth));
            match (0..i)
                .rev()
                .find(|&k| self.segments[k].0.task == task && self.segments[k].0.cut == Cut::Pick)
            {
                Some(k) => k,
                None => return,
            }
        } else {
            i
        };
        let (seg, pick, _) = &self.segments[i];
        match (seg.cut, seg.pos, pick) {
            (Cut::Pick, Some(pos), Some(pick)) => {
                let ready = &self.picks[*pick].ready;
                let values: Vec<u32> = match ready.iter().position(|&t| t == q) {
                    Some(k) => vec![k as u32],
                    None => (0..ready.len() as u32).collect(),
                };
                self.backtrack
                    .entry(pos)
                    .or_default()
                    .extend(values.iter().copied());
                if let Some((task, nth)) = wish {
                    let wishes = self.wishes.entry(pos).or_default();
                    wishes.extend(values.iter().map(|&v| (v, task, nth)));
                }
            }
            (Cut::Continue, Some(pos), _) => {
                self.backtrack.entry(pos).or_default().insert(1);
            }
            // A forced pick: no other task was ready, no other order starts here.
            _ => {}
        }
    }

    /// The next prefix after the run just made (`values`, `bounds`), within
    /// `max` deviations, or `None`.
    pub(super) fn next(
        &self,
        values: &[u32],
        bounds: &[(ChoiceKind, u64)],
        max: u32,
    ) -> Option<Vec<u32>> {
        let mut at_pos: BTreeMap<usize, &Pick> = BTreeMap::new();
        let mut limit = values.len();
        for pick in &self.picks {
            if let Some(pos) = pick.pos {
                at_pos.insert(pos, pick);
            }
            if pick.blocked {
                limit = pick.pos.map_or(pick.at, |pos| pos + 1);
                break;
            }
        }
        let mut before = Vec::with_capacity(values.len());
        let mut count = 0u32;
        for (v, (kind, _)) in values.iter().zip(bounds) {
            before.push(count);
            if *v != 0 && super::deviates(*kind) {
                count += 1;
            }
        }
        let empty = BTreeSet::new();
        (0..limit.min(values.len())).rev().find_map(|j| {
            let (kind, n) = bounds[j];
            if !super::deviates(kind) {
                return None;
            }
            let tried = self.tried.get(&j).unwrap_or(&empty);
            let fits = |w: u32| before[j] + u32::from(w != 0) <= max;
            let value = match kind {
                ChoiceKind::Schedule | ChoiceKind::Yield => {
                    let asks = self.backtrack.get(&j).unwrap_or(&empty);
                    asks.iter().copied().find(|&w| {
                        u64::from(w) < n
                            && !tried.contains(&w)
                            && fits(w)
                            && at_pos.get(&j).is_none_or(|pick| {
                                pick.ready
                                    .get(w as usize)
                                    .is_some_and(|id| !pick.asleep.contains(id))
                            })
                    })
                }
                _ => (0..n as u32).find(|&w| !tried.contains(&w) && fits(w)),
            }?;
            let mut prefix = values[..j].to_vec();
            prefix.push(value);
            Some(prefix)
        })
    }

    /// The search moves to choice `j` with value `value`: what was kept
    /// below `j` belongs to the old subtree, and the value left at `j` has
    /// been explored.
    pub(super) fn moved(&mut self, j: usize, value: u32) {
        self.done.split_off(&(j + 1));
        self.acc.split_off(&(j + 1));
        self.backtrack.split_off(&(j + 1));
        self.tried.split_off(&(j + 1));
        self.wishes.split_off(&(j + 1));
        if let Some(explored) = self.acc.remove(&j) {
            self.done.entry(j).or_default().push(explored);
        }
        self.tried.entry(j).or_default().insert(value);
    }
}
