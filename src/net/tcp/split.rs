//! The halves of a `TcpStream`.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use super::stream::EndRef;
use crate::future::io::impl_io;

/// The owned read half of a [`TcpStream`](super::TcpStream), from
/// [`into_split`](super::TcpStream::into_split).
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// # use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let (mut rd, wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
///     let (mut server, _) = l.accept().await.unwrap();
///     server.write_all(b"x").await.unwrap();
///     let mut b = [0; 1];
///     rd.read_exact(&mut b).await.unwrap();
///     assert_eq!(rd.peer_addr().unwrap().port(), 80);
///     drop(wr);
/// });
/// ```
pub struct OwnedReadHalf {
    pub(crate) inner: EndRef,
}

/// The owned write half of a [`TcpStream`](super::TcpStream). Dropping it
/// shuts the write direction down: the peer reads EOF.
///
/// ```
/// use futures::AsyncReadExt;
/// # use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let (_rd, wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
///     let (mut server, _) = l.accept().await.unwrap();
///     assert_eq!(wr.local_addr().unwrap().port(), 49152);
///     drop(wr);
///     let mut rest = Vec::new();
///     assert_eq!(server.read_to_end(&mut rest).await.unwrap(), 0); // EOF
/// });
/// ```
pub struct OwnedWriteHalf {
    pub(crate) inner: EndRef,
    /// False once reunited: the stream keeps the write direction open.
    pub(crate) shut_on_drop: bool,
}

/// The borrowed read half of a [`TcpStream`](super::TcpStream), from
/// [`split`](super::TcpStream::split).
///
/// ```
/// # use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let mut s = TcpStream::connect("localhost:80").await.unwrap();
///     let (rd, _wr) = s.split();
///     assert_eq!(rd.local_addr().unwrap().port(), 49152);
/// });
/// ```
pub struct ReadHalf<'a> {
    pub(crate) inner: &'a EndRef,
}

/// The borrowed write half of a [`TcpStream`](super::TcpStream).
///
/// ```
/// # use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let mut s = TcpStream::connect("localhost:80").await.unwrap();
///     let (_rd, wr) = s.split();
///     assert_eq!(wr.peer_addr().unwrap().port(), 80);
/// });
/// ```
pub struct WriteHalf<'a> {
    pub(crate) inner: &'a EndRef,
}

macro_rules! addrs {
    ($ty:ty) => {
        impl $ty {
            /// This end's address.
            ///
            /// # Errors
            ///
            /// Never, in practice; `io::Result` as in tokio.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                Ok(self.inner.local_addr())
            }

            /// The peer's address.
            ///
            /// # Errors
            ///
            /// Never, in practice; `io::Result` as in tokio.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                Ok(self.inner.peer_addr())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("local_addr", &self.inner.local_addr())
                    .field("peer_addr", &self.inner.peer_addr())
                    .finish()
            }
        }
    };
}

addrs!(OwnedReadHalf);
addrs!(OwnedWriteHalf);
addrs!(ReadHalf<'_>);
addrs!(WriteHalf<'_>);

impl_io!(read OwnedReadHalf, |s, cx, buf| s.inner.poll_read(cx, buf));
impl_io!(write OwnedWriteHalf, |s, cx, buf| s.inner.poll_write(cx, buf), |s| s.inner.shutdown());
impl_io!(read ReadHalf<'_>, |s, cx, buf| s.inner.poll_read(cx, buf));
impl_io!(write WriteHalf<'_>, |s, cx, buf| s.inner.poll_write(cx, buf), |s| s.inner.shutdown());

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shut_on_drop && crate::runtime::try_core().is_some() {
            self.inner.shutdown();
        }
    }
}

impl OwnedReadHalf {
    /// Joins this half with its write half into the stream again (tokio's
    /// `reunite`).
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], with both halves back, if they come from different
    /// streams.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let (rd, wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
    ///     let stream = rd.reunite(wr).unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap().port(), 80);
    /// });
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<super::TcpStream, ReuniteError> {
        reunite(self, other)
    }
}

impl OwnedWriteHalf {
    /// As [`OwnedReadHalf::reunite`], from the write half.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] if the halves come from different streams.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let (rd, wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
    ///     assert!(wr.reunite(rd).is_ok());
    /// });
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<super::TcpStream, ReuniteError> {
        reunite(other, self)
    }
}

fn reunite(read: OwnedReadHalf, write: OwnedWriteHalf) -> Result<super::TcpStream, ReuniteError> {
    let same = std::rc::Rc::ptr_eq(&read.inner.conn, &write.inner.conn)
        && read.inner.end == write.inner.end;
    if !same {
        return Err(ReuniteError(read, write));
    }
    // The write half goes without shutting the write direction down: the
    // stream keeps it open. Its handle on the end goes with it (the read
    // half's remains, so the end stays open).
    let mut write = write;
    write.shut_on_drop = false;
    drop(write);
    Ok(super::TcpStream { inner: read.inner })
}

/// Halves of two different streams given to `reunite`; both come back
/// (tokio's `ReuniteError`).
///
/// ```
/// use seedloop::net::{TcpListener, TcpStream};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let (rd, _wr) = TcpStream::connect("localhost:80").await.unwrap().into_split();
///     let (_rd2, wr2) = TcpStream::connect("localhost:80").await.unwrap().into_split();
///     let err = rd.reunite(wr2).unwrap_err();
///     assert_eq!(err.to_string(), "tried to reunite halves that are not from the same socket");
/// });
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}
