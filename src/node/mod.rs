//! Layer 5, processes: simulated machines ("nodes") that crash, restart and pause.
//!
//! asyncio runs one program in one process, and reaches other processes with
//! `subprocess` or over sockets. seedloop runs a whole cluster in one
//! thread: each node is a named machine with its own IP address, tasks and
//! sockets. A task belongs to the node whose task spawned it; `block_on`'s
//! future and tasks spawned from outside any node run on the implicit node
//! `main` (address 10.0.0.1).
//!
//! | asyncio / OS | seedloop |
//! |---|---|
//! | start a process | [`Builder::new`]`(name).init(|| async { .. }).build()` |
//! | `kill -9` | [`kill`]: every task dropped, every socket closed (peers see resets) |
//! | a restart by a supervisor | [`restart`]: kill, then `init` again, same name and address |
//! | `kill -STOP` / `kill -CONT` | [`pause`] / [`resume`] |
//! | `kill -INT`, `signal.signal(SIGINT, ..)` | [`send_signal`]`(node, 2)`, [`signal`]`(2).recv().await` |
//! | a machine whose clock is off | [`Builder::clock_ahead`] / [`Builder::clock_behind`] |
//!
//! ```
//! use std::time::Duration;
//! use seedloop::{node, Sim};
//!
//! let mut sim = Sim::new(1);
//! sim.block_on(async {
//!     let db = node::Builder::new("db")
//!         .init(|| async {
//!             seedloop::sleep(Duration::from_secs(3600)).await;
//!         })
//!         .build();
//!     assert_eq!(db.name(), "db");
//!     node::kill(db); // its init task is dropped
//!     node::restart(db); // and runs again
//! });
//! ```

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::error::ConfigError;
use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::nodes::Status;
use crate::runtime::parts::Parts;
use crate::task::JoinHandle;
use crate::time::ClockSkew;
use crate::trace::NodeChange;

mod signal;
pub(crate) mod table;

pub use signal::{Signals, send_signal, signal};

use table::Init;

/// A simulated machine, as returned by [`Builder::build`]: `Copy`, cheap to
/// pass around. Its name and address are read from the current simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let main = seedloop::node::current();
///     assert_eq!(main.name(), "main");
///     assert_eq!(main.ip().to_string(), "10.0.0.1");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The node's name.
    ///
    /// # Panics
    ///
    /// Outside a simulation, or with a `NodeId` of another simulation that
    /// this one does not have.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let n = seedloop::node::Builder::new("cache").build();
    ///     assert_eq!(n.name(), "cache");
    /// });
    /// ```
    #[track_caller]
    pub fn name(self) -> String {
        let core = current_core();
        check(&core, self.0);
        core.node_name(self.0).to_string()
    }

    /// The node's IP address.
    ///
    /// # Panics
    ///
    /// As [`NodeId::name`].
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let n = seedloop::node::Builder::new("db").ip(Ipv4Addr::new(192, 168, 0, 9)).build();
    ///     assert_eq!(n.ip(), Ipv4Addr::new(192, 168, 0, 9));
    /// });
    /// ```
    #[track_caller]
    pub fn ip(self) -> IpAddr {
        let core = current_core();
        check(&core, self.0);
        table::ip(&core, self.0)
    }
}

impl fmt::Display for NodeId {
    /// `node#N` (the name needs the simulation: see [`NodeId::name`]).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async { assert_eq!(seedloop::node::current().to_string(), "node#0") });
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node#{}", self.0)
    }
}

#[track_caller]
fn check(core: &Core, id: u32) {
    assert!(
        (id as usize) < core.node_count(),
        "seedloop: node#{id} does not exist in this simulation"
    );
}

/// Something that names a node: a [`NodeId`], or the node's name (`"db"`).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     seedloop::node::pause("db"); // by name
///     seedloop::node::resume(db); // by id
/// });
/// ```
pub trait IntoNode {
    /// The node's id in the current simulation.
    ///
    /// # Panics
    ///
    /// When no node has this name or id.
    #[track_caller]
    fn node_id(&self) -> NodeId;
}

