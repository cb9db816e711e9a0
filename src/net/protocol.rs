//! asyncio's callback style: `Protocol`, `DatagramProtocol`, `Transport`.
//!
//! A protocol is an object whose methods the network calls: a connection
//! was made, data arrived, the peer sent EOF, the connection was lost. A
//! task of seedloop's drives it over a [`TcpStream`] or a [`UdpSocket`]; the
//! protocol answers through its [`Transport`] (`write`, `close`).
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `await loop.create_connection(factory, host, port)` | [`create_connection`]`(factory, "host:port").await` |
//! | `await loop.create_server(factory, host, port)` | [`create_server`]`(factory, addr).await` |
//! | `await loop.create_datagram_endpoint(factory, local_addr=..)` | [`create_datagram_endpoint`]`(factory, addr).await` |
//! | `transport.write(data)`, `transport.close()` | [`Transport::write`], [`Transport::close`] |
//! | `transport.sendto(data, addr)` | [`DatagramTransport::send_to`] |
//!
//! The protocol is owned by its driving task; when the connection is lost
//! the task ends and its `JoinHandle` gives the protocol back, so a test can
//! look at what it saw.
//!
//! ```
//! use seedloop::net::protocol::{create_connection, create_server, Protocol, Transport};
//!
//! struct Echo(Option<Transport>);
//! impl Protocol for Echo {
//!     fn connection_made(&mut self, t: Transport) { self.0 = Some(t) }
//!     fn data_received(&mut self, data: &[u8]) { self.0.as_ref().unwrap().write(data) }
//! }
//!
//! #[derive(Default)]
//! struct Client { got: Vec<u8>, lost: bool }
//! impl Protocol for Client {
//!     fn connection_made(&mut self, t: Transport) {
//!         t.write(b"hello");
//!         t.write_eof(); // after the write is sent: EOF for the server, which closes
//!     }
//!     fn data_received(&mut self, data: &[u8]) { self.got.extend_from_slice(data) }
//!     fn connection_lost(&mut self, _err: Option<std::io::Error>) { self.lost = true }
//! }
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let _server = create_server(|| Echo(None), "0.0.0.0:7").await.unwrap();
//!     let (_t, done) = create_connection(Client::default, "localhost:7").await.unwrap();
//!     let client = done.await.unwrap();
//!     assert_eq!(client.got, b"hello");
//!     assert!(client.lost);
//! });
//! ```

use crate::runtime::footprint::Tracked;
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use futures::io::{AsyncRead, AsyncWrite};

pub use super::server::Server;
use super::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use crate::task::JoinHandle;

/// A stream protocol: the callbacks of one TCP connection (asyncio's
/// `asyncio.Protocol`). Only `data_received` must be written.
///
/// ```
/// use seedloop::net::protocol::{Protocol, Transport};
/// struct Count(usize);
/// impl Protocol for Count {
///     fn data_received(&mut self, data: &[u8]) { self.0 += data.len() }
/// }
/// ```
pub trait Protocol: 'static {
    /// The connection is up; keep `transport` to write.
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// Bytes arrived, in order (any chunking: a message may be split).
    fn data_received(&mut self, data: &[u8]);

    /// The peer sent EOF. Return `true` to keep writing (close the transport
    /// yourself later); `false`, the default, closes it.
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone: `None` after a close, the error otherwise
    /// (`ConnectionReset` when the peer's node was killed). When this
    /// protocol's own node is killed, its driving task is dropped with it
    /// and no callback runs.
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
}

/// A datagram protocol: the callbacks of a UDP endpoint (asyncio's
/// `asyncio.DatagramProtocol`).
///
/// ```
/// use std::net::SocketAddr;
/// use seedloop::net::protocol::DatagramProtocol;
/// struct Log(Vec<(Vec<u8>, SocketAddr)>);
/// impl DatagramProtocol for Log {
///     fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
///         self.0.push((data.to_vec(), from));
///     }
/// }
/// ```
pub trait DatagramProtocol: 'static {
    /// The endpoint is bound; keep `transport` to send.
    fn connection_made(&mut self, transport: DatagramTransport) {
        let _ = transport;
    }

    /// A datagram arrived.
    fn datagram_received(&mut self, data: &[u8], from: SocketAddr);

    /// A receive failed. (When the endpoint's node is killed, its driving
    /// task is dropped with it and no callback runs.)
    fn error_received(&mut self, error: io::Error) {
        let _ = error;
    }

    /// The endpoint was closed.
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
}

struct Shared {
    out: Tracked<VecDeque<u8>>,
    closing: Cell<bool>,
    eof: Cell<bool>,
    driver: Tracked<Option<Waker>>,
    local: SocketAddr,
    peer: SocketAddr,
}

