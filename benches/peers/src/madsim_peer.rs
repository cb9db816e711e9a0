//! madsim (only in a build with `RUSTFLAGS="--cfg madsim"`): one
//! single-threaded executor for all nodes with an event-driven clock that
//! jumps to the next timer when nothing is runnable.
//!
//! Latency: `Config::net.send_latency`, a range sampled uniformly per datagram
//! (default 1..10 ms, which is also the `udp_echo` setting). Every send first
//! sleeps a random 0..5 us (`NetSim::rand_delay`). Loss:
//! `Config::net.packet_loss_rate`, independent per datagram; TCP is modelled
//! as a reliable channel that retries lost segments with backoff.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use madsim::Config;
use madsim::net::{TcpListener, TcpStream, UdpSocket};
use madsim::runtime::{NodeHandle, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Barrier, oneshot};

use crate::spec::{
    CLUSTER_BURST, CLUSTER_DRAIN, CLUSTER_NODES, CLUSTER_PACE, LATENCY_MAX, LATENCY_MIN, PAYLOAD,
    PORT, SEED, cluster_share, cluster_target, ratio,
};

/// Simulated address of node `index`. Nothing leaves the process: madsim
/// routes these inside its own network model.
fn node_addr(index: usize) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1 + index as u8)), PORT)
}

fn node(rt: &Runtime, index: usize) -> NodeHandle {
    rt.create_node()
        .name(format!("node{index}"))
        .ip(node_addr(index).ip())
        .build()
}

fn runtime(config: Config) -> Runtime {
    Runtime::with_seed_and_config(SEED, config)
}

/// UDP echo with `send_latency = LATENCY_MIN..LATENCY_MAX`, `n` round trips.
pub fn udp_echo(n: u64) -> Duration {
    let mut config = Config::default();
    config.net.send_latency = LATENCY_MIN..LATENCY_MAX;
    config.net.packet_loss_rate = 0.0;
    let rt = runtime(config);
    let server = node(&rt, 0);
    let client = node(&rt, 1);
    let start = Instant::now();
    rt.block_on(async move {
        let (bound_tx, bound_rx) = oneshot::channel();
        server.spawn(async move {
            let socket = UdpSocket::bind(node_addr(0)).await.unwrap();
            bound_tx.send(()).unwrap();
            let mut buf = [0u8; PAYLOAD];
            loop {
                let (len, from) = socket.recv_from(&mut buf).await.unwrap();
                socket.send_to(from, &buf[..len]).await.unwrap();
            }
        });
        client
            .spawn(async move {
                bound_rx.await.unwrap();
                let socket = UdpSocket::bind(node_addr(1)).await.unwrap();
                let request = [7u8; PAYLOAD];
                let mut buf = [0u8; PAYLOAD];
                for _ in 0..n {
                    socket.send_to(node_addr(0), &request).await.unwrap();
                    let (len, _) = socket.recv_from(&mut buf).await.unwrap();
                    assert_eq!(len, PAYLOAD);
                }
            })
            .await
            .unwrap();
    });
    start.elapsed()
}

/// TCP echo of `PAYLOAD` bytes over one connection, default config, `n` round
/// trips. madsim's `TcpStream` only sends on `flush`.
pub fn tcp_echo(n: u64) -> Duration {
    let rt = runtime(Config::default());
    let server = node(&rt, 0);
    let client = node(&rt, 1);
    let start = Instant::now();
    rt.block_on(async move {
        let (bound_tx, bound_rx) = oneshot::channel();
        server.spawn(async move {
            let listener = TcpListener::bind(node_addr(0)).await.unwrap();
            bound_tx.send(()).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; PAYLOAD];
            while stream.read_exact(&mut buf).await.is_ok() {
                stream.write_all(&buf).await.unwrap();
                stream.flush().await.unwrap();
            }
        });
        client
            .spawn(async move {
                bound_rx.await.unwrap();
                let mut stream = TcpStream::connect(node_addr(0)).await.unwrap();
                let request = [7u8; PAYLOAD];
                let mut buf = [0u8; PAYLOAD];
                for _ in 0..n {
                    stream.write_all(&request).await.unwrap();
                    stream.flush().await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                }
            })
            .await
            .unwrap();
    });
    start.elapsed()
}

/// Three nodes sending `n_msgs` datagrams in total to each other,
/// fire-and-forget, with `packet_loss_rate = loss`.
pub fn cluster(n_msgs: u64, loss: f64) -> (f64, f64) {
    let mut config = Config::default();
    config.net.send_latency = LATENCY_MIN..LATENCY_MAX;
    config.net.packet_loss_rate = loss;
    let rt = runtime(config);
    let nodes: Vec<NodeHandle> = (0..CLUSTER_NODES).map(|i| node(&rt, i)).collect();
    let received = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let virt = rt.block_on({
        let received = received.clone();
        async move {
            // Inside the simulation `Instant::now()` reads the virtual clock.
            let virt_start = Instant::now();
            let bound = Arc::new(Barrier::new(CLUSTER_NODES));
            let mut handles = Vec::new();
            for (index, node) in nodes.iter().enumerate() {
                let bound = bound.clone();
                let received = received.clone();
                let share = cluster_share(n_msgs, index);
                handles.push(node.spawn(async move {
                    let socket = Arc::new(UdpSocket::bind(node_addr(index)).await.unwrap());
                    bound.wait().await;
                    let receiver = {
                        let socket = socket.clone();
                        madsim::task::spawn(async move {
                            let mut buf = [0u8; PAYLOAD];
                            while socket.recv_from(&mut buf).await.is_ok() {
                                received.fetch_add(1, Ordering::Relaxed);
                            }
                        })
                    };
                    let payload = [index as u8; PAYLOAD];
                    for k in 0..share {
                        let target = node_addr(cluster_target(index, k));
                        socket.send_to(target, &payload).await.unwrap();
                        if (k + 1) % CLUSTER_BURST == 0 {
                            madsim::time::sleep(CLUSTER_PACE).await;
                        }
                    }
                    madsim::time::sleep(CLUSTER_DRAIN).await;
                    receiver.abort();
                }));
            }
            for handle in handles {
                handle.await.unwrap();
            }
            virt_start.elapsed()
        }
    });
    let wall = start.elapsed();
    crate::record_delivery(n_msgs, received.load(Ordering::Relaxed));
    (n_msgs as f64 / wall.as_secs_f64(), ratio(virt, wall))
}
