//! [`Client`]: aiohttp's `ClientSession`, a pooled HTTP client over the
//! simulated network.

use std::cell::{Cell, RefCell};
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use ::http::uri::{PathAndQuery, Scheme};
use ::http::{HeaderName, HeaderValue, Method, Request, Response, Uri, header};
use hyper::client::conn::{http1, http2};

use super::body::Body;
use super::error::Error;
use super::pool::{Key, Pool};
use super::rt::{Executor, Io, Timer};
use crate::net::TcpStream;
use crate::task::Local;

/// A pooled HTTP client (aiohttp's `ClientSession`): cheap to clone, every
/// clone shares the pool.
///
/// - HTTP/1.1 connections are kept alive and reused, one request at a
///   time each; [`ClientBuilder::http2_only`] multiplexes every request to
///   a host over one HTTP/2 connection instead.
/// - Names resolve through the simulated DNS: `http://web:8080/` goes to
///   the node named `web`.
/// - A request sent on a pooled connection that turns out dead (its server
///   restarted, or closed it while idle) is sent again, once, on a new
///   connection, when that is safe: hyper handed it back unsent, or its
///   method is idempotent (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`,
///   `TRACE`) and its body is whole bytes. hyper-util's client retries
///   the same way. [`ClientBuilder::retry`] turns it off.
///
/// ```
/// use axum::{Router, routing::post};
/// use seedloop::http::{self, Client};
/// use seedloop::net::TcpListener;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::spawn(async {
///         let app = Router::new().route("/echo", post(|body: String| async move { body }));
///         http::serve(TcpListener::bind("0.0.0.0:80").await.unwrap(), app).await.unwrap();
///     });
///     let client = Client::new();
///     for i in 0..3 {
///         let resp = client.post("http://localhost/echo").body(format!("{i}")).await.unwrap();
///         assert_eq!(resp.into_body().text().await.unwrap(), i.to_string());
///     }
///     assert_eq!(client.connections_opened(), 1, "one kept-alive connection");
/// });
/// ```
///
/// # Determinism
///
/// Connections, their tasks and their bytes are simulated like any
/// others: the same seed sends the same requests over the same
/// connections and gets the same responses.
#[derive(Clone)]
pub struct Client {
    /// Thread-checked, so a client is `Send` and `Sync` (it can sit in
    /// axum's state); it works only on the simulation's thread.
    inner: Local<Rc<Inner>>,
}

struct Inner {
    config: Config,
    pool: RefCell<Pool>,
}

#[derive(Clone, Debug)]
struct Config {
    timeout: Option<Duration>,
    http2: bool,
    max_idle: usize,
    idle_timeout: Option<Duration>,
    retry: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            timeout: None,
            http2: false,
            max_idle: 32,
            idle_timeout: Some(Duration::from_secs(90)),
            retry: true,
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("connections_opened", &self.connections_opened())
            .finish()
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

/// Sets up a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = seedloop::http::Client::builder()
///     .timeout(Duration::from_secs(2))
///     .pool_max_idle_per_host(4)
///     .build();
/// # drop(client);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    config: Config,
}

impl ClientBuilder {
    /// The default timeout of every request: from the call until the
    /// response's head arrives (connecting included). None by default.
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().timeout(std::time::Duration::from_secs(1)).build();
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.timeout = Some(timeout);
        self
    }

    /// Speaks HTTP/2 (with prior knowledge) and multiplexes every request
    /// to a host over one connection.
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().http2_only().build();
    /// ```
    pub fn http2_only(mut self) -> ClientBuilder {
        self.config.http2 = true;
        self
    }

    /// At most `max` idle HTTP/1.1 connections kept per host (32 by
    /// default; 0 keeps none, so every request connects anew).
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().pool_max_idle_per_host(0).build();
    /// ```
    pub fn pool_max_idle_per_host(mut self, max: usize) -> ClientBuilder {
        self.config.max_idle = max;
        self
    }

    /// An idle connection older than `timeout` (virtual time) is closed
    /// instead of reused (90 s by default; `None`: never).
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().pool_idle_timeout(None).build();
    /// ```
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.config.idle_timeout = timeout;
        self
    }

    /// Whether a request that met a dead pooled connection is sent once
    /// more on a new one (on by default; see [`Client`]).
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().retry(false).build();
    /// ```
    pub fn retry(mut self, retry: bool) -> ClientBuilder {
        self.config.retry = retry;
        self
    }

    /// The client.
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().build();
    /// ```
    pub fn build(self) -> Client {
        Client {
            inner: Local::new(Rc::new(Inner {
                config: self.config,
                pool: RefCell::new(Pool::default()),
            })),
        }
    }
}

