//! `TcpSocket`: a TCP socket configured before it connects or listens
//! (tokio's `net::TcpSocket`): bind before connect, a listener's own
//! backlog, and options set up front.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::listener::TcpListener;
use super::stream::{TcpStream, connect_from};
use crate::net::addr::{self, Proto};
use crate::net::sockets;
use crate::runtime::current_core;

/// A TCP socket not yet connected or listening (tokio's `TcpSocket`).
///
/// `bind` reserves the address on the current node; `connect` then opens
/// the connection from it, and `listen(backlog)` makes a listener that
/// queues at most `backlog` connections (a connect that finds the queue
/// full is refused, see [`NetConfig::tcp_backlog`](crate::net::NetConfig::tcp_backlog)).
/// A socket dropped before either frees its address.
///
/// `set_reuseaddr` is recorded: the simulation keeps no `TIME_WAIT`, so a
/// port is free again as soon as its last user closed it, with or without
/// it. `set_nodelay` and `set_linger` pass to the connected stream.
///
/// ```
/// use seedloop::net::{TcpListener, TcpSocket};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.bind("0.0.0.0:4000".parse().unwrap()).unwrap();
///     let stream = socket.connect("10.0.0.1:80".parse().unwrap()).await.unwrap();
///     assert_eq!(stream.local_addr().unwrap().port(), 4000);
/// });
/// ```
pub struct TcpSocket {
    node: u32,
    bound: Cell<Option<SocketAddr>>,
    reuseaddr: Cell<bool>,
    nodelay: Cell<bool>,
    linger: Cell<Option<Duration>>,
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("bound", &self.bound.get())
            .finish_non_exhaustive()
    }
}

impl TcpSocket {
    /// A socket of the current node.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// # drop(s);
    /// # });
    /// ```
    #[track_caller]
    pub fn new_v4() -> io::Result<TcpSocket> {
        let core = current_core();
        Ok(TcpSocket {
            node: core.current_node(),
            bound: Cell::new(None),
            reuseaddr: Cell::new(false),
            nodelay: Cell::new(false),
            linger: Cell::new(None),
        })
    }

    /// As [`new_v4`](TcpSocket::new_v4): the family follows the address
    /// it binds or connects to.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v6().unwrap();
    /// # drop(s);
    /// # });
    /// ```
    #[track_caller]
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new_v4()
    }

    /// Reserves `addr` on the socket's node (`0.0.0.0` means the node's
    /// address; port 0 picks an ephemeral port).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the port is taken, `AddrNotAvailable` for another
    /// node's address, `InvalidInput` if this socket is bound already.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// s.bind("0.0.0.0:0".parse().unwrap()).unwrap();
    /// assert_eq!(s.local_addr().unwrap().port(), 49152);
    /// assert!(s.bind("0.0.0.0:0".parse().unwrap()).is_err(), "bound already");
    /// # });
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        if let Some(bound) = self.bound.get() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("this socket is bound to {bound} already"),
            ));
        }
        let core = current_core();
        let mut t = sockets::get(&core).table.borrow_mut();
        let local = addr::bind_addr(&core, &mut t, self.node, addr, Proto::Tcp)?;
        t.tcp_ports.insert(local);
        self.bound.set(Some(local));
        Ok(())
    }

    /// The bound address (`0.0.0.0:0` before `bind`).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(s.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self
            .bound
            .get()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))))
    }

    /// Sets `SO_REUSEADDR` (recorded: see the type's docs).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// s.set_reuseaddr(true).unwrap();
    /// assert!(s.reuseaddr().unwrap());
    /// # });
    /// ```
    pub fn set_reuseaddr(&self, on: bool) -> io::Result<()> {
        self.reuseaddr.set(on);
        Ok(())
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// assert!(!seedloop::net::TcpSocket::new_v4().unwrap().reuseaddr().unwrap());
    /// # });
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(self.reuseaddr.get())
    }

    /// Sets `TCP_NODELAY` for the stream `connect` makes.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// s.set_nodelay(true).unwrap();
    /// assert!(s.nodelay().unwrap());
    /// # });
    /// ```
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.nodelay.set(on);
        Ok(())
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// assert!(!seedloop::net::TcpSocket::new_v4().unwrap().nodelay().unwrap());
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.nodelay.get())
    }

    /// Sets `SO_LINGER` for the stream `connect` makes (see
    /// [`TcpStream::set_linger`]).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::TcpSocket::new_v4().unwrap();
    /// s.set_linger(Some(std::time::Duration::ZERO)).unwrap();
    /// assert_eq!(s.linger().unwrap(), Some(std::time::Duration::ZERO));
    /// # });
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.linger.set(linger);
        Ok(())
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// assert_eq!(seedloop::net::TcpSocket::new_v4().unwrap().linger().unwrap(), None);
    /// # });
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        Ok(self.linger.get())
    }

    /// Connects to `addr` from the bound address (or a new ephemeral port).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::connect`].
    ///
    /// # Cancel safety
    ///
    /// As [`TcpStream::connect`]; the bound address is freed.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpSocket};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpSocket::new_v4().unwrap();
    ///     let stream = s.connect("10.0.0.1:80".parse().unwrap()).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap().port(), 80);
    /// });
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let (nodelay, linger) = (self.nodelay.get(), self.linger.get());
        let bound = self.bound.take();
        drop(self);
        let stream = connect_from(addr, bound).await?;
        stream.set_nodelay(nodelay)?;
        stream.set_linger(linger)?;
        Ok(stream)
    }

    /// Listens on the bound address (or a new ephemeral port), queueing at
    /// most `backlog` connections not yet accepted (at least 1).
    ///
    /// # Errors
    ///
    /// As [`bind`](TcpSocket::bind), when the socket was not bound.
    ///
    /// ```
    /// use seedloop::net::{TcpSocket, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = TcpSocket::new_v4().unwrap();
    ///     s.bind("0.0.0.0:80".parse().unwrap()).unwrap();
    ///     let l = s.listen(1).unwrap();
    ///     let _first = TcpStream::connect("localhost:80").await.unwrap();
    ///     let err = TcpStream::connect("localhost:80").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "the backlog of 1 is full");
    ///     assert!(l.accept().await.is_ok());
    /// });
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let core = current_core();
        let mut t = sockets::get(&core).table.borrow_mut();
        let addr = match self.bound.take() {
            Some(addr) => addr,
            None => {
                let any = SocketAddr::from(([0, 0, 0, 0], 0));
                addr::bind_addr(&core, &mut t, self.node, any, Proto::Tcp)?
            }
        };
        let limit = usize::try_from(backlog).unwrap_or(usize::MAX).max(1);
        Ok(TcpListener::listen_at(&mut t, addr, self.node, limit))
    }
}

impl Drop for TcpSocket {
    fn drop(&mut self) {
        // Neither connected nor listening: the reserved address is free.
        let Some(addr) = self.bound.take() else {
            return;
        };
        let Some(core) = crate::runtime::try_core() else {
            return;
        };
        if let Some(Ok(mut t)) = sockets::try_get(&core).map(|s| s.table.try_borrow_mut()) {
            t.tcp_ports.remove(&addr);
        }
    }
}
