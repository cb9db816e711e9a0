//! The tour's HTTP scene (layer 10b): an axum counter service on a node,
//! called through `seedloop::http::Client`. A partition makes a request
//! time out, a crash makes the pool reconnect, and a client that retries a
//! timed-out `POST` applies an increment twice: the explorer finds the
//! partition that cuts a response off, shrinks it and replays it, and an
//! idempotency key fixes it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use seedloop::explore::Explorer;
use seedloop::http::{self, Client, Error};
use seedloop::net::{self, TcpListener};
use seedloop::node::{self, NodeId};
use seedloop::{Sim, time};

/// The counter and the answers it gave per idempotency key.
#[derive(Default)]
struct Counter {
    value: u32,
    answered: BTreeMap<String, u32>,
}

type Shared = Arc<Mutex<Counter>>;

/// `POST /incr` adds one (once per `idempotency-key`, when one is sent);
/// `GET /count` reads the value.
fn app() -> Router {
    Router::new()
        .route(
            "/incr",
            post(|State(c): State<Shared>, headers: HeaderMap| async move {
                let mut c = c.lock().unwrap();
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if let Some(done) = key.as_ref().and_then(|k| c.answered.get(k)) {
                    return done.to_string();
                }
                c.value += 1;
                let v = c.value;
                if let Some(k) = key {
                    c.answered.insert(k, v);
                }
                v.to_string()
            }),
        )
        .route(
            "/count",
            get(|State(c): State<Shared>| async move { c.lock().unwrap().value.to_string() }),
        )
        .with_state(Shared::default())
}

/// A node `counter` serving [`app`] on port 80, again after each restart
/// (its count starts over: it lives in memory).
fn counter() -> NodeId {
    node::Builder::new("counter")
        .init(|| async {
            let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
            http::serve(listener, app()).await.unwrap();
        })
        .build()
}

/// One increment, retried until it is answered: each try has one second.
async fn incr(c: &Client, id: u32, keyed: bool) -> u32 {
    loop {
        let mut req = c
            .post("http://counter/incr")
            .timeout(Duration::from_secs(1));
        if keyed {
            req = req.header("idempotency-key", format!("incr-{id}"));
        }
        match req.await {
            Ok(resp) => return resp.into_body().text().await.unwrap().parse().unwrap(),
            Err(Error::TimedOut { .. } | Error::Reset { .. }) => continue,
            Err(e) => panic!("increment {id}: {e}"),
        }
    }
}

/// Three increments from node `app` while the network may cut the two
/// nodes apart for three seconds (a `buggify!` fault, at a time drawn
/// from the tape); then the count must be three.
async fn three_increments(keyed: bool) {
    let server = counter();
    let client_node = node::Builder::new("app").build();
    if seedloop::buggify!() {
        seedloop::spawn(async move {
            time::sleep(Duration::from_millis(seedloop::rand::random_range(0..40))).await;
            net::partition(server, client_node);
            time::sleep(Duration::from_secs(3)).await;
            net::repair(server, client_node);
        });
    }
    let count = node::spawn_on(client_node, async move {
        let c = Client::new();
        for id in 0..3 {
            incr(&c, id, keyed).await;
        }
        let resp = c
            .get("http://counter/count")
            .timeout(Duration::from_secs(10))
            .await
            .unwrap();
        resp.into_body().text().await.unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        count, "3",
        "three increments counted {count} times: a retry applied one twice"
    );
}

pub fn scene() {
    super::heading("layer 10b: HTTP: an axum service on a node, hyper over the simulated network");
    let mut sim = Sim::new(0x5eed);
    sim.block_on(async {
        let server = counter();
        let c = Client::builder().timeout(Duration::from_secs(2)).build();
        let v = c.post("http://counter/incr").await.unwrap().into_body().text().await.unwrap();
        super::say(format!("POST http://counter/incr -> {v} (axum Router under http::serve, name from the simulated DNS)"));
        net::partition(node::current(), server);
        let e = c.post("http://counter/incr").await.unwrap_err();
        super::say(format!("partitioned: {e}"));
        net::repair(node::current(), server);
        node::restart(server);
        time::sleep(Duration::from_millis(5)).await;
        let v = c.post("http://counter/incr").await.unwrap().into_body().text().await.unwrap();
        super::say(format!(
            "restarted the node: the pool dropped its dead connection and reconnected -> {v} \
             ({} connections opened)",
            c.connections_opened()
        ));
    });
    println!("  a client retries a POST /incr that timed out; a partition may cut the");
    println!("  two nodes apart for 3 s at a random time. If it cuts off a response, the");
    println!("  server has counted the increment and the retry counts it again.");
    super::sweep_and_replay(
        "tour::http_retry",
        || three_increments(false),
        "the sweep finds the double increment",
    );
    let fixed = Explorer::new("tour::http_retry")
        .seeds(1000)
        .buggify(1.0)
        .run(|| three_increments(true))
        .expect("the fix holds");
    println!(
        "  fixed (an idempotency-key header; the server answers a repeat from memory): {fixed}"
    );
}
