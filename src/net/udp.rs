//! `UdpSocket`: datagrams over the simulated network.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::addr::{self, Proto, ToSocketAddrs};
use super::sockets::{self, Table};
use super::transport::{self, Body, Packet, Payload};
use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::wait::WaitKind;
use crate::runtime::wait::Wakeups;
use crate::trace::PacketFate;

/// A task blocked here is reported as waiting on `UdpSocket::recv_from`.
static RECV: WaitKind = WaitKind::plain("UdpSocket::recv_from");

/// The largest UDP payload over IPv4: 65,535 - 8 (UDP header) - 20 (IP header).
pub const MAX_DATAGRAM: usize = 65_507;

pub(crate) struct UdpShared {
    pub(super) addr: SocketAddr,
    pub(super) node: u32,
    pub(super) peer: Cell<Option<SocketAddr>>,
    pub(super) queue: Tracked<VecDeque<(Payload, SocketAddr)>>,
    pub(super) wakers: Tracked<Vec<Waker>>,
    pub(super) closed: Cell<bool>,
    /// The last destination routed: (as given, its node, as delivered).
    /// Addresses never move between nodes, so it stays right.
    route: Cell<Option<(SocketAddr, u32, SocketAddr)>>,
    /// `SO_BROADCAST`: may send to the broadcast address.
    pub(super) broadcast: Cell<bool>,
    /// `IP_MULTICAST_LOOP`: its own node's members get what it sends to a group.
    pub(super) multicast_loop: Cell<bool>,
    /// The multicast groups it joined, in the order joined.
    pub(super) groups: Tracked<Vec<std::net::Ipv4Addr>>,
    pub(super) ttl: Cell<u32>,
}

impl UdpShared {
    /// Whether a datagram from `from` comes from the connected `peer`; a
    /// loopback or unspecified peer is this socket's own node.
    fn is_peer(&self, peer: SocketAddr, from: SocketAddr) -> bool {
        if peer.ip().is_loopback() || peer.ip().is_unspecified() {
            peer.port() == from.port() && from.ip() == self.addr.ip()
        } else {
            peer == from
        }
    }
}

/// A UDP socket of the node that binds it (tokio's `net::UdpSocket`).
///
/// Datagrams may be lost, duplicated and reordered, as the link's
/// [`LinkConfig`](super::LinkConfig) says; a datagram to an address no node
/// has, or to a port nothing is bound to, is silently lost. Methods take
/// `&self`, so one socket may be shared by several tasks (in an `Rc`).
///
/// ```
/// use seedloop::net::UdpSocket;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = seedloop::node::Builder::new("echo")
///         .init(|| async {
///             let sock = UdpSocket::bind("0.0.0.0:7").await.unwrap();
///             let mut buf = [0; 64];
///             loop {
///                 let (n, from) = sock.recv_from(&mut buf).await.unwrap();
///                 sock.send_to(&buf[..n], from).await.unwrap();
///             }
///         })
///         .build();
///     let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     sock.connect("echo:7").await.unwrap();
///     sock.send(b"ping").await.unwrap();
///     let mut buf = [0; 64];
///     let n = sock.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     let _ = server;
/// });
/// ```
pub struct UdpSocket {
    /// Thread-checked, so a socket is `Send` and `Sync` as tokio's is.
    shared: Local<Rc<UdpShared>>,
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.shared.addr)
            .field("peer", &self.shared.peer.get())
            .finish()
    }
}

impl UdpSocket {
    pub(super) fn shared(&self) -> &Rc<UdpShared> {
        &self.shared
    }