impl IntoNode for NodeId {
    #[track_caller]
    fn node_id(&self) -> NodeId {
        check(&current_core(), self.0);
        *self
    }
}

impl IntoNode for &str {
    #[track_caller]
    fn node_id(&self) -> NodeId {
        match lookup(self) {
            Some(id) => id,
            None => panic!("seedloop: no node is named '{self}'"),
        }
    }
}

impl IntoNode for String {
    #[track_caller]
    fn node_id(&self) -> NodeId {
        self.as_str().node_id()
    }
}

impl IntoNode for &String {
    #[track_caller]
    fn node_id(&self) -> NodeId {
        self.as_str().node_id()
    }
}

/// The node with this name, if there is one.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     assert_eq!(seedloop::node::lookup("db"), Some(db));
///     assert_eq!(seedloop::node::lookup("nope"), None);
/// });
/// ```
#[track_caller]
pub fn lookup(name: &str) -> Option<NodeId> {
    table::by_name(&current_core(), name).map(NodeId)
}

/// Describes a node to start (turmoil's `sim.host`, madsim's `NodeBuilder`).
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let n = seedloop::node::Builder::new("clock")
///         .clock_ahead(Duration::from_secs(5))
///         .init(|| async {
///             let t = seedloop::time::system_now();
///             let d = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
///             assert_eq!(d, seedloop::time::EPOCH_UNIX_SECS + 5);
///         })
///         .build();
///     seedloop::sleep(Duration::from_secs(1)).await;
///     let _ = n;
/// });
/// ```
#[must_use = "a node builder does nothing until `build` is called"]
pub struct Builder {
    name: String,
    ip: Option<IpAddr>,
    init: Option<Init>,
    /// The floors' settings for this node (its clock's skew, ...).
    parts: Parts,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("name", &self.name)
            .field("ip", &self.ip)
            .field("init", &self.init.is_some())
            .field("parts", &self.parts)
            .finish()
    }
}

impl Builder {
    /// A node named `name` (used in reports and in `"name:port"` addresses).
    ///
    /// ```
    /// let b = seedloop::node::Builder::new("db");
    /// # let _ = b;
    /// ```
    pub fn new(name: impl Into<String>) -> Builder {
        Builder {
            name: name.into(),
            ip: None,
            init: None,
            parts: Parts::default(),
        }
    }

    /// Its IP address. By default the next free one of 10.0.0.0/8, in the
    /// order nodes are built (`main` is 10.0.0.1, the first node 10.0.0.2).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// let b = seedloop::node::Builder::new("db").ip(Ipv4Addr::new(10, 1, 0, 1));
    /// # let _ = b;
    /// ```
    pub fn ip(mut self, ip: impl Into<IpAddr>) -> Builder {
        self.ip = Some(ip.into());
        self
    }

