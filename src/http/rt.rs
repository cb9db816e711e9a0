//! hyper 1.x's runtime traits on seedloop, for anyone wiring hyper by hand:
//! [`Executor`] spawns onto a node, [`Timer`] sleeps in virtual time, and
//! [`Io`] adapts a simulated stream to `hyper::rt::Read` and `Write`.
//!
//! ```
//! use seedloop::http::rt::{Executor, Io, Timer};
//! use seedloop::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Empty, Full};
//! use bytes::Bytes;
//!
//! let mut sim = seedloop::Sim::new(1);
//! let body = sim.block_on(async {
//!     let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
//!     seedloop::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let service = hyper::service::service_fn(|_req| async {
//!             Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hi"))))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(Timer::new())
//!             .serve_connection(Io::new(stream), service)
//!             .await
//!             .unwrap();
//!     });
//!     let stream = TcpStream::connect("127.0.0.1:80").await.unwrap();
//!     let (mut send, conn) = hyper::client::conn::http1::handshake(Io::new(stream)).await.unwrap();
//!     seedloop::spawn(conn);
//!     let req = hyper::Request::get("/").body(Empty::<Bytes>::new()).unwrap();
//!     let resp = send.send_request(req).await.unwrap();
//!     resp.into_body().collect().await.unwrap().to_bytes()
//! });
//! assert_eq!(body, "hi");
//! # let _ = Executor::current;
//! ```

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant as StdInstant};

use futures::io::{AsyncRead, AsyncWrite};

use crate::node::{self, NodeId};
use crate::task::Local;

/// hyper's `Executor`: spawns hyper's background tasks (HTTP/2 streams and
/// connections) onto one node, so that they die with it.
///
/// ```
/// use seedloop::http::rt::Executor;
/// use hyper::rt::Executor as _;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = seedloop::sync::oneshot::channel();
///     Executor::current().execute(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 7);
/// });
/// ```
///
/// # Determinism
///
/// A spawned future is a task like any other: its turns are choices on
/// the tape.
#[derive(Clone, Copy, Debug)]
pub struct Executor {
    node: NodeId,
}

impl Executor {
    /// An executor for the calling task's node.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn current() -> Executor {
        Executor {
            node: node::current(),
        }
    }

    /// An executor for `node`.
    ///
    /// ```
    /// use seedloop::http::rt::Executor;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let web = seedloop::node::Builder::new("web").build();
    ///     assert_eq!(Executor::on(web).node(), web);
    /// });
    /// ```
    pub fn on(node: NodeId) -> Executor {
        Executor { node }
    }

    /// The node it spawns onto.
    ///
    /// ```
    /// use seedloop::http::rt::Executor;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async { assert_eq!(Executor::current().node(), seedloop::node::current()) });
    /// ```
    pub fn node(&self) -> NodeId {
        self.node
    }
}

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + 'static,
    F::Output: 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        drop(node::spawn_on(self.node, future));
    }
}

/// hyper's `Timer` in virtual time: hyper's timeouts (header reads,
/// keep-alive pings) expire as the simulated clock moves, never the wall
/// clock.
///
/// hyper speaks `std::time::Instant`, so this timer maps virtual time onto
/// one `std::time::Instant` read once per process, as an origin: hyper only
/// adds to and subtracts from the instants it gets, so nothing depends on
/// the origin's value.
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer as _;
/// use seedloop::http::rt::Timer;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let t = Timer::new();
///     let start = t.now();
///     t.sleep(Duration::from_secs(3)).await;
///     assert_eq!(t.now() - start, Duration::from_secs(3));
/// });
/// assert_eq!(sim.elapsed(), Duration::from_secs(3));
/// ```
///
/// # Determinism
///
/// Its sleeps are seedloop timers; when several expire together, their
/// order is a choice on the tape.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    _private: (),
}

