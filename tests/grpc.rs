//! tonic over the simulated network (feature `http`): the hand-written
//! `store.Store` gRPC service of `examples/grpc_store/` served by
//! `http::serve` on node `store` over HTTP/2, called by tonic's client
//! through a hyper HTTP/2 channel from node `client`, through partitions,
//! kills and restarts.

use std::future::Future;
use std::time::Duration;

use http::uri::PathAndQuery;
use seedloop::net::{self, NetConfig, TcpListener};
use seedloop::node::{self, NodeId};
use seedloop::time::{self, Instant};
use seedloop::{Sim, Strategy};
use tonic::{Code, Request, Response, Status};
use tonic_prost::ProstCodec;

#[path = "../examples/grpc_store/mod.rs"]
mod grpc_store;

use grpc_store::{Channel, GetReply, GetRequest, PutReply, PutRequest, StoreClient, StoreServer};

/// The seeds each fault test runs under: the faults land at different
/// points of the exchange in each, and every assertion must hold in all.
const SEEDS: std::ops::Range<u64> = 0..32;

/// Runs `story` on a node `client` beside a fresh node `store`, to its end.
fn on_client<F, Fut>(sim: &mut Sim, story: F) -> Fut::Output
where
    F: FnOnce(NodeId) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    sim.block_on(async move {
        let store = grpc_store::store_node();
        let client = node::Builder::new("client").build();
        node::spawn_on(client, story(store))
            .await
            .expect("the client's story panicked")
    })
}

/// A channel to the store, and a client on it.
fn connect() -> (Channel, StoreClient) {
    let channel = Channel::new(format!("store:{}", grpc_store::PORT));
    (channel.clone(), StoreClient::new(channel))
}

/// A `GetRequest` for `key`.
fn get(key: &str) -> GetRequest {
    GetRequest { key: key.into() }
}

/// A `PutRequest` of `value` at `key`.
fn put(key: &str, value: &str) -> PutRequest {
    PutRequest {
        key: key.into(),
        value: value.into(),
    }
}

/// The plain path: prost messages out, tonic's codec, HTTP/2 through
/// hyper and `http::serve`, and the reply back, on one connection made at
/// the first call.
#[test]
fn a_unary_call_round_trips_and_versions_count_the_puts() {
    let mut sim = Sim::new(1);
    on_client(&mut sim, |_store| async {
        let (channel, mut client) = connect();
        assert_eq!(channel.connections_opened(), 0, "nothing before a call");
        let v1 = client.put(put("k", "one")).await.unwrap().into_inner();
        assert_eq!(v1.version, 1);
        let v2 = client.put(put("k", "two")).await.unwrap().into_inner();
        assert_eq!(v2.version, 2);
        let got = client.get(get("k")).await.unwrap().into_inner();
        assert_eq!(
            got,
            GetReply {
                value: "two".into(),
                version: 2
            }
        );
        assert_eq!(channel.connections_opened(), 1, "one connection for all");
    });
}

/// The channel's lock around connecting: calls that start before any
/// connection exists wait for one, then run as streams of it.
#[test]
fn concurrent_calls_share_one_http2_connection() {
    let mut sim = Sim::new(2);
    on_client(&mut sim, |_store| async {
        let (channel, client) = connect();
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let mut client = client.clone();
                seedloop::spawn(async move {
                    client
                        .put(put(&format!("k{i}"), &format!("v{i}")))
                        .await
                        .map(|r| r.into_inner().version)
                })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), 1);
        }
        assert_eq!(
            channel.connections_opened(),
            1,
            "calls that start together wait for one connection, then multiplex on it"
        );
        let mut client = client;
        for i in 0..8 {
            let got = client.get(get(&format!("k{i}"))).await.unwrap();
            assert_eq!(got.into_inner().value, format!("v{i}"));
        }
    });
}

/// A handler's `Err(Status)` travels as `grpc-status` and comes back as
/// the same `tonic::Status`; so does the server's answer to an unknown
/// method.
#[test]
fn statuses_come_back_as_tonic_statuses() {
    let mut sim = Sim::new(3);
    on_client(&mut sim, |_store| async {
        let (channel, mut client) = connect();
        let missing = client.get(get("nothing")).await.unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        assert_eq!(missing.message(), "no key \"nothing\"");

        let empty = client.put(put("", "x")).await.unwrap_err();
        assert_eq!(empty.code(), Code::InvalidArgument);
        assert_eq!(empty.message(), "the key must not be empty");

        // A method the server does not have: tonic's generic client,
        // straight on the channel, with a path no stub would send.
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        grpc.ready().await.unwrap();
        let unknown: Status = grpc
            .unary(
                Request::new(get("k")),
                PathAndQuery::from_static("/store.Store/Delete"),
                ProstCodec::<GetRequest, GetReply>::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), Code::Unimplemented);
        assert_eq!(unknown.message(), "no method /store.Store/Delete");

        // An error status leaves the connection as it was.
        client.put(put("k", "v")).await.unwrap();
        assert_eq!(channel.connections_opened(), 1);
    });
}

