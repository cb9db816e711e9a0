//! [`Channel`]: what tonic's `transport::Channel` does for a client, on
//! seedloop's simulated TCP instead of tokio's: one HTTP/2 connection to
//! one address, made when first needed and made again once it has closed.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use http::uri::{PathAndQuery, Scheme};
use hyper::body::Incoming;
use hyper::client::conn::http2::{self, SendRequest};
use seedloop::http::rt::{Executor, Io, Timer};
use seedloop::net::TcpStream;
use seedloop::sync::Mutex;
use tonic::Status;
use tonic::body::Body;

/// A client's HTTP/2 connection to one gRPC server, as a tower service
/// that tonic's `client::Grpc` sends its requests through.
///
/// - Every call multiplexes onto the one connection (HTTP/2 streams).
/// - The connection is made at the first call, not at `new`, and made
///   again at the call after it has closed (its server restarted, or the
///   connection broke): the old one is noticed dead when hyper has seen it
///   end. A call that was on the connection when it broke fails with
///   `UNAVAILABLE` and is not sent again, since the server may have run it
///   (gRPC leaves retrying such a call to the caller).
/// - A failure to connect is `UNAVAILABLE` too, as in tonic's transport.
///
/// A call can wait forever (a partition drops its packets and TCP keeps
/// retrying); the deadline is [`StoreClient`](super::StoreClient)'s, around
/// the whole call, the response's body included.
///
/// Cheap to clone; the clones share the connection.
#[derive(Clone)]
pub struct Channel {
    inner: Rc<Inner>,
}

struct Inner {
    /// `host:port` to connect to (a node's name resolves through the
    /// simulated DNS).
    addr: String,
    /// The `http://host:port` each request's URI is completed with, since
    /// tonic's client sends only the method's path and HTTP/2 wants the
    /// `:scheme` and `:authority` too.
    authority: http::uri::Authority,
    /// The connection, if one was made. Behind an async mutex so that
    /// calls that start together while there is none wait for the one
    /// that connects, instead of each opening its own.
    conn: Mutex<Option<SendRequest<Body>>>,
    /// Connections made so far, for tests and the example to show a
    /// reconnect.
    opened: Cell<u64>,
}

impl Channel {
    /// A channel to `addr` (`"store:50051"`); nothing is sent until the
    /// first call.
    ///
    /// # Panics
    ///
    /// If `addr` is not a valid URI authority (`host:port`).
    pub fn new(addr: impl Into<String>) -> Channel {
        let addr = addr.into();
        let authority = addr
            .parse()
            .unwrap_or_else(|e| panic!("{addr:?} is not host:port: {e}"));
        Channel {
            inner: Rc::new(Inner {
                addr,
                authority,
                conn: Mutex::new(None),
                opened: Cell::new(0),
            }),
        }
    }

    /// How many connections this channel (and its clones) has made.
    pub fn connections_opened(&self) -> u64 {
        self.inner.opened.get()
    }
}

impl Inner {
    /// The open connection, or a new one if there is none or it has
    /// closed.
    ///
    /// # Cancel safety
    ///
    /// Cancelled while connecting (a deadline during a partition), it
    /// leaves no connection behind; the next call connects afresh.
    async fn connection(&self) -> Result<SendRequest<Body>, Status> {
        let mut slot = self.conn.lock().await;
        if let Some(send) = slot.as_ref().filter(|s| !s.is_closed()) {
            return Ok(send.clone());
        }
        *slot = None;
        let stream = TcpStream::connect(self.addr.as_str())
            .await
            .map_err(|e| unavailable(format!("cannot connect to {}", self.addr), e))?;
        // hyper's background work (the connection and its streams) runs
        // as tasks of this node, in virtual time: seedloop's Executor and
        // Timer stand in for hyper-util's tokio ones.
        let (send, conn) = http2::Builder::new(Executor::current())
            .timer(Timer::new())
            .handshake(Io::new(stream))
            .await
            .map_err(|e| unavailable(format!("HTTP/2 handshake with {}", self.addr), e))?;
        let addr = self.addr.clone();
        seedloop::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%addr, error = %e, "grpc channel: the connection ended");
            }
        });
        self.opened.set(self.opened.get() + 1);
        *slot = Some(send.clone());
        Ok(send)
    }

    /// `request` with its URI made absolute, `http://host:port/path`.
    fn complete(&self, mut request: http::Request<Body>) -> http::Request<Body> {
        let mut parts = request.uri().clone().into_parts();
        parts.scheme = Some(Scheme::HTTP);
        parts.authority = Some(self.authority.clone());
        if parts.path_and_query.is_none() {
            parts.path_and_query = Some(PathAndQuery::from_static("/"));
        }
        *request.uri_mut() = Uri::from_parts(parts).expect("scheme, authority and path make a URI");
        request
    }
}

/// `UNAVAILABLE`, gRPC's code for "try again later", with `error` as the
/// status's source and its whole chain in the message (hyper's own
/// message is only "connection error"; the cause is in its source).
fn unavailable(what: String, error: impl std::error::Error + Send + Sync + 'static) -> Status {
    let mut message = format!("{what}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let mut status = Status::unavailable(message);
    status.set_source(Arc::new(error));
    status
}

impl tower_service::Service<http::Request<Body>> for Channel {
    /// hyper's own body type: tonic's client asks the response body to be
    /// `Send` (it boxes it as one while decoding), and `Incoming` is,
    /// where a body that held a seedloop timer would not be. So the
    /// deadline is kept outside, around the call.
    type Response = http::Response<Incoming>;
    type Error = Status;
    /// Not `Send`, and tonic's client does not ask it to be: it awaits
    /// the future where it was made.
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Incoming>, Status>>>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        // Ready at once: the connection is checked (and made) in `call`,
        // which can wait for it.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let inner = Rc::clone(&self.inner);
        Box::pin(async move {
            let mut send = inner.connection().await?;
            let request = inner.complete(request);
            send.send_request(request)
                .await
                .map_err(|e| unavailable(format!("connection to {} lost", inner.addr), e))
        })
    }
}
