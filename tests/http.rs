//! HTTP over the simulated network (feature `http`): axum apps served by
//! `http::serve`, called by `http::Client`, through loss, partitions,
//! kills and restarts.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::BodyExt;
use seedloop::http::{self, Body, Client, Error, Request, StatusCode};
use seedloop::net::{self, NetConfig, TcpListener};
use seedloop::node::{self, NodeId};
use seedloop::trace::{EventKind, PacketFate};
use seedloop::{Sim, time};
use serde::{Deserialize, Serialize};

fn sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).record_trace(true).build()
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
struct Item {
    name: String,
    qty: u32,
}

/// A small shop: a few routes, JSON in and out, a 1 MiB download.
fn app() -> Router {
    let store = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Item>::new()));
    Router::new()
        .route("/", get(|| async { "shop" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("hello {name}") }),
        )
        .route(
            "/items",
            post(
                |State(s): State<std::sync::Arc<std::sync::Mutex<Vec<Item>>>>,
                 Json(item): Json<Item>| async move {
                    s.lock().unwrap().push(item.clone());
                    (StatusCode::CREATED, Json(item))
                },
            )
            .get(
                |State(s): State<std::sync::Arc<std::sync::Mutex<Vec<Item>>>>| async move {
                    Json(s.lock().unwrap().clone())
                },
            ),
        )
        .route("/big", get(|| async { big() }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .with_state(store)
}

/// 1 MiB that doesn't repeat with a short period.
fn big() -> Vec<u8> {
    (0..1usize << 20)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect()
}

/// A node `web` serving [`app`] on port 80, started again at each restart.
fn web() -> NodeId {
    node::Builder::new("web")
        .init(|| async {
            let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
            http::serve(listener, app()).await.unwrap();
        })
        .build()
}

/// The client's connections to port 80, by their source ports in the trace.
fn connections(sim: &Sim) -> BTreeSet<u16> {
    sim.trace()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Packet {
                fate: PacketFate::Sent,
                proto: "tcp",
                from,
                to,
                ..
            } if to.port() == 80 => Some(from.port()),
            _ => None,
        })
        .collect()
}

/// The body of a GET of `uri`, as text.
async fn get_text(c: &Client, uri: &str) -> String {
    c.get(uri).await.unwrap().into_body().text().await.unwrap()
}

/// The body of a GET of `uri`, as bytes.
async fn get_bytes(c: &Client, uri: &str) -> Bytes {
    c.get(uri).await.unwrap().into_body().bytes().await.unwrap()
}

#[test]
fn axum_routes_path_params_and_json_round_trip() {
    let mut sim = sim(1);
    sim.block_on(async {
        web();
        let c = Client::new();
        let r = c.get("http://web/").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // The date comes from the virtual clock (which starts at
        // time::EPOCH_UNIX_SECS), never from the machine's.
        let date = r.headers()["date"].to_str().unwrap();
        let secs =
            |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(
            secs(httpdate::parse_http_date(date).unwrap()),
            seedloop::time::EPOCH_UNIX_SECS,
            "{date}"
        );
        assert_eq!(r.into_body().text().await.unwrap(), "shop");
        let r = c.get("http://web/hello/ada").await.unwrap();
        assert_eq!(r.into_body().text().await.unwrap(), "hello ada");
        let item = Item {
            name: "tea".into(),
            qty: 3,
        };
        let r = c.post("http://web/items").json(&item).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let back: Item = r.into_body().json().await.unwrap();
        assert_eq!(back, item);
        let by_hand = c
            .post("http://web/items")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&item).unwrap())
            .await
            .unwrap();
        assert_eq!(
            by_hand.status(),
            StatusCode::CREATED,
            "a hand-made JSON body too"
        );
        let e = c
            .get("http://web/")
            .await
            .unwrap()
            .into_body()
            .json::<Item>()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Body(_)), "{e}");
        let list = get_bytes(&c, "http://web/items").await;
        assert_eq!(
            serde_json::from_slice::<Vec<Item>>(&list).unwrap(),
            vec![item.clone(), item]
        );
        let r = c.get("http://web/missing").await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    });
}

