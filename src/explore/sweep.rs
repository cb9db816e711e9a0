//! The parts of a sweep: one run, the single-run modes, the threaded sweep,
//! the `Dfs` walk, and turning a failing run into a [`Failure`].

use std::collections::HashSet;
use std::future::Future;
use std::panic::Location;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::explorer::Explorer;
use super::report::{Failure, FailureInner, FoundAs, Origin, ReplayHow, Report};
use super::seeds_file::{self, Line};
use super::shrink::{self, Signature};
use crate::env::Shard;
use crate::error::Error;
use crate::runtime::{Builder, Sim};
use crate::strategy::{Scheduler, Strategy, Tuning};
use crate::tape::Tape;

/// What one run left behind.
pub(super) struct Run {
    pub(super) error: Option<Error>,
    pub(super) fingerprint: u64,
    pub(super) steps: u64,
    pub(super) time: Duration,
    pub(super) tape: Vec<u32>,
    pub(super) trace_tail: Option<String>,
    /// The failing run's view (HTML), when its setup asked for one.
    pub(super) view: Option<String>,
}

/// What one run is made of: its builder, its strategy, and the strategy's
/// tuning (the strategy reads nothing of the builder).
pub(super) struct Setup {
    pub(super) seed: u64,
    pub(super) builder: Builder,
    pub(super) strategy: Strategy,
    pub(super) tuning: Tuning,
    /// The heading of the run's view, drawn if it fails with its trace.
    pub(super) view: Option<String>,
}

impl Setup {
    pub(super) fn record_trace(mut self, on: bool) -> Setup {
        self.builder = self.builder.record_trace(on);
        self
    }

    /// Draws the run's view, under `title` (none: no view), if it fails
    /// with its trace kept.
    pub(super) fn viewed(mut self, title: Option<String>) -> Setup {
        self.view = title;
        self
    }

    /// A scheduler of the strategy, started for this run.
    fn scheduler(&self) -> Box<dyn Scheduler> {
        self.strategy.started(self.tuning, self.seed)
    }
}

/// A failing run and where it came from.
pub(super) struct Found {
    pub(super) seed: u64,
    pub(super) origin: Origin,
    pub(super) strategy: Strategy,
    pub(super) run: Run,
    pub(super) shrink: bool,
    pub(super) save: bool,
}

/// The most steps all the re-runs of one shrink may take together.
const SHRINK_STEPS: u64 = 200_000_000;

impl Explorer {
    /// `SEEDLOOP_TAPE` / `SEEDLOOP_SEED`: the one run, if it fails.
    pub(super) fn single<B, Fut>(&self, body: &B) -> Option<Found>
    where
        B: Fn() -> Located<Fut>,
        Fut: Future<Output = ()>,
    {
        let (seed, strategy, origin) = match (&self.one_tape, self.one_seed) {
            (Some(tape), seed) => (
                seed.unwrap_or(self.base_seed),
                Strategy::Replay(tape.clone()),
                Origin::OneTape,
            ),
            (None, Some(seed)) => (seed, self.strategy.clone(), Origin::OneSeed),
            (None, None) => return None,
        };
        // A replayed tape needs no estimate of the run's length.
        let hint = match origin {
            Origin::OneTape => 0,
            _ => self.steps_hint(body),
        };
        let run = run_once(
            self.builder(seed, strategy.clone(), hint)
                .record_trace(true)
                .viewed(self.view_title(seed)),
            body,
        );
        let shown = match origin {
            Origin::OneTape => strategy,
            _ => self.strategy.clone(),
        };
        run.error.is_some().then(|| Found {
            seed,
            shrink: origin == Origin::OneSeed,
            origin,
            strategy: shown,
            run,
            save: false,
        })
    }