    /// What the node runs when it starts, and again at every [`restart`]:
    /// a task named `init` on the node.
    ///
    /// ```
    /// let b = seedloop::node::Builder::new("db").init(|| async { /* serve */ });
    /// # let _ = b;
    /// ```
    pub fn init<F, Fut>(mut self, f: F) -> Builder
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.init = Some(Rc::new(move || Box::pin(f())));
        self
    }

    /// The node's wall clock ([`time::system_now`](crate::time::system_now))
    /// runs `by` ahead of the simulation's. Its `Instant`s and timers are
    /// not affected: skew is about timestamps, not about speed.
    ///
    /// ```
    /// let b = seedloop::node::Builder::new("db").clock_ahead(std::time::Duration::from_millis(250));
    /// # let _ = b;
    /// ```
    pub fn clock_ahead(self, by: Duration) -> Builder {
        self.with_part(ClockSkew(
            i128::try_from(by.as_nanos()).unwrap_or(i128::MAX),
        ))
    }

    /// The node's wall clock runs `by` behind the simulation's.
    ///
    /// ```
    /// let b = seedloop::node::Builder::new("db").clock_behind(std::time::Duration::from_secs(2));
    /// # let _ = b;
    /// ```
    pub fn clock_behind(self, by: Duration) -> Builder {
        self.with_part(ClockSkew(
            -i128::try_from(by.as_nanos()).unwrap_or(i128::MAX),
        ))
    }

    /// Sets a floor's setting for this node (the floor's own builder method
    /// calls this); the floor reads it back with `Core::node_part`.
    pub(crate) fn with_part<T: crate::runtime::parts::Part>(mut self, part: T) -> Builder {
        self.parts.set(part);
        self
    }

    /// A floor's setting for this node, as set so far (so that a floor's
    /// builder method can add to it).
    pub(crate) fn part<T: crate::runtime::parts::Part>(&self) -> Option<&T> {
        self.parts.get::<T>()
    }

    /// Starts the node: its `init`, if any, is spawned on it at once.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the value when the name is empty, has `:`,
    /// `/` or a space, reads as an address (`localhost`, `10.0.0.9`), or is
    /// taken, or when the address is taken, loopback,
    /// unspecified or multicast.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::node::Builder::new("db").build();
    ///     let err = seedloop::node::Builder::new("db").try_build().unwrap_err();
    ///     assert_eq!(err.value(), "db");
    /// });
    /// ```
    #[track_caller]
    pub fn try_build(self) -> Result<NodeId, ConfigError> {
        let core = current_core();
        self.parts.validate()?;
        let name: Rc<str> = self.name.into();
        let id = table::add(&core, name.clone(), self.ip, self.init, self.parts)?;
        core.rec
            .borrow_mut()
            .node(core.now(), id, &name, NodeChange::Started);
        table::announce(&core, id, NodeChange::Started);
        start(&core, id, Location::caller());
        Ok(NodeId(id))
    }

    /// As [`Builder::try_build`], panicking on a bad value.
    ///
    /// # Panics
    ///
    /// With the [`ConfigError`] of `try_build`, or outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let n = sim.block_on(async { seedloop::node::Builder::new("db").build() });
    /// # let _ = n;
    /// ```
    #[track_caller]
    pub fn build(self) -> NodeId {
        match self.try_build() {
            Ok(id) => id,
            Err(e) => panic!("seedloop: {e}"),
        }
    }
}

/// Spawns the node's `init`, if it has one.
fn start(core: &Core, node: u32, location: &'static Location<'static>) {
    if let Some(init) = table::init(core, node) {
        let future = init();
        drop(core.spawn_in(Some(node), future, Some("init".to_string()), location));
    }
}

/// The node of the running task (`main` outside any node's task).
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     let on = seedloop::node::spawn_on(db, async { seedloop::node::current() });
///     assert_eq!(on.await.unwrap(), db);
/// });
/// ```
#[track_caller]
pub fn current() -> NodeId {
    NodeId(current_core().current_node())
}

/// Spawns a task on `node` (tasks it spawns belong to `node` too).
///
/// # Panics
///
/// Outside a simulation, or when the node does not exist.
///
/// # Determinism
///
/// As [`spawn`](crate::spawn).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     let name = seedloop::node::spawn_on("db", async { seedloop::node::current().name() });
///     assert_eq!(name.await.unwrap(), "db");
///     let _ = db;
/// });
/// ```
#[track_caller]
pub fn spawn_on<F>(node: impl IntoNode, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let id = node.node_id();
    current_core().spawn_in(Some(id.0), future, None, Location::caller())
}

#[track_caller]
fn not_main(id: NodeId, what: &str) {
    assert!(
        id.0 != 0,
        "seedloop: the node 'main' runs block_on's future and cannot be {what}"
    );
}

