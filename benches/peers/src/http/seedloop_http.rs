//! seedloop: `seedloop::http::serve` on a node named `server`, and
//! `seedloop::http::Client` on the main task, in one `Sim` with the default
//! strategy and network (seed 1). Virtual time costs nothing here: the wall
//! clock measures seedloop's executor, simulated TCP and hyper.
//!
//! A second peer, `seedloop-hyper`, sends the same requests with hyper's
//! bare client connection over `seedloop::http::rt::Io`, as the tokio and
//! turmoil peers do, so that the `Client`'s own cost (its pool, the
//! request's building and checks) shows apart from the simulation's.

use std::time::{Duration, Instant};

use hyper::client::conn::{http1, http2};
use seedloop::http::rt::{Executor, Io, Timer};
use seedloop::http::{Client, serve};
use seedloop::net::{TcpListener, TcpStream};
use seedloop::{Sim, node};

use super::hello::{HELLO, Hello, PORT, SERVER, STREAMS, URI, get_h1, get_h2};

const SEED: u64 = 1;

/// Starts the server node; `http2` picks `serve`'s HTTP/2-only mode, else
/// HTTP/1.1 only (the peers' servers are fixed to one protocol too).
fn server(http2: bool) {
    node::Builder::new(SERVER)
        .init(move || async move {
            let listener = TcpListener::bind(("0.0.0.0", PORT)).await.unwrap();
            let serve = serve(listener, Hello);
            let serve = if http2 {
                serve.http2_only()
            } else {
                serve.http1_only()
            };
            serve.await.unwrap();
        })
        .build();
}

/// One `GET` through the client, body read and checked.
async fn get(client: &Client) {
    let response = client.get(URI).await.expect("a response");
    assert_eq!(response.status(), 200);
    let body = response.into_body().bytes().await.expect("the whole body");
    assert_eq!(body, HELLO);
}

/// `n` sequential GETs on the client's one kept-alive HTTP/1.1 connection.
/// The first request (DNS, connect, handshake) is outside the timing.
pub fn h1_get(n: u64) -> Duration {
    Sim::builder().seed(SEED).build().block_on(async move {
        server(false);
        let client = Client::new();
        get(&client).await;
        let start = Instant::now();
        for _ in 0..n {
            get(&client).await;
        }
        let wall = start.elapsed();
        assert_eq!(client.connections_opened(), 1, "keep-alive held");
        wall
    })
}

/// `STREAMS` tasks each sending `n / STREAMS` sequential GETs through clones
/// of one HTTP/2 client (one connection, multiplexed).
pub fn h2_streams(n: u64) -> Duration {
    Sim::builder().seed(SEED).build().block_on(async move {
        server(true);
        let client = Client::builder().http2_only().build();
        get(&client).await;
        let start = Instant::now();
        let tasks: Vec<_> = (0..STREAMS)
            .map(|_| {
                let client = client.clone();
                seedloop::spawn(async move {
                    for _ in 0..n / STREAMS {
                        get(&client).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let wall = start.elapsed();
        assert_eq!(client.connections_opened(), 1, "one multiplexed connection");
        wall
    })
}

async fn connect() -> Io<TcpStream> {
    let stream = TcpStream::connect((SERVER, PORT)).await.unwrap();
    // As `Client` does, and the tokio peer: no Nagle delay on small writes.
    stream.set_nodelay(true).unwrap();
    Io::new(stream)
}

/// `h1_get` with hyper's bare `http1` client connection instead of `Client`.
pub fn h1_get_hyper(n: u64) -> Duration {
    Sim::builder().seed(SEED).build().block_on(async move {
        server(false);
        let (mut send, conn) = http1::handshake(connect().await).await.unwrap();
        seedloop::spawn(conn);
        get_h1(&mut send).await;
        let start = Instant::now();
        for _ in 0..n {
            get_h1(&mut send).await;
        }
        start.elapsed()
    })
}

/// `h2_streams` with hyper's bare `http2` client connection, its
/// `SendRequest` cloned per task.
pub fn h2_streams_hyper(n: u64) -> Duration {
    Sim::builder().seed(SEED).build().block_on(async move {
        server(true);
        let (mut send, conn) = http2::Builder::new(Executor::current())
            .timer(Timer::new())
            .handshake(connect().await)
            .await
            .unwrap();
        seedloop::spawn(conn);
        get_h2(&mut send).await;
        let start = Instant::now();
        let tasks: Vec<_> = (0..STREAMS)
            .map(|_| {
                let mut send = send.clone();
                seedloop::spawn(async move {
                    for _ in 0..n / STREAMS {
                        get_h2(&mut send).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        start.elapsed()
    })
}