    /// `Pct`'s estimate of a run's length: the steps of a plain run. (Its
    /// steps plus its choices bound the scheduling points from above, but
    /// measured on the bug suite that larger `k` spreads the change points
    /// too thin: the medians got worse on 10 of 18 bugs.)
    pub(super) fn steps_hint<B, Fut>(&self, body: &B) -> u64
    where
        B: Fn() -> Located<Fut>,
        Fut: Future<Output = ()>,
    {
        if !matches!(self.strategy, Strategy::Pct { .. } | Strategy::Portfolio) {
            return 0;
        }
        let probe = run_once(self.builder(self.base_seed, Strategy::Fifo, 0), body);
        probe.steps + 1
    }

    pub(super) fn sweep<B, Fut>(
        &self,
        body: &B,
        shard: Shard,
        count: u64,
        hint: u64,
        started: Instant,
    ) -> Result<(u64, u64), Box<Found>>
    where
        B: Fn() -> Located<Fut> + Sync,
        Fut: Future<Output = ()>,
    {
        let jobs = u64::try_from(self.resolved_jobs())
            .unwrap_or(1)
            .clamp(1, count) as usize;
        let next = AtomicU64::new(0);
        let stop = AtomicU64::new(u64::MAX);
        let found: Mutex<Option<(u64, Found)>> = Mutex::new(None);
        let seen: Mutex<HashSet<u64>> = Mutex::new(HashSet::new());
        let runs = AtomicU64::new(0);
        let deadline = self.time_budget.map(|b| started + b);
        let worker = || {
            let mut local = HashSet::new();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= count || j > stop.load(Ordering::Relaxed) {
                    break;
                }
                let iteration = j * shard.count + shard.index;
                let seed = self.base_seed.wrapping_add(iteration);
                let run = run_once(self.builder(seed, self.strategy.clone(), hint), body);
                runs.fetch_add(1, Ordering::Relaxed);
                if run.error.is_some() {
                    stop.fetch_min(j, Ordering::Relaxed);
                    let mut slot = found.lock().unwrap_or_else(|e| e.into_inner());
                    if slot.as_ref().is_none_or(|(k, _)| j < *k) {
                        let f = Found {
                            seed,
                            origin: Origin::Sweep {
                                iteration,
                                of: self.seeds,
                            },
                            strategy: self.strategy.clone(),
                            run,
                            shrink: true,
                            save: true,
                        };
                        *slot = Some((j, f));
                    }
                } else {
                    local.insert(run.fingerprint);
                }
            }
            seen.lock().unwrap_or_else(|e| e.into_inner()).extend(local);
        };
        if jobs == 1 {
            worker();
        } else {
            std::thread::scope(|s| {
                for _ in 0..jobs {
                    s.spawn(worker);
                }
            });
        }
        if let Some((_, f)) = found.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(Box::new(f));
        }
        let distinct = seen.into_inner().unwrap_or_else(|e| e.into_inner()).len();
        Ok((runs.into_inner(), distinct as u64))
    }

    /// The `Dfs` walk: one schedule after another, in order. The strategy
    /// keeps its place between runs; it says when the space is exhausted.
    pub(super) fn dfs<B, Fut>(&self, body: &B, started: Instant) -> Result<DfsWalk, Box<Found>>
    where
        B: Fn() -> Located<Fut>,
        Fut: Future<Output = ()>,
    {
        let setup = self.builder(self.base_seed, self.strategy.clone(), 0);
        let mut walk = setup.strategy.scheduler(setup.tuning);
        let mut seen = HashSet::new();
        let mut runs = 0;
        let deadline = self.time_budget.map(|b| started + b);
        let mut more = walk.new_run(self.base_seed);
        while more && runs < self.seeds && deadline.is_none_or(|d| Instant::now() < d) {
            let (run, back, _) = run_with(&setup.builder, walk, body);
            walk = back;
            runs += 1;
            if run.error.is_some() {
                return Err(Box::new(Found {
                    seed: self.base_seed,
                    origin: Origin::Sweep {
                        iteration: runs - 1,
                        of: self.seeds,
                    },
                    strategy: self.strategy.clone(),
                    run,
                    shrink: true,
                    save: true,
                }));
            }
            seen.insert(run.fingerprint);
            more = walk.new_run(self.base_seed);
        }
        Ok((runs, seen.len() as u64, !more, walk.held(), walk.classes()))
    }

    /// Shrinks, saves and reports a failing run.
    pub(super) fn fail<B, Fut>(&self, found: Found, body: &B) -> Failure
    where
        B: Fn() -> Located<Fut>,
        Fut: Future<Output = ()>,
    {
        let error = found.run.error.clone().expect("a failing run has an error");
        let original_len = found.run.tape.len();
        let mut stopped = None;
        let (tape, shrink_runs) = if found.shrink && self.shrink_budget > 0 {
            let target = Signature::of(&error);
            let mut steps_left = SHRINK_STEPS;
            let deadline = Instant::now() + self.shrink_time;
            let shrunk = shrink::shrink(
                found.run.tape.clone(),
                &target,
                self.shrink_budget,
                |candidate| {
                    // A run that failed after many steps (a step or time
                    // limit) must not make shrinking take forever.
                    if steps_left == 0 {
                        stopped = Some(format!("its {SHRINK_STEPS} steps were spent"));
                        return None;
                    }
                    if Instant::now() >= deadline {
                        stopped = Some(format!(
                            "its wall-time budget of {:?} was spent",
                            self.shrink_time
                        ));
                        return None;
                    }
                    let tape = Tape::from_values(candidate.to_vec());
                    let builder = self.builder(found.seed, Strategy::Replay(tape), 0);
                    let run = run_once(builder, body);
                    steps_left = steps_left.saturating_sub(run.steps.max(1));
                    Some((run.tape, run.error))
                },
            );
            if stopped.is_none() && shrunk.runs >= self.shrink_budget {
                stopped = Some(format!(
                    "its budget of {} re-runs was spent",
                    self.shrink_budget
                ));
            }
            (Tape::from_values(shrunk.tape), shrunk.runs)
        } else {
            (Tape::from_values(found.run.tape.clone()).trimmed(), 0)
        };
        // The report describes the run its replay command gives: the
        // shrunk tape's, replayed once more with its trace kept. A run
        // stopped by the step limit is not replayed for its trace (that
        // would keep millions of events); a run found with its trace, and
        // not shrunk, is already that run.
        let reuse = shrink_runs == 0
            && (found.run.trace_tail.is_some() || matches!(error, Error::StepLimit { .. }));
        let nondeterminism = matches!(error, Error::NonDeterminism { .. });
        let original = found.run;
        let (shown, found_as) = if reuse || nondeterminism {
            (original, None)
        } else {
            let keep_trace = !matches!(error, Error::StepLimit { .. });
            let setup = self
                .builder(found.seed, Strategy::Replay(tape.clone()), 0)
                .record_trace(keep_trace)
                .viewed(self.view_title(found.seed));
            let replayed = run_once(setup, body);
            match replayed.error {
                Some(_) if replayed.fingerprint != original.fingerprint => {
                    let found_as = FoundAs {
                        cause: first_line(&error),
                        time: original.time,
                        steps: original.steps,
                        fingerprint: original.fingerprint,
                    };
                    (replayed, Some(found_as))
                }
                Some(_) => (replayed, None),
                // Replaying cannot pass where the shrinker saw it fail; if it
                // did, the original run is the truth to show.
                None => (original, None),
            }
        };
        let error = shown.error.clone().unwrap_or(error);
        let view = match (&shown.view, self.views) {
            (Some(html), true) => {
                let path =
                    crate::view::place::view_path(self.view_dir.as_deref(), &self.name, found.seed);
                Some(
                    crate::view::write_file(&path, html)
                        .map(|()| path)
                        .map_err(|e| e.to_string()),
                )
            }
            _ => None,
        };
        let saved = match (&self.save_to, found.save) {
            (Some(path), true) => {
                let line = Line {
                    seed: found.seed,
                    strategy: found.strategy.clone(),
                    tape: tape.clone(),
                    cause: first_line(&error),
                };
                Some(
                    seeds_file::append(path, &line)
                        .map(|()| path.clone())
                        .map_err(|e| e.to_string()),
                )
            }
            _ => None,
        };
        let inner = FailureInner {
            name: self.name.clone(),
            seed: found.seed,
            origin: found.origin,
            strategy: found.strategy,
            error,
            time: shown.time,
            steps: shown.steps,
            fingerprint: shown.fingerprint,
            original_len,
            tape,
            shrink_runs,
            shrink_stopped: stopped,
            found_as,
            saved,
            trace_tail: shown.trace_tail,
            view,
            replay: ReplayHow::here(self.env_applied),
        };
        Failure {
            inner: Box::new(inner),
        }
    }

    /// The heading of a failing run's view, when views are on.
    fn view_title(&self, seed: u64) -> Option<String> {
        self.views
            .then(|| format!("seedloop: `{}` failed at seed {seed:#x}", self.name))
    }

    /// `jobs`, with 0 meaning the available cores.
    pub(super) fn resolved_jobs(&self) -> usize {
        match self.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            j => j,
        }
    }

    pub(super) fn report(
        &self,
        iterations: u64,
        replayed: u64,
        distinct: u64,
        exhausted: bool,
        started: Instant,
    ) -> Report {
        Report {
            name: self.name.clone(),
            strategy: self.strategy.clone(),
            iterations,
            replayed,
            distinct,
            exhausted,
            held: None,
            classes: None,
            wall: started.elapsed(),
            jobs: if matches!(self.strategy, Strategy::Dfs { .. }) || iterations <= 1 {
                1
            } else {
                self.resolved_jobs().min(iterations as usize)
            },
        }
    }
}

