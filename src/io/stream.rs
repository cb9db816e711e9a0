//! `StreamReader` and `StreamWriter`: asyncio's buffered stream pair.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};

use crate::net::{OwnedReadHalf, OwnedWriteHalf};

/// The reading side of a connection, buffered (asyncio's `StreamReader`).
///
/// Implements `futures::io::AsyncRead` and `AsyncBufRead`, so every method
/// of the futures io extension traits (re-exported as
/// [`seedloop::io::AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncBufReadExt`](crate::io::AsyncBufReadExt)) works on it with its
/// usual signature. The inherent methods are asyncio's, under asyncio's
/// names, which no trait method shares:
///
/// | asyncio | seedloop |
/// |---|---|
/// | `await reader.readline()` | [`readline`](StreamReader::readline) |
/// | `await reader.readuntil(b";")` | [`readuntil`](StreamReader::readuntil) |
/// | `await reader.readexactly(n)` | [`readexactly`](StreamReader::readexactly) |
/// | `await reader.read(n)` | [`read_up_to`](StreamReader::read_up_to) |
/// | `await reader.read()` | [`read_to_eof`](StreamReader::read_to_eof) |
/// | `async for line in reader` | [`AsyncBufReadExt::lines`](crate::io::AsyncBufReadExt::lines) |
///
/// ```
/// use seedloop::io::{open_connection, start_server};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = start_server("0.0.0.0:7", |_reader, mut writer| async move {
///         writer.write_all(b"one\ntwo\n").await.unwrap();
///     })
///     .await
///     .unwrap();
///     let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), "one\n");
///     assert_eq!(reader.readline().await.unwrap(), "two\n");
///     assert_eq!(reader.readline().await.unwrap(), ""); // EOF
/// });
/// ```
pub struct StreamReader {
    inner: BufReader<OwnedReadHalf>,
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("peer_addr", &self.inner.get_ref().peer_addr().ok())
            .field("buffered", &self.inner.buffer().len())
            .finish()
    }
}

impl StreamReader {
    pub(crate) fn new(half: OwnedReadHalf) -> StreamReader {
        StreamReader {
            inner: BufReader::new(half),
        }
    }

    /// The next line, with its `\n`; the empty string at EOF (asyncio's
    /// `readline`). A last line without `\n` is returned as it is.
    ///
    /// # Errors
    ///
    /// The connection's error (`ConnectionReset`, `TimedOut`...);
    /// `InvalidData` if the line is not UTF-8.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before the cancellation are lost.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, mut w| async move { w.write_all(b"hi\n").await.unwrap(); }).await.unwrap();
    /// let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(reader.readline().await.unwrap(), "hi\n");
    /// # });
    /// ```
    pub async fn readline(&mut self) -> io::Result<String> {
        let mut line = String::new();
        AsyncBufReadExt::read_line(&mut self.inner, &mut line).await?;
        Ok(line)
    }

    /// Bytes up to and including `delimiter` (asyncio's `readuntil`); at
    /// EOF, what was left, which then lacks the delimiter.
    ///
    /// # Errors
    ///
    /// The connection's error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, mut w| async move { w.write_all(b"a;b").await.unwrap(); }).await.unwrap();
    /// let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(reader.readuntil(b';').await.unwrap(), b"a;");
    /// assert_eq!(reader.readuntil(b';').await.unwrap(), b"b");
    /// # });
    /// ```
    pub async fn readuntil(&mut self, delimiter: u8) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        AsyncBufReadExt::read_until(&mut self.inner, delimiter, &mut out).await?;
        Ok(out)
    }

    /// Exactly `n` bytes (asyncio's `readexactly`).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first; the connection's error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, mut w| async move { w.write_all(b"abcd").await.unwrap(); }).await.unwrap();
    /// let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(reader.readexactly(3).await.unwrap(), b"abc");
    /// let err = reader.readexactly(3).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # });
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut out = vec![0; n];
        AsyncReadExt::read_exact(&mut self.inner, &mut out).await?;
        Ok(out)
    }

    /// Up to `max` bytes, as soon as some are there; empty at EOF (asyncio's `read(n)`).
    ///
    /// # Errors
    ///
    /// The connection's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, mut w| async move { w.write_all(b"xyz").await.unwrap(); }).await.unwrap();
    /// let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(reader.read_up_to(2).await.unwrap(), b"xy");
    /// # });
    /// ```
    pub async fn read_up_to(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let mut out = vec![0; max];
        let n = AsyncReadExt::read(&mut self.inner, &mut out).await?;
        out.truncate(n);
        Ok(out)
    }

    /// Everything until EOF (asyncio's `read()`).
    ///
    /// # Errors
    ///
    /// The connection's error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, mut w| async move { w.write_all(b"all of it").await.unwrap(); }).await.unwrap();
    /// let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(reader.read_to_eof().await.unwrap(), b"all of it");
    /// # });
    /// ```
    pub async fn read_to_eof(&mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        AsyncReadExt::read_to_end(&mut self.inner, &mut out).await?;
        Ok(out)
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// Never, in practice.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let server = start_server("0.0.0.0:7", |_r, _w| async move {}).await.unwrap();
    /// let (reader, _writer) = open_connection("localhost:7").await.unwrap();
    /// assert_eq!(reader.peer_addr().unwrap().port(), 7);
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }
}

