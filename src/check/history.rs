//! Recording a history: [`History`], the [`Call`]s it hands out, and the
//! [`Operation`]s a checker reads back.
//!
//! Every invocation and every return takes the next number of one counter,
//! under the history's lock: the order of the numbers is the order in which
//! they were recorded, which inside a simulation is the run's real-time
//! order (one thread, one step at a time). A call's virtual times are kept
//! beside, for display.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One recorded operation, as a checker and a report read it.
///
/// ```
/// use seedloop::check::History;
/// let history: History<&str, u32> = History::new();
/// history.invoke(1, "get").ok(7);
/// let op = &history.operations()[0];
/// assert_eq!((op.client, op.input, op.output), (1, "get", Some(7)));
/// assert!(op.invoked < op.returned.unwrap());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation<I, O> {
    /// The client that made the call (a process, in Jepsen's words).
    pub client: u64,
    /// What was asked.
    pub input: I,
    /// What came back: `None` while the call is pending, or when its
    /// response never came ([`Call::unknown`]).
    pub output: Option<O>,
    /// The position of the invocation in the history's order.
    pub invoked: u64,
    /// The position of the return, `None` for a call without response.
    pub returned: Option<u64>,
    /// Virtual time of the invocation, when recorded inside a simulation.
    pub invoked_at: Option<Duration>,
    /// Virtual time of the return, when there was one inside a simulation.
    pub returned_at: Option<Duration>,
}

impl<I, O> Operation<I, O> {
    /// Whether the call may or may not have taken effect: it never
    /// returned (marked unknown, dropped, or still pending).
    ///
    /// ```
    /// use seedloop::check::History;
    /// let history: History<&str, ()> = History::new();
    /// history.invoke(1, "put").unknown();
    /// assert!(history.operations()[0].is_unknown());
    /// ```
    pub fn is_unknown(&self) -> bool {
        self.returned.is_none()
    }
}

struct Log<I, O> {
    ops: Vec<Operation<I, O>>,
    next: u64,
}

/// A concurrent history of calls to one object (a register, a key-value
/// store, a queue), recorded as a test's clients make them: a cheap,
/// cloneable handle that every client task holds.
///
/// Record each call with [`History::invoke`] before the request goes out,
/// and complete it with [`Call::ok`] when the response arrives, or
/// [`Call::unknown`] when it never will (a timeout, a lost reply). Then ask
/// [`linearizable`](super::linearizable) whether some order of the calls,
/// one at a time and each between its invocation and its return, explains
/// every output.
///
/// It works outside a simulation too: the order is the order of the
/// recording calls, and there are no virtual times.
///
/// # Panics
///
/// The methods panic if a thread panicked while recording (the lock is
/// poisoned).
///
/// ```
/// use seedloop::check::{self, History, models::{Register, RegisterOp, RegisterRet}};
///
/// let history = History::new();
/// let w = history.invoke(1, RegisterOp::Write(1));
/// let r = history.invoke(2, RegisterOp::Read); // concurrent with the write
/// r.ok(RegisterRet::Value(1));
/// w.ok(RegisterRet::Written);
/// assert!(check::linearizable(&history, &Register::new(0)).is_linearizable());
/// ```
pub struct History<I, O> {
    log: Arc<Mutex<Log<I, O>>>,
}

impl<I, O> Clone for History<I, O> {
    fn clone(&self) -> History<I, O> {
        History {
            log: Arc::clone(&self.log),
        }
    }
}

impl<I, O> Default for History<I, O> {
    fn default() -> History<I, O> {
        History::new()
    }
}

impl<I: fmt::Debug, O: fmt::Debug> fmt::Debug for History<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lock().ops.iter()).finish()
    }
}

/// Virtual time now, if a simulation runs on this thread.
fn virtual_now() -> Option<Duration> {
    crate::runtime::with_core(|core| core.map(|c| Duration::from_nanos(c.now())))
}

