//! tokio's readiness API and socket options on `TcpStream` and its halves:
//! `peek`, `try_read`, `try_write`, `readable`, `writable`, `ready`,
//! `nodelay`, `ttl` and `linger`.
//!
//! The options are recorded and observable. `nodelay` changes nothing in
//! the simulation: segments are never held back to be coalesced, so
//! Nagle's delay is not modelled, with it on or off. Every simulated link
//! is one hop, so a `ttl` of 1 or more always arrives; it is kept for code
//! that sets and reads it. A `linger` of zero makes a close send a reset
//! (the peer's reads then fail with `ConnectionReset`), as on Linux; any
//! other linger changes nothing, since a simulated close never blocks.

use std::future::poll_fn;
use std::io;
use std::time::Duration;

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::stream::{EndRef, TcpStream};
use crate::net::ready::{Interest, Ready};
use crate::runtime::current_core;

fn would_block() -> io::Error {
    io::Error::new(
        io::ErrorKind::WouldBlock,
        "the operation would wait: nothing to read, or no room to write",
    )
}

impl EndRef {
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let (r, w) = (interest.is_readable(), interest.is_writable());
        let (a, b, c, d) = poll_fn(|cx| self.conn.poll_ready(self.end, cx, r, w)).await;
        Ok(Ready::from_flags(a, b, c, d).intersect(interest))
    }

    pub(crate) async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.conn.poll_peek(self.end, cx, buf)).await
    }

    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn
            .read_now(self.end, buf, true)
            .unwrap_or_else(|| Err(would_block()))
    }

    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let core = current_core();
        self.conn
            .write_now(&core, self.end, buf)
            .unwrap_or_else(|| Err(would_block()))
    }
}

impl TcpStream {
    /// Waits until the stream is ready for `interest` and says for what
    /// (tokio's `ready`). A closed direction counts as ready.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use seedloop::net::{Interest, TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let ready = s.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    ///     assert!(ready.is_writable() && !ready.is_readable());
    ///     # drop(l);
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.inner.ready(interest).await
    }

    /// Waits until a read would not wait: data, EOF or an error.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let (mut server, _) = l.accept().await.unwrap();
    ///     server.write_all(b"hi").await.unwrap();
    ///     s.readable().await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(s.try_read(&mut buf).unwrap(), 2);
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a write would not wait: room in the send buffer, or an
    /// error.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     s.writable().await.unwrap();
    ///     assert_eq!(s.try_write(b"hello").unwrap(), 5);
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Reads what has arrived, without waiting (tokio's `try_read`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing has arrived and the stream is open; the
    /// connection's error (`ConnectionReset`, `TimedOut`). `Ok(0)` is EOF.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let err = s.try_read(&mut [0; 4]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }

    /// Writes as much as fits in the send buffer, without waiting (tokio's
    /// `try_write`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; `BrokenPipe` after a
    /// shutdown; the connection's error.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     assert_eq!(s.try_write(b"abc").unwrap(), 3);
    /// });
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// Waits for data and copies it into `buf` without taking it: the next
    /// read returns the same bytes (tokio's `peek`).
    ///
    /// # Errors
    ///
    /// The connection's error. `Ok(0)` is EOF.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let mut s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let (mut server, _) = l.accept().await.unwrap();
    ///     server.write_all(b"GET").await.unwrap();
    ///     let mut first = [0; 3];
    ///     assert_eq!(s.peek(&mut first).await.unwrap(), 3);
    ///     let mut again = [0; 3];
    ///     s.read_exact(&mut again).await.unwrap();
    ///     assert_eq!(first, again);
    /// });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek(buf).await
    }

    /// Sets `TCP_NODELAY`. Recorded; it changes nothing in the simulation,
    /// where segments are never coalesced (see the module docs).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let s = TcpStream::connect("localhost:80").await.unwrap();
    ///     assert!(!s.nodelay().unwrap());
    ///     s.set_nodelay(true).unwrap();
    ///     assert!(s.nodelay().unwrap());
    /// });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.conn.ends[self.inner.end].nodelay.set(nodelay);
        Ok(())
    }

    /// Whether `TCP_NODELAY` is set (false by default).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let s = TcpStream::connect("localhost:80").await.unwrap();
    /// assert!(!s.nodelay().unwrap());
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.inner.conn.ends[self.inner.end].nodelay.get())
    }

    /// Sets the IP time-to-live, in hops. Every simulated link is one hop,
    /// so any TTL of at least 1 arrives; the value is recorded.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for 0 or above 255, as Linux refuses them.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let s = TcpStream::connect("localhost:80").await.unwrap();
    /// assert_eq!(s.ttl().unwrap(), 64);
    /// s.set_ttl(8).unwrap();
    /// assert_eq!(s.ttl().unwrap(), 8);
    /// assert_eq!(s.set_ttl(0).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        check_ttl(ttl)?;
        self.inner.conn.ends[self.inner.end].ttl.set(ttl);
        Ok(())
    }

    /// The IP time-to-live (64 by default, as Linux).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let s = TcpStream::connect("localhost:80").await.unwrap();
    /// assert_eq!(s.ttl().unwrap(), 64);
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        Ok(self.inner.conn.ends[self.inner.end].ttl.get())
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the stream
    /// send a reset instead of a clean EOF (the peer's reads fail with
    /// `ConnectionReset`), as on Linux; other values are recorded (a
    /// simulated close never blocks).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::AsyncReadExt;
    /// use seedloop::net::{TcpListener, TcpStream};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///     let mut s = TcpStream::connect("localhost:80").await.unwrap();
    ///     let (server, _) = l.accept().await.unwrap();
    ///     server.set_linger(Some(Duration::ZERO)).unwrap();
    ///     drop(server); // a reset, not a FIN
    ///     let err = s.read(&mut [0; 4]).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    /// });
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.conn.ends[self.inner.end].linger.set(linger);
        Ok(())
    }

    /// The `SO_LINGER` setting (`None` by default).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # use seedloop::net::{TcpListener, TcpStream};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let s = TcpStream::connect("localhost:80").await.unwrap();
    /// assert_eq!(s.linger().unwrap(), None);
    /// # });
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        Ok(self.inner.conn.ends[self.inner.end].linger.get())
    }
}

