//! Layer 9, streams: asyncio's `open_connection` and `start_server` over
//! simulated TCP.
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `reader, writer = await asyncio.open_connection(host, port)` | `let (reader, writer) = io::open_connection("host:port").await?` |
//! | `server = await asyncio.start_server(handler, host, port)` | `let server = io::start_server("0.0.0.0:port", handler).await?` |
//! | `StreamReader` / `StreamWriter` | [`StreamReader`] / [`StreamWriter`] |
//! | `server.close()`, `await server.serve_forever()` | [`Server::close`], [`Server::serve_forever`] |
//!
//! The reader implements `futures::io::AsyncBufRead`, the writer
//! `futures::io::AsyncWrite`, so the futures crate's combinators apply.
//!
//! ```
//! use seedloop::io::{open_connection, start_server};
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     seedloop::node::Builder::new("echo")
//!         .init(|| async {
//!             let server = start_server("0.0.0.0:7", |mut reader, mut writer| async move {
//!                 while let Ok(line) = reader.read_line().await {
//!                     if line.is_empty() {
//!                         break;
//!                     }
//!                     writer.write_all(line.as_bytes()).await.unwrap();
//!                 }
//!             })
//!             .await
//!             .unwrap();
//!             server.serve_forever().await;
//!         })
//!         .build();
//!     let (mut reader, mut writer) = open_connection("echo:7").await.unwrap();
//!     writer.write_all(b"hello\n").await.unwrap();
//!     assert_eq!(reader.read_line().await.unwrap(), "hello\n");
//! });
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::future::Promise;
use crate::net::{TcpListener, TcpStream, ToSocketAddrs};
use crate::task::JoinHandle;

mod stream;

pub use stream::{StreamReader, StreamWriter};

/// Connects to `addr` and returns the buffered reader and the writer of the
/// connection (asyncio's `open_connection`).
///
/// # Errors
///
/// As [`TcpStream::connect`]: `ConnectionRefused`, `TimedOut`, `NotFound`
/// for an unknown node name.
///
/// # Panics
///
/// Outside a simulation.
///
/// # Cancel safety
///
/// As [`TcpStream::connect`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let err = seedloop::io::open_connection("localhost:9").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
/// });
/// ```
pub async fn open_connection<A: ToSocketAddrs>(
    addr: A,
) -> io::Result<(StreamReader, StreamWriter)> {
    let stream = TcpStream::connect(addr).await?;
    let (rd, wr) = stream.into_split();
    Ok((StreamReader::new(rd), StreamWriter::new(wr)))
}

/// Listens on `addr` (on the current node) and calls `handler` in a new
/// task for each connection (asyncio's `start_server`).
///
/// # Errors
///
/// As [`TcpListener::bind`]: `AddrInUse`, `AddrNotAvailable`.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use seedloop::io::{open_connection, start_server};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = start_server("0.0.0.0:0", |_reader, mut writer| async move {
///         writer.write_all(b"welcome\n").await.unwrap();
///     })
///     .await
///     .unwrap();
///     let (mut reader, _) = open_connection(server.local_addr()).await.unwrap();
///     assert_eq!(reader.read_line().await.unwrap(), "welcome\n");
/// });
/// ```
pub async fn start_server<A, H, Fut>(addr: A, handler: H) -> io::Result<Server>
where
    A: ToSocketAddrs,
    H: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    Server::accept_with(listener, move |stream| {
        let (rd, wr) = stream.into_split();
        drop(crate::spawn(handler(
            StreamReader::new(rd),
            StreamWriter::new(wr),
        )));
    })
}

/// A listening server from [`start_server`]. Dropping it, or calling
/// [`close`](Server::close), stops accepting (the port is free again);
/// connections already accepted go on, as in asyncio.
///
/// ```
/// use seedloop::io::{open_connection, start_server};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = start_server("0.0.0.0:7", |_r, _w| async {}).await.unwrap();
///     server.close();
///     seedloop::task::yield_now().await;
///     let err = open_connection("localhost:7").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
/// });
/// ```
pub struct Server {
    addr: SocketAddr,
    accept: JoinHandle<()>,
    done: Rc<Promise<()>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.addr)
            .field("serving", &self.is_serving())
            .finish()
    }
}

impl Server {
    /// Serves `listener` in a task named `server`: `on_connection` is
    /// called with each accepted stream.
    pub(crate) fn accept_with(
        listener: TcpListener,
        on_connection: impl Fn(TcpStream) + 'static,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let done = Rc::new(Promise::new());
        // Set when the accept task ends, however it ends: closed, aborted,
        // or dropped with its killed node.
        let finished = Finished(done.clone());
        let accept = crate::task::Builder::new()
            .name("server")
            .spawn(async move {
                let _finished = finished;
                while let Ok((stream, _)) = listener.accept().await {
                    on_connection(stream);
                }
            });
        Ok(Server { addr, accept, done })
    }

    /// The address the server listens on.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::io::start_server("0.0.0.0:0", |_r, _w| async {}).await.unwrap();
    ///     assert_eq!(s.local_addr().to_string(), "10.0.0.1:49152");
    /// });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections: the listener closes once its task runs
    /// next, and connects are then refused.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::io::start_server("0.0.0.0:0", |_r, _w| async {}).await.unwrap();
    ///     s.close();
    ///     assert!(!s.is_serving());
    /// });
    /// ```
    pub fn close(&self) {
        self.accept.abort();
        let _ = self.done.set_result(());
    }

    /// Whether the server still accepts connections.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::io::start_server("0.0.0.0:0", |_r, _w| async {}).await.unwrap();
    ///     assert!(s.is_serving());
    /// });
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.done.is_done()
    }

    /// Waits until the server is closed (asyncio's `serve_forever`): from
    /// another task, or because its node was killed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the server keeps serving.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = std::rc::Rc::new(seedloop::io::start_server("0.0.0.0:0", |_r, _w| async {}).await.unwrap());
    ///     let s2 = s.clone();
    ///     seedloop::spawn(async move { s2.close() });
    ///     s.serve_forever().await; // returns once closed
    /// });
    /// ```
    pub async fn serve_forever(&self) {
        let _ = self.done.wait().await;
    }
}

struct Finished(Rc<Promise<()>>);

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.0.set_result(());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
