//! Linearizability checking of recorded histories, inside the harness.
//!
//! A history is *linearizable* (Herlihy and Wing) when every call can be
//! given one instant between its invocation and its return at which it
//! took effect, so that the calls, applied one at a time in that order to
//! a sequential [`Model`], return exactly what the clients saw. It is the
//! question "was every read right?" of a replicated store, which Jepsen
//! asks with Knossos and Porcupine over logs after the fact. Here the test
//! records the [`History`] in virtual time as it runs, and checks it at
//! the end: a violation is a panic like any failed assertion, so the
//! explorer shrinks the schedule to the smallest one that breaks
//! linearizability, saves it under `seeds/` and prints its replay command.
//!
//! - [`History`]: `invoke(client, input)` before a request, `ok(output)`
//!   or `unknown()` (a timeout: it may or may not have happened) after.
//! - [`Model`]: `init`, `step(state, input, output) -> Option<next>`, and
//!   optionally `outcomes` (for unknown calls and explanations) and
//!   `partition` (check a map key by key). [`models`] has a register, a
//!   key-value map and a FIFO queue.
//! - [`linearizable`] searches (Wing and Gong's algorithm with Lowe's
//!   improvements and a cache of states, as Porcupine) and returns a
//!   [`Verdict`]: linearizable, not (with an [`Explanation`]), or unknown
//!   once a budget of explored states ran out ([`Checker::budget`]).
//! - [`assert_linearizable`] panics with the explanation.
//!
//! ```
//! use seedloop::check::{self, History, models::{Kv, KvOp, KvRet}};
//!
//! let history = History::new();
//! let put = history.invoke(1, KvOp::Put("x", 1));
//! let get = history.invoke(2, KvOp::Get("x")); // concurrent with the put
//! put.ok(KvRet::Done);
//! get.ok(KvRet::Value(None)); // fine: the get may have gone first
//! history.invoke(3, KvOp::Get("x")).ok(KvRet::Value(None)); // stale: the put had returned
//! let verdict = check::linearizable(&history, &Kv::new());
//! assert!(!verdict.is_linearizable());
//! ```
//!
//! # Determinism
//!
//! The check draws nothing from the tape and reads no clock: its budget is
//! counted in states, so the same history always gets the same verdict.

mod history;
mod model;
pub mod models;
mod panel;
mod search;
mod verdict;

use std::collections::BTreeMap;

pub use history::{Call, History, Operation};
pub use model::Model;
pub use verdict::{Explanation, Unplaced, Verdict};

use search::Found;

/// The default budget of explored states. The cache's memory grows with
/// the states explored and with the length of the part (each state keeps a
/// bit per call of its part): some hundreds of megabytes for parts of a
/// thousand calls, gigabytes for parts of ten thousand.
pub const DEFAULT_BUDGET: u64 = 2_000_000;

/// A check with settings: the budget of explored states.
///
/// ```
/// use seedloop::check::{Checker, History, Verdict, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// history.invoke(1, RegisterOp::Write(1)).ok(RegisterRet::Written);
/// let verdict = Checker::new().budget(0).check(&history, &Register::new(0));
/// assert_eq!(verdict, Verdict::Unknown { explored: 0 });
/// ```
#[derive(Clone, Debug)]
pub struct Checker {
    budget: u64,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker::new()
    }
}

impl Checker {
    /// A checker with [`DEFAULT_BUDGET`].
    ///
    /// ```
    /// let checker = seedloop::check::Checker::new();
    /// # let _ = checker;
    /// ```
    pub fn new() -> Checker {
        Checker {
            budget: DEFAULT_BUDGET,
        }
    }

    /// At most `states` (set of calls placed, model state) pairs are
    /// explored over the whole history, then the verdict is
    /// [`Verdict::Unknown`]. The parts of a partitioned history take
    /// turns, each with a slice of what is left.
    ///
    /// ```
    /// let checker = seedloop::check::Checker::new().budget(10_000_000);
    /// # let _ = checker;
    /// ```
    pub fn budget(mut self, states: u64) -> Checker {
        self.budget = states;
        self
    }

    /// Checks `history` against `model`, part by part when the model
    /// partitions it; the first part that is not linearizable is the
    /// verdict's.
    ///
    /// # Panics
    ///
    /// When the search meets a call whose response never came and the
    /// model does not list outcomes ([`Model::outcomes`] returns `None`):
    /// the checker cannot tell what such a call may have done.
    ///
    /// # Determinism
    ///
    /// The same history and model always give the same verdict.
    ///
    /// ```
    /// use seedloop::check::{Checker, History, models::{Queue, QueueOp, QueueRet}};
    /// let history = History::new();
    /// history.invoke(1, QueueOp::Enqueue(1)).ok(QueueRet::Done);
    /// history.invoke(1, QueueOp::Dequeue).ok(QueueRet::Value(Some(1)));
    /// assert!(Checker::new().check(&history, &Queue::new()).is_linearizable());
    /// ```
    pub fn check<M: Model>(&self, history: &History<M::Input, M::Output>, model: &M) -> Verdict {
        history.with_ops(|ops| self.check_ops(ops, model))
    }

