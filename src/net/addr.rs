//! Addresses: `ToSocketAddrs`, `lookup_host`, and binding rules.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::sockets::{EPHEMERAL_START, Table};
use crate::node::table as nodes;
use crate::runtime::core::Core;

/// Converts to socket addresses, resolving node names (tokio's
/// `ToSocketAddrs`, answered by the simulation's node table instead of DNS).
///
/// Implemented for `SocketAddr`, `SocketAddrV4`, `SocketAddrV6`,
/// `(IpAddr, u16)`, `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)`, `(&str, u16)`,
/// `(String, u16)`, `&str` and `String` (`"10.0.0.2:80"`, `"db:5432"`,
/// `"localhost:80"`), `&[SocketAddr]`, and references to these.
///
/// # Errors
///
/// Resolution fails with [`io::ErrorKind::NotFound`] for an unknown node
/// name, and [`io::ErrorKind::InvalidInput`] for text that is not
/// `host:port`; the message names the value.
///
/// ```
/// use seedloop::net::ToSocketAddrs;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("db").build();
///     let addrs = "db:5432".to_socket_addrs().unwrap();
///     assert_eq!(addrs[0].to_string(), "10.0.0.2:5432");
///     let err = "nope:1".to_socket_addrs().unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub trait ToSocketAddrs {
    /// The addresses, in order.
    ///
    /// # Errors
    ///
    /// As described on the trait.
    ///
    /// # Panics
    ///
    /// When a name must be resolved outside a simulation.
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>>;

    /// The first address, without building the list where that can be
    /// avoided (a socket's hot path).
    ///
    /// # Errors
    ///
    /// As `to_socket_addrs`, and `InvalidInput` for an empty list.
    #[doc(hidden)]
    fn first_addr(&self) -> io::Result<SocketAddr> {
        first(self)
    }
}

impl ToSocketAddrs for SocketAddr {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![*self])
    }

    #[inline]
    fn first_addr(&self) -> io::Result<SocketAddr> {
        Ok(*self)
    }
}

impl ToSocketAddrs for SocketAddrV4 {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::V4(*self)])
    }
}

impl ToSocketAddrs for SocketAddrV6 {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::V6(*self)])
    }
}

impl ToSocketAddrs for (IpAddr, u16) {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::new(self.0, self.1)])
    }
}

impl ToSocketAddrs for (Ipv4Addr, u16) {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::new(IpAddr::V4(self.0), self.1)])
    }
}

impl ToSocketAddrs for (Ipv6Addr, u16) {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::new(IpAddr::V6(self.0), self.1)])
    }
}

impl ToSocketAddrs for (&str, u16) {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::new(resolve_host(self.0, self.0)?, self.1)])
    }
}

impl ToSocketAddrs for (String, u16) {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        (self.0.as_str(), self.1).to_socket_addrs()
    }
}

impl ToSocketAddrs for str {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Ok(vec![addr]);
        }
        let Some((host, port)) = self.rsplit_once(':') else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid socket address {self:?}: expected host:port"),
            ));
        };
        let port: u16 = port.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid port {port:?} in socket address {self:?}"),
            )
        })?;
        Ok(vec![SocketAddr::new(resolve_host(host, self)?, port)])
    }
}

impl ToSocketAddrs for String {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        self.as_str().to_socket_addrs()
    }
}

impl ToSocketAddrs for [SocketAddr] {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        Ok(self.to_vec())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn to_socket_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        (**self).to_socket_addrs()
    }

    #[inline]
    fn first_addr(&self) -> io::Result<SocketAddr> {
        (**self).first_addr()
    }
}

/// A host: an IP literal, `localhost` (the current node) or a node's name.
fn resolve_host(host: &str, whole: &str) -> io::Result<IpAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    let core = crate::runtime::current_core();
    if host == "localhost" {
        return Ok(nodes::ip(&core, core.current_node()));
    }
    match nodes::by_name(&core, host) {
        Some(id) => Ok(nodes::ip(&core, id)),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("failed to resolve {whole:?}: no node is named {host:?}"),
        )),
    }
}

/// Resolves `host` to its addresses (tokio's `net::lookup_host`): node
/// names resolve to the node's address, IP literals to themselves.
///
/// # Errors
///
/// As [`ToSocketAddrs`]: `NotFound` naming an unknown node.
///
/// # Panics
///
/// Outside a simulation, when a name must be resolved.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("web").build();
///     let addr = seedloop::net::lookup_host("web:80").await.unwrap().next().unwrap();
///     assert_eq!(addr.to_string(), "10.0.0.2:80");
/// });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(host.to_socket_addrs()?.into_iter())
}

/// The first address of `addr`, or an error naming the empty list.
pub(crate) fn first<T: ToSocketAddrs + ?Sized>(addr: &T) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.into_iter().next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to use: the list is empty",
        )
    })
}

/// Which protocol's port space a binding is in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    Udp,
    Tcp,
}

/// The address a socket on `node` gets for the requested `addr`: the
/// unspecified and loopback addresses mean the node's own; port 0 means
/// the next free ephemeral port.
///
/// # Errors
///
/// `AddrNotAvailable` for an address of another node, `AddrInUse` for a
/// taken port or when the ephemeral ports are exhausted.
pub(crate) fn bind_addr(
    core: &Core,
    t: &mut Table,
    node: u32,
    addr: SocketAddr,
    proto: Proto,
) -> io::Result<SocketAddr> {
    let own = nodes::ip(core, node);
    let ip = if addr.ip().is_unspecified() || addr.ip().is_loopback() || addr.ip() == own {
        own
    } else {
        return Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!(
                "cannot bind {addr}: it is not an address of node '{}' ({own})",
                core.node_name(node)
            ),
        ));
    };
    let taken = |t: &Table, a: &SocketAddr| match proto {
        Proto::Udp => t.udp.contains_key(a),
        Proto::Tcp => t.tcp_ports.contains(a),
    };
    if addr.port() != 0 {
        let a = SocketAddr::new(ip, addr.port());
        if taken(t, &a) {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "address {a} is already in use on node '{}'",
                    core.node_name(node)
                ),
            ));
        }
        return Ok(a);
    }
    let span = u32::from(u16::MAX - EPHEMERAL_START) + 1;
    for _ in 0..span {
        let a = SocketAddr::new(ip, t.next_port(node));
        if !taken(t, &a) {
            return Ok(a);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("node '{}' has no free ephemeral port", core.node_name(node)),
    ))
}

/// Where a packet to `addr` goes: its node (`None`: no node has that
/// address, the packet is lost) and the address as the receiver sees it
/// (loopback and unspecified mean the sender's own node).
pub(crate) fn route(core: &Core, from_node: u32, addr: SocketAddr) -> (Option<u32>, SocketAddr) {
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        let ip = nodes::ip(core, from_node);
        return (Some(from_node), SocketAddr::new(ip, addr.port()));
    }
    (nodes::by_ip(core, addr.ip()), addr)
}

/// Adds the task's waker to a socket's list of waiters, once.
pub(crate) fn add_waiter(
    list: &crate::runtime::footprint::Tracked<Vec<std::task::Waker>>,
    cx: &std::task::Context<'_>,
) {
    let mut wakers = list.borrow_mut();
    if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
        wakers.push(cx.waker().clone());
    }
}