/// Crashes `node`: every task on it is dropped (destructors run), its
/// sockets close (TCP peers see `ConnectionReset`), its timers vanish, and
/// packets to it are lost. A task of the node itself that calls `kill`
/// stops at its next `await`. Killing a killed node does nothing.
///
/// # Panics
///
/// Outside a simulation; for the node `main`; for an unknown node.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     let t = seedloop::node::spawn_on(db, std::future::pending::<()>());
///     seedloop::node::kill(db);
///     assert!(t.await.unwrap_err().is_cancelled());
/// });
/// ```
#[track_caller]
pub fn kill(node: impl IntoNode) {
    let id = node.node_id();
    not_main(id, "killed");
    let core = current_core();
    if core.node_status(id.0) == Status::Killed {
        return;
    }
    let name = core.node_name(id.0);
    core.rec
        .borrow_mut()
        .node(core.now(), id.0, &name, NodeChange::Killed);
    core.mark_killed(id.0);
    // The floors first (sockets close, peers are sent resets), then the
    // tasks: their destructors find a crashed machine, not a graceful close.
    table::announce(&core, id.0, NodeChange::Killed);
    core.kill_tasks(id.0);
}

/// Kills `node` (if it runs) and starts it again: same name, same address,
/// its `init` spawned anew. A node without `init` comes back empty.
///
/// # Panics
///
/// As [`kill`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     seedloop::node::restart(db);
///     let t = seedloop::node::spawn_on(db, async { 7 });
///     assert_eq!(t.await.unwrap(), 7); // it runs tasks again
/// });
/// ```
#[track_caller]
pub fn restart(node: impl IntoNode) {
    let id = node.node_id();
    not_main(id, "restarted");
    kill(id);
    let core = current_core();
    core.mark_running(id.0);
    let name = core.node_name(id.0);
    core.rec
        .borrow_mut()
        .node(core.now(), id.0, &name, NodeChange::Restarted);
    table::announce(&core, id.0, NodeChange::Restarted);
    start(&core, id.0, Location::caller());
}

/// Freezes `node` (`kill -STOP`): none of its tasks is polled until
/// [`resume`]; its timers fire late; packets to it wait, undelivered.
///
/// # Panics
///
/// As [`kill`].
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     let t = seedloop::node::spawn_on(db, async {
///         seedloop::sleep(Duration::from_secs(1)).await;
///         seedloop::time::now()
///     });
///     seedloop::sleep(Duration::from_millis(500)).await; // t is asleep
///     seedloop::node::pause(db);
///     seedloop::sleep(Duration::from_secs(5)).await;
///     seedloop::node::resume(db);
///     let woke = t.await.unwrap();
///     assert_eq!(woke.since_start(), Duration::from_millis(5500)); // 4.5 s late
/// });
/// ```
#[track_caller]
pub fn pause(node: impl IntoNode) {
    set_paused(node.node_id(), true);
}

/// Thaws a paused node: its woken tasks run, held packets arrive.
///
/// # Panics
///
/// As [`kill`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let db = seedloop::node::Builder::new("db").build();
///     seedloop::node::pause(db);
///     seedloop::node::resume(db);
/// });
/// ```
#[track_caller]
pub fn resume(node: impl IntoNode) {
    set_paused(node.node_id(), false);
}

#[track_caller]
fn set_paused(id: NodeId, paused: bool) {
    not_main(id, if paused { "paused" } else { "resumed" });
    let core = current_core();
    let (status, name) = (core.node_status(id.0), core.node_name(id.0));
    let wanted = if paused {
        Status::Paused
    } else {
        Status::Running
    };
    if status == Status::Killed || status == wanted {
        return;
    }
    core.set_paused(id.0, paused);
    let change = if paused {
        NodeChange::Paused
    } else {
        NodeChange::Resumed
    };
    core.rec.borrow_mut().node(core.now(), id.0, &name, change);
    table::announce(&core, id.0, change);
}