#[test]
fn keep_alive_reuses_one_connection_and_the_trace_shows_it() {
    let mut sim = sim(2);
    sim.block_on(async {
        web();
        let c = Client::new();
        for i in 0..20 {
            let r = c
                .get(format!("http://web/hello/{i}").as_str())
                .await
                .unwrap();
            assert_eq!(r.into_body().text().await.unwrap(), format!("hello {i}"));
        }
        assert_eq!(c.connections_opened(), 1);
        assert_eq!(c.idle_connections("web", 80), 1);
    });
    assert_eq!(
        connections(&sim).len(),
        1,
        "one source port for twenty requests"
    );
}

#[test]
fn concurrent_http1_requests_open_a_connection_each_and_keep_them() {
    let mut sim = sim(3);
    sim.block_on(async {
        web();
        let c = Client::new();
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let c = c.clone();
                seedloop::spawn(async move { get_text(&c, &format!("http://web/hello/{i}")).await })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), format!("hello {i}"));
        }
        let opened = c.connections_opened();
        assert!(
            (2..=4).contains(&opened),
            "{opened} connections for 4 concurrent requests"
        );
        for _ in 0..4 {
            get_bytes(&c, "http://web/").await;
        }
        assert_eq!(
            c.connections_opened(),
            opened,
            "sequential requests reuse the kept ones"
        );
    });
}

#[test]
fn a_large_body_arrives_whole_and_in_order_under_twenty_percent_loss() {
    let mut sim = Sim::builder()
        .seed(4)
        .net(NetConfig::new().loss(0.2))
        .build();
    let lossless = {
        let mut sim = Sim::builder().seed(4).build();
        sim.block_on(async {
            web();
            Client::new()
                .get("http://web/big")
                .await
                .unwrap()
                .into_body()
                .bytes()
                .await
                .unwrap();
        });
        sim.elapsed()
    };
    sim.block_on(async {
        web();
        let c = Client::new();
        let got = get_bytes(&c, "http://web/big").await;
        assert_eq!(got.len(), 1 << 20);
        assert!(got == big(), "every byte in order");
        let echoed = c
            .post("http://web/echo")
            .body(big())
            .await
            .unwrap()
            .into_body()
            .bytes()
            .await
            .unwrap();
        assert!(echoed == big(), "the upload came back whole");
    });
    assert!(
        sim.elapsed() > lossless,
        "loss slows it: {:?} against {lossless:?}",
        sim.elapsed()
    );
}

#[test]
fn a_streaming_response_arrives_chunk_by_chunk_in_virtual_time() {
    let mut sim = sim(5);
    sim.block_on(async {
        seedloop::spawn(async {
            let app = Router::new().route(
                "/ticks",
                get(|| async {
                    let ticks = futures::stream::iter(0..5).map(|i| {
                        Ok::<_, std::convert::Infallible>(Bytes::from(format!("tick {i}\n")))
                    });
                    axum::body::Body::from_stream(ticks)
                }),
            );
            http::serve(TcpListener::bind("0.0.0.0:80").await.unwrap(), app)
                .await
                .unwrap();
        });
        let resp = Client::new().get("http://localhost/ticks").await.unwrap();
        let mut body = resp.into_body();
        let mut text = String::new();
        let mut frames = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(std::str::from_utf8(&data).unwrap());
                frames += 1;
            }
        }
        assert_eq!(text, "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n");
        assert!(frames >= 1);
    });
}

#[test]
fn a_streaming_request_body_is_sent_as_it_is_produced() {
    let mut sim = sim(6);
    sim.block_on(async {
        web();
        let chunks = futures::stream::iter((0..4).map(|i| {
            Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from(vec![i as u8; 1000])))
        }));
        let body = Body::wrap(http_body_util::StreamBody::new(chunks));
        let req = Request::post("http://web/echo").body(body).unwrap();
        let got = Client::new()
            .request(req)
            .await
            .unwrap()
            .into_body()
            .bytes()
            .await
            .unwrap();
        assert_eq!(got.len(), 4000);
        assert!(
            got.chunks(1000)
                .enumerate()
                .all(|(i, c)| c.iter().all(|&b| b == i as u8))
        );
    });
}

