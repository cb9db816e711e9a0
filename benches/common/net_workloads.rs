//! The network workloads of the benchmarks, on seedloop. Shared with
//! `#[path]` by `benches/net.rs` and by the peers' crate (`benches/peers`,
//! whose `src/spec.rs` these parameters follow), so that seedloop and its
//! peers run the very same programs in one run.
#![allow(dead_code)]

/// Bytes per echo request and per cluster datagram.
pub const PAYLOAD: usize = 64;
/// The port of the echo servers and the cluster's nodes.
pub const PORT: u16 = 9000;
/// Datagrams a cluster node sends back to back before it sleeps a millisecond.
pub const BURST: u64 = 10;
/// How long a cluster node keeps receiving after its last send.
pub const DRAIN: Duration = Duration::from_millis(50);

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::net::{NetConfig, TcpListener, TcpStream, UdpSocket};
use seedloop::{Sim, node};

/// UDP echo between two nodes, `n` round trips of [`PAYLOAD`] bytes, latency
/// drawn from 1..10 ms per datagram. Returns the wall time.
pub fn udp_echo(seed: u64, n: u64) -> Duration {
    let mut sim = Sim::builder()
        .seed(seed)
        .net(NetConfig::new().latency(Duration::from_millis(1)..Duration::from_millis(10)))
        .build();
    let start = Instant::now();
    sim.block_on(async move {
        node::Builder::new("server")
            .init(|| async {
                let sock = UdpSocket::bind(("0.0.0.0", PORT)).await.unwrap();
                let mut buf = [0u8; PAYLOAD];
                loop {
                    let (k, from) = sock.recv_from(&mut buf).await.unwrap();
                    sock.send_to(&buf[..k], from).await.unwrap();
                }
            })
            .build();
        let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let server = SocketAddr::new("10.0.0.2".parse().unwrap(), PORT);
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        for _ in 0..n {
            sock.send_to(&request, server).await.unwrap();
            let (k, _) = sock.recv_from(&mut buf).await.unwrap();
            assert_eq!(k, PAYLOAD);
        }
    });
    start.elapsed()
}

/// TCP echo of [`PAYLOAD`]-byte messages between two nodes, `n` round
/// trips, on the default network. Returns the wall time.
pub fn tcp_echo(seed: u64, n: u64) -> Duration {
    let mut sim = Sim::builder().seed(seed).build();
    let start = Instant::now();
    sim.block_on(async move {
        node::Builder::new("server")
            .init(|| async {
                let listener = TcpListener::bind(("0.0.0.0", PORT)).await.unwrap();
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; PAYLOAD];
                while stream.read_exact(&mut buf).await.is_ok() {
                    stream.write_all(&buf).await.unwrap();
                }
            })
            .build();
        let mut stream = TcpStream::connect(("server", PORT)).await.unwrap();
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        for _ in 0..n {
            stream.write_all(&request).await.unwrap();
            stream.read_exact(&mut buf).await.unwrap();
        }
    });
    start.elapsed()
}

/// What the cluster run measured.
pub struct Cluster {
    pub wall: Duration,
    pub virtual_time: Duration,
    pub sent: u64,
    pub delivered: u64,
}

/// Three nodes send `msgs` datagrams in all, each its share round-robin to
/// the two others, [`BURST`] per millisecond of virtual time, fire and
/// forget, over links (latency 1..10 ms) that lose `loss` of them.
pub fn cluster(seed: u64, msgs: u64, loss: f64) -> Cluster {
    let mut sim = Sim::builder()
        .seed(seed)
        .net(
            NetConfig::new()
                .latency(Duration::from_millis(1)..Duration::from_millis(10))
                .loss(loss),
        )
        .build();
    let delivered = Rc::new(Cell::new(0u64));
    let got = delivered.clone();
    let start = Instant::now();
    sim.block_on(async move {
        let ids: Vec<node::NodeId> = (0..3)
            .map(|i| node::Builder::new(format!("node{i}")).build())
            .collect();
        let peers: Vec<SocketAddr> = ids
            .iter()
            .map(|id| SocketAddr::new(id.ip(), PORT))
            .collect();
        let mut done = Vec::new();
        for (index, id) in ids.iter().enumerate() {
            let peers = peers.clone();
            let got = got.clone();
            // An even split, the remainder to the first nodes.
            let share = msgs / 3 + u64::from((index as u64) < msgs % 3);
            done.push(node::spawn_on(*id, async move {
                let socket = Rc::new(UdpSocket::bind(("0.0.0.0", PORT)).await.unwrap());
                let rx = socket.clone();
                let receiver = seedloop::spawn(async move {
                    let mut buf = [0u8; PAYLOAD];
                    while rx.recv_from(&mut buf).await.is_ok() {
                        got.set(got.get() + 1);
                    }
                });
                // Every node binds before the first datagram can arrive.
                seedloop::sleep(Duration::from_millis(1)).await;
                let payload = [index as u8; PAYLOAD];
                for k in 0..share {
                    let to = (index + 1 + (k % 2) as usize) % 3;
                    socket.send_to(&payload, peers[to]).await.unwrap();
                    if (k + 1) % BURST == 0 {
                        seedloop::sleep(Duration::from_millis(1)).await;
                    }
                }
                seedloop::sleep(DRAIN).await;
                receiver.abort();
            }));
        }
        for t in done {
            t.await.unwrap();
        }
    });
    Cluster {
        wall: start.elapsed(),
        virtual_time: sim.elapsed(),
        sent: msgs,
        delivered: delivered.get(),
    }
}
