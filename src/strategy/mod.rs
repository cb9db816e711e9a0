//! Strategies: where the values of a run's choices come from.
//!
//! The event loop asks a [`Scheduler`] for every choice; each strategy is one
//! small implementation of that trait in its own file. A scheduler spans
//! runs, like shuttle's: it is told when each run starts
//! ([`Scheduler::new_run`]), so a search (`Dfs`) keeps its place between
//! runs, and its parameters ([`Tuning`]) are its own, given when it is made.

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;
use crate::tape::Tape;

pub(crate) use footprint::Footprint;

mod dfs;
mod fifo;
mod footprint;
mod pct;
mod portfolio;
mod random;
mod replay;

/// What a choice decides. Strategies may treat kinds differently (a
/// scheduling strategy cares about [`ChoiceKind::Schedule`] and leaves data
/// choices to a generator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChoiceKind {
    /// Which ready task runs next (0 = the oldest).
    Schedule,
    /// Which of several timers due at the same instant fires next (0 = the earliest registered).
    TimerOrder,
    /// A 32-bit word of user randomness.
    Random,
    /// A simulated cost or delay within a range (0 = the minimum).
    Cost,
    /// Whether an operation that could proceed at once yields first (a
    /// switch point): 0 = proceed, 1 = yield.
    Yield,
    /// Which branch of a `select` is polled first (0 = the first branch).
    Select,
    /// A biased coin (`buggify!`): 1 = heads, which a random strategy draws
    /// with probability `p / 2^32`. 0 = tails, the plain outcome.
    Coin {
        /// The probability of 1, in units of 2^-32.
        p: u32,
    },
}

impl ChoiceKind {
    /// Its name in a picture of the run (`yield`, `schedule`, `coin`...).
    pub(crate) fn name(self) -> &'static str {
        match self {
            ChoiceKind::Schedule => "schedule",
            ChoiceKind::TimerOrder => "timer-order",
            ChoiceKind::Random => "random",
            ChoiceKind::Cost => "cost",
            ChoiceKind::Yield => "yield",
            ChoiceKind::Select => "select",
            ChoiceKind::Coin { .. } => "coin",
        }
    }
}

