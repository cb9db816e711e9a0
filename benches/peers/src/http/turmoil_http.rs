//! hyper on turmoil's sockets: host `server` runs the server, `client` the
//! requests, in one turmoil `Sim` with its default network (latency 0-100
//! ms, 1 ms ticks) and a seeded RNG. turmoil steps virtual time by a tick
//! and polls every host's runtime each tick, so a request costs at least
//! the ticks of its two one-way trips.
//!
//! The client measures its own request loop with the wall clock; the wall
//! time includes everything turmoil does meanwhile (stepping the server
//! host too), as the other peers' figures include their executors'.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use turmoil::net::{TcpListener, TcpStream};

use super::hello::{PORT, SERVER, get_h1, get_h2};
use super::hyper_tokio::{h2_fan_out, handshake_h1, handshake_h2, serve_connection};

const SEED: u64 = 1;

/// A simulation that never times out (turmoil's default limit is 10
/// virtual seconds) with the server host started; `http2` picks its protocol.
fn sim(http2: bool) -> turmoil::Sim<'static> {
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(1 << 32))
        .rng_seed(SEED)
        .build();
    sim.host(SERVER, move || async move {
        let listener = TcpListener::bind((IpAddr::V4(Ipv4Addr::UNSPECIFIED), PORT)).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(serve_connection(stream, http2));
        }
    });
    sim
}

async fn connect() -> TcpStream {
    TcpStream::connect(SocketAddr::new(turmoil::lookup(SERVER), PORT))
        .await
        .unwrap()
}

/// Runs the simulation to the client's end; the wall time it measured.
fn run(mut sim: turmoil::Sim<'_>, wall: &Cell<Duration>, what: &str) -> Duration {
    if let Err(e) = sim.run() {
        panic!("turmoil {what} failed: {e}");
    }
    wall.get()
}

/// `n` sequential GETs on one kept-alive HTTP/1.1 connection; the first
/// request (and the connect) outside the timing.
pub fn h1_get(n: u64) -> Duration {
    let mut sim = sim(false);
    let wall = Rc::new(Cell::new(Duration::ZERO));
    let measured = wall.clone();
    sim.client("client", async move {
        let mut send = handshake_h1(connect().await).await;
        get_h1(&mut send).await;
        let start = Instant::now();
        for _ in 0..n {
            get_h1(&mut send).await;
        }
        measured.set(start.elapsed());
        Ok(())
    });
    run(sim, &wall, "h1_get")
}

/// `STREAMS` tasks, `n / STREAMS` sequential GETs each, over one HTTP/2
/// connection.
pub fn h2_streams(n: u64) -> Duration {
    let mut sim = sim(true);
    let wall = Rc::new(Cell::new(Duration::ZERO));
    let measured = wall.clone();
    sim.client("client", async move {
        let mut send = handshake_h2(connect().await).await;
        get_h2(&mut send).await;
        let start = Instant::now();
        h2_fan_out(&send, n).await;
        measured.set(start.elapsed());
        Ok(())
    });
    run(sim, &wall, "h2_streams")
}
