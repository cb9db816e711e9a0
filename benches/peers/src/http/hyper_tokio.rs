//! hyper on tokio, for the tokio and turmoil peers: both run on tokio
//! runtimes (turmoil gives each host its own), so they share the server
//! and the connection set-up and differ only in their sockets.
//! hyper-util's glue throughout: `TokioIo`, `TokioExecutor`, `TokioTimer`.

use bytes::Bytes;
use http_body_util::Empty;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};

use super::hello::{Hello, STREAMS, get_h2};

/// Serves one connection until the client goes away, as
/// `seedloop::http::serve` does: hyper-util's auto builder fixed to one
/// protocol, with a timer on both (seedloop's `serve` sets its virtual-time
/// timer on both too, so hyper arms the same header-read timeouts).
pub async fn serve_connection<I>(io: I, http2: bool)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = if http2 {
        builder.http2_only()
    } else {
        builder.http1_only()
    };
    let service = TowerToHyperService::new(Hello);
    // An error is the client hanging up at the end of a run: nothing to do.
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// An HTTP/1.1 client connection over `io`, its connection task spawned.
pub async fn handshake_h1<I>(io: I) -> http1::SendRequest<Empty<Bytes>>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send, conn) = http1::handshake(TokioIo::new(io)).await.unwrap();
    tokio::spawn(conn);
    send
}

/// An HTTP/2 client connection over `io` (prior knowledge), its connection
/// task spawned; the timer as seedloop's `Client` sets one.
pub async fn handshake_h2<I>(io: I) -> http2::SendRequest<Empty<Bytes>>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send, conn) = http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .handshake(TokioIo::new(io))
        .await
        .unwrap();
    tokio::spawn(conn);
    send
}

/// `STREAMS` tokio tasks sending `n / STREAMS` sequential GETs each over the
/// one HTTP/2 connection `send`, so `STREAMS` streams are in flight at once.
pub async fn h2_fan_out(send: &http2::SendRequest<Empty<Bytes>>, n: u64) {
    let tasks: Vec<_> = (0..STREAMS)
        .map(|_| {
            let mut send = send.clone();
            tokio::spawn(async move {
                for _ in 0..n / STREAMS {
                    get_h2(&mut send).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}
