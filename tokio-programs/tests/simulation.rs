//! What only the simulation can do to these tokio programs: cut the
//! network between machines, and replay a run bit for bit. Built only
//! with `--cfg seedloop`; the programs' own code is unchanged.
#![cfg(seedloop)]

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_programs::chat;
use tokio_programs::proxy::{self, Config, End};

/// The proxy on one machine, its upstream on another, the two cut apart:
/// connecting upstream times out, and the client is closed.
#[tokio::test]
async fn a_partitioned_upstream_times_out() {
    let db = seedloop::node::Builder::new("db").build();
    let gateway = seedloop::node::Builder::new("gateway").build();
    let upstream = seedloop::node::spawn_on(db, async {
        let listener = TcpListener::bind("0.0.0.0:5432").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(b"db here").await;
            }
        });
        addr
    })
    .await
    .unwrap();
    seedloop::net::partition(db, gateway);
    let (ended, mut ends) = tokio::sync::mpsc::unbounded_channel();
    // Shorter than the simulated kernel's own 5 s connect timeout
    // (`seedloop::net::NetConfig::connect_timeout`), so the proxy's fires.
    let config = Config {
        upstream,
        connect_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(30),
    };
    let front = seedloop::node::spawn_on(gateway, async move {
        let listener = TcpListener::bind("0.0.0.0:8080").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(proxy::serve(listener, config, ended));
        addr
    })
    .await
    .unwrap();
    let start = tokio::time::Instant::now();
    let mut client = TcpStream::connect(front).await.unwrap();
    let mut got = Vec::new();
    assert_eq!(client.read_to_end(&mut got).await.unwrap(), 0);
    assert_eq!(ends.recv().await, Some(End::ConnectTimeout));
    assert!(start.elapsed() >= Duration::from_secs(2));

    // Healed, the same proxy gets through.
    seedloop::net::repair(db, gateway);
    let mut client = TcpStream::connect(front).await.unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    client.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"db here");
}

/// A chat conversation, run twice on the same seed, is the same run event
/// for event.
#[test]
fn a_chat_replays_bit_for_bit() {
    for seed in [1, 2] {
        let said = seedloop::Builder::new()
            .seed(seed)
            .check_determinism(|| async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(chat::serve(listener, std::future::pending()));
                let mut heard = Vec::new();
                let mut clients = Vec::new();
                for name in ["ann", "bo"] {
                    let s = TcpStream::connect(addr).await.unwrap();
                    let (r, mut w) = s.into_split();
                    w.write_all(format!("{name}\n").as_bytes()).await.unwrap();
                    let mut lines = BufReader::new(r).lines();
                    lines.next_line().await.unwrap(); // the prompt
                    lines.next_line().await.unwrap(); // the welcome
                    clients.push((lines, w));
                }
                clients[1].1.write_all(b"hi ann\n").await.unwrap();
                heard.push(clients[0].0.next_line().await.unwrap()); // bo joined
                heard.push(clients[0].0.next_line().await.unwrap()); // bo's line
                heard
            })
            .unwrap();
        assert_eq!(
            said,
            [
                Some("* bo joined".to_string()),
                Some("bo: hi ann".to_string())
            ]
        );
    }
}
