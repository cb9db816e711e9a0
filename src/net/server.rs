//! `Server`: a listener served by a task, as `create_server` and
//! `start_server` return it.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use super::{TcpListener, TcpStream};
use crate::future::Promise;
use crate::task::JoinHandle;

/// A listening server, from [`io::start_server`](crate::io::start_server)
/// or [`create_server`](super::protocol::create_server) (asyncio's
/// `Server`). Dropping it, or calling
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
