//! The simulated network: UDP, TCP, faults (partitions, clogs, loss,
//! duplication, latency), name resolution, and determinism of it all.
//!
//! One test binary; the tests are in `tests/net/`, one module per subject.

#[path = "net/config.rs"]
mod config;
#[path = "net/determinism.rs"]
mod determinism;
#[path = "net/faults.rs"]
mod faults;
#[path = "net/tcp.rs"]
mod tcp;
#[path = "net/udp.rs"]
mod udp;

use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::Sim;
use seedloop::net::{NetConfig, TcpListener};
use seedloop::trace::{EventKind, PacketFate};

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A network whose every packet takes exactly `latency`.
pub(crate) fn fixed(latency: Duration) -> NetConfig {
    NetConfig::new().latency(latency..latency)
}

/// A simulation with this seed and network, keeping its trace.
pub(crate) fn sim_with(seed: u64, net: NetConfig) -> Sim {
    Sim::builder()
        .seed(seed)
        .net(net)
        .record_trace(true)
        .build()
}

/// `len` bytes that do not repeat with any short period.
pub(crate) fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32).wrapping_mul(2_654_435_761).rotate_left(13) as u8 ^ salt ^ (i / 256) as u8
        })
        .collect()
}

/// How many packet events of this fate and protocol the trace has.
pub(crate) fn packets(sim: &Sim, fate: PacketFate, proto: &str) -> usize {
    sim.trace()
        .events()
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Packet { fate: f, proto: p, .. } if *f == fate && *p == proto)
        })
        .count()
}

/// Listens on `port` of the current node and echoes every connection
/// until its peer closes or fails.
pub(crate) async fn serve_echo(port: u16) {
    let listener = TcpListener::bind(("0.0.0.0", port)).await.unwrap();
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        seedloop::spawn(async move {
            let mut buf = vec![0; 4096];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
