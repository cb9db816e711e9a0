//! Strategies: where the values of a run's choices come from.
//!
//! The event loop asks a [`Scheduler`] for every choice; each strategy is one
//! small implementation of that trait in its own file.

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;
use crate::tape::Tape;

mod fifo;
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
}

/// The seam between the event loop and a strategy: one method, asked for a
/// value in `0..n` (always `n >= 2`). The loop records the answer on the tape.
pub(crate) trait Scheduler {
    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32;
}

/// How the values of a run's choices are produced.
///
/// | strategy | values | use it for |
/// |---|---|---|
/// | `Fifo` | always 0: oldest ready task first, earliest timer, minimum costs, `rand` yields zeros | the plainest run; a baseline |
/// | `Random` (default) | drawn from ChaCha8 seeded with the run's seed; a switch point yields with probability 1/4 | sweeping many seeds |
/// | `Replay(tape)` | read back from a tape, then zeros | reproducing a run exactly |
///
/// Parsed from text as `fifo`, `random` or `replay:<tape text>` (the form
/// `SEEDLOOP_STRATEGY` takes).
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
    /// Every choice is read from the tape; past its end, choices are 0.
    Replay(Tape),
}

impl Strategy {
    pub(crate) fn scheduler(&self, seed: u64) -> Box<dyn Scheduler> {
        match self {
            Strategy::Fifo => Box::new(fifo::Fifo),
            Strategy::Random => Box::new(random::Random::new(seed)),
            Strategy::Replay(tape) => Box::new(replay::Replay::new(tape.clone())),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Fifo => f.write_str("fifo"),
            Strategy::Random => f.write_str("random"),
            Strategy::Replay(tape) => write!(f, "replay:{tape}"),
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
            _ => {
                if let Some(tape) = text.strip_prefix("replay:") {
                    let tape = tape
                        .parse()
                        .map_err(|e| ConfigError::new("strategy", s, format!("{e}")))?;
                    Ok(Strategy::Replay(tape))
                } else {
                    Err(ConfigError::new(
                        "strategy",
                        s,
                        "expected `fifo`, `random` or `replay:<tape>`",
                    ))
                }
            }
        }
    }
}
