//! The fault controls of the network, callable from inside a simulation.

use crate::trace::sidecar::FaultKind;
use std::collections::BTreeSet;
use std::rc::Rc;

use super::config::LinkConfig;
use super::fabric::{self, NetEvent};
use crate::error::ConfigError;
use crate::node::IntoNode;
use crate::runtime::core::Core;
use crate::runtime::current_core;

/// Cuts the network between `a` and `b`, both ways. Datagrams between them
/// are dropped; TCP segments wait (and are retransmitted once it heals). A
/// partition that lasts longer than `partition_timeout` (30 s by default)
/// breaks the TCP connections between them with `TimedOut`.
///
/// # Panics
///
/// Outside a simulation, or for an unknown node.
///
/// ```
/// use seedloop::net::{self, UdpSocket};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::node::Builder::new("b").build();
///     let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     net::partition("main", b);
///     sock.send_to(b"lost", "b:9").await.unwrap(); // dropped: recorded in the trace
///     net::repair("main", b);
/// });
/// ```
#[track_caller]
pub fn partition(a: impl IntoNode, b: impl IntoNode) {
    let (a, b) = (a.node_id(), b.node_id());
    cut(&current_core(), a.0, b.0, true);
}

/// Cuts the network from `from` to `to` only: `to` still reaches `from`.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::node::Builder::new("b").build();
///     seedloop::net::partition_oneway("main", b);
///     seedloop::net::repair("main", b);
/// });
/// ```
#[track_caller]
pub fn partition_oneway(from: impl IntoNode, to: impl IntoNode) {
    let (a, b) = (from.node_id(), to.node_id());
    cut(&current_core(), a.0, b.0, false);
}

/// Heals every partition between `a` and `b` (both directions); stalled TCP
/// segments are sent.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::net::partition("main", "b");
///     seedloop::net::repair("b", "main");
/// });
/// ```
#[track_caller]
pub fn repair(a: impl IntoNode, b: impl IntoNode) {
    let (a, b) = (a.node_id(), b.node_id());
    heal(&current_core(), a.0, b.0);
}

/// Heals the direction from `from` to `to` only (turmoil's
/// `repair_oneway`): segments stalled that way are sent, and `to` -> `from`
/// stays as it was. While either direction is still cut, the pair's
/// `partition_timeout` keeps running from its first cut.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::node::Builder::new("b").build();
///     seedloop::net::partition("main", b);
///     seedloop::net::repair_oneway("main", b); // main reaches b again; b still not main
///     seedloop::net::repair_oneway(b, "main");
/// });
/// ```
#[track_caller]
pub fn repair_oneway(from: impl IntoNode, to: impl IntoNode) {
    let (from, to) = (from.node_id(), to.node_id());
    heal_oneway(&current_core(), from.0, to.0);
}

/// Heals every partition.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::node::Builder::new("c").build();
///     seedloop::net::partition("main", "b");
///     seedloop::net::partition("b", "c");
///     seedloop::net::repair_all();
/// });
/// ```
#[track_caller]
pub fn repair_all() {
    heal_all(&current_core());
}

/// Holds `node`'s traffic, both ways, without dropping any, until
/// [`unclog`]. Precisely:
///
/// | packet | while clogged | at `unclog` |
/// |---|---|---|
/// | sent by the node or to it | held at the sender, before the link | sent as if new (it draws its latency then) |
/// | in flight *to* the node when the clog starts | held when it arrives | delivered at once, before anything sent later |
/// | in flight *from* the node when the clog starts | not held: it crossed the link already, and arrives | — |
///
/// TCP connections stall but never break for a clog, however long it
/// lasts. Killing a clogged node discards what it sent and what had
/// arrived for it; what others sent to it stays held, and at `unclog`
/// meets whatever runs there then (a dead node drops it).
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::net::clog("b");
///     seedloop::net::unclog("b");
/// });
/// ```
#[track_caller]
pub fn clog(node: impl IntoNode) {
    let n = node.node_id();
    set_clog(&current_core(), n.0, true);
}

/// Holds the link between `a` and `b`, both ways, without dropping any
/// packet (turmoil's `hold`): packets sent on it wait before the link,
/// and packets already in flight on it, either way, are held when they
/// arrive. [`release`] lets them go. TCP connections stall but never break
/// for a hold.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::net::hold("main", "b");
///     seedloop::net::release("main", "b");
/// });
/// ```
#[track_caller]
pub fn hold(a: impl IntoNode, b: impl IntoNode) {
    let (a, b) = (a.node_id(), b.node_id());
    let core = current_core();
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(7, a.0, b.0),
        (FaultKind::Hold, a.0, b.0),
        || format!("hold '{}' <-> '{}'", name(&core, a.0), name(&core, b.0)),
    );
    let mut f = fabric::get(&core).fabric.borrow_mut();
    f.held_links.insert((a.0.min(b.0), a.0.max(b.0)));
}