    /// Binds a socket on the current node. `0.0.0.0` and `127.0.0.1` mean the
    /// node's address; port 0 picks the node's next free ephemeral port
    /// (49152 upwards, in order: deterministic).
    ///
    /// # Errors
    ///
    /// `AddrInUse` when the port is taken, `AddrNotAvailable` for another
    /// node's address, `NotFound`/`InvalidInput` from resolving `addr`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     assert_eq!(a.local_addr().unwrap().to_string(), "10.0.0.1:49152");
    ///     let err = seedloop::net::UdpSocket::bind(a.local_addr().unwrap()).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let want = addr.first_addr()?;
        let core = current_core();
        let node = core.current_node();
        let mut t = sockets::get(&core).table.borrow_mut();
        {
            let addr = addr::bind_addr(&core, &mut t, node, want, Proto::Udp)?;
            let shared = Rc::new(UdpShared {
                addr,
                node,
                peer: Cell::new(None),
                queue: Tracked::new(VecDeque::new()),
                wakers: Tracked::new(Vec::new()),
                closed: Cell::new(false),
                route: Cell::new(None),
                broadcast: Cell::new(false),
                multicast_loop: Cell::new(true),
                groups: Tracked::new(Vec::new()),
                ttl: Cell::new(64),
            });
            t.udp.insert(addr, shared.clone());
            Ok(UdpSocket {
                shared: Local::new(shared),
            })
        }
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// Never, in practice; `io::Result` as in tokio.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:9000").await.unwrap();
    ///     assert_eq!(s.local_addr().unwrap().port(), 9000);
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.shared.addr)
    }

    /// The address given to [`UdpSocket::connect`].
    ///
    /// # Errors
    ///
    /// `NotConnected` before `connect`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     assert!(s.peer_addr().is_err());
    ///     s.connect("10.0.0.9:53").await.unwrap();
    ///     assert_eq!(s.peer_addr().unwrap().to_string(), "10.0.0.9:53");
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shared.peer.get().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotConnected, "the socket is not connected")
        })
    }

    /// Sets the default destination of [`UdpSocket::send`], and receives only
    /// datagrams from it. Sends nothing.
    ///
    /// # Errors
    ///
    /// From resolving `addr`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     let err = s.connect("nowhere:1").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let to = addr.first_addr()?;
        self.shared.peer.set(Some(to));
        Ok(())
    }

    /// Sends one datagram to `target`. Completes at once: the network takes
    /// it, and may lose it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a datagram over [`MAX_DATAGRAM`] bytes; errors of
    /// resolving `target`; `NotConnected` if the socket's node was killed.
    ///
    /// # Determinism
    ///
    /// The datagram's latency, loss and duplication are choices on the tape.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     // Nobody has this address: the datagram is lost, as on a real network.
    ///     assert_eq!(s.send_to(b"hi", "10.9.9.9:1").await.unwrap(), 2);
    ///     let big = vec![0; 65_508];
    ///     assert!(s.send_to(&big, "10.9.9.9:1").await.is_err());
    /// });
    /// ```
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let to = target.first_addr()?;
        self.send_datagram(buf, to)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`UdpSocket::connect`]; otherwise as
    /// [`UdpSocket::send_to`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     assert!(s.send(b"x").await.is_err()); // not connected
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let to = self.peer_addr()?;
        self.send_datagram(buf, to)
    }

    pub(crate) fn send_datagram(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        if buf.len() > MAX_DATAGRAM {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a datagram of {} bytes is larger than the largest UDP payload ({MAX_DATAGRAM} bytes)",
                    buf.len()
                ),
            ));
        }
        if self.shared.closed.get() {
            return Err(closed());
        }
        if super::udp_group::is_group(to) {
            return super::udp_group::send(&self.shared, buf, to);
        }
        let core = current_core();
        let src = self.shared.node;
        let (dst, to) = match self.shared.route.get() {
            Some((given, node, routed)) if given == to => (Some(node), routed),
            _ => {
                let (dst, routed) = addr::route(&core, src, to);
                if let Some(node) = dst {
                    self.shared.route.set(Some((to, node, routed)));
                }
                (dst, routed)
            }
        };
        let packet = Packet {
            id: transport::packet_id(&core),
            from: self.shared.addr,
            to,
            src,
            dst: dst.unwrap_or(u32::MAX),
            body: Body::Datagram(Payload::new(buf)),
        };
        if dst.is_none() {
            transport::note(&core, PacketFate::Dropped, &packet);
            return Ok(buf.len());
        }
        transport::send_datagram(&core, packet).map_err(|mtu| too_big(buf.len(), mtu))?;
        Ok(buf.len())
    }

    /// Receives one datagram into `buf` (the rest of a longer one is
    /// discarded, as with a real socket): its length and sender.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket's node was killed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a datagram is only taken when the future completes.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     let b = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     a.send_to(b"hello", b.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 3];
    ///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!((&buf[..n], from), (&b"hel"[..], a.local_addr().unwrap()));
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    pub(crate) fn poll_recv_from(
        &self,
        cx: &Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let next = self.shared.queue.borrow_mut().pop_front();
        match next {
            Some((data, from)) => {
                let data = data.as_slice();
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                Poll::Ready(Ok((n, from)))
            }
            None if self.shared.closed.get() => Poll::Ready(Err(closed())),
            None => {
                crate::runtime::wait::mark_waiting(&RECV, Location::caller());
                addr::add_waiter(&self.shared.wakers, cx);
                Poll::Pending
            }
        }
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// As [`UdpSocket::recv_from`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     let b = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     b.connect(a.local_addr().unwrap()).await.unwrap();
    ///     a.send_to(b"x", b.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv_from(buf).await?.0)
    }
}