    fn check_ops<M: Model>(&self, ops: &[Operation<M::Input, M::Output>], model: &M) -> Verdict {
        let mut parts: BTreeMap<Option<u64>, Vec<usize>> = BTreeMap::new();
        for (i, op) in ops.iter().enumerate() {
            parts.entry(model.partition(&op.input)).or_default().push(i);
        }
        let partitioned = parts.len() > 1 || parts.keys().any(Option::is_some);
        let parts: Vec<Part<'_, M>> = parts
            .into_iter()
            .map(|(key, index)| {
                let part = index.iter().map(|&i| &ops[i]).collect();
                (key, index, part)
            })
            .collect();
        let mut searches: Vec<Option<search::Search<'_, M>>> = parts
            .iter()
            .map(|(_, _, part)| Some(search::Search::new(model, part)))
            .collect();
        // The parts take turns, in key order, each with a slice of states
        // that doubles every round: a part that cannot be decided does not
        // keep the others (one of which may fail at once) from their turn.
        let mut budget = self.budget;
        let mut slice = FIRST_SLICE;
        loop {
            let mut undecided = false;
            // Each undecided part gets its turn even when the budget is
            // smaller than the round's slices.
            let waiting = searches.iter().flatten().count() as u64;
            let share = (budget / waiting.max(1)).max(1);
            for (k, slot) in searches.iter_mut().enumerate() {
                let Some(search) = slot else { continue };
                let mut turn = slice.min(share).min(budget);
                let before = turn;
                let found = search.run(&mut turn);
                budget -= before - turn;
                match found {
                    Found::Linearizable => *slot = None,
                    Found::Paused => undecided = true,
                    Found::Not(deep) => {
                        let (key, index, part) = &parts[k];
                        let key = if partitioned { *key } else { None };
                        let why = verdict::explain(model, key, part, index, deep);
                        return Verdict::NotLinearizable(Box::new(why));
                    }
                }
            }
            if !undecided {
                return Verdict::Linearizable;
            }
            if budget == 0 {
                return Verdict::Unknown {
                    explored: self.budget,
                };
            }
            slice = slice.saturating_mul(2);
        }
    }
}

/// A part of a history: its key, its calls' indices in the history, and
/// the calls.
type Part<'a, M> = (
    Option<u64>,
    Vec<usize>,
    Vec<&'a Operation<<M as Model>::Input, <M as Model>::Output>>,
);

/// The states a part may explore in its first turn (see `check_ops`).
const FIRST_SLICE: u64 = 1024;

/// Checks `history` against `model` with the default budget (see
/// [`Checker::check`]).
///
/// # Panics
///
/// As [`Checker::check`].
///
/// ```
/// use seedloop::check::{self, History, models::{Register, RegisterOp, RegisterRet}};
///
/// // Two writes, and two readers who saw them in opposite orders.
/// let history = History::new();
/// let w1 = history.invoke(1, RegisterOp::Write(1));
/// let w2 = history.invoke(2, RegisterOp::Write(2));
/// let (r1, r2) = (history.invoke(3, RegisterOp::Read), history.invoke(4, RegisterOp::Read));
/// r1.ok(RegisterRet::Value(1));
/// r2.ok(RegisterRet::Value(2));
/// w1.ok(RegisterRet::Written);
/// w2.ok(RegisterRet::Written);
/// history.invoke(3, RegisterOp::Read).ok(RegisterRet::Value(2));
/// history.invoke(4, RegisterOp::Read).ok(RegisterRet::Value(1));
/// assert!(!check::linearizable(&history, &Register::new(0)).is_linearizable());
/// ```
pub fn linearizable<M: Model>(history: &History<M::Input, M::Output>, model: &M) -> Verdict {
    Checker::new().check(history, model)
}

/// Checks `history` and panics with the explanation when it is not
/// linearizable: inside a run, a failure like any other, which the
/// explorer shrinks, saves under `seeds/` and replays. A verdict of
/// unknown (the budget ran out) does not panic; it is returned, with the
/// others.
///
/// # Panics
///
/// When the history is not linearizable, with the [`Explanation`]; and as
/// [`Checker::check`].
///
/// ```should_panic
/// use seedloop::check::{self, History, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// history.invoke(1, RegisterOp::Write(7)).ok(RegisterRet::Written);
/// history.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0)); // a stale read
/// check::assert_linearizable(&history, &Register::new(0));
/// ```
#[track_caller]
pub fn assert_linearizable<M: Model>(history: &History<M::Input, M::Output>, model: &M) -> Verdict {
    let verdict = linearizable(history, model);
    if let Verdict::NotLinearizable(why) = &verdict {
        panel::add(history, model, why);
        panic!("the history is not linearizable: {why}");
    }
    verdict
}
