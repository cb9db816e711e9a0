//! [`serve`]: HTTP/1.1 and HTTP/2 on a simulated `TcpListener`, for any
//! tower service (an axum `Router` serves as it is).

use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::time::Duration;

use futures::FutureExt;
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;

use super::error::BoxError;
use super::rt::{Executor, Io, Timer};
use crate::net::TcpListener;
use crate::sync::watch;
use crate::task::JoinSet;

/// Serves `service` on `listener`: every accepted connection runs as a
/// task on the calling task's node (so a kill of the node drops them all),
/// speaking HTTP/1.1 or HTTP/2 as the client's first bytes say (or one
/// of them, with [`Serve::http1_only`] / [`Serve::http2_only`]).
///
/// The service is cloned for each connection, as axum's and tonic's are.
///
/// ```
/// use axum::{Router, routing::get};
/// use seedloop::http::{self, Client};
/// use seedloop::net::TcpListener;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let web = seedloop::node::Builder::new("web").build();
///     seedloop::node::spawn_on(web, async {
///         let app = Router::new().route("/", get(|| async { "hello" }));
///         let listener = TcpListener::bind("0.0.0.0:8080").await.unwrap();
///         http::serve(listener, app).await.unwrap();
///     });
///     let resp = Client::new().get("http://web:8080/").await.unwrap();
///     assert_eq!(resp.status(), 200);
///     assert_eq!(resp.into_body().text().await.unwrap(), "hello");
/// });
/// ```
///
/// # Panics
///
/// Awaited outside a simulation.
///
/// # Errors
///
/// The future ends with the listener's accept error, if one comes.
/// Errors of single connections (a client that resets, a protocol error)
/// end that connection only.
///
/// # Cancel safety
///
/// Dropping the future stops accepting and drops every connection with it.
///
/// # Determinism
///
/// Connections are tasks like any other; hyper parses, seedloop schedules.
pub fn serve<S, B>(listener: TcpListener, service: S) -> Serve<S>
where
    S: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
        + Clone
        + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    Serve {
        listener,
        service,
        mode: Mode::Auto,
        shutdown: None,
    }
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Auto,
    Http1,
    Http2,
}

/// A server being set up: [`serve`]'s value, to `.await`.
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use seedloop::net::TcpListener;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
///     let app = Router::new().route("/", get(|| async { "ok" }));
///     let stop = seedloop::time::sleep(Duration::from_secs(1));
///     seedloop::http::serve(listener, app)
///         .http1_only()
///         .with_graceful_shutdown(stop, Duration::from_secs(5))
///         .await
///         .unwrap();
/// });
/// ```
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    mode: Mode,
    shutdown: Option<(Signal, Duration)>,
}

/// The graceful shutdown's signal.
type Signal = Pin<Box<dyn Future<Output = ()>>>;

impl<S> Serve<S> {
    /// Speaks HTTP/1.1 only.
    ///
    /// ```
    /// # use axum::Router;
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let listener = seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let serve = seedloop::http::serve(listener, Router::new()).http1_only();
    /// # drop(serve);
    /// # });
    /// ```
    pub fn http1_only(mut self) -> Serve<S> {
        self.mode = Mode::Http1;
        self
    }

    /// Speaks HTTP/2 only (with prior knowledge, as gRPC does).
    ///
    /// ```
    /// # use axum::Router;
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # let listener = seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap();
    /// let serve = seedloop::http::serve(listener, Router::new()).http2_only();
    /// # drop(serve);
    /// # });
    /// ```
    pub fn http2_only(mut self) -> Serve<S> {
        self.mode = Mode::Http2;
        self
    }

    /// When `signal` completes, stops accepting, lets every connection
    /// finish its in-flight requests (HTTP/1.1 closes after the current
    /// response, HTTP/2 sends GOAWAY), and ends once they are done, or at
    /// `deadline` after the signal, dropping those still open.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum::{Router, routing::get};
    /// use seedloop::http::{self, Client};
    /// use seedloop::net::TcpListener;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (stop, stopped) = seedloop::sync::oneshot::channel::<()>();
    ///     let server = seedloop::spawn(async move {
    ///         let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
    ///         let app = Router::new().route("/", get(|| async { "ok" }));
    ///         let signal = async move { stopped.await.ok(); };
    ///         http::serve(listener, app).with_graceful_shutdown(signal, Duration::from_secs(5)).await
    ///     });
    ///     let client = Client::new();
    ///     assert_eq!(client.get("http://127.0.0.1/").await.unwrap().status(), 200);
    ///     stop.send(()).unwrap();
    ///     server.await.unwrap().unwrap();
    ///     assert!(client.get("http://127.0.0.1/").await.is_err(), "no longer accepting");
    /// });
    /// ```
    pub fn with_graceful_shutdown<F>(mut self, signal: F, deadline: Duration) -> Serve<S>
    where
        F: Future<Output = ()> + 'static,
    {
        self.shutdown = Some((Box::pin(signal), deadline));
        self
    }
}

impl<S, B> IntoFuture for Serve<S>
where
    S: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
        + Clone
        + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self))
    }
}