#[test]
fn http2_multiplexes_concurrent_requests_over_one_connection() {
    let mut sim = sim(7);
    sim.block_on(async {
        seedloop::spawn(async {
            // Each handler waits (a bounded number of turns) until all
            // eight requests have arrived: only concurrent streams get
            // "together".
            let arrived = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let app = Router::new()
                .route(
                    "/slow/{i}",
                    get(
                        |State(n): State<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
                         Path(i): Path<u32>| async move {
                            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            for _ in 0..10_000 {
                                if n.load(std::sync::atomic::Ordering::SeqCst) == 8 {
                                    return format!("together {i}");
                                }
                                YieldOnce(false).await;
                            }
                            format!("alone {i}")
                        },
                    ),
                )
                .with_state(arrived);
            http::serve(TcpListener::bind("0.0.0.0:80").await.unwrap(), app)
                .http2_only()
                .await
                .unwrap();
        });
        let c = Client::builder().http2_only().build();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let c = c.clone();
                seedloop::spawn(
                    async move { get_text(&c, &format!("http://localhost/slow/{i}")).await },
                )
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), format!("together {i}"));
        }
        assert_eq!(c.connections_opened(), 1, "eight streams, one connection");
    });
    assert_eq!(connections(&sim).len(), 1);
}

#[test]
fn auto_detection_serves_http1_and_http2_clients_on_one_port() {
    let mut sim = sim(8);
    sim.block_on(async {
        web();
        let h1 = Client::new().get("http://web/").await.unwrap();
        assert_eq!(h1.version(), ::http::Version::HTTP_11);
        let h2 = Client::builder()
            .http2_only()
            .build()
            .get("http://web/")
            .await
            .unwrap();
        assert_eq!(h2.version(), ::http::Version::HTTP_2);
        assert_eq!(h2.into_body().text().await.unwrap(), "shop");
    });
}

#[test]
fn a_refused_connection_and_an_unknown_host_are_typed_errors() {
    let mut sim = sim(9);
    sim.block_on(async {
        node::Builder::new("idle").build();
        let c = Client::new();
        let e = c.get("http://idle:8080/").await.unwrap_err();
        assert!(
            matches!(e, Error::Refused { addr } if addr.port() == 8080),
            "{e}"
        );
        let e = c.get("http://nobody/").await.unwrap_err();
        assert!(
            matches!(&e, Error::UnknownHost { host } if host == "nobody"),
            "{e}"
        );
        let e = c.get("https://idle/").await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidUri { .. }) && e.to_string().contains("https"),
            "{e}"
        );
        let e = c.get("/relative").await.unwrap_err();
        assert!(matches!(&e, Error::InvalidUri { .. }), "{e}");
        let e = c.get("http://bad uri/").await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidUri { uri, .. } if uri == "http://bad uri/"),
            "{e}"
        );
    });
}

#[test]
fn a_partition_stalls_a_request_until_its_timeout_and_healing_lets_the_next_through() {
    let mut sim = sim(10);
    sim.block_on(async {
        let w = web();
        let c = Client::builder().timeout(Duration::from_secs(2)).build();
        get_bytes(&c, "http://web/").await;
        net::partition(node::current(), w);
        let start = time::Instant::now();
        let e = c.get("http://web/").await.unwrap_err();
        assert!(
            matches!(e, Error::TimedOut { after: Some(d) } if d == Duration::from_secs(2)),
            "{e}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        net::repair(node::current(), w);
        let r = c
            .get("http://web/")
            .timeout(Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(r.into_body().text().await.unwrap(), "shop");
    });
}

#[test]
fn a_killed_server_gives_an_error_and_never_a_hang() {
    let mut sim = sim(11);
    sim.block_on(async {
        let w = web();
        let c = Client::new();
        get_bytes(&c, "http://web/").await;
        node::kill(w);
        let t = time::Instant::now();
        let e = c.get("http://web/").await.unwrap_err();
        // The pooled connection breaks at once; the retry's connect gets no
        // answer from a dead machine, until the network's connect timeout.
        assert!(matches!(e, Error::TimedOut { after: None }), "{e}");
        let waited = t.elapsed();
        assert!(
            waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
            "{waited:?}"
        );
        let e = Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .get("http://web/")
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::TimedOut { after: Some(d) } if d == Duration::from_millis(300)),
            "{e}"
        );
    });
}

