//! hyper on tokio over the real loopback interface (127.0.0.1), not a
//! simulation: what the same requests cost with real sockets and system
//! calls. Client and server are tasks on one current-thread runtime, like
//! the simulators' single-threaded executors (and like `peers`'
//! `tokio-loopback`).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};

use super::hello::{get_h1, get_h2};
use super::hyper_tokio::{h2_fan_out, handshake_h1, handshake_h2, serve_connection};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A server on 127.0.0.1 (any port) and a client stream connected to it,
/// `TCP_NODELAY` on both sides.
async fn connect(http2: bool) -> TcpStream {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        serve_connection(stream, http2).await;
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// `n` sequential GETs on one kept-alive HTTP/1.1 connection; the first
/// request (and the connect) outside the timing.
pub fn h1_get(n: u64) -> Duration {
    runtime().block_on(async move {
        let mut send = handshake_h1(connect(false).await).await;
        get_h1(&mut send).await;
        let start = Instant::now();
        for _ in 0..n {
            get_h1(&mut send).await;
        }
        start.elapsed()
    })
}

/// `STREAMS` tasks, `n / STREAMS` sequential GETs each, over one HTTP/2
/// connection.
pub fn h2_streams(n: u64) -> Duration {
    runtime().block_on(async move {
        let mut send = handshake_h2(connect(true).await).await;
        get_h2(&mut send).await;
        let start = Instant::now();
        h2_fan_out(&send, n).await;
        start.elapsed()
    })
}