impl Shared {
    fn wake_driver(&self) {
        if let Some(w) = self.driver.borrow_mut().take() {
            w.wake();
        }
    }
}

/// The handle a [`Protocol`] writes with (asyncio's `Transport`). Cheap to
/// clone; usable from any task of the simulation.
///
/// ```
/// # use seedloop::net::protocol::{create_connection, create_server, Protocol, Transport};
/// struct Greet;
/// impl Protocol for Greet {
///     fn connection_made(&mut self, t: Transport) {
///         assert!(!t.is_closing());
///         t.write(b"hi");
///         t.close();
///         assert!(t.is_closing());
///     }
///     fn data_received(&mut self, _: &[u8]) {}
/// }
/// # let mut sim = seedloop::Sim::new(1);
/// # sim.block_on(async {
/// # let _s = create_server(|| Greet, "0.0.0.0:7").await.unwrap();
/// # let (mut r, _w) = seedloop::io::open_connection("localhost:7").await.unwrap();
/// # assert_eq!(r.read_to_eof().await.unwrap(), b"hi");
/// # });
/// ```
#[derive(Clone)]
pub struct Transport {
    shared: Rc<Shared>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("local_addr", &self.shared.local)
            .field("peer_addr", &self.shared.peer)
            .field("buffered", &self.shared.out.borrow().len())
            .field("closing", &self.shared.closing.get())
            .finish()
    }
}

impl Transport {
    /// Queues `data`; the driving task sends it, in order. Ignored once closing.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// t.write(b"abc");
    /// assert_eq!(t.write_buffer_size(), 3); // sent when the driving task runs
    /// # });
    /// ```
    pub fn write(&self, data: &[u8]) {
        if self.shared.closing.get() {
            return;
        }
        self.shared.out.borrow_mut().extend(data);
        self.shared.wake_driver();
    }

    /// Closes after the queued data is sent: the peer reads EOF, then the
    /// protocol's `connection_lost(None)` is called.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// t.close();
    /// assert!(t.is_closing());
    /// # });
    /// ```
    pub fn close(&self) {
        self.shared.closing.set(true);
        self.shared.wake_driver();
    }

    /// Sends EOF after the queued data, and goes on reading (asyncio's
    /// `write_eof`): the peer's reads end; `connection_lost` comes when the
    /// peer closes too.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// t.write(b"last words");
    /// t.write_eof();
    /// # });
    /// ```
    pub fn write_eof(&self) {
        self.shared.eof.set(true);
        self.shared.wake_driver();
    }

    /// Whether `close` was called or the connection is gone.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// assert!(!t.is_closing());
    /// # });
    /// ```
    pub fn is_closing(&self) -> bool {
        self.shared.closing.get()
    }

    /// Bytes queued and not yet handed to the network.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// assert_eq!(t.write_buffer_size(), 0);
    /// # });
    /// ```
    pub fn write_buffer_size(&self) -> usize {
        self.shared.out.borrow().len()
    }

    /// The peer's address.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// assert_eq!(t.peer_addr().to_string(), "10.0.0.1:7");
    /// # });
    /// ```
    pub fn peer_addr(&self) -> SocketAddr {
        self.shared.peer
    }

    /// This end's address.
    ///
    /// ```
    /// # use seedloop::net::protocol::{create_connection, create_server, Protocol};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _s = create_server(|| P, "0.0.0.0:7").await.unwrap();
    /// let (t, _task) = create_connection(|| P, "localhost:7").await.unwrap();
    /// assert_eq!(t.local_addr().port(), 49152);
    /// # });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }
}

/// What one turn of the driver found.
enum Turn {
    Data(usize),
    Eof,
    Failed(io::Error),
    Closed,
}

fn shared_for(stream: &TcpStream) -> Rc<Shared> {
    Rc::new(Shared {
        out: Tracked::new(VecDeque::new()),
        closing: Cell::new(false),
        eof: Cell::new(false),
        driver: Tracked::new(None),
        local: stream.inner.local_addr(),
        peer: stream.inner.peer_addr(),
    })
}