impl AsyncRead for StreamReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut self.get_mut().inner).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.inner).consume(amt);
    }
}

/// The writing side of a connection (asyncio's `StreamWriter`).
///
/// Implements `futures::io::AsyncWrite`. asyncio's `writer.write(data)`
/// followed by `await writer.drain()` is one call here,
/// [`write_all`](StreamWriter::write_all): it returns once the bytes fit in
/// the connection's send buffer, which gives the same backpressure.
///
/// ```
/// use seedloop::io::{open_connection, start_server};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let server = start_server("0.0.0.0:7", |mut reader, mut writer| async move {
///         let line = reader.readline().await.unwrap();
///         writer.write_all(line.to_uppercase().as_bytes()).await.unwrap();
///     })
///     .await
///     .unwrap();
///     let (mut reader, mut writer) = open_connection(server.local_addr()).await.unwrap();
///     writer.write_all(b"shout\n").await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), "SHOUT\n");
///     writer.close().await.unwrap();
/// });
/// ```
pub struct StreamWriter {
    inner: OwnedWriteHalf,
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("peer_addr", &self.inner.peer_addr().ok())
            .finish()
    }
}

impl StreamWriter {
    pub(crate) fn new(half: OwnedWriteHalf) -> StreamWriter {
        StreamWriter { inner: half }
    }

    /// Writes all of `data` (asyncio's `write` then `drain`).
    ///
    /// # Errors
    ///
    /// The connection's error (`ConnectionReset`, `TimedOut`, `BrokenPipe`
    /// after [`close`](StreamWriter::close)).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: part of `data` may have been sent.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _server = start_server("0.0.0.0:7", |_r, _w| async move {}).await.unwrap();
    /// let (_reader, mut writer) = open_connection("localhost:7").await.unwrap();
    /// writer.write_all(b"data").await.unwrap();
    /// # });
    /// ```
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        AsyncWriteExt::write_all(&mut self.inner, data).await
    }

    /// Waits until written data is handed to the network (asyncio's
    /// `drain`; `write_all` already does this).
    ///
    /// # Errors
    ///
    /// Never, today.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _server = start_server("0.0.0.0:7", |_r, _w| async move {}).await.unwrap();
    /// let (_reader, mut writer) = open_connection("localhost:7").await.unwrap();
    /// writer.drain().await.unwrap();
    /// # });
    /// ```
    pub async fn drain(&mut self) -> io::Result<()> {
        AsyncWriteExt::flush(&mut self.inner).await
    }

    /// Sends EOF: the peer's reads end (asyncio's `write_eof`, or `close`).
    /// The reader can still read what the peer sends.
    ///
    /// # Errors
    ///
    /// Never, today.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _server = start_server("0.0.0.0:7", |mut r, mut w| async move {
    /// #     let all = r.read_to_eof().await.unwrap();
    /// #     w.write_all(&all).await.unwrap();
    /// # }).await.unwrap();
    /// let (mut reader, mut writer) = open_connection("localhost:7").await.unwrap();
    /// writer.write_all(b"bye").await.unwrap();
    /// writer.close().await.unwrap();
    /// assert_eq!(reader.read_to_eof().await.unwrap(), b"bye");
    /// # });
    /// ```
    pub async fn close(&mut self) -> io::Result<()> {
        AsyncWriteExt::close(&mut self.inner).await
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// Never, in practice.
    ///
    /// ```
    /// # use seedloop::io::{open_connection, start_server};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _server = start_server("0.0.0.0:7", |_r, _w| async move {}).await.unwrap();
    /// let (_reader, writer) = open_connection("localhost:7").await.unwrap();
    /// assert_eq!(writer.peer_addr().unwrap().port(), 7);
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}

impl AsyncWrite for StreamWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