/// A datagram of `len` bytes fits the MTU of the link from `src` to `dst`.
pub(super) fn check_mtu(core: &Core, src: u32, dst: u32, len: usize) -> io::Result<()> {
    match transport::mtu(core, src, dst) {
        Some(mtu) if !transport::datagram_fits(len, mtu) => Err(too_big(len, mtu)),
        _ => Ok(()),
    }
}

#[cold]
fn too_big(len: usize, mtu: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "a datagram of {len} bytes does not fit the link's MTU of {mtu} bytes ({} with its headers)",
            len + transport::UDP_HEADERS
        ),
    )
}

pub(super) fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the socket's node was killed: its sockets are closed",
    )
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        let Some(core) = crate::runtime::try_core() else {
            return;
        };
        let Some(Ok(mut t)) = sockets::try_get(&core).map(|s| s.table.try_borrow_mut()) else {
            return;
        };
        if t.udp
            .get(&self.shared.addr)
            .is_some_and(|s| Rc::ptr_eq(s, &self.shared))
        {
            t.udp.remove(&self.shared.addr);
        }
    }
}

/// A datagram arrived at its node: queue it on the bound socket, if any.
pub(crate) fn deliver(core: &Core, p: &Packet) {
    let max_queued = transport::get(core).cfg.udp_queue;
    // To a group: the socket on the receiving node's own address and the
    // port, if it is in the group.
    let group;
    let local = if super::udp_group::is_group(p.to) {
        group = SocketAddr::new(crate::node::table::ip(core, p.dst), p.to.port());
        &group
    } else {
        &p.to
    };
    let socket = sockets::get(core)
        .table
        .borrow()
        .udp
        .get(local)
        .filter(|s| super::udp_group::accepts(s, p.to))
        .filter(|s| s.peer.get().is_none_or(|peer| s.is_peer(peer, p.from)))
        .filter(|s| s.queue.borrow().len() < max_queued)
        .cloned();
    let Some(socket) = socket else {
        transport::note_arrival(core, PacketFate::Dropped, p);
        return;
    };
    transport::note_arrival(core, PacketFate::Delivered, p);
    let Body::Datagram(data) = &p.body else {
        unreachable!("udp::deliver is given datagrams")
    };
    socket.queue.borrow_mut().push_back((data.clone(), p.from));
    // Waking only queues tasks: the list is drained in place, keeping its buffer.
    for w in socket.wakers.borrow_mut().drain(..) {
        w.wake();
    }
}

/// Closes every socket of a killed node; their waiters go into `wake`.
pub(crate) fn close_node(t: &mut Table, node: u32, wake: &mut Wakeups) {
    let mine: Vec<SocketAddr> = t
        .udp
        .iter()
        .filter(|(_, s)| s.node == node)
        .map(|(a, _)| *a)
        .collect();
    for a in mine {
        if let Some(s) = t.udp.remove(&a) {
            s.closed.set(true);
            s.queue.borrow_mut().clear();
            for w in std::mem::take(&mut *s.wakers.borrow_mut()) {
                wake.wake(w);
            }
        }
    }
}