/// A uniform value in `0..n` (`n >= 1`) from a generator: a widening
/// multiply maps a 64-bit word onto the range. The bias is below
/// `n / 2^64 <= 2^-32`, irrelevant for exploration.
#[inline]
pub(crate) fn uniform(rng: &mut impl rand::Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// The other ready tasks at a switch point: called with a visitor, it
/// calls the visitor with each one's id.
pub(crate) type Others<'a> = &'a dyn Fn(&mut dyn FnMut(u64));

/// The seam between the event loop and a strategy: asked for a value in
/// `0..n` (always `n >= 2`) at every choice of a run; the loop records the
/// answer on the tape.
pub(crate) trait Scheduler {
    /// A run with this seed starts (shuttle's `new_execution`): the
    /// strategy resets what it keeps per run. `false`: it has no run left
    /// to offer (a search that has visited its whole space).
    fn new_run(&mut self, seed: u64) -> bool;

    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32;

    /// Which of `n >= 2` ready tasks runs next; `id(i)` is the id of the
    /// `i`-th oldest. Strategies that care about task identity (`Pct`)
    /// override this; the others see a plain `Schedule` choice. `Pct` is
    /// also called with `n == 1` (its answer is then ignored and not
    /// recorded), because it counts every step.
    fn pick(&mut self, n: usize, id: &dyn Fn(usize) -> u64) -> u32 {
        let _ = id;
        self.choose(ChoiceKind::Schedule, n as u64)
    }

    /// Whether the running task yields (1) or proceeds (0) at a switch
    /// point, for a strategy that sees task ids ([`Scheduler::every_step`]):
    /// `others` calls its argument with the id of every other ready task.
    /// The others answer it as a plain `Yield` choice.
    fn switch_point(&mut self, others: Others<'_>) -> u32 {
        let _ = others;
        self.choose(ChoiceKind::Yield, 2)
    }

    /// Whether the loop should also ask [`Scheduler::pick`] when only one
    /// task is ready (`Pct` counts every step).
    fn every_step(&self) -> bool {
        false
    }

    /// Whether the loop should record what each step touches and hand it
    /// over ([`Scheduler::stepped`]); the loop then also asks
    /// [`Scheduler::pick`] at every step, as for [`Scheduler::every_step`].
    fn footprints(&self) -> bool {
        false
    }

    /// What the step since the last pick touched: called before every pick
    /// and once when the run ends, if [`Scheduler::footprints`] said so.
    fn stepped(&mut self, footprint: Footprint) {
        let _ = footprint;
    }

    /// The clock advances (no task was ready): what follows until the next
    /// pick is the clock's, not the last task's (if
    /// [`Scheduler::footprints`] said so; [`Scheduler::stepped`] closed the
    /// task's segment first).
    fn advancing(&mut self) {}

    /// How many distinct classes of runs, up to the order of independent
    /// steps, the runs so far fell into (for a strategy that records
    /// footprints).
    fn classes(&self) -> Option<u64> {
        None
    }

    /// The data choices a search held at 0 instead of covering them, over
    /// every run so far (`Dfs` enumerates scheduling choices only).
    fn held(&self) -> Held {
        Held::default()
    }
}

/// How many choices, of the kinds a search does not enumerate, it answered
/// with 0 over its runs: what its "exhausted" does not cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Held {
    /// Random words (`seedloop::rand`, a rule's chance, ...).
    pub(crate) random: u64,
    /// Costs and latencies (a link's latency range, `spawn_blocking`).
    pub(crate) cost: u64,
}

impl Held {
    pub(crate) fn is_empty(&self) -> bool {
        self.random == 0 && self.cost == 0
    }
}

/// The parameters a strategy is made with, beyond its own variant's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// The probability that a switch point yields under `Random`, in units
    /// of 2^-32 (default 1/4; the explorer's swarm draws it per seed).
    pub(crate) yield_p: u32,
    /// `Pct`'s estimate of the number of scheduling points in a run; 0
    /// (the default, a plain `Sim`) means unknown, and `Pct` then draws its
    /// change points log-uniformly. The explorer measures it first.
    pub(crate) steps_hint: u64,
    /// Whether `Dfs` skips schedules that only reorder independent steps
    /// (partial-order reduction; the explorer's `reduce_orders`).
    pub(crate) reduce: bool,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            yield_p: 1 << 30,
            steps_hint: 0,
            reduce: false,
        }
    }
}

/// The scheduler that answers 0 to every choice.
pub(crate) fn zeros() -> Box<dyn Scheduler> {
    Box::new(fifo::Fifo)
}