/// The first line of an error's words.
fn first_line(error: &Error) -> String {
    error.to_string().lines().next().unwrap_or("").to_string()
}

/// How many of `seeds` iterations fall in `shard`.
pub(super) fn shard_len(seeds: u64, shard: Shard) -> u64 {
    if shard.index >= seeds {
        0
    } else {
        (seeds - shard.index).div_ceil(shard.count)
    }
}

/// A test body's future and the place the sweep was started from, which
/// reports give as the main task's spawn site.
pub(super) struct Located<Fut> {
    pub(super) at: &'static Location<'static>,
    pub(super) future: Fut,
}

/// One run of `body` on the simulation `setup` describes.
pub(super) fn run_once<B, Fut>(setup: Setup, body: &B) -> Run
where
    B: Fn() -> Located<Fut>,
    Fut: Future<Output = ()>,
{
    let scheduler = setup.scheduler();
    let (mut run, _, sim) = run_with(&setup.builder, scheduler, body);
    if let (Some(title), Some(_)) = (&setup.view, &run.error) {
        run.view = crate::view::render(&sim, title).ok();
    }
    run
}

/// One run of `body` on a simulation built by `builder` with a started
/// `scheduler`, which is given back. The tape is kept when the run fails.
fn run_with<B, Fut>(
    builder: &Builder,
    scheduler: Box<dyn Scheduler>,
    body: &B,
) -> (Run, Box<dyn Scheduler>, Sim)
where
    B: Fn() -> Located<Fut>,
    Fut: Future<Output = ()>,
{
    let mut sim: Sim = builder.build_with(scheduler);
    let future = body();
    let at = future.at;
    let result = sim.try_block_on_at(future.future, at);
    let error = result.err();
    let trace_tail = (error.is_some() && !sim.trace().is_empty()).then(|| sim.trace().tail(20));
    let run = Run {
        fingerprint: sim.fingerprint(),
        steps: sim.steps(),
        time: sim.elapsed(),
        tape: if error.is_some() {
            sim.tape().values().to_vec()
        } else {
            Vec::new()
        },
        trace_tail,
        error,
        view: None,
    };
    let scheduler = sim.take_scheduler();
    (run, scheduler, sim)
}

/// What a `Dfs` walk that found nothing covered: its runs, distinct
/// fingerprints, whether it ran out of schedules, the data it held at 0
/// and its classes of runs up to order.
pub(super) type DfsWalk = (u64, u64, bool, crate::strategy::Held, Option<u64>);
