//! The fault controls of the network, callable from inside a simulation.

use super::config::LinkConfig;
use super::fabric;
use crate::error::ConfigError;
use crate::node::IntoNode;
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
    fabric::partition(&current_core(), a.0, b.0, true);
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
    fabric::partition(&current_core(), a.0, b.0, false);
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
    fabric::repair(&current_core(), a.0, b.0);
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
    fabric::repair_all(&current_core());
}

/// Holds all of `node`'s traffic, both ways, without dropping any: packets
/// wait until [`unclog`] and are then sent (those that were in flight are
/// delivered). TCP connections stall but never break for a clog.
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
    fabric::clog(&current_core(), n.0, true);
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
    fabric::clog(&current_core(), n.0, false);
}

/// Gives the link between `a` and `b` (both directions) its own latency,
/// loss and duplication instead of the [`NetConfig`](super::NetConfig)'s.
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
    fabric::set_link(&core, a.0, b.0, link.clone());
    fabric::set_link(&core, b.0, a.0, link);
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
    fabric::set_link(&current_core(), a.0, b.0, link);
    Ok(())
}
