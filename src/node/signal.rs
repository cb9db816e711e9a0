//! Unix signals to a node's program (`kill -INT`, `kill -TERM`): the test
//! sends them with [`send_signal`], the program waits for them with
//! [`signal`]. Nothing else sends one: a real ctrl-C reaches the test
//! process, never a simulated node.
//!
//! Deliveries are counted per node and signal number, and a receiver sees
//! every delivery made after it was created, coalesced as the OS does: two
//! signals sent before the receiver next waits are one wake-up.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::{IntoNode, NodeId};
use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::footprint::Tracked;
use crate::runtime::state::{PerRun, Slot};
use crate::task::Local;

/// The deliveries of one signal number to one node, and who waits for them.
#[derive(Default)]
struct Line {
    sent: u64,
    waiting: Vec<Waker>,
}

/// Every node's signal lines, in one run.
struct Table(Tracked<BTreeMap<(u32, i32), Line>>);

impl PerRun for Table {
    fn new(_: &Core) -> Table {
        Table(Tracked::new(BTreeMap::new()))
    }

    fn shutdown(&self) {
        std::mem::take(&mut *self.0.borrow_mut());
    }
}

static TABLE: Slot<Table> = Slot::new();

/// Delivers the unix signal `signo` (2 for `SIGINT`, tokio's `ctrl_c`; 15
/// for `SIGTERM`) to `node`'s program: every [`Signals`] of that node for
/// that number wakes. A node nobody listens on ignores it, where a real
/// process would die of its default action; kill it with
/// [`kill`](super::kill) for that.
///
/// # Panics
///
/// Outside a simulation, or for an unknown node.
///
/// # Determinism
///
/// No choice is made: the receivers wake in the order they started waiting.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = seedloop::node::Builder::new("server").build();
///     let stopped = seedloop::node::spawn_on(server, async {
///         let mut interrupts = seedloop::node::signal(2);
///         interrupts.recv().await;
///         "shut down cleanly"
///     });
///     // Time moves only when every task waits: the server listens by then.
///     seedloop::sleep(std::time::Duration::from_secs(1)).await;
///     seedloop::node::send_signal(server, 2);
///     assert_eq!(stopped.await.unwrap(), "shut down cleanly");
/// });
/// ```
#[track_caller]
pub fn send_signal(node: impl IntoNode, signo: i32) {
    let node = node.node_id().0;
    let core = current_core();
    let wake = {
        let mut lines = core.state(&TABLE).0.borrow_mut();
        let line = lines.entry((node, signo)).or_default();
        line.sent += 1;
        std::mem::take(&mut line.waiting)
    };
    wake.into_iter().for_each(Waker::wake);
}

/// Listens for the unix signal `signo` sent to the current node, as
/// tokio's `signal::unix::signal` does for a process.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut terms = seedloop::node::signal(15);
///     seedloop::node::send_signal(seedloop::node::current(), 15);
///     seedloop::node::send_signal(seedloop::node::current(), 15);
///     assert_eq!(terms.recv().await, Some(()), "two deliveries, one wake-up");
///     assert_eq!(terms.try_recv(), None);
/// });
/// ```
#[track_caller]
pub fn signal(signo: i32) -> Signals {
    let core = current_core();
    let node = core.current_node();
    let seen = sent(&core, node, signo);
    Signals {
        node: NodeId(node),
        signo,
        seen,
        core: Local::new(core),
    }
}

fn sent(core: &Core, node: u32, signo: i32) -> u64 {
    core.state(&TABLE)
        .0
        .borrow()
        .get(&(node, signo))
        .map_or(0, |l| l.sent)
}

/// The receiver [`signal`] returns: `Send`, like tokio's `Signal`, and
/// usable only on the simulation's thread.
pub struct Signals {
    node: NodeId,
    signo: i32,
    /// Deliveries already seen.
    seen: u64,
    core: Local<Rc<Core>>,
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signals")
            .field("node", &self.node)
            .field("signo", &self.signo)
            .finish()
    }
}

impl Signals {
    /// Waits for the next delivery; every delivery since the last `recv`
    /// counts as one. Always `Some`, as a node's signal line never closes
    /// (`Option` as in tokio).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery not yet seen stays for the next call.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ints = seedloop::node::signal(2);
    ///     let me = seedloop::node::current();
    ///     seedloop::spawn(async move { seedloop::node::send_signal(me, 2) });
    ///     assert_eq!(ints.recv().await, Some(()));
    /// });
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| {
            let mut lines = self.core.state(&TABLE).0.borrow_mut();
            let line = lines.entry((self.node.0, self.signo)).or_default();
            if line.sent > self.seen {
                self.seen = line.sent;
                return Poll::Ready(Some(()));
            }
            if !line.waiting.iter().any(|w| w.will_wake(cx.waker())) {
                line.waiting.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }

    /// A delivery not yet seen, without waiting.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ints = seedloop::node::signal(2);
    ///     assert_eq!(ints.try_recv(), None);
    ///     seedloop::node::send_signal(seedloop::node::current(), 2);
    ///     assert_eq!(ints.try_recv(), Some(()));
    /// });
    /// ```
    pub fn try_recv(&mut self) -> Option<()> {
        let sent = sent(&self.core, self.node.0, self.signo);
        (sent > self.seen).then(|| self.seen = sent)
    }
}