/// A request being built: [`Client::get`]'s and [`Client::post`]'s value,
/// sent when `.await`ed.
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, routing::get, http::HeaderMap};
/// use seedloop::http::{self, Client};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::spawn(async {
///         let app = Router::new().route("/", get(|h: HeaderMap| async move {
///             h["x-name"].to_str().unwrap().to_owned()
///         }));
///         http::serve(seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap(), app).await.unwrap();
///     });
///     let resp = Client::new()
///         .get("http://localhost/")
///         .header("x-name", "ada")
///         .timeout(Duration::from_secs(1))
///         .await
///         .unwrap();
///     assert_eq!(resp.into_body().text().await.unwrap(), "ada");
/// });
/// ```
///
/// # Errors
///
/// Awaiting it gives the request's [`Error`]; a bad URI or header given
/// to the builder comes out there as [`Error::InvalidUri`] or
/// [`Error::Body`].
///
/// # Panics
///
/// Awaited outside a simulation.
///
/// # Cancel safety
///
/// As [`Client::request`].
#[must_use = "a request is sent when it is awaited"]
pub struct RequestBuilder {
    client: Client,
    request: Result<Request<Body>, Error>,
    timeout: Option<Duration>,
}

impl RequestBuilder {
    /// Adds a header.
    ///
    /// ```
    /// let c = seedloop::http::Client::new();
    /// let _r = c.get("http://web/").header("accept", "text/plain");
    /// ```
    pub fn header<K, V>(mut self, name: K, value: V) -> RequestBuilder
    where
        K: TryInto<HeaderName>,
        K::Error: std::error::Error + Send + Sync + 'static,
        V: TryInto<HeaderValue>,
        V::Error: std::error::Error + Send + Sync + 'static,
    {
        if let Ok(req) = &mut self.request {
            match (name.try_into(), value.try_into()) {
                (Ok(n), Ok(v)) => {
                    req.headers_mut().append(n, v);
                }
                (Err(e), _) => self.request = Err(Error::Body(Box::new(e))),
                (_, Err(e)) => self.request = Err(Error::Body(Box::new(e))),
            }
        }
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// let c = seedloop::http::Client::new();
    /// let _r = c.post("http://web/").body("payload");
    /// ```
    pub fn body(mut self, body: impl Into<Body>) -> RequestBuilder {
        if let Ok(req) = &mut self.request {
            *req.body_mut() = body.into();
        }
        self
    }

    /// Sets the body to `value` in JSON, and `content-type:
    /// application/json` (feature `json`).
    ///
    /// ```
    /// let c = seedloop::http::Client::new();
    /// let _r = c.post("http://web/items").json(&vec![1, 2]);
    /// ```
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> RequestBuilder {
        if let Ok(req) = &mut self.request {
            match serde_json::to_vec(value) {
                Ok(bytes) => {
                    *req.body_mut() = Body::from(bytes);
                    req.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                }
                Err(e) => self.request = Err(Error::Body(Box::new(e))),
            }
        }
        self
    }

    /// This request's timeout, instead of the client's.
    ///
    /// ```
    /// let c = seedloop::http::Client::new();
    /// let _r = c.get("http://web/").timeout(std::time::Duration::from_millis(300));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> RequestBuilder {
        self.timeout = Some(timeout);
        self
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response<Body>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let req = self.request?;
            let timeout = self.timeout.or(self.client.inner.config.timeout);
            self.client.send(req, timeout).await
        })
    }
}

impl Client {
    /// A client with the defaults: HTTP/1.1, keep-alive, no timeout.
    ///
    /// ```
    /// let _c = seedloop::http::Client::new();
    /// ```
    pub fn new() -> Client {
        ClientBuilder::default().build()
    }