/// Releases the link between `a` and `b` (turmoil's `release`): what a
/// [`hold`] or a rule's [`Verdict::Hold`](super::Verdict::Hold) kept on it
/// goes, in the order it was held: packets that had arrived are delivered
/// at once, the others are sent as if new. Packets a [`clog`] holds stay.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::net::hold("b", "main");
///     seedloop::net::release("main", "b");
/// });
/// ```
#[track_caller]
pub fn release(a: impl IntoNode, b: impl IntoNode) {
    let (a, b) = (a.node_id(), b.node_id());
    let core = current_core();
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(8, a.0, b.0),
        (FaultKind::Release, a.0, b.0),
        || format!("release '{}' <-> '{}'", name(&core, a.0), name(&core, b.0)),
    );
    {
        let mut f = fabric::get(&core).fabric.borrow_mut();
        f.held_links.remove(&(a.0.min(b.0), a.0.max(b.0)));
        f.release_rule_holds(a.0, b.0);
    }
    fabric::release_held(&core);
}

/// Releases a [`clog`]: held packets go, in the order they were held.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     seedloop::net::clog("b");
///     seedloop::net::unclog("b");
/// });
/// ```
#[track_caller]
pub fn unclog(node: impl IntoNode) {
    let n = node.node_id();
    set_clog(&current_core(), n.0, false);
}

/// Gives the link between `a` and `b` (both directions) its own latency,
/// loss and duplication instead of the [`NetConfig`](crate::net::NetConfig)'s.
/// Packets already in flight keep their fate.
///
/// # Errors
///
/// The [`ConfigError`] of [`LinkConfig::validate`], naming the bad value;
/// the link is then unchanged.
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// use std::time::Duration;
/// use seedloop::net::{self, LinkConfig};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("far").build();
///     let wan = LinkConfig::new().latency(Duration::from_millis(80)..Duration::from_millis(120));
///     net::set_link("main", "far", wan).unwrap();
///     assert!(net::set_link("main", "far", LinkConfig::new().duplicate(2.0)).is_err());
/// });
/// ```
#[track_caller]
pub fn set_link(a: impl IntoNode, b: impl IntoNode, link: LinkConfig) -> Result<(), ConfigError> {
    let (a, b) = (a.node_id(), b.node_id());
    link.validate()?;
    let core = current_core();
    configure(&core, a.0, b.0, link.clone());
    configure(&core, b.0, a.0, link);
    Ok(())
}

/// Gives the direction from `from` to `to` its own [`LinkConfig`].
///
/// # Errors
///
/// As [`set_link`].
///
/// # Panics
///
/// As [`partition`].
///
/// ```
/// use seedloop::net::{self, LinkConfig};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("b").build();
///     net::set_link_oneway("main", "b", LinkConfig::new().loss(0.5)).unwrap();
/// });
/// ```
#[track_caller]
pub fn set_link_oneway(
    from: impl IntoNode,
    to: impl IntoNode,
    link: LinkConfig,
) -> Result<(), ConfigError> {
    let (a, b) = (from.node_id(), to.node_id());
    link.validate()?;
    configure(&current_core(), a.0, b.0, link);
    Ok(())
}

// --- what the faults do to the fabric ---------------------------------------

/// A fault's identity in the fingerprint.
fn fault_code(kind: u64, a: u32, b: u32) -> u64 {
    (kind << 56) ^ (u64::from(a) << 24) ^ u64::from(b)
}

fn name(core: &Core, n: u32) -> Rc<str> {
    core.node_name(n)
}

fn cut(core: &Core, from: u32, to: u32, both: bool) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(1, from, to) ^ u64::from(both),
        (FaultKind::Partition { both }, from, to),
        || {
            let arrow = if both { "<->" } else { "->" };
            format!(
                "partition '{}' {arrow} '{}'",
                name(core, from),
                name(core, to)
            )
        },
    );
    let transport = fabric::get(core);
    let mut f = transport.fabric.borrow_mut();
    // A pair already cut stays on the clock of its first cut.
    let was_cut = f.is_blocked(from, to) || f.is_blocked(to, from);
    f.blocked.insert((from, to));
    if both {
        f.blocked.insert((to, from));
    }
    if was_cut {
        return;
    }
    let epoch = bump_epoch(core, &mut f, from, to);
    let timeout = u64::try_from(transport.cfg.partition_timeout.as_nanos()).unwrap_or(u64::MAX);
    let at = core.now().saturating_add(timeout);
    let check = f.schedule(
        core,
        at,
        NetEvent::PartitionCheck {
            a: from,
            b: to,
            epoch,
        },
    );
    f.checks.insert((from.min(to), from.max(to)), check);
}

