//! `netstat`: a node's sockets and connections, as a test can assert on
//! them (what `ss -tuan` shows on a host).

use std::net::SocketAddr;

use super::sockets;
use crate::node::IntoNode;
use crate::runtime::current_core;

/// One socket of a node, as [`netstat`] lists it.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let entry: &seedloop::net::SocketEntry = &seedloop::net::netstat("main")[0];
///     assert_eq!((entry.protocol, entry.state), ("tcp", "LISTEN"));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketEntry {
    /// `"udp"` or `"tcp"`.
    pub protocol: &'static str,
    /// Its address.
    pub local: SocketAddr,
    /// The peer of a connection or a connected UDP socket.
    pub peer: Option<SocketAddr>,
    /// `"LISTEN"`, `"SYN_SENT"`, `"ESTABLISHED"`, `"FIN_WAIT"` (this end
    /// shut its writing down), `"CLOSE_WAIT"` (the peer did), `"CLOSING"`
    /// (both), `"CLOSED"` (reset or timed out, not yet dropped); for UDP,
    /// `"UNCONN"` or `"ESTAB"` (connected), as `ss` says.
    pub state: &'static str,
    /// Received and not yet read: bytes for TCP, datagrams for UDP, and
    /// connections not yet accepted for a listener.
    pub recv_queued: usize,
    /// TCP bytes written that the peer has not read yet (0 otherwise).
    pub send_queued: usize,
}

/// The sockets of `node` now: listeners, then connections (in the order
/// they were opened), then UDP sockets, each by address.
///
/// # Panics
///
/// Outside a simulation, or if the node is unknown.
///
/// ```
/// use futures::AsyncWriteExt;
/// use seedloop::net::{self, TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let mut c = TcpStream::connect("localhost:80").await.unwrap();
///     c.write_all(b"hello").await.unwrap();
///     let table = net::netstat("main");
///     let states: Vec<&str> = table.iter().map(|e| e.state).collect();
///     assert_eq!(states, ["LISTEN", "ESTABLISHED", "ESTABLISHED"]);
///     assert_eq!(table[0].recv_queued, 1, "one connection not yet accepted");
///     assert_eq!(table[1].send_queued, 5, "the client's bytes, unread");
///     # drop(l);
/// });
/// ```
#[track_caller]
pub fn netstat(node: impl IntoNode) -> Vec<SocketEntry> {
    let node = node.node_id().0;
    let core = current_core();
    let t = sockets::get(&core).table.borrow();
    let mut out = Vec::new();
    for (addr, l) in &t.listeners {
        if l.node == node && !l.closed.get() {
            out.push(SocketEntry {
                protocol: "tcp",
                local: *addr,
                peer: None,
                state: "LISTEN",
                recv_queued: l.backlog.borrow().len(),
                send_queued: 0,
            });
        }
    }
    for conn in t.conns.values() {
        for end in 0..2 {
            if conn.ends[end].node != node {
                continue;
            }
            let Some((state, recv_queued, send_queued)) = conn.end_info(end) else {
                continue;
            };
            out.push(SocketEntry {
                protocol: "tcp",
                local: conn.ends[end].addr,
                peer: Some(conn.ends[1 - end].addr),
                state,
                recv_queued,
                send_queued,
            });
        }
    }
    for (addr, s) in &t.udp {
        if s.node == node && !s.closed.get() {
            let peer = s.peer.get();
            out.push(SocketEntry {
                protocol: "udp",
                local: *addr,
                peer,
                state: if peer.is_some() { "ESTAB" } else { "UNCONN" },
                recv_queued: s.queue.borrow().len(),
                send_queued: 0,
            });
        }
    }
    out
}