#[test]
fn after_a_restart_the_pool_notices_the_dead_connection_and_recovers() {
    let mut sim = sim(12);
    sim.block_on(async {
        let w = web();
        let c = Client::new();
        get_bytes(&c, "http://web/").await;
        assert_eq!(c.idle_connections("web", 80), 1);
        node::restart(w);
        time::sleep(Duration::from_millis(10)).await;
        let r = c.get("http://web/hello/again").await.unwrap();
        assert_eq!(r.into_body().text().await.unwrap(), "hello again");
        assert_eq!(
            c.connections_opened(),
            2,
            "the dead one replaced by one new connection"
        );
    });
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight_then_stops_accepting() {
    let mut sim = sim(13);
    sim.block_on(async {
        let (stop, stopped) = seedloop::sync::oneshot::channel::<()>();
        let (started_tx, mut started) = futures::channel::mpsc::unbounded::<()>();
        let server = seedloop::spawn(async move {
            let app = Router::new().route(
                "/slow",
                get(move || async move {
                    started_tx.unbounded_send(()).unwrap();
                    for _ in 0..50 {
                        YieldOnce(false).await;
                    }
                    "finished"
                }),
            );
            let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
            http::serve(listener, app)
                .with_graceful_shutdown(
                    async move { stopped.await.unwrap() },
                    Duration::from_secs(5),
                )
                .await
        });
        let c = Client::new();
        let slow = {
            let c = c.clone();
            seedloop::spawn(async move {
                loop {
                    match c.get("http://localhost/slow").await {
                        Err(Error::Refused { .. }) => time::sleep(Duration::from_millis(1)).await,
                        r => return r,
                    }
                }
            })
        };
        started.next().await.unwrap();
        stop.send(()).unwrap();
        let r = slow.await.unwrap().unwrap();
        assert_eq!(r.into_body().text().await.unwrap(), "finished");
        server.await.unwrap().unwrap();
        let e = Client::new()
            .get("http://localhost/slow")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Refused { .. }), "{e}");
    });
}

/// Yields once (a `Send` wait, as axum handlers need: seedloop's own
/// futures are not `Send`).
struct YieldOnce(bool);
impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_responses_and_fingerprint() {
    let run = |seed: u64| {
        let mut sim = Sim::builder()
            .seed(seed)
            .net(NetConfig::new().loss(0.1))
            .build();
        let bodies = sim.block_on(async {
            web();
            let c = Client::new();
            let mut out = Vec::new();
            for i in 0..5 {
                let r = c
                    .get(format!("http://web/hello/{i}").as_str())
                    .await
                    .unwrap();
                // Headers too: nothing in a response may come from the
                // machine's clock (the date is the virtual one's).
                out.push(format!("{:?}", r.headers()));
                out.push(r.into_body().text().await.unwrap());
            }
            out
        });
        (bodies, sim.fingerprint(), sim.elapsed())
    };
    let a = run(21);
    assert_eq!(a, run(21));
    let b = run(22);
    let bodies = |run: &(Vec<String>, u64, Duration)| {
        run.0.iter().skip(1).step_by(2).cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        bodies(&a),
        bodies(&b),
        "the bodies do not depend on the seed"
    );
    assert_ne!(
        a.1, b.1,
        "the schedule and the losses do (and so the dates may)"
    );
}

