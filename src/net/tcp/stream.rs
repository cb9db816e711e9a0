//! `TcpStream`: a reliable, ordered byte stream between two nodes.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::conn::{self, Conn, NO_NODE};
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::future::io::impl_io;
use crate::net::addr::{self, Proto, ToSocketAddrs};
use crate::net::sockets;
use crate::net::transport::{self, Segment};
use crate::runtime::current_core;
use crate::runtime::local::Local;

/// One user handle on one end of a connection; the end closes when its
/// last handle is dropped.
pub(crate) struct EndRef {
    /// Thread-checked, so a stream and its halves are `Send` and `Sync`
    /// as tokio's are; they work only on the simulation's thread.
    pub(crate) conn: Local<Rc<Conn>>,
    pub(crate) end: usize,
}

impl EndRef {
    pub(crate) fn new(conn: Rc<Conn>, end: usize) -> EndRef {
        let e = &conn.ends[end];
        e.handles.set(e.handles.get() + 1);
        EndRef {
            conn: Local::new(conn),
            end,
        }
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.conn.poll_read(self.end, cx, buf)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let core = current_core();
        self.conn.poll_write(&core, self.end, cx, buf)
    }

    pub(crate) fn shutdown(&self) {
        let core = current_core();
        self.conn.shutdown(&core, self.end);
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.conn.ends[self.end].addr
    }

    pub(crate) fn peer_addr(&self) -> SocketAddr {
        self.conn.ends[1 - self.end].addr
    }
}

impl Drop for EndRef {
    fn drop(&mut self) {
        if !self.conn.is_reachable() {
            return; // dropped on another thread: the end stays open
        }
        let e = &self.conn.ends[self.end];
        e.handles.set(e.handles.get() - 1);
        if e.handles.get() == 0 {
            if let Some(core) = crate::runtime::try_core() {
                conn::close_end(&core, &self.conn, self.end);
            }
        }
    }
}

/// A TCP connection (tokio's `net::TcpStream`): bytes arrive complete and in
/// order, whatever the link loses (loss becomes retransmission delay).
///
/// Read and write with `futures::io::{AsyncReadExt, AsyncWriteExt}` (or, with
/// the feature `tokio-io`, tokio's). Closing the write half
/// ([`AsyncWriteExt::close`](futures::io::AsyncWriteExt::close)) sends EOF to
/// the peer; dropping the stream closes it.
///
/// | what happens | what the program sees |
/// |---|---|
/// | no listener on the port | `connect`: `ConnectionRefused` |
/// | no node has the address, or the peer is dead or cut off longer than `connect_timeout` | `connect`: `TimedOut` |
/// | the peer's node is killed | reads and writes: `ConnectionReset` |
/// | a partition longer than `partition_timeout` | both ends: `TimedOut` |
/// | the peer wrote nothing more and closed | reads: `Ok(0)` (EOF) |
/// | the peer closed with bytes from this end still unread | reads: the bytes that reached this end, then `ConnectionReset` (the peer sent a reset, as Linux does) |
/// | more than `send_buffer` bytes unread by the peer | `write` waits |
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use seedloop::net::{TcpListener, TcpStream};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::node::Builder::new("server")
///         .init(|| async {
///             let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
///             let (mut stream, _) = listener.accept().await.unwrap();
///             let mut buf = [0; 5];
///             stream.read_exact(&mut buf).await.unwrap();
///             stream.write_all(&buf).await.unwrap();
///         })
///         .build();
///     let mut stream = TcpStream::connect("server:80").await.unwrap();
///     stream.write_all(b"hello").await.unwrap();
///     let mut back = Vec::new();
///     stream.read_to_end(&mut back).await.unwrap(); // the server closes after echoing
///     assert_eq!(back, b"hello");
/// });
/// ```
pub struct TcpStream {
    pub(crate) inner: EndRef,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.inner.local_addr())
            .field("peer_addr", &self.inner.peer_addr())
            .finish()
    }
}