impl Timer {
    /// A timer on the simulated clock.
    ///
    /// ```
    /// let _timer = seedloop::http::rt::Timer::new();
    /// ```
    pub fn new() -> Timer {
        Timer { _private: () }
    }
}

/// The `std::time::Instant` virtual time 0 maps to.
fn origin() -> StdInstant {
    static ORIGIN: OnceLock<StdInstant> = OnceLock::new();
    *ORIGIN.get_or_init(StdInstant::now)
}

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TimerSleep(Local::new(Box::pin(crate::time::sleep(
            duration,
        )))))
    }

    fn sleep_until(&self, deadline: StdInstant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep(deadline.saturating_duration_since(self.now()))
    }

    fn now(&self) -> StdInstant {
        origin() + crate::time::Instant::now().since_start()
    }
}

/// One of [`Timer`]'s sleeps: a seedloop `Sleep` that hyper may hold in
/// its `Send` futures; it panics if polled on another thread.
struct TimerSleep(Local<Pin<Box<crate::time::Sleep>>>);

impl Future for TimerSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for TimerSleep {}

/// A simulated byte stream (a [`TcpStream`](crate::net::TcpStream), or
/// anything with futures' `AsyncRead` and `AsyncWrite`) as hyper's
/// `Read` and `Write`.
///
/// ```
/// use seedloop::http::rt::Io;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let _l = seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let s = seedloop::net::TcpStream::connect("127.0.0.1:80").await.unwrap();
///     let io = Io::new(s);
///     assert!(io.get_ref().peer_addr().is_ok());
///     let _s: seedloop::net::TcpStream = io.into_inner();
/// });
/// ```
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
    /// How many bytes the next read offers the stream (each must be
    /// zeroed first): doubled when a read fills it, halved when reads
    /// stay small, so small messages cost a small `memset`.
    chunk: usize,
}

impl<T> Io<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// let io = seedloop::http::rt::Io::new(futures::io::Cursor::new(vec![1u8]));
    /// assert_eq!(io.get_ref().get_ref(), &[1]);
    /// ```
    pub fn new(inner: T) -> Io<T> {
        Io {
            inner,
            chunk: MIN_CHUNK,
        }
    }

    /// The stream.
    ///
    /// ```
    /// let io = seedloop::http::rt::Io::new(5u8);
    /// assert_eq!(*io.get_ref(), 5);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    ///
    /// ```
    /// let mut io = seedloop::http::rt::Io::new(5u8);
    /// *io.get_mut() = 6;
    /// assert_eq!(io.into_inner(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The stream, unwrapped.
    ///
    /// ```
    /// assert_eq!(seedloop::http::rt::Io::new(5u8).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for Io<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: only initialized below, and `advance` counts only the
        // bytes the read wrote.
        let spare = unsafe { buf.as_mut() };
        // hyper's read buffer grows with the traffic (to hundreds of KiB);
        // zeroing all of it for every read would cost more than the read.
        let cap = spare.len().min(self.chunk);
        let spare = init(&mut spare[..cap]);
        match Pin::new(&mut self.inner).poll_read(cx, spare) {
            Poll::Ready(Ok(n)) => {
                // SAFETY: `n` bytes of the initialized spare room were read into.
                unsafe { buf.advance(n) };
                if n == cap {
                    self.chunk = (self.chunk * 2).min(MAX_CHUNK);
                } else if n < cap / 4 {
                    self.chunk = (self.chunk / 2).max(MIN_CHUNK);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The least and the most one read offers the stream (bytes it must zero
/// first).
const MIN_CHUNK: usize = 1024;
const MAX_CHUNK: usize = 64 * 1024;

/// Zeroes `spare` and views it as bytes.
fn init(spare: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    for b in spare.iter_mut() {
        b.write(0);
    }
    // SAFETY: every byte was written just above.
    unsafe { &mut *(std::ptr::from_mut(spare) as *mut [u8]) }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for Io<T> {
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

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