impl<I, O> History<I, O> {
    /// An empty history.
    ///
    /// ```
    /// let history: seedloop::check::History<u8, u8> = seedloop::check::History::new();
    /// assert!(history.is_empty());
    /// ```
    pub fn new() -> History<I, O> {
        History {
            log: Arc::new(Mutex::new(Log {
                ops: Vec::new(),
                next: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log<I, O>> {
        self.log
            .lock()
            .expect("seedloop: a history's lock was poisoned")
    }

    /// Records that `client` invokes `input` now; the returned [`Call`]
    /// records its response. A client makes one call at a time, as a
    /// process does in Jepsen's histories (a client with two calls open
    /// is allowed, and checked as two).
    ///
    /// ```
    /// let history = seedloop::check::History::<&str, &str>::new();
    /// let call = history.invoke(3, "ping");
    /// call.ok("pong");
    /// assert_eq!(history.len(), 1);
    /// ```
    pub fn invoke(&self, client: u64, input: I) -> Call<I, O> {
        let at = virtual_now();
        let mut log = self.lock();
        let seq = log.next;
        log.next += 1;
        let id = log.ops.len();
        log.ops.push(Operation {
            client,
            input,
            output: None,
            invoked: seq,
            returned: None,
            invoked_at: at,
            returned_at: None,
        });
        drop(log);
        Call {
            history: self.clone(),
            id,
            done: false,
        }
    }

    /// How many calls were recorded.
    ///
    /// ```
    /// let history = seedloop::check::History::<u8, u8>::new();
    /// history.invoke(1, 0).ok(0);
    /// assert_eq!(history.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().ops.len()
    }

    /// Whether no call was recorded.
    ///
    /// ```
    /// assert!(seedloop::check::History::<u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of every call so far, in invocation order.
    ///
    /// ```
    /// let history = seedloop::check::History::<u8, u8>::new();
    /// let pending = history.invoke(1, 5);
    /// assert_eq!(history.operations()[0].output, None);
    /// pending.ok(6);
    /// assert_eq!(history.operations()[0].output, Some(6));
    /// ```
    pub fn operations(&self) -> Vec<Operation<I, O>>
    where
        I: Clone,
        O: Clone,
    {
        self.lock().ops.clone()
    }

    /// Runs `f` on the recorded operations without copying them.
    pub(crate) fn with_ops<R>(&self, f: impl FnOnce(&[Operation<I, O>]) -> R) -> R {
        f(&self.lock().ops)
    }

    fn complete(&self, id: usize, output: Option<O>) {
        let at = virtual_now();
        let mut log = self.lock();
        match output {
            Some(o) => {
                let seq = log.next;
                log.next += 1;
                let op = &mut log.ops[id];
                op.output = Some(o);
                op.returned = Some(seq);
                op.returned_at = at;
            }
            None => {
                log.ops[id].output = None;
            }
        }
    }
}

/// A call in flight, from [`History::invoke`]: complete it with
/// [`Call::ok`] or [`Call::unknown`]. Dropped without either (its task
/// was cancelled, say), it is unknown: the request may have been acted on.
///
/// ```
/// use seedloop::check::History;
/// let history = History::<&str, u32>::new();
/// let call = history.invoke(1, "incr");
/// drop(call); // cancelled mid-flight: the response never came
/// assert!(history.operations()[0].is_unknown());
/// ```
#[must_use = "a call is completed with `ok(output)` or `unknown()`"]
pub struct Call<I, O> {
    history: History<I, O>,
    id: usize,
    done: bool,
}

impl<I, O> fmt::Debug for Call<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").field("id", &self.id).finish()
    }
}

impl<I, O> Call<I, O> {
    /// The response arrived now, with `output`.
    ///
    /// ```
    /// let history = seedloop::check::History::<&str, u32>::new();
    /// history.invoke(1, "get").ok(3);
    /// assert!(!history.operations()[0].is_unknown());
    /// ```
    pub fn ok(mut self, output: O) {
        self.done = true;
        self.history.complete(self.id, Some(output));
    }

    /// The response never came (a timeout, a lost reply, a crash): the
    /// operation may or may not have taken effect, at any moment after its
    /// invocation. It stays concurrent with everything that follows, as
    /// Knossos and Porcupine treat Jepsen's `:info`.
    ///
    /// ```
    /// let history = seedloop::check::History::<&str, u32>::new();
    /// history.invoke(1, "put").unknown();
    /// assert_eq!(history.operations()[0].returned, None);
    /// ```
    pub fn unknown(mut self) {
        self.done = true;
        self.history.complete(self.id, None);
    }
}

impl<I, O> Drop for Call<I, O> {
    fn drop(&mut self) {
        if !self.done && !std::thread::panicking() {
            self.history.complete(self.id, None);
        }
    }
}
