//! The halves of a `TcpStream`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::stream::{EndRef, impl_io};

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

impl_io!(read OwnedReadHalf);
impl_io!(write OwnedWriteHalf);
impl_io!(read ReadHalf<'_>);
impl_io!(write WriteHalf<'_>);

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if crate::runtime::try_core().is_some() {
            self.inner.shutdown();
        }
    }
}
