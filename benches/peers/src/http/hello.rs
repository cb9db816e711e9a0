//! What every peer serves and asks for, so that only the runtime and the
//! sockets differ: one tower service answering every request with the same
//! 13 bytes, and the raw-hyper client calls (one `GET /`, its body read to
//! the end and checked) that the tokio, turmoil and seedloop-hyper peers
//! share.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::header::HOST;
use hyper::{Request, Response, StatusCode};

/// The response body: small and fixed, so the figures are the cost of a
/// request, not of moving bytes.
pub const HELLO: &[u8] = b"hello, world!";
/// The server's port on every peer.
pub const PORT: u16 = 8080;
/// The server's host name (seedloop's node, turmoil's host); tokio connects
/// to 127.0.0.1 but sends the same `Host` header.
pub const SERVER: &str = "server";
/// The URI of every request: `SERVER` at `PORT` (seedloop's `Client`
/// resolves it through the simulated DNS; the raw-hyper peers send its path
/// and host).
pub const URI: &str = "http://server:8080/";
/// HTTP/2 streams in flight at once in `h2_streams`.
pub const STREAMS: u64 = 8;

/// The server of every peer: a tower `Service` (what `seedloop::http::serve`
/// takes), wrapped in hyper-util's `TowerToHyperService` on every peer, as
/// seedloop's `serve` does inside. A unit struct with a ready future: no
/// boxing or routing, so the server's own work is hyper's alone.
#[derive(Clone, Copy, Debug)]
pub struct Hello;

impl<B> tower_service::Service<Request<B>> for Hello {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<B>) -> Self::Future {
        ready(Ok(Response::new(Full::new(Bytes::from_static(HELLO)))))
    }
}

/// One HTTP/1.1 `GET /` on a kept-alive connection, its body read and
/// checked. Waits for `ready` first: hyper refuses a request sent before
/// the connection task has taken the last response's end.
pub async fn get_h1(send: &mut http1::SendRequest<Empty<Bytes>>) {
    send.ready().await.expect("http1 connection still open");
    let request = Request::get("/")
        .header(HOST, SERVER)
        .body(Empty::new())
        .expect("a valid request");
    let response = send.send_request(request).await.expect("http1 response");
    check(response).await;
}

/// One HTTP/2 `GET /` as a new stream of a shared connection (HTTP/2 takes
/// the authority from the absolute URI).
pub async fn get_h2(send: &mut http2::SendRequest<Empty<Bytes>>) {
    send.ready().await.expect("http2 connection still open");
    let request = Request::get(URI)
        .body(Empty::new())
        .expect("a valid request");
    let response = send.send_request(request).await.expect("http2 response");
    check(response).await;
}

async fn check(response: Response<Incoming>) {
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes();
    assert_eq!(body, HELLO);
}