/// A TTL Linux accepts: 1 to 255.
pub(crate) fn check_ttl(ttl: u32) -> io::Result<()> {
    if (1..=255).contains(&ttl) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a TTL of {ttl} is out of range: it must be 1 to 255"),
        ))
    }
}

/// The read side's readiness API on a read half.
macro_rules! read_side {
    ($ty:ty, $make:literal) => {
        impl $ty {
            /// Waits until a read would not wait (see
            /// [`TcpStream::readable`]).
            ///
            /// # Errors
            ///
            /// None today; `io::Result` as in tokio.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            /// use futures::AsyncWriteExt;
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            ///     let (mut server, _) = l.accept().await.unwrap();
            ///     server.write_all(b"x").await.unwrap();
            #[doc = $make]
            ///     rd.readable().await.unwrap();
            ///     let mut buf = [0; 4];
            ///     assert_eq!(rd.peek(&mut buf).await.unwrap(), 1);
            ///     assert_eq!(rd.try_read(&mut buf).unwrap(), 1);
            /// });
            /// ```
            pub async fn readable(&self) -> io::Result<()> {
                self.inner.ready(Interest::READABLE).await.map(drop)
            }

            /// As [`TcpStream::ready`], for the read side.
            ///
            /// # Errors
            ///
            /// None today; `io::Result` as in tokio.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            ///     let (server, _) = l.accept().await.unwrap();
            ///     drop(server); // EOF: the read side is ready, and closed
            #[doc = $make]
            ///     let ready = rd.ready(seedloop::net::Interest::READABLE).await.unwrap();
            ///     assert!(ready.is_read_closed());
            /// });
            /// ```
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                self.inner.ready(interest).await
            }

            /// As [`TcpStream::peek`].
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
            /// use futures::AsyncWriteExt;
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            ///     let (mut server, _) = l.accept().await.unwrap();
            ///     server.write_all(b"ab").await.unwrap();
            #[doc = $make]
            ///     let mut buf = [0; 2];
            ///     assert_eq!(rd.peek(&mut buf).await.unwrap(), 2);
            /// });
            /// ```
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.inner.peek(buf).await
            }

            /// As [`TcpStream::try_read`].
            ///
            /// # Errors
            ///
            /// `WouldBlock` when nothing has arrived; the connection's error.
            ///
            /// ```
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            #[doc = $make]
            ///     assert!(rd.try_read(&mut [0; 1]).is_err());
            /// });
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.inner.try_read(buf)
            }
        }
    };
}

/// The write side's readiness API on a write half.
macro_rules! write_side {
    ($ty:ty, $make:literal) => {
        impl $ty {
            /// Waits until a write would not wait (see
            /// [`TcpStream::writable`]).
            ///
            /// # Errors
            ///
            /// None today; `io::Result` as in tokio.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            #[doc = $make]
            ///     wr.writable().await.unwrap();
            ///     assert_eq!(wr.try_write(b"ok").unwrap(), 2);
            /// });
            /// ```
            pub async fn writable(&self) -> io::Result<()> {
                self.inner.ready(Interest::WRITABLE).await.map(drop)
            }

            /// As [`TcpStream::ready`], for the write side.
            ///
            /// # Errors
            ///
            /// None today; `io::Result` as in tokio.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            /// use seedloop::net::{Interest, TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            #[doc = $make]
            ///     assert!(wr.ready(Interest::WRITABLE).await.unwrap().is_writable());
            /// });
            /// ```
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                self.inner.ready(interest).await
            }

            /// As [`TcpStream::try_write`].
            ///
            /// # Errors
            ///
            /// `WouldBlock` when the send buffer is full; `BrokenPipe` after a
            /// shutdown; the connection's error.
            ///
            /// ```
            /// use seedloop::net::{TcpListener, TcpStream};
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            ///     let mut stream = TcpStream::connect("localhost:80").await.unwrap();
            #[doc = $make]
            ///     assert_eq!(wr.try_write(b"abc").unwrap(), 3);
            /// });
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.inner.try_write(buf)
            }
        }
    };
}

read_side!(OwnedReadHalf, "    let (rd, _wr) = stream.into_split();");
read_side!(ReadHalf<'_>, "    let (rd, _wr) = stream.split();");
write_side!(OwnedWriteHalf, "    let (_rd, wr) = stream.into_split();");
write_side!(WriteHalf<'_>, "    let (_rd, wr) = stream.split();");