/// How the values of a run's choices are produced.
///
/// | strategy | values | use it for |
/// |---|---|---|
/// | `Fifo` | always 0: oldest ready task first, earliest timer, minimum costs, `rand` yields zeros | the plainest run; a baseline |
/// | `Random` (default) | drawn from ChaCha8 seeded with the run's seed; a switch point yields with probability 1/4; a yield hands over to another ready task, which proceeds at its next switch point | sweeping many seeds; shallow bugs, data-dependent bugs |
/// | `RandomAt { yield_percent }` | as `Random`, with switch points yielding `yield_percent` times in 100 | dense preemption (`random:75` finds most one-preemption bugs on the first run or the second) or sparse |
/// | `Pct { depth }` | random task priorities with `depth - 1` priority change points; the highest-priority ready task runs | ordering bugs that need a few preemptions at precise places (finds a depth-`d` bug with probability at least `1/(n·k^(d-1))` per run, `n` tasks, `k` steps) |
/// | `Dfs { max_deviations }` | every tape with at most `K` non-zero scheduling choices, in order, one per run (with [`explore::Explorer`](crate::explore::Explorer)); a single `Sim` runs the first, all zeros | small programs: proving a bound exhaustively, finding the fewest preemptions |
/// | `Portfolio` | each run draws its strategy from a mix, by its seed alone: `Random` at switch-point yield probabilities from 1/4 to 88/100 and `Pct` at depths 1 to 3, mostly `random:88` and `pct:2` | sweeps that should find both shallow and ordering bugs without choosing (the default of `#[seedloop::test]`) |
/// | `Replay(tape)` | read back from a tape, then zeros | reproducing a run exactly |
///
/// Parsed from text as `fifo`, `random`, `random:<yield percent>`,
/// `pct:<depth>`, `dfs:<max deviations>`, `portfolio` or `replay:<tape
/// text>` (the form `SEEDLOOP_STRATEGY` takes).
///
/// # Examples
///
/// ```
/// use seedloop::{Sim, Strategy};
///
/// let strategy: Strategy = "fifo".parse().unwrap();
/// let mut sim = Sim::builder().strategy(strategy).build();
/// let order = sim.block_on(async {
///     let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
///     let mut handles = Vec::new();
///     for i in 0..3 {
///         let log = log.clone();
///         handles.push(seedloop::spawn(async move { log.borrow_mut().push(i) }));
///     }
///     for h in handles {
///         h.await.unwrap();
///     }
///     log.take()
/// });
/// assert_eq!(order, vec![0, 1, 2]); // FIFO: spawn order
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Every choice is 0.
    Fifo,
    /// Every choice is drawn from a ChaCha8 generator seeded with the run's seed.
    #[default]
    Random,
    /// `Random` whose switch points yield `yield_percent` times in 100
    /// (`Random` is `random:25`). It keeps this probability under the
    /// explorer's `swarm`, which otherwise draws one per seed.
    ///
    /// ```
    /// use seedloop::Strategy;
    ///
    /// let dense: Strategy = "random:75".parse().unwrap();
    /// assert_eq!(dense, Strategy::RandomAt { yield_percent: 75 });
    /// assert!("random:101".parse::<Strategy>().is_err());
    /// ```
    RandomAt {
        /// The yield probability of a switch point, in percent (0 to 100).
        yield_percent: u32,
    },
    /// Probabilistic concurrency testing with this bug depth (at least 1):
    /// `depth - 1` priority change points per run.
    Pct {
        /// The number of ordering constraints the bugs sought need (1 to 16).
        depth: u32,
    },
    /// Systematic search over schedules with at most `max_deviations`
    /// non-zero scheduling choices (driven by the explorer).
    Dfs {
        /// How many non-zero scheduling choices a schedule may have.
        max_deviations: u32,
    },
    /// Every choice is read from the tape; past its end, choices are 0.
    Replay(Tape),
    /// Each run draws `Random` (at a switch-point yield probability of 1/4,
    /// 75/100 or 88/100) or `Pct` (depth 1, 2 or 3) from its seed alone.
    Portfolio,
}

impl Strategy {
    /// A scheduler of this strategy, not yet started: call
    /// [`Scheduler::new_run`] before each run.
    pub(crate) fn scheduler(&self, tuning: Tuning) -> Box<dyn Scheduler> {
        match self {
            Strategy::Fifo => Box::new(fifo::Fifo),
            Strategy::Random => Box::new(random::Random::new(tuning.yield_p)),
            Strategy::RandomAt { yield_percent } => {
                Box::new(random::Random::new(percent_units(*yield_percent)))
            }
            Strategy::Pct { depth } => Box::new(pct::Pct::new(*depth, tuning.steps_hint)),
            Strategy::Dfs { max_deviations } => {
                Box::new(dfs::Dfs::new(*max_deviations, tuning.reduce))
            }
            Strategy::Replay(tape) => Box::new(replay::Replay::new(tape.clone())),
            Strategy::Portfolio => Box::new(portfolio::Portfolio::new(tuning)),
        }
    }

