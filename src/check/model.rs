//! [`Model`]: the sequential specification a history is checked against.

use std::fmt::Debug;
use std::hash::Hash;

/// A sequential specification: what one call does to the object's state
/// when calls happen one at a time. A history is linearizable when its
/// calls can be put in one order that respects real time (a call that
/// returned before another was invoked comes first) and in which every
/// call, applied to the state the calls before it left, allows the output
/// it was seen to return.
///
/// - [`step`](Model::step) is the specification: `Some(next state)` when
///   `output` is a possible result of `input` in `state`, `None` when not.
/// - [`outcomes`](Model::outcomes) lists what `input` may return in
///   `state`, each with its next state (`Some(vec![])` when it cannot
///   happen there: an acquire of an empty semaphore). It is optional
///   (`None`, the default, says the model does not tell), but the checker
///   needs it for calls whose response never came
///   ([`Call::unknown`](super::Call::unknown)): such a call may have taken
///   effect with any of its outcomes. A failure's explanation also uses it
///   to say which outputs were allowed.
/// - [`partition`](Model::partition) may split a history into parts that
///   are checked one by one (by key, for a map): P-compositionality (Horn
///   and Kroening) says the whole is linearizable exactly when every part
///   is, if calls of different parts never touch the same state. Two keys
///   that land in the same part are checked together, which is slower,
///   never wrong.
///
/// The state is compared and hashed: the checker caches (set of calls
/// placed, state) pairs it has seen, which is what keeps the search fast.
///
/// ```
/// use seedloop::check::{self, History, Model};
///
/// /// A counter: `Add(n)` returns the new total.
/// struct Counter;
///
/// impl Model for Counter {
///     type State = i64;
///     type Input = i64;
///     type Output = i64;
///     fn init(&self) -> i64 {
///         0
///     }
///     fn step(&self, total: &i64, add: &i64, seen: &i64) -> Option<i64> {
///         (total + add == *seen).then_some(total + add)
///     }
///     fn outcomes(&self, total: &i64, add: &i64) -> Option<Vec<(i64, i64)>> {
///         Some(vec![(total + add, total + add)])
///     }
/// }
///
/// let history = History::new();
/// let a = history.invoke(1, 2);
/// let b = history.invoke(2, 3);
/// b.ok(3); // b went first...
/// a.ok(5); // ...then a: one order explains both
/// assert!(check::linearizable(&history, &Counter).is_linearizable());
/// ```
pub trait Model {
    /// The object's state between calls.
    type State: Clone + Eq + Hash + Debug;
    /// What a call asks.
    type Input: Debug;
    /// What a call returns.
    type Output: Debug;

    /// The state before any call.
    fn init(&self) -> Self::State;

    /// The state after `input` returned `output` in `state`, or `None` if
    /// the specification does not allow that output there.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: &Self::Output,
    ) -> Option<Self::State>;

    /// Every output `input` may return in `state`, each with the state
    /// after it; `Some(vec![])` when the call cannot take effect there.
    /// The default, `None`, says the model does not tell: a history with a
    /// call of unknown outcome cannot be checked against it (the checker
    /// panics saying so when the search meets such a call).
    fn outcomes(
        &self,
        state: &Self::State,
        input: &Self::Input,
    ) -> Option<Vec<(Self::Output, Self::State)>> {
        let _ = (state, input);
        None
    }

    /// Which part of the history a call belongs to; calls of different
    /// parts must never touch the same state. The default puts every call
    /// in one part.
    fn partition(&self, input: &Self::Input) -> Option<u64> {
        let _ = input;
        None
    }
}