impl TcpStream {
    /// Connects from the current node (an ephemeral port of its address).
    /// Each address `addr` resolves to is tried in turn.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` when nothing listens there; `TimedOut` when no
    /// answer comes within the `connect_timeout` of
    /// [`NetConfig`](crate::net::NetConfig) (unknown address, dead node,
    /// partition); errors of resolving `addr`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt (a late answer is reset).
    ///
    /// # Determinism
    ///
    /// The handshake's two packets draw their latency from the tape.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::node::Builder::new("db").build();
    ///     let err = seedloop::net::TcpStream::connect("db:5432").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for to in addr.to_socket_addrs()? {
            match connect_one(to).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    /// This end's address.
    ///
    /// # Errors
    ///
    /// Never, in practice; `io::Result` as in tokio.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     assert_eq!(s.local_addr().unwrap().to_string(), "10.0.0.1:49152");
    ///     assert_eq!(s.peer_addr().unwrap().to_string(), "10.0.0.1:80");
    ///     let _ = l;
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.inner.local_addr())
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// Never, in practice; `io::Result` as in tokio.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("127.0.0.1:80").await.unwrap();
    ///     let (accepted, from) = l.accept().await.unwrap();
    ///     assert_eq!(accepted.peer_addr().unwrap(), s.local_addr().unwrap());
    ///     assert_eq!(from, s.local_addr().unwrap());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.inner.peer_addr())
    }

    /// Splits into halves that can move to different tasks. Dropping the
    /// write half shuts it down (the peer reads EOF).
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let (mut rd, mut wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
    ///     let (mut server, _) = l.accept().await.unwrap();
    ///     seedloop::spawn(async move { wr.write_all(b"ping").await.unwrap() });
    ///     let mut buf = [0; 4];
    ///     server.read_exact(&mut buf).await.unwrap();
    ///     server.write_all(b"pong").await.unwrap();
    ///     rd.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"pong");
    /// });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let write = EndRef::new(Rc::clone(&self.inner.conn), self.inner.end);
        (
            OwnedReadHalf { inner: self.inner },
            OwnedWriteHalf {
                inner: write,
                shut_on_drop: true,
            },
        )
    }

    /// Borrows the stream as a read half and a write half, to use both at
    /// once in one task (with `join` or `select`).
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let mut s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let (mut server, _) = l.accept().await.unwrap();
    ///     let (mut rd, mut wr) = s.split();
    ///     wr.write_all(b"hi").await.unwrap();
    ///     server.write_all(b"yo").await.unwrap();
    ///     let mut buf = [0; 2];
    ///     rd.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"yo");
    /// });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (
            ReadHalf { inner: &self.inner },
            WriteHalf { inner: &self.inner },
        )
    }
}

/// One connect attempt. The stream is made first, so that a failed or
/// abandoned attempt closes its end when it is dropped.
async fn connect_one(to: SocketAddr) -> io::Result<TcpStream> {
    connect_from(to, None).await
}

/// One connect attempt from `bound`, an address this node reserved
/// already (`TcpSocket::bind`), or from a new ephemeral port.
pub(crate) async fn connect_from(
    to: SocketAddr,
    bound: Option<SocketAddr>,
) -> io::Result<TcpStream> {
    // The simulation's core is held only for the synchronous start, so
    // the connect future is `Send` as tokio's is.
    let (stream, to, timeout) = {
        let core = current_core();
        let node = core.current_node();
        let (dst, to) = addr::route(&core, node, to);
        let cfg = &transport::get(&core).cfg;
        let stream = {
            let mut t = sockets::get(&core).table.borrow_mut();
            let local = match bound {
                Some(local) => local,
                None => {
                    let any = SocketAddr::from(([0, 0, 0, 0], 0));
                    addr::bind_addr(&core, &mut t, node, any, Proto::Tcp)?
                }
            };
            t.tcp_ports.insert(local);
            let peer = dst.unwrap_or(NO_NODE);
            let id = transport::open_channel(&core, node, peer);
            let conn = Rc::new(Conn::new(id, (local, node), (to, peer), cfg.send_buffer));
            t.conns.insert(id, conn.clone());
            conn.send(&core, 0, Segment::Syn);
            TcpStream {
                inner: EndRef::new(conn, 0),
            }
        };
        (stream, to, cfg.connect_timeout)
    };
    let conn = stream.inner.conn.clone();
    match crate::time::timeout(timeout, poll_fn(|cx| conn.poll_connected(cx))).await {
        Ok(Ok(())) => Ok(stream),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connect to {to} timed out after {timeout:?}: no answer"),
        )),
    }
}

impl_io!(read TcpStream, |s, cx, buf| s.inner.poll_read(cx, buf));
impl_io!(write TcpStream, |s, cx, buf| s.inner.poll_write(cx, buf), |s| s.inner.shutdown());
