//! The sockets' endpoint table (pub(crate)): every bound UDP socket,
//! listener and TCP connection of a run, and the entry point through which
//! the transport hands over what arrives at a node.
//!
//! Created at the first socket operation of a run. Its constructor gets
//! the transport first and attaches its entry points to it (datagrams to
//! [`udp::deliver`], segments to [`conn::on_segment`], broken channels to
//! [`broken`]), then
//! registers its node hook, so that on a kill the transport's clean-up runs
//! before the sockets close (and their resets wait behind a clog or a
//! partition like any packet).

use crate::runtime::footprint::Tracked;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use super::tcp::conn::{self, Conn, ListenerShared};
use super::transport::{self, Endpoints};
use super::udp::{self, UdpShared};
use crate::node::table as nodes;
use crate::runtime::core::Core;
use crate::runtime::state::{PerRun, Slot};
use crate::runtime::wait::WakeGuard;
use crate::trace::NodeChange;

/// The first ephemeral port (IANA's dynamic range).
pub(crate) const EPHEMERAL_START: u16 = 49_152;

pub(crate) struct Table {
    pub(crate) udp: BTreeMap<SocketAddr, Rc<UdpShared>>,
    pub(crate) listeners: BTreeMap<SocketAddr, Rc<ListenerShared>>,
    /// TCP addresses in use: listeners and the local ends of connections.
    pub(crate) tcp_ports: BTreeSet<SocketAddr>,
    /// Open connections, by the id of their transport channel.
    pub(crate) conns: BTreeMap<u64, Rc<Conn>>,
    /// The next ephemeral port to try, by node.
    next_port: Vec<u16>,
}

impl Table {
    /// Takes node `node`'s next ephemeral port to try (49152 upwards, then around).
    pub(crate) fn next_port(&mut self, node: u32) -> u16 {
        let i = node as usize;
        if self.next_port.len() <= i {
            self.next_port.resize(i + 1, EPHEMERAL_START);
        }
        let port = self.next_port[i];
        self.next_port[i] = if port == u16::MAX {
            EPHEMERAL_START
        } else {
            port + 1
        };
        port
    }
}

/// The sockets' state of one run.
pub(crate) struct Sockets {
    pub(crate) table: Tracked<Table>,
}

impl PerRun for Sockets {
    fn new(core: &Core) -> Sockets {
        transport::attach(
            core,
            Endpoints {
                datagram: udp::deliver,
                segment: conn::on_segment,
                broken,
            },
        );
        nodes::on_change(core, on_node_change);
        Sockets {
            table: Tracked::new(Table {
                udp: BTreeMap::new(),
                listeners: BTreeMap::new(),
                tcp_ports: BTreeSet::new(),
                conns: BTreeMap::new(),
                next_port: Vec::new(),
            }),
        }
    }

    fn shutdown(&self) {
        let mut t = self.table.borrow_mut();
        let all = (
            std::mem::take(&mut t.udp),
            std::mem::take(&mut t.listeners),
            std::mem::take(&mut t.conns),
        );
        drop(t);
        drop(all);
    }
}

static SOCKETS: Slot<Sockets> = Slot::new();

/// The endpoint table of the running simulation, created at its first use.
#[inline]
pub(crate) fn get(core: &Core) -> &Sockets {
    core.state(&SOCKETS)
}

/// The table if this run has one (a socket dropped after the simulation
/// ended its run has none to leave).
pub(crate) fn try_get(core: &Core) -> Option<&Sockets> {
    core.try_state(&SOCKETS)
}

/// A partition outlasted its timeout: the connection breaks on both ends.
fn broken(core: &Core, channel: u64, kind: io::ErrorKind, message: Rc<str>) {
    let conn = get(core).table.borrow().conns.get(&channel).cloned();
    if let Some(conn) = conn {
        conn.break_both(kind, message);
    }
}

/// A killed node's sockets close: its UDP sockets and listeners, and its
/// connection ends (their peers are sent resets).
fn on_node_change(core: &Core, node: u32, change: NodeChange) {
    if change != NodeChange::Killed {
        return;
    }
    let mut t = WakeGuard::new(get(core).table.borrow_mut());
    t.with_wakeups(|t, wake| {
        udp::close_node(t, node, wake);
        conn::close_node(core, t, node, wake);
    });
}
