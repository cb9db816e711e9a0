//! turmoil: each host is its own paused tokio runtime; `Sim::step` advances
//! virtual time by a fixed tick (1 ms by default) and polls every host once
//! per tick, so a round trip costs at least two ticks of polling.
//!
//! Latency: `min_message_latency`/`max_message_latency`; turmoil draws
//! `min + (max - min) * Exp(5)`, rounded down to whole milliseconds and capped
//! at `max` (so mostly near `min`). Loss: `fail_rate` is the chance, per sent
//! message, that the *link* breaks: the message and everything in flight on
//! that link are dropped, and the link is repaired on the next send
//! (`repair_rate` 1.0). It is therefore heavier than independent 10% loss.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use turmoil::net::{TcpListener, TcpStream, UdpSocket};
use turmoil::{Builder, Sim};

use crate::spec::{
    CLUSTER_BURST, CLUSTER_DRAIN, CLUSTER_NODES, CLUSTER_PACE, LATENCY_MAX, LATENCY_MIN, PAYLOAD,
    PORT, SEED, cluster_share, cluster_target, ratio,
};

const ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// A builder whose simulation never times out (turmoil's default limit is 10
/// virtual seconds) and whose randomness is seeded.
fn builder() -> Builder {
    let mut builder = Builder::new();
    builder
        .simulation_duration(Duration::from_secs(1 << 32))
        .rng_seed(SEED);
    builder
}

fn run(mut sim: Sim<'_>, what: &str) -> Duration {
    let start = Instant::now();
    if let Err(e) = sim.run() {
        panic!("turmoil {what} failed: {e}");
    }
    start.elapsed()
}

async fn udp_echo_server() -> turmoil::Result {
    let socket = UdpSocket::bind((ANY, PORT)).await?;
    let mut buf = [0u8; PAYLOAD];
    loop {
        let (len, from) = socket.recv_from(&mut buf).await?;
        socket.send_to(&buf[..len], from).await?;
    }
}

/// UDP echo with latency in `LATENCY_MIN..=LATENCY_MAX`, `n` round trips.
pub fn udp_echo(n: u64) -> Duration {
    let mut sim = builder()
        .min_message_latency(LATENCY_MIN)
        .max_message_latency(LATENCY_MAX)
        .build();
    sim.host("server", udp_echo_server);
    sim.client("client", async move {
        let server = SocketAddr::new(turmoil::lookup("server"), PORT);
        let socket = UdpSocket::bind((ANY, 0)).await?;
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        for _ in 0..n {
            socket.send_to(&request, server).await?;
            let (len, _) = socket.recv_from(&mut buf).await?;
            assert_eq!(len, PAYLOAD);
        }
        Ok(())
    });
    run(sim, "udp_echo")
}

async fn tcp_echo_server() -> turmoil::Result {
    let listener = TcpListener::bind((ANY, PORT)).await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        tokio::task::spawn_local(async move {
            let mut buf = [0u8; PAYLOAD];
            while stream.read_exact(&mut buf).await.is_ok() {
                if stream.write_all(&buf).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// TCP echo of `PAYLOAD` bytes over one connection, default latency, `n` round
/// trips.
pub fn tcp_echo(n: u64) -> Duration {
    let mut sim = builder().build();
    sim.host("server", tcp_echo_server);
    sim.client("client", async move {
        let server = SocketAddr::new(turmoil::lookup("server"), PORT);
        let mut stream = TcpStream::connect(server).await?;
        let request = [7u8; PAYLOAD];
        let mut buf = [0u8; PAYLOAD];
        for _ in 0..n {
            stream.write_all(&request).await?;
            stream.read_exact(&mut buf).await?;
        }
        Ok(())
    });
    run(sim, "tcp_echo")
}

/// Three nodes sending `n_msgs` datagrams in total to each other,
/// fire-and-forget, with `fail_rate = loss`.
pub fn cluster(n_msgs: u64, loss: f64) -> (f64, f64) {
    let mut sim = builder()
        .min_message_latency(LATENCY_MIN)
        .max_message_latency(LATENCY_MAX)
        .fail_rate(loss)
        // Loss should come from `fail_rate` only, never from a full socket
        // buffer (64 datagrams by default).
        .udp_capacity(1 << 16)
        .build();
    let names: Vec<String> = (0..CLUSTER_NODES).map(|i| format!("node{i}")).collect();
    let received = Rc::new(Cell::new(0u64));
    for (index, name) in names.iter().enumerate() {
        let names = names.clone();
        let received = received.clone();
        let share = cluster_share(n_msgs, index);
        sim.client(name.as_str(), async move {
            let socket = Rc::new(UdpSocket::bind((ANY, PORT)).await?);
            let peers: Vec<SocketAddr> = names
                .iter()
                .map(|name| SocketAddr::new(turmoil::lookup(name.as_str()), PORT))
                .collect();
            let receiver = {
                let socket = socket.clone();
                let received = received.clone();
                tokio::task::spawn_local(async move {
                    let mut buf = [0u8; PAYLOAD];
                    while socket.recv_from(&mut buf).await.is_ok() {
                        received.set(received.get() + 1);
                    }
                })
            };
            // Let every node bind before the first datagram can arrive.
            tokio::time::sleep(CLUSTER_PACE).await;
            let payload = [index as u8; PAYLOAD];
            for k in 0..share {
                socket
                    .send_to(&payload, peers[cluster_target(index, k)])
                    .await?;
                if (k + 1) % CLUSTER_BURST == 0 {
                    tokio::time::sleep(CLUSTER_PACE).await;
                }
            }
            tokio::time::sleep(CLUSTER_DRAIN).await;
            receiver.abort();
            Ok(())
        });
    }
    let start = Instant::now();
    if let Err(e) = sim.run() {
        panic!("turmoil cluster failed: {e}");
    }
    let wall = start.elapsed();
    let virt = sim.elapsed();
    crate::record_delivery(n_msgs, received.get());
    (n_msgs as f64 / wall.as_secs_f64(), ratio(virt, wall))
}
