//! tokio's non-waiting and readiness API on `UdpSocket`: `peek_from`,
//! `try_send_to`, `try_send`, `try_recv_from`, `try_recv`, `readable`,
//! `writable`, `ready`, and the `ttl` option.

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::task::{Context, Poll};

use super::UdpSocket;
use super::ready::{Interest, Ready};
use super::udp::closed;
use crate::runtime::wait::WaitKind;

/// A task blocked here is reported as waiting on `UdpSocket::readable`.
static READABLE: WaitKind = WaitKind::plain("UdpSocket::readable");

fn would_block() -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, "no datagram is waiting")
}

impl UdpSocket {
    /// What the socket is ready for now: (readable, closed).
    fn readiness(&self) -> (bool, bool) {
        let s = self.shared();
        let closed = s.closed.get();
        (closed || !s.queue.borrow().is_empty(), closed)
    }

    fn poll_readable(&self, cx: &Context<'_>) -> Poll<()> {
        if self.readiness().0 {
            return Poll::Ready(());
        }
        crate::runtime::wait::mark_waiting(&READABLE, Location::caller());
        super::addr::add_waiter(&self.shared().wakers, cx);
        Poll::Pending
    }

    /// Waits until the socket is ready for `interest`. Sending never waits
    /// (a simulated socket has no send buffer to fill), so it is always
    /// writable; it is readable when a datagram waits or its node was
    /// killed (then both directions are closed).
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
    /// use seedloop::net::{Interest, UdpSocket};
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// let ready = s.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    /// assert!(ready.is_writable() && !ready.is_readable());
    /// # });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        if !interest.is_writable() {
            poll_fn(|cx| self.poll_readable(cx)).await;
        }
        let (readable, closed) = self.readiness();
        Ok(Ready::from_flags(readable, true, closed, closed).intersect(interest))
    }

    /// Waits until a datagram waits (or the socket's node was killed).
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
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// let b = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// a.try_send_to(b"x", b.local_addr().unwrap()).unwrap();
    /// b.readable().await.unwrap();
    /// let mut buf = [0; 4];
    /// assert_eq!(b.try_recv_from(&mut buf).unwrap().0, 1);
    /// # });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_readable(cx)).await;
        Ok(())
    }

    /// Returns at once: a simulated socket can always send.
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
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// s.writable().await.unwrap();
    /// # });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        Ok(())
    }

    /// Copies the next datagram into `buf` without taking it: the next
    /// receive returns it again (tokio's `peek_from`).
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket's node was killed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// let b = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// a.send_to(b"peeked", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 16];
    /// let (n, from) = b.peek_from(&mut buf).await.unwrap();
    /// assert_eq!((&buf[..n], from), (&b"peeked"[..], a.local_addr().unwrap()));
    /// assert_eq!(b.recv_from(&mut buf).await.unwrap().0, 6, "still there");
    /// # });
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        loop {
            if let Some(done) = self.take_now(buf, false) {
                return done;
            }
            poll_fn(|cx| self.poll_readable(cx)).await;
        }
    }

    /// Takes (or, for a peek, copies) the next datagram now: `None` when
    /// none waits.
    fn take_now(&self, buf: &mut [u8], take: bool) -> Option<io::Result<(usize, SocketAddr)>> {
        let s = self.shared();
        let mut queue = s.queue.borrow_mut();
        let Some((data, from)) = queue.front() else {
            return s.closed.get().then(|| Err(closed()));
        };
        let data = data.as_slice();
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        let from = *from;
        if take {
            queue.pop_front();
        }
        Some(Ok((n, from)))
    }

    /// Receives a waiting datagram without waiting (tokio's
    /// `try_recv_from`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when none waits; `NotConnected` if the socket's node
    /// was killed.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// let err = s.try_recv_from(&mut [0; 4]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # });
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.take_now(buf, true)
            .unwrap_or_else(|| Err(would_block()))
    }

    /// As [`try_recv_from`](UdpSocket::try_recv_from), without the sender.
    ///
    /// # Errors
    ///
    /// As [`try_recv_from`](UdpSocket::try_recv_from).
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert!(s.try_recv(&mut [0; 4]).is_err());
    /// # });
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.try_recv_from(buf).map(|(n, _)| n)
    }

    /// Sends without waiting (sending never waits here: it is the same as
    /// [`send_to`](UdpSocket::send_to) to a resolved address).
    ///
    /// # Errors
    ///
    /// As [`send_to`](UdpSocket::send_to).
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert_eq!(a.try_send_to(b"hi", a.local_addr().unwrap()).unwrap(), 2);
    /// # });
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.send_datagram(buf, target)
    }

    /// Sends to the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket is not connected; as
    /// [`send_to`](UdpSocket::send_to).
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let a = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert!(a.try_send(b"x").is_err()); // not connected
    /// # });
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let to = self.peer_addr()?;
        self.send_datagram(buf, to)
    }

    /// Sets the IP time-to-live. Every simulated link is one hop, so any
    /// TTL of at least 1 arrives; the value is recorded.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for 0 or above 255.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// s.set_ttl(2).unwrap();
    /// assert_eq!(s.ttl().unwrap(), 2);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        super::tcp::check_ttl(ttl)?;
        self.shared().ttl.set(ttl);
        Ok(())
    }

    /// The IP time-to-live (64 by default).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in tokio.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
    /// assert_eq!(s.ttl().unwrap(), 64);
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        Ok(self.shared().ttl.get())
    }
}
