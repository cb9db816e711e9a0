//! The proxy's tests, written for tokio. They run on tokio, with its
//! clock paused (`start_paused`) so that a 30-second timeout takes no
//! time, and in seedloop's simulation with `--cfg seedloop`, whose clock
//! is always virtual.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_programs::proxy::{self, Config, End};

const IDLE: Duration = Duration::from_secs(30);

/// An upstream that echoes what it reads until EOF.
async fn echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                tokio::io::copy(&mut r, &mut w).await.unwrap();
                w.shutdown().await.unwrap();
            });
        }
    });
    addr
}

/// Starts the proxy in front of `upstream`.
async fn start(upstream: SocketAddr) -> (SocketAddr, mpsc::UnboundedReceiver<End>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        upstream,
        connect_timeout: Duration::from_secs(5),
        idle_timeout: IDLE,
    };
    let (ended, ends) = mpsc::unbounded_channel();
    tokio::spawn(proxy::serve(listener, config, ended));
    (addr, ends)
}

#[tokio::test(start_paused = true)]
async fn bytes_go_both_ways() {
    let (addr, mut ends) = start(echo().await).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"hello, upstream").await.unwrap();
    client.shutdown().await.unwrap();
    let mut back = String::new();
    client.read_to_string(&mut back).await.unwrap();
    assert_eq!(back, "hello, upstream");
    assert_eq!(ends.recv().await, Some(End::Closed { up: 15, down: 15 }));
}

#[tokio::test(start_paused = true)]
async fn a_refused_upstream_closes_the_client() {
    // A port nobody listens on any more.
    let gone = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let (addr, mut ends) = start(gone).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    assert_eq!(client.read_to_end(&mut buf).await.unwrap(), 0);
    assert_eq!(
        ends.recv().await,
        Some(End::Failed(std::io::ErrorKind::ConnectionRefused))
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    // An upstream that accepts and then says nothing, holding the socket.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.unwrap();
        std::future::pending::<()>().await;
    });
    let (addr, mut ends) = start(upstream).await;
    let start = Instant::now();
    let mut client = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    assert_eq!(
        client.read_to_end(&mut buf).await.unwrap(),
        0,
        "closed by the proxy"
    );
    assert_eq!(ends.recv().await, Some(End::Idle));
    let waited = start.elapsed();
    assert!(
        waited >= IDLE && waited < IDLE * 2,
        "closed after {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_within_the_idle_timeout_gets_through() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(20)).await;
        socket.write_all(b"late, but in time").await.unwrap();
        socket.shutdown().await.unwrap();
        let mut rest = Vec::new();
        socket.read_to_end(&mut rest).await.unwrap();
    });
    let (addr, mut ends) = start(upstream).await;
    let start = Instant::now();
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.shutdown().await.unwrap(); // nothing to send: a half-close
    let mut back = Vec::new();
    client.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, b"late, but in time");
    assert!(start.elapsed() >= Duration::from_secs(20));
    assert_eq!(ends.recv().await, Some(End::Closed { up: 0, down: 17 }));
}
