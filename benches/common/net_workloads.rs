//! The network workloads of the benchmarks, on seedloop. Shared with
//! `#[path]` by `benches/net.rs` and by the peers' crate (`benches/peers`),
//! so that seedloop and its peers run the very same programs in one run.
#![allow(dead_code)]

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::net::{NetConfig, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use seedloop::{Sim, node};

/// UDP echo between two nodes, `n` round trips of 8 bytes, latency drawn
/// from 1..10 ms per datagram. Returns the wall time.
pub fn udp_echo(seed: u64, n: usize) -> Duration {
    let mut sim = Sim::builder()
        .seed(seed)
        .net(NetConfig::new().latency(Duration::from_millis(1)..Duration::from_millis(10)))
        .build();
    let start = Instant::now();
    sim.block_on(async move {
        node::Builder::new("server")
            .init(|| async {
                let sock = UdpSocket::bind("0.0.0.0:7").await.unwrap();
                let mut buf = [0u8; 64];
                loop {
                    let (k, from) = sock.recv_from(&mut buf).await.unwrap();
                    sock.send_to(&buf[..k], from).await.unwrap();
                }
            })
            .build();
        let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let server: SocketAddr = "10.0.0.2:7".parse().unwrap();
        let mut buf = [0u8; 64];
        for i in 0..n {
            sock.send_to(&(i as u64).to_le_bytes(), server)
                .await
                .unwrap();
            let (k, _) = sock.recv_from(&mut buf).await.unwrap();
            assert_eq!(k, 8);
        }
    });
    start.elapsed()
}

/// TCP echo of 64-byte messages between two nodes, `n` round trips, on the
/// default network. Returns the wall time.
pub fn tcp_echo(seed: u64, n: usize) -> Duration {
    let mut sim = Sim::builder().seed(seed).build();
    let start = Instant::now();
    sim.block_on(async move {
        node::Builder::new("server")
            .init(|| async {
                let listener = TcpListener::bind("0.0.0.0:7").await.unwrap();
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 64];
                while stream.read_exact(&mut buf).await.is_ok() {
                    stream.write_all(&buf).await.unwrap();
                }
            })
            .build();
        let mut stream = TcpStream::connect("10.0.0.2:7").await.unwrap();
        let mut buf = [7u8; 64];
        for _ in 0..n {
            stream.write_all(&buf).await.unwrap();
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

/// Three nodes each send `msgs / 3` datagrams, alternating between the two
/// others, two per millisecond of virtual time, over links that lose `loss`
/// of them.
pub fn cluster(seed: u64, msgs: u64, loss: f64) -> Cluster {
    let mut sim = Sim::builder()
        .seed(seed)
        .net(NetConfig::new().loss(loss))
        .build();
    let delivered = Rc::new(Cell::new(0u64));
    let sent = Rc::new(Cell::new(0u64));
    let per_node = msgs / 3;
    let start = Instant::now();
    let (d, s) = (delivered.clone(), sent.clone());
    sim.block_on(async move {
        let names = ["n1", "n2", "n3"];
        let mut done = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let peers: Vec<String> = names
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| format!("{p}:9000"))
                .collect();
            let (d, s) = (d.clone(), s.clone());
            let id = node::Builder::new(*name).build();
            done.push(node::spawn_on(id, async move {
                let sock = Rc::new(UdpSocket::bind("0.0.0.0:9000").await.unwrap());
                let rx = sock.clone();
                let receiver = seedloop::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        rx.recv_from(&mut buf).await.unwrap();
                        d.set(d.get() + 1);
                    }
                });
                let peers: Vec<SocketAddr> = peers
                    .iter()
                    .map(|p| p.to_socket_addrs().unwrap()[0])
                    .collect();
                let msg = [1u8; 32];
                for k in 0..per_node {
                    sock.send_to(&msg, peers[(k % 2) as usize]).await.unwrap();
                    s.set(s.get() + 1);
                    if k % 2 == 1 {
                        seedloop::sleep(Duration::from_millis(1)).await;
                    }
                }
                // Let the last datagrams land.
                seedloop::sleep(Duration::from_millis(20)).await;
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
        sent: sent.get(),
        delivered: delivered.get(),
    }
}