    /// A builder for a client with other settings.
    ///
    /// ```
    /// let _c = seedloop::http::Client::builder().http2_only().build();
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A `GET` of `uri`, to `.await` (after adding headers or a timeout).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let err = seedloop::http::Client::new().get("http://nowhere/").await.unwrap_err();
    ///     assert!(matches!(err, seedloop::http::Error::UnknownHost { .. }));
    /// });
    /// ```
    pub fn get<U>(&self, uri: U) -> RequestBuilder
    where
        U: TryInto<Uri>,
        U::Error: std::fmt::Display,
        U: std::fmt::Debug + Clone,
    {
        self.builder_for(Method::GET, uri)
    }

    /// A `POST` to `uri`, to give a [`body`](RequestBuilder::body) and
    /// `.await`.
    ///
    /// ```
    /// let c = seedloop::http::Client::new();
    /// let _r = c.post("http://web/items").body("{}");
    /// ```
    pub fn post<U>(&self, uri: U) -> RequestBuilder
    where
        U: TryInto<Uri>,
        U::Error: std::fmt::Display,
        U: std::fmt::Debug + Clone,
    {
        self.builder_for(Method::POST, uri)
    }

    fn builder_for<U>(&self, method: Method, uri: U) -> RequestBuilder
    where
        U: TryInto<Uri>,
        U::Error: std::fmt::Display,
        U: std::fmt::Debug + Clone,
    {
        let shown = uri.clone();
        let request = match uri.try_into() {
            Ok(uri) => {
                let mut req = Request::new(Body::empty());
                *req.method_mut() = method;
                *req.uri_mut() = uri;
                Ok(req)
            }
            Err(_) => Err(Error::InvalidUri {
                uri: format!("{shown:?}").trim_matches('"').to_owned(),
                reason: "not a URI",
            }),
        };
        RequestBuilder {
            client: self.clone(),
            request,
            timeout: None,
        }
    }

    /// Sends `request` (any body that converts into a [`Body`]) and
    /// returns the response once its head has arrived; its body streams
    /// in after.
    ///
    /// ```
    /// use axum::{Router, routing::put};
    /// use seedloop::http::{self, Client, Request};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::spawn(async {
    ///         let app = Router::new().route("/k", put(|| async { "stored" }));
    ///         http::serve(seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap(), app).await.unwrap();
    ///     });
    ///     let req = Request::put("http://localhost/k").body("v").unwrap();
    ///     let resp = Client::new().request(req).await.unwrap();
    ///     assert_eq!(resp.into_body().text().await.unwrap(), "stored");
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error`], by what happened: a bad URI, an unknown host, a refused
    /// connection, a timeout (the client's), a reset, a protocol error.
    ///
    /// # Panics
    ///
    /// Awaited outside a simulation (it needs the simulated network).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the request; its connection is closed,
    /// not returned to the pool, unless the response had fully arrived.
    pub async fn request<B: Into<Body>>(
        &self,
        request: Request<B>,
    ) -> Result<Response<Body>, Error> {
        self.send(request.map(Into::into), self.inner.config.timeout)
            .await
    }

    /// Connections this client (and its clones) opened so far: 1 for many
    /// requests means the pool reused it.
    ///
    /// ```
    /// assert_eq!(seedloop::http::Client::new().connections_opened(), 0);
    /// ```
    pub fn connections_opened(&self) -> u64 {
        self.inner.pool.borrow().opened
    }

    /// Idle HTTP/1.1 connections kept for `host:port`.
    ///
    /// ```
    /// assert_eq!(seedloop::http::Client::new().idle_connections("web", 80), 0);
    /// ```
    pub fn idle_connections(&self, host: &str, port: u16) -> usize {
        self.inner.pool.borrow().idle(&(host.to_owned(), port))
    }

    async fn send(
        &self,
        req: Request<Body>,
        timeout: Option<Duration>,
    ) -> Result<Response<Body>, Error> {
        match timeout {
            None => self.send_retrying(req).await,
            Some(after) => crate::time::timeout(after, self.send_retrying(req))
                .await
                .unwrap_or(Err(Error::TimedOut { after: Some(after) })),
        }
    }