/// Runs `protocol` over `stream` until the connection is lost.
async fn drive<P: Protocol>(mut stream: TcpStream, mut protocol: P, shared: Rc<Shared>) -> P {
    protocol.connection_made(Transport {
        shared: shared.clone(),
    });
    let mut buf = vec![0; 16 * 1024];
    let mut eof = false;
    let mut shut = false;
    loop {
        let turn = poll_fn(|cx| {
            *shared.driver.borrow_mut() = Some(cx.waker().clone());
            // Send what is queued, as far as the send buffer takes it.
            loop {
                let mut out = shared.out.borrow_mut();
                if out.is_empty() {
                    break;
                }
                let chunk = out.as_slices().0;
                match Pin::new(&mut stream).poll_write(cx, chunk) {
                    Poll::Ready(Ok(n)) => {
                        out.drain(..n);
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Turn::Failed(e)),
                    Poll::Pending => break,
                }
            }
            if shared.closing.get() && shared.out.borrow().is_empty() {
                let _ = Pin::new(&mut stream).poll_close(cx);
                return Poll::Ready(Turn::Closed);
            }
            if shared.eof.get() && !shut && shared.out.borrow().is_empty() {
                let _ = Pin::new(&mut stream).poll_close(cx);
                shut = true;
            }
            if eof {
                return Poll::Pending;
            }
            match Pin::new(&mut stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(0)) => Poll::Ready(Turn::Eof),
                Poll::Ready(Ok(n)) => Poll::Ready(Turn::Data(n)),
                Poll::Ready(Err(e)) => Poll::Ready(Turn::Failed(e)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match turn {
            Turn::Data(n) => protocol.data_received(&buf[..n]),
            Turn::Eof => {
                eof = true;
                if !protocol.eof_received() {
                    shared.closing.set(true);
                }
            }
            Turn::Failed(e) => {
                shared.closing.set(true);
                protocol.connection_lost(Some(e));
                return protocol;
            }
            Turn::Closed => {
                shared.closing.set(true);
                protocol.connection_lost(None);
                return protocol;
            }
        }
    }
}

/// Connects to `addr` and runs the protocol `factory` makes over the
/// connection, in a new task (asyncio's `loop.create_connection`). Returns
/// the transport and the task, which gives the protocol back once the
/// connection is lost.
///
/// # Errors
///
/// As [`TcpStream::connect`].
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use seedloop::net::protocol::{create_connection, Protocol};
/// struct Nop;
/// impl Protocol for Nop { fn data_received(&mut self, _: &[u8]) {} }
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let err = create_connection(|| Nop, "localhost:1").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
/// });
/// ```
pub async fn create_connection<P, F, A>(
    factory: F,
    addr: A,
) -> io::Result<(Transport, JoinHandle<P>)>
where
    P: Protocol,
    F: FnOnce() -> P,
    A: ToSocketAddrs,
{
    let stream = TcpStream::connect(addr).await?;
    let shared = shared_for(&stream);
    let transport = Transport {
        shared: shared.clone(),
    };
    let task = crate::spawn(drive(stream, factory(), shared));
    Ok((transport, task))
}

/// Listens on `addr` and runs a protocol made by `factory` over each
/// accepted connection, each in its own task (asyncio's `loop.create_server`).
///
/// # Errors
///
/// As [`TcpListener::bind`].
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use seedloop::net::protocol::{create_server, Protocol, Transport};
/// struct Hello;
/// impl Protocol for Hello {
///     fn connection_made(&mut self, t: Transport) { t.write(b"hello\n"); t.close(); }
///     fn data_received(&mut self, _: &[u8]) {}
/// }
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = create_server(|| Hello, "0.0.0.0:0").await.unwrap();
///     let (mut r, _w) = seedloop::io::open_connection(server.local_addr()).await.unwrap();
///     assert_eq!(r.readline().await.unwrap(), "hello\n");
/// });
/// ```
pub async fn create_server<P, F, A>(factory: F, addr: A) -> io::Result<Server>
where
    P: Protocol,
    F: Fn() -> P + 'static,
    A: ToSocketAddrs,
{
    let listener = TcpListener::bind(addr).await?;
    Server::accept_with(listener, move |stream| {
        let shared = shared_for(&stream);
        drop(crate::spawn(drive(stream, factory(), shared)));
    })
}

/// The handle a [`DatagramProtocol`] sends with (asyncio's `DatagramTransport`).
///
/// ```
/// # use std::net::SocketAddr;
/// # use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol, DatagramTransport};
/// struct Ping;
/// impl DatagramProtocol for Ping {
///     fn connection_made(&mut self, t: DatagramTransport) {
///         t.send_to(b"ping", "10.0.0.1:9".parse().unwrap()).unwrap();
///         t.close();
///     }
///     fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {}
/// }
/// # let mut sim = seedloop::Sim::new(1);
/// # sim.block_on(async {
/// # let sock = seedloop::net::UdpSocket::bind("0.0.0.0:9").await.unwrap();
/// let (_t, done) = create_datagram_endpoint(|| Ping, "0.0.0.0:0").await.unwrap();
/// done.await.unwrap();
/// # let mut buf = [0; 8];
/// # assert_eq!(sock.recv(&mut buf).await.unwrap(), 4);
/// # });
/// ```
#[derive(Clone)]
pub struct DatagramTransport {
    socket: Rc<UdpSocket>,
    closing: Rc<Cell<bool>>,
    driver: Rc<Tracked<Option<Waker>>>,
}

impl fmt::Debug for DatagramTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramTransport")
            .field("socket", &self.socket)
            .field("closing", &self.closing.get())
            .finish()
    }
}

impl DatagramTransport {
    /// Sends one datagram (asyncio's `sendto`).
    ///
    /// # Errors
    ///
    /// As [`UdpSocket::send_to`].
    ///
    /// ```
    /// # use std::net::SocketAddr;
    /// # use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol};
    /// # struct P;
    /// # impl DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let (t, _task) = create_datagram_endpoint(|| P, "0.0.0.0:53").await.unwrap();
    /// t.send_to(b"query", "10.0.0.9:53".parse().unwrap()).unwrap();
    /// # });
    /// ```
    pub fn send_to(&self, data: &[u8], to: SocketAddr) -> io::Result<()> {
        self.socket.send_datagram(data, to).map(|_| ())
    }

    /// Closes the endpoint: the protocol's `connection_lost(None)` is called.
    ///
    /// ```
    /// # use std::net::SocketAddr;
    /// # use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol};
    /// # struct P;
    /// # impl DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let (t, _task) = create_datagram_endpoint(|| P, "0.0.0.0:53").await.unwrap();
    /// t.close();
    /// # });
    /// ```
    pub fn close(&self) {
        self.closing.set(true);
        if let Some(w) = self.driver.borrow_mut().take() {
            w.wake();
        }
    }

    /// Whether `close` was called.
    ///
    /// ```
    /// # use std::net::SocketAddr;
    /// # use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol};
    /// # struct P;
    /// # impl DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let (t, _task) = create_datagram_endpoint(|| P, "0.0.0.0:53").await.unwrap();
    /// assert!(!t.is_closing());
    /// # });
    /// ```
    pub fn is_closing(&self) -> bool {
        self.closing.get()
    }

    /// The endpoint's address.
    ///
    /// ```
    /// # use std::net::SocketAddr;
    /// # use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol};
    /// # struct P;
    /// # impl DatagramProtocol for P { fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {} }
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let (t, _task) = create_datagram_endpoint(|| P, "0.0.0.0:53").await.unwrap();
    /// assert_eq!(t.local_addr().to_string(), "10.0.0.1:53");
    /// # });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.socket
            .local_addr()
            .expect("a bound socket has an address")
    }
}