/// A new epoch for the pair `a`, `b`: its pending partition check, if any,
/// comes off the timer queue.
fn bump_epoch(core: &Core, f: &mut fabric::Fabric, a: u32, b: u32) -> u64 {
    let pair = (a.min(b), a.max(b));
    if let Some((key, token)) = f.checks.remove(&pair) {
        // Not fired yet (firing removes it): cancel it.
        drop(core.timers.borrow_mut().cancel(key));
        f.unschedule(token);
    }
    let e = f.epochs.entry(pair).or_insert(0);
    *e += 1;
    *e
}

fn heal(core: &Core, a: u32, b: u32) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(2, a, b),
        (FaultKind::Repair { both: true }, a, b),
        || format!("repair '{}' <-> '{}'", name(core, a), name(core, b)),
    );
    let transport = fabric::get(core);
    let mut f = transport.fabric.borrow_mut();
    f.blocked.remove(&(a, b));
    f.blocked.remove(&(b, a));
    bump_epoch(core, &mut f, a, b);
    fabric::release_stalled(core, &transport.cfg, &mut f);
}

fn heal_oneway(core: &Core, from: u32, to: u32) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(6, from, to),
        (FaultKind::Repair { both: false }, from, to),
        || format!("repair '{}' -> '{}'", name(core, from), name(core, to)),
    );
    let transport = fabric::get(core);
    let mut f = transport.fabric.borrow_mut();
    f.blocked.remove(&(from, to));
    if !f.is_blocked(to, from) {
        // Open both ways: the pair's partition clock stops.
        bump_epoch(core, &mut f, from, to);
    }
    fabric::release_stalled(core, &transport.cfg, &mut f);
}

fn heal_all(core: &Core) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(3, 0, 0),
        (FaultKind::RepairAll, 0, 0),
        || "repair all links".to_string(),
    );
    let transport = fabric::get(core);
    let mut f = transport.fabric.borrow_mut();
    let pairs: Vec<(u32, u32)> = std::mem::take(&mut f.blocked).into_iter().collect();
    for (a, b) in pairs {
        bump_epoch(core, &mut f, a, b);
    }
    fabric::release_stalled(core, &transport.cfg, &mut f);
}

fn set_clog(core: &Core, node: u32, on: bool) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(4, node, u32::from(on)),
        (FaultKind::Clog { on }, node, node),
        || {
            let what = if on { "clog" } else { "unclog" };
            format!("{what} '{}'", name(core, node))
        },
    );
    let changed = {
        let mut f = fabric::get(core).fabric.borrow_mut();
        if on {
            f.clogged.insert(node)
        } else {
            f.clogged.remove(&node)
        }
    };
    if changed && !on {
        fabric::release_held(core);
    }
}

fn configure(core: &Core, from: u32, to: u32, link: LinkConfig) {
    core.rec.borrow_mut().fault(
        core.now(),
        fault_code(5, from, to),
        (FaultKind::Link, from, to),
        || {
            format!(
                "link '{}' -> '{}': latency {:?}, loss {}, duplicate {}",
                name(core, from),
                name(core, to),
                link.latency,
                link.loss,
                link.duplicate
            )
        },
    );
    let transport = fabric::get(core);
    if link.mtu.is_some() {
        transport.mtus.set(true);
    }
    transport.fabric.borrow_mut().links.insert((from, to), link);
}

/// A partition's check is due: if the pair is still cut in the same epoch,
/// every channel between them breaks, on both ends, with `TimedOut`.
pub(super) fn partition_check(core: &Core, a: u32, b: u32, epoch: u64) {
    let names = (name(core, a), name(core, b));
    let transport = fabric::get(core);
    let (cut, endpoints, message) = {
        let mut f = transport.fabric.borrow_mut();
        let current = f.epochs.get(&(a.min(b), a.max(b))).copied();
        if current != Some(epoch) || !(f.is_blocked(a, b) || f.is_blocked(b, a)) {
            return;
        }
        let timeout = transport.cfg.partition_timeout;
        let message: Rc<str> = format!(
            "connection timed out: the network between '{}' and '{}' was partitioned for longer than {timeout:?}",
            names.0, names.1
        )
        .into();
        let cut = f.channels_between(a, b);
        f.drop_stalled(core, &cut.iter().copied().collect::<BTreeSet<u64>>());
        (cut, f.endpoints(), message)
    };
    let Some(endpoints) = endpoints else { return };
    for channel in cut {
        (endpoints.broken)(core, channel, std::io::ErrorKind::TimedOut, message.clone());
    }
}