    /// A scheduler of this strategy, started for one run with `seed`
    /// (for a run that needs no scheduler spanning runs).
    pub(crate) fn started(&self, tuning: Tuning, seed: u64) -> Box<dyn Scheduler> {
        let mut scheduler = self.scheduler(tuning);
        scheduler.new_run(seed);
        scheduler
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Fifo => f.write_str("fifo"),
            Strategy::Random => f.write_str("random"),
            Strategy::RandomAt { yield_percent } => write!(f, "random:{yield_percent}"),
            Strategy::Pct { depth } => write!(f, "pct:{depth}"),
            Strategy::Dfs { max_deviations } => write!(f, "dfs:{max_deviations}"),
            Strategy::Replay(tape) => write!(f, "replay:{tape}"),
            Strategy::Portfolio => f.write_str("portfolio"),
        }
    }
}

impl FromStr for Strategy {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Strategy, ConfigError> {
        let text = s.trim();
        match text {
            "fifo" => Ok(Strategy::Fifo),
            "random" => Ok(Strategy::Random),
            "portfolio" => Ok(Strategy::Portfolio),
            _ => {
                if let Some(p) = text.strip_prefix("random:") {
                    let yield_percent =
                        number(s, p, 0..=100, "the yield percent of `random:<percent>`")?;
                    Ok(Strategy::RandomAt { yield_percent })
                } else if let Some(depth) = text.strip_prefix("pct:") {
                    let depth = number(s, depth, 1..=16, "the depth of `pct:<depth>`")?;
                    Ok(Strategy::Pct { depth })
                } else if let Some(k) = text.strip_prefix("dfs:") {
                    let max_deviations = number(
                        s,
                        k,
                        0..=64,
                        "the deviation bound of `dfs:<max deviations>`",
                    )?;
                    Ok(Strategy::Dfs { max_deviations })
                } else if let Some(tape) = text.strip_prefix("replay:") {
                    let tape = tape
                        .parse()
                        .map_err(|e| ConfigError::new("strategy", s, format!("{e}")))?;
                    Ok(Strategy::Replay(tape))
                } else {
                    Err(ConfigError::new(
                        "strategy",
                        s,
                        "expected `fifo`, `random`, `random:<yield percent>`, `pct:<depth>`, `dfs:<max deviations>`, `portfolio` or `replay:<tape>`",
                    ))
                }
            }
        }
    }
}

/// A probability in percent (at most 100) in units of 2^-32; 100 is
/// `u32::MAX`, which `Random` reads as "always".
pub(crate) fn percent_units(percent: u32) -> u32 {
    ((u64::from(percent.min(100)) << 32) / 100).min(u64::from(u32::MAX)) as u32
}

fn number(
    whole: &str,
    text: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<u32, ConfigError> {
    match text.trim().parse::<u32>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(ConfigError::new(
            "strategy",
            whole,
            format!(
                "{what} must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

impl Strategy {
    /// Checks the numbers of a strategy built in code (parsing checks them
    /// already): a `Pct` depth from 1 to 16, a `Dfs` bound up to 64.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Strategy::Pct { depth } if !(1..=16).contains(depth) => Err(ConfigError::new(
                "strategy",
                self.to_string(),
                "the depth of `pct:<depth>` must be a whole number from 1 to 16",
            )),
            Strategy::RandomAt { yield_percent } if *yield_percent > 100 => Err(ConfigError::new(
                "strategy",
                self.to_string(),
                "the yield percent of `random:<percent>` must be a whole number from 0 to 100",
            )),
            Strategy::Dfs { max_deviations } if *max_deviations > 64 => Err(ConfigError::new(
                "strategy",
                self.to_string(),
                "the deviation bound of `dfs:<max deviations>` must be a whole number from 0 to 64",
            )),
            _ => Ok(()),
        }
    }
}
