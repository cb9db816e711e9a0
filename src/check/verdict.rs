//! What a check finds: a [`Verdict`], and for a violation the
//! [`Explanation`] a person reads.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::Model;
use super::history::Operation;
use super::search::Deepest;

/// The outcome of [`linearizable`](super::linearizable).
///
/// ```
/// use seedloop::check::{self, History, Verdict, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// history.invoke(1, RegisterOp::Write(5)).ok(RegisterRet::Written);
/// history.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(0)); // stale
/// match check::linearizable(&history, &Register::new(0)) {
///     Verdict::NotLinearizable(why) => assert!(why.to_string().contains("Read")),
///     other => panic!("expected a violation, got {other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Some order of the calls explains every output.
    Linearizable,
    /// No order does; the explanation says where the search got stuck.
    NotLinearizable(Box<Explanation>),
    /// The search explored its budget of states without deciding.
    Unknown {
        /// The states it explored.
        explored: u64,
    },
}

impl Verdict {
    /// Whether the verdict is [`Verdict::Linearizable`].
    ///
    /// ```
    /// let history = seedloop::check::History::new();
    /// let model = seedloop::check::models::Register::new(0u8);
    /// assert!(seedloop::check::linearizable(&history, &model).is_linearizable());
    /// ```
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Linearizable => f.write_str("linearizable"),
            Verdict::NotLinearizable(why) => write!(f, "not linearizable: {why}"),
            Verdict::Unknown { explored } => write!(
                f,
                "unknown: the search explored its budget of {explored} states without deciding"
            ),
        }
    }
}

/// A call the search could not place, in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unplaced {
    /// Its index in the history (invocation order).
    pub index: usize,
    /// Its client.
    pub client: u64,
    /// Its input, as `Debug` prints it.
    pub input: String,
    /// Its output (`None`: it never came).
    pub output: Option<String>,
    /// What the model allows it to return where it would go, when the
    /// model lists its outcomes.
    pub allowed: Vec<String>,
}

/// Why a history is not linearizable: the longest prefix of a
/// linearization the search found, the calls that could not go next, and
/// a timeline of the clients' calls around that point. Its `Display` is
/// the text a failed [`assert_linearizable`](super::assert_linearizable)
/// panics with.
///
/// ```
/// use seedloop::check::{self, History, Verdict, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// history.invoke(1, RegisterOp::Write(1)).ok(RegisterRet::Written);
/// history.invoke(2, RegisterOp::Read).ok(RegisterRet::Value(2)); // never written
/// let Verdict::NotLinearizable(why) = check::linearizable(&history, &Register::new(0)) else {
///     panic!("a read of a value never written");
/// };
/// assert_eq!(why.linearized, [0]);
/// assert_eq!(why.unplaced[0].allowed, ["Value(1)"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explanation {
    /// The part of the history that failed (the model's
    /// [`partition`](super::Model::partition)), if it has parts.
    pub partition: Option<u64>,
    /// The longest linearizable prefix found: history indices, in order.
    pub linearized: Vec<usize>,
    /// The model's state after that prefix, as `Debug` prints it.
    pub state: String,
    /// The call whose return was reached before it could be placed.
    pub blocked: usize,
    /// The calls that could have gone next, none of which fits.
    pub unplaced: Vec<Unplaced>,
    /// The clients' calls around the violation, one line each.
    pub timeline: String,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.partition {
            write!(
                f,
                "in one part of the history (the model's partition {p:#018x}), "
            )?;
        }
        writeln!(
            f,
            "{} call(s) linearize, leaving the state {}; then no call fits:",
            self.linearized.len(),
            self.state
        )?;
        for u in &self.unplaced {
            let seen = u.output.as_deref().unwrap_or("(no response)");
            write!(
                f,
                "  call #{} by client {}: {} -> {seen}",
                u.index, u.client, u.input
            )?;
            if u.allowed.is_empty() {
                writeln!(f)?;
            } else {
                writeln!(f, "; the model allows {}", u.allowed.join(" or "))?;
            }
        }
        write!(f, "{}", self.timeline)
    }
}

fn show_time(at: Option<Duration>) -> String {
    match at {
        Some(t) => crate::trace::fmt_time(t),
        None => "-".to_string(),
    }
}

/// Turns the search's deepest point into words and a timeline; `index`
/// maps the part's calls to the history's.
pub(crate) fn explain<M: Model>(
    model: &M,
    partition: Option<u64>,
    ops: &[&Operation<M::Input, M::Output>],
    index: &[usize],
    deep: Deepest<M::State>,
) -> Explanation {
    let unplaced = deep
        .candidates
        .iter()
        .map(|&c| {
            let op = ops[c];
            Unplaced {
                index: index[c],
                client: op.client,
                input: format!("{:?}", op.input),
                output: op.output.as_ref().map(|o| format!("{o:?}")),
                allowed: model
                    .outcomes(&deep.state, &op.input)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(o, _)| format!("{o:?}"))
                    .collect(),
            }
        })
        .collect();
    // The timeline: the last calls placed, the blocked one, the candidates.
    let mut shown: Vec<usize> = deep.placed.iter().rev().take(6).copied().collect();
    shown.push(deep.blocked);
    shown.extend(&deep.candidates);
    shown.sort_unstable();
    shown.dedup();
    let timeline = timeline(ops, index, &shown, &deep);
    Explanation {
        partition,
        linearized: deep.placed.iter().map(|&c| index[c]).collect(),
        state: format!("{:?}", deep.state),
        blocked: index[deep.blocked],
        unplaced,
        timeline,
    }
}

/// One line per shown call, oldest first: a bar over the positions of
/// the history it spans (compressed to the positions of the shown calls'
/// events), its client, input, output and virtual times, and a mark for
/// the calls that could not be placed.
fn timeline<I: fmt::Debug, O: fmt::Debug, S>(
    ops: &[&Operation<I, O>],
    index: &[usize],
    shown: &[usize],
    deep: &Deepest<S>,
) -> String {
    let mut marks: Vec<u64> = Vec::new();
    for &c in shown {
        marks.push(ops[c].invoked);
        if let Some(r) = ops[c].returned {
            marks.push(r);
        }
    }
    marks.sort_unstable();
    marks.dedup();
    let col = |p: u64| marks.partition_point(|&m| m < p);
    let width = marks.len() + 1;
    let mut out = String::from(
        "  timeline (one column per event of these calls; | invoked, ] returned, > no response):\n",
    );
    for &c in shown {
        let op = ops[c];
        let start = col(op.invoked);
        let end = op.returned.map(col);
        let mut bar = vec![b' '; width];
        let last = end.unwrap_or(width - 1);
        for b in bar.iter_mut().take(last + 1).skip(start) {
            *b = b'-';
        }
        bar[start] = b'|';
        bar[last] = if end.is_some() { b']' } else { b'>' };
        let bar = String::from_utf8(bar).expect("ascii");
        let why = if c == deep.blocked {
            "  <- returned before it could be placed"
        } else if deep.candidates.contains(&c) {
            "  <- cannot be placed next"
        } else {
            ""
        };
        let output = match &op.output {
            Some(o) => format!("{o:?}"),
            None => "?".to_string(),
        };
        let times = match (op.invoked_at, op.returned_at) {
            (None, None) => String::new(),
            (from, to) => format!("  ({}..{})", show_time(from), show_time(to)),
        };
        let _ = writeln!(
            out,
            "  client {:>3} {bar} #{} {:?} -> {output}{times}{why}",
            op.client, index[c], op.input,
        );
    }
    out
}