/// After `restart`, the first request on the pooled connection meets a
/// dead connection; what the client does depends on its retry setting.
fn after_restart(retry: bool, post: bool) -> (Result<String, String>, u64) {
    let mut sim = sim(14);
    sim.block_on(async move {
        let w = web();
        let c = Client::builder().retry(retry).build();
        get_bytes(&c, "http://web/").await;
        // No pause: the old connection still looks alive when the request
        // goes out on it, and the restarted node answers it with a reset.
        node::restart(w);
        let r = if post {
            c.post("http://web/echo").body("once").await
        } else {
            c.get("http://web/").await
        };
        let r = match r {
            Ok(resp) => Ok(resp.into_body().text().await.unwrap()),
            Err(e) => Err(format!("{e:?}")),
        };
        (r, c.connections_opened())
    })
}

#[test]
fn a_dead_pooled_connection_is_retried_only_when_retrying_is_on() {
    assert_eq!(after_restart(true, false), (Ok("shop".into()), 2));
    assert_reset_on_one_connection(after_restart(false, false), "without retries");
}

/// The outcome of [`after_restart`] was the old connection's reset, with
/// no second connection opened.
fn assert_reset_on_one_connection((r, opened): (Result<String, String>, u64), why: &str) {
    let e = r.unwrap_err();
    assert!(
        e.starts_with("Reset") && e.contains("ConnectionReset"),
        "{e}"
    );
    assert_eq!(opened, 1, "no second connection {why}");
}

#[test]
fn a_post_that_may_have_been_sent_is_not_sent_again() {
    // hyper wrote the POST on the old connection before the reset came
    // back: it may have reached a server, so it is not sent again, and the
    // caller hears of the reset.
    assert_reset_on_one_connection(after_restart(true, true), "for a POST");
}

#[test]
fn the_pool_keeps_no_connection_with_max_idle_zero_and_drops_old_idle_ones() {
    let mut sim = sim(15);
    sim.block_on(async {
        web();
        let none = Client::builder().pool_max_idle_per_host(0).build();
        for _ in 0..3 {
            get_bytes(&none, "http://web/").await;
        }
        assert_eq!(none.connections_opened(), 3);
        assert_eq!(none.idle_connections("web", 80), 0);
        let c = Client::builder()
            .pool_idle_timeout(Some(Duration::from_secs(30)))
            .build();
        get_bytes(&c, "http://web/").await;
        time::sleep(Duration::from_secs(10)).await;
        get_bytes(&c, "http://web/").await;
        assert_eq!(c.connections_opened(), 1, "10 s idle: reused");
        time::sleep(Duration::from_secs(31)).await;
        get_bytes(&c, "http://web/").await;
        assert_eq!(c.connections_opened(), 2, "31 s idle: replaced");
    });
}

#[test]
fn handlers_await_seedloop_futures_and_call_other_services_as_in_tokio() {
    let mut sim = sim(16);
    sim.block_on(async {
        web();
        // A gateway whose handler sleeps in virtual time, takes a seedloop
        // lock and calls `web` with a seedloop Client held in axum's state,
        // written as for tokio: seedloop's handles and futures are `Send`.
        node::Builder::new("gateway")
            .init(|| async {
                #[derive(Clone)]
                struct Gateway {
                    client: Client,
                    calls: std::sync::Arc<seedloop::sync::Mutex<u32>>,
                }
                let state = Gateway {
                    client: Client::new(),
                    calls: Default::default(),
                };
                let app = Router::new()
                    .route(
                        "/proxy/{name}",
                        get(
                            |State(g): State<Gateway>, Path(name): Path<String>| async move {
                                time::sleep(Duration::from_millis(100)).await;
                                *g.calls.lock().await += 1;
                                let uri = format!("http://web/hello/{name}");
                                let r = g.client.get(uri.as_str()).await.unwrap();
                                format!("via gateway: {}", r.into_body().text().await.unwrap())
                            },
                        ),
                    )
                    .with_state(state);
                let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
                http::serve(listener, app).await.unwrap();
            })
            .build();
        let start = time::Instant::now();
        let r = Client::new().get("http://gateway/proxy/ada").await.unwrap();
        assert_eq!(
            r.into_body().text().await.unwrap(),
            "via gateway: hello ada"
        );
        assert!(start.elapsed() >= Duration::from_millis(100));
    });
}
