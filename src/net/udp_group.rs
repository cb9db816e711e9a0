//! UDP to many: broadcast and IPv4 multicast (pub(crate) send and
//! delivery rules; the public methods are on `UdpSocket`).
//!
//! A datagram to a group address is sent as one copy per receiving node,
//! each with its own latency, loss and duplication. The receivers are the
//! nodes that have, when it is sent, a socket bound to the port (and, for
//! multicast, in the group); on arrival the socket must still be there
//! (and still in the group). Nodes are taken in id order.
//!
//! - **Broadcast** is `255.255.255.255`. The sender needs `SO_BROADCAST`
//!   ([`UdpSocket::set_broadcast`]) or gets `PermissionDenied`, as on
//!   Linux. Every node with a socket on the port receives it, the sender's
//!   own included (Linux loops broadcast back).
//! - **Multicast** is `224.0.0.0/4`. Sockets join a group with
//!   [`UdpSocket::join_multicast_v4`]; every member on the port receives
//!   it. The sender's own node's members receive it only while
//!   `IP_MULTICAST_LOOP` is on (the default).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::UdpSocket;
use super::sockets;
use super::transport::{self, Body, Packet, Payload};
use super::udp::UdpShared;
use crate::runtime::current_core;

/// Whether `to` is a broadcast or multicast address.
#[inline]
pub(crate) fn is_group(to: SocketAddr) -> bool {
    match to.ip() {
        IpAddr::V4(ip) => ip.is_broadcast() || ip.is_multicast(),
        IpAddr::V6(ip) => ip.is_multicast(),
    }
}

/// Whether `socket` takes a datagram sent to `to`.
#[inline]
pub(crate) fn accepts(socket: &UdpShared, to: SocketAddr) -> bool {
    match to.ip() {
        IpAddr::V4(ip) if ip.is_multicast() => socket.groups.borrow().contains(&ip),
        _ => true,
    }
}

/// Sends one copy of `buf` to each receiving node (see the module docs).
pub(crate) fn send(from: &UdpShared, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
    let IpAddr::V4(group) = to.ip() else {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("sending to the IPv6 multicast address {to} is not simulated"),
        ));
    };
    if group.is_broadcast() && !from.broadcast.get() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("sending to the broadcast address {to} needs set_broadcast(true)"),
        ));
    }
    let core = current_core();
    let receivers: Vec<u32> = {
        let t = sockets::get(&core).table.borrow();
        let mut nodes: Vec<u32> = t
            .udp
            .iter()
            .filter(|(addr, s)| addr.port() == to.port() && !s.closed.get() && accepts(s, to))
            .map(|(_, s)| s.node)
            .filter(|&n| group.is_broadcast() || n != from.node || from.multicast_loop.get())
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    };
    for &dst in &receivers {
        super::udp::check_mtu(&core, from.node, dst, buf.len())?;
    }
    let payload = Payload::new(buf);
    for dst in receivers {
        transport::send(
            &core,
            Packet {
                id: transport::packet_id(&core),
                from: from.addr,
                to,
                src: from.node,
                dst,
                body: Body::Datagram(payload.clone()),
            },
        );
    }
    Ok(buf.len())
}

fn not_multicast(group: Ipv4Addr) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{group} is not a multicast address (224.0.0.0/4)"),
    )
}

impl UdpSocket {
    /// Sets `SO_BROADCAST`: whether this socket may send to the broadcast
    /// address `255.255.255.255`. A broadcast reaches every node with a
    /// socket on the port, the sender's own included (chapter 8 has the
    /// delivery rules).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// use seedloop::net::UdpSocket;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::node::Builder::new("b")
    ///         .init(|| async {
    ///             let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
    ///             let mut buf = [0; 8];
    ///             let (n, _) = s.recv_from(&mut buf).await.unwrap();
    ///             assert_eq!(&buf[..n], b"hello all");
    ///         })
    ///         .build();
    ///     seedloop::sleep(std::time::Duration::from_millis(1)).await;
    ///     let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     let err = s.send_to(b"hello all", "255.255.255.255:9").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    ///     s.set_broadcast(true).unwrap();
    ///     s.send_to(b"hello all", "255.255.255.255:9").await.unwrap();
    /// });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.shared().broadcast.set(on);
        Ok(())
    }

    /// Whether `SO_BROADCAST` is set (false by default).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert!(!s.broadcast().unwrap());
    /// # });
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        Ok(self.shared().broadcast.get())
    }

    /// Joins the multicast group `group`: datagrams sent to it, on this
    /// socket's port, reach this socket. `interface` is accepted as given
    /// (a node has one interface).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `group` is not a multicast address.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use seedloop::net::UdpSocket;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let group = Ipv4Addr::new(239, 1, 2, 3);
    ///     let member = UdpSocket::bind("0.0.0.0:5000").await.unwrap();
    ///     member.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
    ///     let sender = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    ///     sender.send_to(b"to the group", (group, 5000)).await.unwrap();
    ///     let mut buf = [0; 16];
    ///     let (n, _) = member.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"to the group");
    /// });
    /// ```
    pub fn join_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        let _ = interface;
        if !group.is_multicast() {
            return Err(not_multicast(group));
        }
        let mut groups = self.shared().groups.borrow_mut();
        if !groups.contains(&group) {
            groups.push(group);
        }
        Ok(())
    }

    /// Leaves the multicast group `group`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `group` is not a multicast address;
    /// `AddrNotAvailable` if this socket is not in it (as Linux says).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:5000").await.unwrap();
    /// let group = Ipv4Addr::new(239, 0, 0, 1);
    /// s.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
    /// s.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap();
    /// let err = s.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrNotAvailable);
    /// # });
    /// ```
    pub fn leave_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        let _ = interface;
        if !group.is_multicast() {
            return Err(not_multicast(group));
        }
        let mut groups = self.shared().groups.borrow_mut();
        match groups.iter().position(|g| *g == group) {
            Some(i) => {
                groups.remove(i);
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("this socket is not in the multicast group {group}"),
            )),
        }
    }

    /// Sets `IP_MULTICAST_LOOP`: whether members on this socket's own node
    /// receive what it sends to a group (true by default, as on Linux).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert!(s.multicast_loop_v4().unwrap());
    /// s.set_multicast_loop_v4(false).unwrap();
    /// assert!(!s.multicast_loop_v4().unwrap());
    /// # });
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.shared().multicast_loop.set(on);
        Ok(())
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert!(s.multicast_loop_v4().unwrap());
    /// # });
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        Ok(self.shared().multicast_loop.get())
    }
}
