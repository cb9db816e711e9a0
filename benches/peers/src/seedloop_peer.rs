//! seedloop, on the workloads of `spec.rs`: the same programs as the other
//! peers, in this same process.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::net::{NetConfig, TcpListener, TcpStream, UdpSocket};
use seedloop::{Sim, node};

use crate::spec::{
    CLUSTER_BURST, CLUSTER_DRAIN, CLUSTER_NODES, CLUSTER_PACE, LATENCY_MAX, LATENCY_MIN, PAYLOAD,
    PORT, SEED, cluster_share, cluster_target, ratio,
};

fn sim(net: NetConfig) -> Sim {
    Sim::builder().seed(SEED).net(net).build()
}

/// UDP echo, latency drawn per datagram from 1..10 ms.
pub fn udp_echo(n: u64) -> Duration {
    let mut sim = sim(NetConfig::new().latency(LATENCY_MIN..LATENCY_MAX));
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
        let server: SocketAddr = SocketAddr::new("10.0.0.2".parse().unwrap(), PORT);
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        for _ in 0..n {
            sock.send_to(&request, server).await.unwrap();
            sock.recv_from(&mut buf).await.unwrap();
        }
    });
    start.elapsed()
}

/// TCP echo on seedloop's default network (1..10 ms).
pub fn tcp_echo(n: u64) -> Duration {
    let mut sim = sim(NetConfig::new());
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

/// The fire-and-forget cluster of `spec.rs`.
pub fn cluster(n_msgs: u64, loss: f64) -> (f64, f64) {
    let mut sim = sim(NetConfig::new()
        .latency(LATENCY_MIN..LATENCY_MAX)
        .loss(loss));
    let received = Rc::new(Cell::new(0u64));
    let got = received.clone();
    let start = Instant::now();
    sim.block_on(async move {
        let ids: Vec<node::NodeId> = (0..CLUSTER_NODES)
            .map(|i| node::Builder::new(format!("node{i}")).build())
            .collect();
        let peers: Vec<SocketAddr> = ids
            .iter()
            .map(|id| SocketAddr::new(id.ip(), PORT))
            .collect();
        let mut done = Vec::new();
        for (index, id) in ids.iter().enumerate() {
            let peers = peers.clone();
            let received = got.clone();
            let share = cluster_share(n_msgs, index);
            done.push(node::spawn_on(*id, async move {
                let socket = Rc::new(UdpSocket::bind(("0.0.0.0", PORT)).await.unwrap());
                let rx = socket.clone();
                let receiver = seedloop::spawn(async move {
                    let mut buf = [0u8; PAYLOAD];
                    while rx.recv_from(&mut buf).await.is_ok() {
                        received.set(received.get() + 1);
                    }
                });
                seedloop::sleep(CLUSTER_PACE).await;
                let payload = [index as u8; PAYLOAD];
                for k in 0..share {
                    socket
                        .send_to(&payload, peers[cluster_target(index, k)])
                        .await
                        .unwrap();
                    if (k + 1) % CLUSTER_BURST == 0 {
                        seedloop::sleep(CLUSTER_PACE).await;
                    }
                }
                seedloop::sleep(CLUSTER_DRAIN).await;
                receiver.abort();
            }));
        }
        for t in done {
            t.await.unwrap();
        }
    });
    let wall = start.elapsed();
    crate::record_delivery(n_msgs, received.get());
    (
        n_msgs as f64 / wall.as_secs_f64(),
        ratio(sim.elapsed(), wall),
    )
}