    async fn send_retrying(&self, req: Request<Body>) -> Result<Response<Body>, Error> {
        let key = key_of(req.uri())?;
        let retry = self.inner.config.retry;
        // A copy to send again is made only for a request that goes out on
        // a pooled connection (a new one is not retried).
        let keep_copy = retry && idempotent(req.method());
        match self.attempt(&key, req, false, keep_copy).await {
            Ok(resp) => Ok(resp),
            Err(Failed {
                reused: true,
                unsent: Some(req),
                ..
            }) if retry => self
                .attempt(&key, req, true, false)
                .await
                .map_err(|f| f.error),
            Err(Failed {
                reused: true,
                error,
                copy,
                ..
            }) if retryable(&error) => match copy {
                Some(req) => self
                    .attempt(&key, req, true, false)
                    .await
                    .map_err(|f| f.error),
                None => Err(error),
            },
            Err(f) => Err(f.error),
        }
    }

    async fn attempt(
        &self,
        key: &Key,
        req: Request<Body>,
        fresh: bool,
        keep_copy: bool,
    ) -> Result<Response<Body>, Failed> {
        if self.inner.config.http2 {
            self.attempt_h2(key, req, fresh, keep_copy).await
        } else {
            self.attempt_h1(key, req, fresh, keep_copy).await
        }
    }

    async fn attempt_h1(
        &self,
        key: &Key,
        mut req: Request<Body>,
        fresh: bool,
        keep_copy: bool,
    ) -> Result<Response<Body>, Failed> {
        let idle_timeout = self.inner.config.idle_timeout;
        let mut pooled = None;
        if !fresh {
            loop {
                let taken = self.inner.pool.borrow_mut().take_h1(key, idle_timeout);
                let Some(mut idle) = taken else { break };
                // Its last body was read: the connection task makes it
                // ready within a turn or two, or reports it closed.
                if idle.send.ready().await.is_ok() {
                    pooled = Some(idle);
                    break;
                }
            }
        }
        let reused = pooled.is_some();
        let copy = if reused && keep_copy {
            copy_of(&req)
        } else {
            None
        };
        let (mut send, addr) = match pooled {
            Some(idle) => (idle.send, idle.addr),
            None => {
                let (stream, addr) = self.connect(key).await.map_err(Failed::early)?;
                let (send, conn) = http1::handshake(Io::new(stream))
                    .await
                    .map_err(|e| Failed::early(classify(e, addr)))?;
                drive(conn, addr);
                (send, addr)
            }
        };
        origin_form(&mut req, key);
        match send.try_send_request(req).await {
            Ok(resp) => {
                let done = Rc::new(Cell::new(false));
                let max = self.inner.config.max_idle;
                self.inner
                    .pool
                    .borrow_mut()
                    .put_h1(key.clone(), send, addr, max, Rc::clone(&done));
                Ok(resp.map(|b| Body::incoming(b, Some(done))))
            }
            Err(mut e) => Err(Failed {
                reused,
                copy,
                unsent: e.take_message(),
                error: classify(e.into_error(), addr),
            }),
        }
    }

    async fn attempt_h2(
        &self,
        key: &Key,
        req: Request<Body>,
        fresh: bool,
        keep_copy: bool,
    ) -> Result<Response<Body>, Failed> {
        let mut pooled = if fresh {
            None
        } else {
            self.inner.pool.borrow_mut().h2(key)
        };
        let lock = match pooled {
            Some(_) => None,
            None => Some(self.inner.pool.borrow_mut().h2_lock(key)),
        };
        let connecting = match &lock {
            None => None,
            Some(lock) => {
                let guard = lock.lock().await;
                // Another request may have connected while this one waited.
                if !fresh {
                    pooled = self.inner.pool.borrow_mut().h2(key);
                }
                Some(guard)
            }
        };
        let reused = pooled.is_some();
        let copy = if reused && keep_copy {
            copy_of(&req)
        } else {
            None
        };
        let (mut send, addr) = match pooled {
            Some(c) => c,
            None => {
                let (stream, addr) = self.connect(key).await.map_err(Failed::early)?;
                let (send, conn) = http2::Builder::new(Executor::current())
                    .timer(Timer::new())
                    .handshake(Io::new(stream))
                    .await
                    .map_err(|e| Failed::early(classify(e, addr)))?;
                drive(conn, addr);
                self.inner
                    .pool
                    .borrow_mut()
                    .put_h2(key.clone(), send.clone(), addr);
                (send, addr)
            }
        };
        drop(connecting);
        // HTTP/2 takes the scheme and authority from the URI itself, which
        // `key_of` checked: the request goes as it is.
        match send.try_send_request(req).await {
            Ok(resp) => Ok(resp.map(|b| Body::incoming(b, None))),
            Err(mut e) => Err(Failed {
                reused,
                copy,
                unsent: e.take_message(),
                error: classify(e.into_error(), addr),
            }),
        }
    }