async fn run<S, B>(serve: Serve<S>) -> io::Result<()>
where
    S: tower_service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>>
        + Clone
        + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let Serve {
        listener,
        service,
        mode,
        shutdown,
    } = serve;
    let mut builder = auto::Builder::new(Executor::current());
    // hyper's own `date` header reads the wall clock: a response would
    // differ from run to run. Off; `Dated` writes it from the node's
    // virtual clock instead.
    builder.http1().timer(Timer::new()).auto_date_header(false);
    builder.http2().timer(Timer::new()).auto_date_header(false);
    let builder = match mode {
        Mode::Auto => builder,
        Mode::Http1 => builder.http1_only(),
        Mode::Http2 => builder.http2_only(),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    let (mut signal, deadline) = match shutdown {
        Some((signal, deadline)) => (signal.fuse(), Some(deadline)),
        None => ((Box::pin(std::future::pending()) as Signal).fuse(), None),
    };
    loop {
        let accepted = futures::select_biased! {
            () = signal => None,
            r = listener.accept().fuse() => Some(r),
        };
        let Some(accepted) = accepted else { break };
        let (stream, peer) = accepted?;
        while conns.try_join_next().is_some() {}
        let builder = builder.clone();
        let service = TowerToHyperService::new(Dated(service.clone()));
        let mut stop = stop_rx.clone();
        conns.spawn(async move {
            let conn = builder.serve_connection(Io::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let result = futures::select_biased! {
                r = conn.as_mut().fuse() => r,
                _ = stop.changed().fuse() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "http connection ended with an error");
            }
        });
    }
    drop(listener);
    stop_tx.send_replace(true);
    if let Some(deadline) = deadline {
        let drain = async { while conns.join_next().await.is_some() {} };
        if crate::time::timeout(deadline, drain).await.is_err() {
            conns.abort_all();
        }
    }
    Ok(())
}

/// A service whose responses get a `date` header, unless they have one,
/// from the serving node's virtual wall clock ([`crate::time::system_now`]),
/// as hyper would write it from the real one.
#[derive(Clone)]
struct Dated<S>(S);

impl<S, B, R> tower_service::Service<R> for Dated<S>
where
    S: tower_service::Service<R, Response = hyper::Response<B>>,
{
    type Response = hyper::Response<B>;
    type Error = S::Error;
    type Future = futures::future::MapOk<S::Future, fn(hyper::Response<B>) -> hyper::Response<B>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        use futures::TryFutureExt;
        self.0.call(req).map_ok(date)
    }
}

fn date<B>(mut resp: hyper::Response<B>) -> hyper::Response<B> {
    if !resp.headers().contains_key(hyper::header::DATE) {
        if let Some(v) = date_now() {
            resp.headers_mut().insert(hyper::header::DATE, v);
        }
    }
    resp
}

/// The `date` of now on the current node's virtual clock, formatted once
/// per second of virtual wall-clock time, as hyper caches its own per
/// real second.
fn date_now() -> Option<hyper::header::HeaderValue> {
    use std::cell::RefCell;
    use std::time::UNIX_EPOCH;
    thread_local! {
        static LAST: RefCell<Option<(std::time::SystemTime, hyper::header::HeaderValue)>> =
            const { RefCell::new(None) };
    }
    let now = crate::time::system_now();
    let second =
        UNIX_EPOCH + std::time::Duration::from_secs(now.duration_since(UNIX_EPOCH).ok()?.as_secs());
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, v)) if *at == second => Some(v.clone()),
            _ => {
                let v =
                    hyper::header::HeaderValue::from_str(&httpdate::fmt_http_date(second)).ok()?;
                *last = Some((second, v.clone()));
                Some(v)
            }
        }
    })
}

/// A hyper service (`hyper::service::service_fn`, or any
/// `hyper::service::Service`) as the tower service [`serve`] takes.
///
/// ```
/// use std::convert::Infallible;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use seedloop::http::{self, Client};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::spawn(async {
///         let svc = hyper::service::service_fn(|_req| async {
///             Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from("from hyper"))))
///         });
///         let listener = seedloop::net::TcpListener::bind("0.0.0.0:80").await.unwrap();
///         http::serve(listener, http::from_hyper(svc)).await.unwrap();
///     });
///     let body = Client::new().get("http://localhost/").await.unwrap().into_body().text().await.unwrap();
///     assert_eq!(body, "from hyper");
/// });
/// ```
pub fn from_hyper<S>(service: S) -> FromHyper<S> {
    FromHyper(std::rc::Rc::new(service))
}

/// A hyper service as a tower one: [`from_hyper`]'s value. Clones share
/// the service.
///
/// ```
/// let svc = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// });
/// let _tower: seedloop::http::FromHyper<_> = seedloop::http::from_hyper(svc);
/// ```
pub struct FromHyper<S>(std::rc::Rc<S>);

impl<S> Clone for FromHyper<S> {
    fn clone(&self) -> FromHyper<S> {
        FromHyper(std::rc::Rc::clone(&self.0))
    }
}

impl<S, R> tower_service::Service<R> for FromHyper<S>
where
    S: hyper::service::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: R) -> S::Future {
        self.0.call(req)
    }
}