/// Binds a UDP endpoint on `local_addr` and runs the protocol `factory`
/// makes over it, in a new task (asyncio's `loop.create_datagram_endpoint`).
/// The task gives the protocol back once the endpoint is closed.
///
/// # Errors
///
/// As [`UdpSocket::bind`].
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::net::SocketAddr;
/// use seedloop::net::protocol::{create_datagram_endpoint, DatagramProtocol, DatagramTransport};
/// #[derive(Default)]
/// struct Echo(Option<DatagramTransport>);
/// impl DatagramProtocol for Echo {
///     fn connection_made(&mut self, t: DatagramTransport) { self.0 = Some(t) }
///     fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
///         self.0.as_ref().unwrap().send_to(data, from).unwrap();
///     }
/// }
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (t, _task) = create_datagram_endpoint(Echo::default, "0.0.0.0:7").await.unwrap();
///     let sock = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     sock.send_to(b"hey", t.local_addr()).await.unwrap();
///     let mut buf = [0; 8];
///     let n = sock.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"hey");
/// });
/// ```
pub async fn create_datagram_endpoint<P, F, A>(
    factory: F,
    local_addr: A,
) -> io::Result<(DatagramTransport, JoinHandle<P>)>
where
    P: DatagramProtocol,
    F: FnOnce() -> P,
    A: ToSocketAddrs,
{
    let socket = Rc::new(UdpSocket::bind(local_addr).await?);
    let transport = DatagramTransport {
        socket,
        closing: Rc::new(Cell::new(false)),
        driver: Rc::new(Tracked::new(None)),
    };
    let mut protocol = factory();
    let t = transport.clone();
    let task = crate::spawn(async move {
        protocol.connection_made(t.clone());
        let mut buf = vec![0; super::MAX_DATAGRAM];
        loop {
            let got = poll_fn(|cx| {
                *t.driver.borrow_mut() = Some(cx.waker().clone());
                if t.closing.get() {
                    return Poll::Ready(None);
                }
                t.socket.poll_recv_from(cx, &mut buf).map(Some)
            })
            .await;
            match got {
                None => {
                    protocol.connection_lost(None);
                    return protocol;
                }
                Some(Ok((n, from))) => protocol.datagram_received(&buf[..n], from),
                Some(Err(e)) => {
                    protocol.error_received(e);
                    t.closing.set(true);
                }
            }
        }
    });
    Ok((transport, task))
}