    /// A new connection to `key`, counted.
    async fn connect(&self, (host, port): &Key) -> Result<(TcpStream, SocketAddr), Error> {
        let addr = match crate::net::lookup_host((host.as_str(), *port)).await {
            Ok(mut addrs) => addrs.next(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::Io(e)),
        };
        let addr = addr.ok_or_else(|| Error::UnknownHost { host: host.clone() })?;
        self.inner.pool.borrow_mut().opened += 1;
        match TcpStream::connect(addr).await {
            Ok(s) => {
                s.set_nodelay(true).map_err(Error::Io)?;
                Ok((s, addr))
            }
            Err(e) => Err(match e.kind() {
                io::ErrorKind::ConnectionRefused => Error::Refused { addr },
                io::ErrorKind::TimedOut => Error::TimedOut { after: None },
                _ => Error::Io(e),
            }),
        }
    }
}

/// Runs a client connection's task (hyper's `Connection`) on the calling
/// task's node until the connection ends.
fn drive<C>(conn: C, addr: SocketAddr)
where
    C: Future<Output = Result<(), hyper::Error>> + 'static,
{
    crate::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(%addr, error = %e, "http client connection ended with an error");
        }
    });
}

/// A failed attempt: the error, whether the connection came from the
/// pool, the request if hyper handed it back unsent, and a copy made
/// before sending, if one was wanted.
struct Failed {
    error: Error,
    reused: bool,
    unsent: Option<Request<Body>>,
    copy: Option<Request<Body>>,
}

impl Failed {
    fn early(error: Error) -> Failed {
        Failed {
            error,
            reused: false,
            unsent: None,
            copy: None,
        }
    }
}

/// The pool key of `uri`: its host and port (80 by default).
fn key_of(uri: &Uri) -> Result<Key, Error> {
    let bad = |reason| Error::InvalidUri {
        uri: uri.to_string(),
        reason,
    };
    match uri.scheme() {
        Some(s) if *s == Scheme::HTTP => {}
        Some(s) if *s == Scheme::HTTPS => {
            return Err(bad(
                "https is not simulated: use http:// (TLS is not part of the simulation)",
            ));
        }
        Some(_) => return Err(bad("the scheme must be http")),
        None => return Err(bad("an absolute URI is needed, e.g. http://web/")),
    }
    let host = uri.host().ok_or_else(|| bad("no host"))?;
    Ok((host.to_owned(), uri.port_u16().unwrap_or(80)))
}

/// HTTP/1.1 wants the path on the request line and the host in `Host`.
fn origin_form(req: &mut Request<Body>, (host, port): &Key) {
    if !req.headers().contains_key(header::HOST) {
        let value = if *port == 80 {
            host.clone()
        } else {
            format!("{host}:{port}")
        };
        if let Ok(v) = HeaderValue::from_str(&value) {
            req.headers_mut().insert(header::HOST, v);
        }
    }
    let path = req
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *req.uri_mut() = Uri::from(path);
}

fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// A copy of `req` to send again, if its body is whole.
fn copy_of(req: &Request<Body>) -> Option<Request<Body>> {
    let body = req.body().try_clone()?;
    let mut copy = Request::new(body);
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    Some(copy)
}

/// A failure a new connection may not meet: the old one was closed.
fn retryable(e: &Error) -> bool {
    matches!(e, Error::Reset { .. })
}

/// hyper's error, by what it says happened.
fn classify(e: hyper::Error, addr: SocketAddr) -> Error {
    if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() || e.is_user() {
        Error::Protocol(e)
    } else if e.is_timeout() {
        Error::TimedOut { after: None }
    } else {
        Error::Reset {
            addr,
            source: Box::new(e),
        }
    }
}