/// A partition drops every packet, so only the client's deadline ends the
/// call, at exactly that virtual time; after the repair, TCP delivers again
/// and the same connection serves.
#[test]
fn a_partition_makes_a_call_end_exactly_at_its_deadline() {
    for seed in SEEDS {
        let mut sim = Sim::new(seed);
        on_client(&mut sim, |store| async move {
            let (channel, client) = connect();
            let deadline = Duration::from_millis(750);
            let mut client = client.with_deadline(deadline);
            client.put(put("k", "v")).await.unwrap();

            net::partition(node::current(), store);
            let start = Instant::now();
            let e = client.get(get("k")).await.unwrap_err();
            assert_eq!(e.code(), Code::DeadlineExceeded, "{e:?}");
            assert_eq!(start.elapsed(), deadline, "not a tick more or less");

            net::repair(node::current(), store);
            let got = client.get(get("k")).await.unwrap();
            assert_eq!(got.into_inner().value, "v", "the store kept its state");
            assert_eq!(
                channel.connections_opened(),
                1,
                "a partition delays packets; the connection lives through it"
            );
        });
    }
}

/// The deadline covers connecting too: a connect across a partition never
/// finishes, and the channel keeps no half-made connection.
#[test]
fn a_partition_before_the_first_call_times_out_the_connect_and_the_next_call_connects() {
    for seed in SEEDS {
        let mut sim = Sim::new(seed);
        on_client(&mut sim, |store| async move {
            let (channel, client) = connect();
            let deadline = Duration::from_secs(2);
            let mut client = client.with_deadline(deadline);
            net::partition(node::current(), store);
            let start = Instant::now();
            let e = client.put(put("k", "v")).await.unwrap_err();
            assert_eq!(e.code(), Code::DeadlineExceeded, "{e:?}");
            assert_eq!(start.elapsed(), deadline);
            assert_eq!(
                channel.connections_opened(),
                0,
                "the connect never finished"
            );

            net::repair(node::current(), store);
            assert_eq!(
                client
                    .put(put("k", "v"))
                    .await
                    .unwrap()
                    .into_inner()
                    .version,
                1
            );
            assert_eq!(channel.connections_opened(), 1);
        });
    }
}

/// A store that answers every `Get` with the `grpc-timeout` header its
/// request carried: a custom [`Store`](grpc_store::Store) under the same
/// generated-style server.
struct TimeoutEcho;

impl grpc_store::Store for TimeoutEcho {
    async fn get(&self, request: Request<GetRequest>) -> Result<Response<GetReply>, Status> {
        let sent = request.metadata().get("grpc-timeout");
        let value = sent.ok_or_else(|| Status::failed_precondition("no grpc-timeout"))?;
        Ok(Response::new(GetReply {
            value: value.to_str().expect("ASCII").to_string(),
            version: 0,
        }))
    }

    async fn put(&self, _request: Request<PutRequest>) -> Result<Response<PutReply>, Status> {
        Err(Status::unimplemented("read-only"))
    }
}

/// The client's deadline also travels, as gRPC's `grpc-timeout` header, so
/// a server could give up when the client has.
#[test]
fn the_deadline_is_sent_as_grpc_timeout() {
    let mut sim = Sim::new(8);
    sim.block_on(async {
        node::Builder::new("echo")
            .init(|| async {
                let listener = TcpListener::bind(("0.0.0.0", grpc_store::PORT))
                    .await
                    .unwrap();
                seedloop::http::serve(listener, StoreServer::new(TimeoutEcho))
                    .http2_only()
                    .await
                    .unwrap();
            })
            .build();
        let channel = Channel::new(format!("echo:{}", grpc_store::PORT));
        let mut client = StoreClient::new(channel).with_deadline(Duration::from_millis(750));
        let got = client.get(get("k")).await.unwrap().into_inner();
        assert_eq!(
            got.value, "750000u",
            "750 ms, in microseconds as tonic writes it"
        );
        let put = client.put(put("k", "v")).await.unwrap_err();
        assert_eq!(put.code(), Code::Unimplemented);
    });
}

/// Calls `put(key, value)` until it succeeds, sleeping `pause` between
/// tries; returns the reply's version and the codes of the failures.
async fn put_until_ok(
    client: &mut StoreClient,
    key: &str,
    value: &str,
    pause: Duration,
) -> (u64, Vec<Code>) {
    let mut failures = Vec::new();
    loop {
        match client.put(put(key, value)).await {
            Ok(reply) => return (reply.into_inner().version, failures),
            Err(e) => {
                failures.push(e.code());
                assert!(failures.len() < 10, "still failing: {e:?}");
                time::sleep(pause).await;
            }
        }
    }
}

