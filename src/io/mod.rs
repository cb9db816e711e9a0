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
//! Their extension traits are re-exported here ([`AsyncReadExt`],
//! [`AsyncBufReadExt`], [`AsyncWriteExt`]), so using them needs no
//! dependency on `futures`; the inherent methods of the reader carry
//! asyncio's names (`readline`, `readuntil`, `readexactly`), which none of
//! the traits' methods share.
//!
//! ```
//! use seedloop::io::{open_connection, start_server};
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     seedloop::node::Builder::new("echo")
//!         .init(|| async {
//!             let server = start_server("0.0.0.0:7", |mut reader, mut writer| async move {
//!                 while let Ok(line) = reader.readline().await {
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
//!     assert_eq!(reader.readline().await.unwrap(), "hello\n");
//! });
//! ```

use std::future::Future;
use std::io;

use crate::net::{TcpListener, TcpStream, ToSocketAddrs};

mod stream;

pub use crate::net::protocol::Server;
/// tokio's `io::{Interest, Ready}`, from [`crate::net`].
pub use crate::net::{Interest, Ready};
/// The futures io traits and their extension traits, the ones the stream
/// halves, [`TcpStream`] and the sockets' halves implement.
///
/// ```
/// use seedloop::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, open_connection, start_server};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = start_server("0.0.0.0:7", |mut reader, mut writer| async move {
///         let mut line = String::new();
///         reader.read_line(&mut line).await.unwrap(); // futures' signature
///         let mut tail = [0; 2];
///         reader.read_exact(&mut tail).await.unwrap();
///         AsyncWriteExt::write_all(&mut writer, line.as_bytes()).await.unwrap();
///         AsyncWriteExt::write_all(&mut writer, &tail).await.unwrap();
///     })
///     .await
///     .unwrap();
///     let (mut reader, mut writer) = open_connection(server.local_addr()).await.unwrap();
///     writer.write_all(b"ping\nok").await.unwrap();
///     let mut back = Vec::new();
///     reader.read_to_end(&mut back).await.unwrap();
///     assert_eq!(back, b"ping\nok");
/// });
/// ```
pub use futures::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};
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
///     assert_eq!(reader.readline().await.unwrap(), "welcome\n");
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
