//! tonic over the simulation: a gRPC `Store` service on node `store`, a
//! tonic client on node `client`, a partition, a restart, and a replay
//! from the seed. Run it with
//!
//! ```sh
//! cargo run --example grpc
//! ```
//!
//! Every line starts with the virtual time at which it happened. Nothing
//! here needs `protoc` or tokio's runtime: the messages and the service are
//! hand-written (`grpc_store/`), the server runs under
//! `seedloop::http::serve`, the client speaks HTTP/2 with hyper over the
//! simulated TCP.

use std::time::Duration;

use seedloop::node::{self, NodeId};
use seedloop::time::Instant;
use seedloop::{Sim, net};
use tonic::Code;

#[path = "grpc_store/mod.rs"]
mod grpc_store;

use grpc_store::{Channel, GetRequest, PutRequest, StoreClient};

/// The seed of the run; the replay uses it again.
const SEED: u64 = 0x67_72_70_63; // "grpc"

/// The deadline of the call made across the partition.
const SHORT: Duration = Duration::from_millis(500);

/// What the run printed, line by line, so that the replay can be compared.
type Log = Vec<String>;

/// Adds a line stamped with the current virtual time to `log`, printing it
/// if `loud` (the replay runs quietly).
fn say(log: &mut Log, loud: bool, text: impl AsRef<str>) {
    let line = format!(
        "[{:>9.3}s] {}",
        Instant::now().since_start().as_secs_f64(),
        text.as_ref()
    );
    if loud {
        println!("{line}");
    }
    log.push(line);
}

/// A status as one short phrase: its code and message.
fn status(s: &tonic::Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// The whole story, run on node `client` against node `store`.
async fn story(store: NodeId, loud: bool) -> Log {
    let mut log = Log::new();
    let channel = Channel::new(format!("store:{}", grpc_store::PORT));
    let mut client = StoreClient::new(channel.clone());

    // 1. A round trip, and a status code.
    let put = client
        .put(PutRequest {
            key: "greeting".into(),
            value: "hello".into(),
        })
        .await
        .expect("the store is up");
    say(
        &mut log,
        loud,
        format!("put greeting=hello -> version {}", put.get_ref().version),
    );
    let got = client
        .get(GetRequest {
            key: "greeting".into(),
        })
        .await
        .expect("just put");
    say(
        &mut log,
        loud,
        format!("get greeting -> {:?}", got.get_ref().value),
    );
    let missing = client
        .get(GetRequest {
            key: "nothing".into(),
        })
        .await
        .expect_err("never put");
    say(
        &mut log,
        loud,
        format!("get nothing -> {}", status(&missing)),
    );

    // 2. A partition: the call's packets are lost, so it ends at its
    //    deadline, and not a moment later.
    net::partition(node::current(), store);
    let start = Instant::now();
    let mut hasty = client.clone().with_deadline(SHORT);
    let cut = hasty
        .get(GetRequest {
            key: "greeting".into(),
        })
        .await
        .expect_err("no packet crosses a partition");
    assert_eq!(cut.code(), Code::DeadlineExceeded);
    say(
        &mut log,
        loud,
        format!(
            "partitioned: get greeting -> {} (after {:?})",
            status(&cut),
            start.elapsed()
        ),
    );
    net::repair(node::current(), store);
    let healed = client
        .get(GetRequest {
            key: "greeting".into(),
        })
        .await
        .expect("the partition is repaired");
    say(
        &mut log,
        loud,
        format!(
            "repaired: get greeting -> {:?}, same connection ({} opened)",
            healed.get_ref().value,
            channel.connections_opened()
        ),
    );

    // 3. A restart: the node's tasks and sockets are gone and its `init`
    //    serves a new, empty store. The client's old connection is dead;
    //    calls fail until the channel has noticed and connected again.
    node::restart(store);
    say(&mut log, loud, "store restarted");
    let reply = loop {
        match client
            .put(PutRequest {
                key: "greeting".into(),
                value: "hello again".into(),
            })
            .await
        {
            Ok(reply) => break reply,
            Err(e) => {
                say(&mut log, loud, format!("put greeting -> {}", status(&e)));
                seedloop::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    say(
        &mut log,
        loud,
        format!(
            "put greeting=\"hello again\" -> version {} (the old state was in memory), {} connections opened",
            reply.get_ref().version,
            channel.connections_opened()
        ),
    );
    log
}

/// One run of [`story`] from `seed`: what it said, and the run's
/// fingerprint.
fn run(seed: u64, loud: bool) -> (Log, u64) {
    let mut sim = Sim::new(seed);
    let log = sim.block_on(async move {
        let store = grpc_store::store_node();
        let client = node::Builder::new("client").build();
        node::spawn_on(client, story(store, loud))
            .await
            .expect("the story runs to its end")
    });
    (log, sim.fingerprint())
}

fn main() {
    println!("tonic gRPC over seedloop, seed {SEED:#x}");
    let (log, fingerprint) = run(SEED, true);
    let (again, replayed) = run(SEED, false);
    assert_eq!(log, again, "the replay says the same, at the same times");
    assert_eq!(fingerprint, replayed, "and runs the same events");
    println!(
        "replayed from the seed: same {} lines, same fingerprint {fingerprint:016x}",
        log.len()
    );
}