/// A restart resets the old connection (the first call on it fails with
/// `UNAVAILABLE`); the channel then connects again, to a store that starts
/// empty because it kept its data in memory.
#[test]
fn after_a_restart_the_client_reconnects_and_the_memory_state_is_gone() {
    for seed in SEEDS {
        let mut sim = Sim::new(seed);
        on_client(&mut sim, |store| async move {
            let (channel, mut client) = connect();
            client.put(put("k", "before")).await.unwrap();
            client.put(put("k", "before")).await.unwrap();
            assert_eq!(channel.connections_opened(), 1);

            node::restart(store);
            let (version, failures) =
                put_until_ok(&mut client, "other", "after", Duration::from_millis(50)).await;
            assert!(
                failures.iter().all(|c| *c == Code::Unavailable),
                "a dead connection or a store not yet listening is UNAVAILABLE: {failures:?}"
            );
            assert!(
                !failures.is_empty(),
                "the call on the old connection finds it reset"
            );
            assert_eq!(version, 1);
            assert_eq!(channel.connections_opened(), 2, "one new connection");

            let lost = client.get(get("k")).await.unwrap_err();
            assert_eq!(
                lost.code(),
                Code::NotFound,
                "the store kept \"k\" in memory, and the restart lost it"
            );
            assert_eq!(
                client
                    .put(put("k", "again"))
                    .await
                    .unwrap()
                    .into_inner()
                    .version,
                1
            );
        });
    }
}

/// A dead node answers nothing: every call ends, with `UNAVAILABLE` or at
/// its deadline, and none hangs; `restart` brings the service back.
#[test]
fn a_killed_store_fails_calls_without_a_hang_until_it_is_started_again() {
    for seed in SEEDS {
        let mut sim = Sim::new(seed);
        on_client(&mut sim, |store| async move {
            let (channel, client) = connect();
            let deadline = Duration::from_secs(1);
            let mut client = client.with_deadline(deadline);
            client.put(put("k", "v")).await.unwrap();

            node::kill(store);
            for _ in 0..3 {
                let start = Instant::now();
                let e = client.get(get("k")).await.unwrap_err();
                assert!(
                    matches!(e.code(), Code::Unavailable | Code::DeadlineExceeded),
                    "{e:?}"
                );
                assert!(start.elapsed() <= deadline, "never past the deadline");
            }

            node::restart(store);
            let (version, _) = put_until_ok(&mut client, "k", "w", Duration::from_millis(50)).await;
            assert_eq!(version, 1, "a fresh store");
            assert!(channel.connections_opened() >= 2);
        });
    }
}

/// One run of a small workload under 10% packet loss from `seed`: every
/// reply (or status code), the fingerprint and the virtual time it took.
fn lossy_run(seed: u64) -> (Vec<String>, u64, Duration) {
    let mut sim = Sim::builder()
        .seed(seed)
        .strategy(Strategy::Random)
        .net(NetConfig::new().loss(0.1))
        .build();
    let replies = on_client(&mut sim, |store| async move {
        let (_, mut client) = connect();
        let mut out = Vec::new();
        for i in 0..4 {
            let v = client.put(put("k", &format!("v{i}"))).await.unwrap();
            out.push(format!("put v{i} -> {}", v.into_inner().version));
        }
        out.push(format!(
            "get nothing -> {:?}",
            client.get(get("nothing")).await.unwrap_err().code()
        ));
        node::restart(store);
        let (version, _) = put_until_ok(&mut client, "k", "w", Duration::from_millis(50)).await;
        out.push(format!("after restart: put w -> {version}"));
        out
    });
    (replies, sim.fingerprint(), sim.elapsed())
}

/// Determinism: the same seed replays the same run (replies, events, virtual
/// time), through loss and a restart; another seed changes the schedule
/// but not the replies.
#[test]
fn the_same_seed_gives_the_same_fingerprint_and_responses() {
    let a = lossy_run(21);
    assert_eq!(a, lossy_run(21), "a replay from the seed is the same run");
    let b = lossy_run(22);
    assert_eq!(a.0, b.0, "the replies do not depend on the seed");
    assert_ne!(a.1, b.1, "the schedule and the losses do");
    assert_eq!(
        a.0,
        [
            "put v0 -> 1",
            "put v1 -> 2",
            "put v2 -> 3",
            "put v3 -> 4",
            "get nothing -> NotFound",
            "after restart: put w -> 1",
        ]
    );
}
