//! `TcpListener`: accepts connections on a node's port.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Poll;

use super::conn::{self, ListenerShared};
use super::stream::{EndRef, TcpStream};
use crate::net::addr::{self, Proto, ToSocketAddrs};
use crate::net::sockets;
use crate::runtime::current_core;
use crate::runtime::wait::WaitKind;

/// A task blocked here is reported as waiting on `TcpListener::accept`.
static ACCEPT: WaitKind = WaitKind::plain("TcpListener::accept");

/// A TCP server socket of the node that binds it (tokio's `net::TcpListener`).
///
/// Connections are accepted by the network as soon as their `Syn` arrives
/// (up to a backlog of 1,024); [`accept`](TcpListener::accept) hands them
/// out in arrival order. Dropping the listener frees the port and resets
/// the connections not accepted yet.
///
/// ```
/// use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let listener = TcpListener::bind("0.0.0.0:8080").await.unwrap();
///     let client = seedloop::spawn(async { TcpStream::connect("localhost:8080").await.unwrap() });
///     let (_stream, peer) = listener.accept().await.unwrap();
///     assert_eq!(peer, client.await.unwrap().local_addr().unwrap());
/// });
/// ```
pub struct TcpListener {
    /// Thread-checked, so a listener is `Send` and `Sync` as tokio's is.
    shared: Local<Rc<ListenerShared>>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.shared.addr)
            .finish()
    }
}

impl TcpListener {
    /// Listens on the current node. `0.0.0.0` and `127.0.0.1` mean the node's
    /// address; port 0 picks a free ephemeral port.
    ///
    /// # Errors
    ///
    /// `AddrInUse` when a TCP socket of the node has the port;
    /// `AddrNotAvailable` for another node's address; errors of resolving `addr`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// use seedloop::net::TcpListener;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _a = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let err = TcpListener::bind("0.0.0.0:80").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let want = addr.first_addr()?;
        let core = current_core();
        let node = core.current_node();
        let limit = crate::net::transport::get(&core).cfg.tcp_backlog;
        let mut t = sockets::get(&core).table.borrow_mut();
        let addr = addr::bind_addr(&core, &mut t, node, want, Proto::Tcp)?;
        Ok(TcpListener::listen_at(&mut t, addr, node, limit))
    }

    /// A listener on `addr` (free, or reserved by this node's `TcpSocket`)
    /// that queues at most `limit` connections.
    pub(crate) fn listen_at(
        t: &mut sockets::Table,
        addr: SocketAddr,
        node: u32,
        limit: usize,
    ) -> TcpListener {
        let shared = Rc::new(ListenerShared {
            addr,
            node,
            backlog: Tracked::new(VecDeque::new()),
            limit,
            wakers: Tracked::new(Vec::new()),
            closed: Cell::new(false),
        });
        t.listeners.insert(addr, shared.clone());
        t.tcp_ports.insert(addr);
        TcpListener {
            shared: Local::new(shared),
        }
    }

    /// The next connection and its peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` when the listener's node was killed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is only taken when the future completes.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let _c = TcpStream::connect("localhost:80").await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     assert_eq!(s.local_addr().unwrap(), l.local_addr().unwrap());
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| {
            let next = self.shared.backlog.borrow_mut().pop_front();
            if let Some(conn) = next {
                let peer = conn.ends[0].addr;
                let stream = TcpStream {
                    inner: EndRef::new(conn, 1),
                };
                return Poll::Ready(Ok((stream, peer)));
            }
            if self.shared.closed.get() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the listener's node was killed",
                )));
            }
            crate::runtime::wait::mark_waiting(&ACCEPT, std::panic::Location::caller());
            addr::add_waiter(&self.shared.wakers, cx);
            Poll::Pending
        })
        .await
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// Never, in practice; `io::Result` as in tokio.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = seedloop::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    ///     assert_eq!(l.local_addr().unwrap().to_string(), "10.0.0.1:49152");
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.shared.addr)
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        let Some(core) = crate::runtime::try_core() else {
            return;
        };
        let Some(Ok(mut t)) = sockets::try_get(&core).map(|s| s.table.try_borrow_mut()) else {
            return;
        };
        if t.listeners
            .get(&self.shared.addr)
            .is_some_and(|l| Rc::ptr_eq(l, &self.shared))
        {
            t.listeners.remove(&self.shared.addr);
            t.tcp_ports.remove(&self.shared.addr);
        }
        self.shared.closed.set(true);
        conn::refuse_backlog(&core, &mut t, &self.shared);
    }
}
