//! UDP: binding, addresses, sizes, connect, and what the link does to datagrams.

use std::cell::{Cell, RefCell};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use seedloop::net::{self, MAX_DATAGRAM, NetConfig, TcpListener, UdpSocket};
use seedloop::time::{Instant, sleep, timeout};
use seedloop::trace::PacketFate;
use seedloop::{Sim, node};

use super::{fixed, ms, packets, pattern, secs, sim_with};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Receives on `sock` until it closes, logging each datagram's number
/// (its first 4 bytes, little-endian) with its arrival time.
async fn log_arrivals(sock: UdpSocket, log: Rc<RefCell<Vec<(u32, Duration)>>>) {
    let mut buf = [0; 64];
    while let Ok((n, _)) = sock.recv_from(&mut buf).await {
        let mut word = [0; 4];
        let k = n.min(4);
        word[..k].copy_from_slice(&buf[..k]);
        log.borrow_mut()
            .push((u32::from_le_bytes(word), Instant::now().since_start()));
    }
}

fn numbers(log: &RefCell<Vec<(u32, Duration)>>) -> Vec<u32> {
    log.borrow().iter().map(|(n, _)| *n).collect()
}

#[test]
fn ephemeral_ports_count_up_per_node_the_same_for_every_seed() {
    let run = |seed| {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let b = node::Builder::new("b").build();
            let taken = UdpSocket::bind("0.0.0.0:49152").await.unwrap();
            let a1 = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let a2 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let explicit = UdpSocket::bind("0.0.0.0:9000").await.unwrap();
            let on_b = node::spawn_on(b, async {
                let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
                s.local_addr().unwrap()
            })
            .await
            .unwrap();
            drop(a1);
            let a3 = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let mut out: Vec<SocketAddr> = [taken, a2, explicit, a3]
                .iter()
                .map(|s| s.local_addr().unwrap())
                .collect();
            out.push(on_b);
            out
        })
    };
    let first = run(0);
    assert_eq!(
        first,
        [
            addr("10.0.0.1:49152"),
            addr("10.0.0.1:49154"), // a1 took 49153
            addr("10.0.0.1:9000"),
            addr("10.0.0.1:49155"), // onwards, not back to the freed 49153
            addr("10.0.0.2:49152"), // each node counts on its own
        ]
    );
    for seed in 1..6 {
        assert_eq!(run(seed), first, "seed {seed}");
    }
}

#[test]
fn binding_a_taken_port_is_addr_in_use_and_ports_are_per_node_and_protocol() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let s = UdpSocket::bind("0.0.0.0:53").await.unwrap();
        for again in ["0.0.0.0:53", "10.0.0.1:53", "127.0.0.1:53", "localhost:53"] {
            let err = UdpSocket::bind(again).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{again}");
            assert!(err.to_string().contains("10.0.0.1:53"), "{err}");
        }
        // Another node's port 53 is its own.
        let on_b = node::spawn_on(b, async {
            UdpSocket::bind("0.0.0.0:53")
                .await
                .map(|s| s.local_addr().unwrap())
        });
        assert_eq!(on_b.await.unwrap().unwrap(), addr("10.0.0.2:53"));
        // TCP's port 53 is another port.
        let _l = TcpListener::bind("0.0.0.0:53").await.unwrap();
        // Dropping the socket frees the port.
        drop(s);
        let s = UdpSocket::bind("0.0.0.0:53").await.unwrap();
        assert_eq!(s.local_addr().unwrap(), addr("10.0.0.1:53"));
    });
}

#[test]
fn binding_another_nodes_address_is_addr_not_available() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        for other in ["10.0.0.2:7", "b:7", "10.9.9.9:7"] {
            let err = UdpSocket::bind(other).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrNotAvailable, "{other}");
        }
        let err = TcpListener::bind("10.0.0.2:7").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrNotAvailable);
        // The node's own address, by name, number or as localhost.
        let own = node::spawn_on(b, async {
            let by_name = UdpSocket::bind("b:7").await.unwrap();
            let local = UdpSocket::bind("localhost:8").await.unwrap();
            (by_name.local_addr().unwrap(), local.local_addr().unwrap())
        });
        assert_eq!(own.await.unwrap(), (addr("10.0.0.2:7"), addr("10.0.0.2:8")));
    });
}

#[test]
fn a_datagram_to_an_unknown_address_or_unbound_port_is_silently_lost() {
    let mut sim = sim_with(1, NetConfig::new());
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let listener = node::spawn_on(b, async {
            let s = UdpSocket::bind("0.0.0.0:2").await.unwrap();
            let mut buf = [0; 8];
            timeout(secs(1), s.recv_from(&mut buf)).await.is_err()
        });
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        assert_eq!(s.send_to(b"hi", "10.9.9.9:1").await.unwrap(), 2);
        assert_eq!(s.send_to(b"hey", "b:1").await.unwrap(), 3);
        assert!(listener.await.unwrap(), "port 2 got nothing");
    });
    // One dropped at once (no such address), one at b (no such port).
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 2);
    assert_eq!(packets(&sim, PacketFate::Delivered, "udp"), 0);
}

#[test]
fn datagrams_over_65507_bytes_are_invalid_input_and_65507_arrive_whole() {
    assert_eq!(MAX_DATAGRAM, 65_507);
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let a = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let b = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let to = b.local_addr().unwrap();
        let big = pattern(MAX_DATAGRAM + 1, 1);
        let err = a.send_to(&big, to).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("65508"), "{err}");
        a.connect(to).await.unwrap();
        assert_eq!(
            a.send(&big).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );

        let max = pattern(MAX_DATAGRAM, 2);
        assert_eq!(a.send_to(&max, to).await.unwrap(), MAX_DATAGRAM);
        let mut buf = vec![0; 70_000];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(n, MAX_DATAGRAM);
        assert_eq!(&buf[..n], &max[..]);
        assert_eq!(from, a.local_addr().unwrap());
        // The oversized ones never went: nothing else is queued.
        assert!(timeout(secs(1), b.recv_from(&mut buf)).await.is_err());
        // A short buffer takes the start; the rest is discarded.
        a.send(&max).await.unwrap();
        let mut small = [0; 10];
        let (n, _) = b.recv_from(&mut small).await.unwrap();
        assert_eq!((n, &small[..]), (10, &max[..10]));
        assert!(timeout(secs(1), b.recv_from(&mut small)).await.is_err());
    });
}

#[test]
fn a_connected_socket_receives_only_from_its_peer() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        node::Builder::new("c").build();
        let r = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let friend = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let stranger = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let raddr = r.local_addr().unwrap();
        r.connect(friend.local_addr().unwrap()).await.unwrap();
        assert_eq!(r.peer_addr().unwrap(), friend.local_addr().unwrap());
        let remote = node::spawn_on("c", async move {
            let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            s.send_to(b"remote", raddr).await.unwrap();
        });
        stranger.send_to(b"stranger", raddr).await.unwrap();
        friend.send_to(b"friend", raddr).await.unwrap();
        remote.await.unwrap();
        let mut buf = [0; 16];
        let n = r.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"friend");
        assert!(timeout(secs(1), r.recv(&mut buf)).await.is_err());
        // send goes to the peer.
        r.send(b"back").await.unwrap();
        let (n, from) = friend.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"back"[..], raddr));
    });
}

#[test]
fn a_socket_connected_to_localhost_receives_from_its_own_node() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let r = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let friend = UdpSocket::bind("0.0.0.0:7000").await.unwrap();
        r.connect("127.0.0.1:7000").await.unwrap();
        assert_eq!(r.peer_addr().unwrap(), addr("127.0.0.1:7000"));
        let rport = r.local_addr().unwrap().port();
        friend
            .send_to(
                b"hi",
                ("127.0.0.1".parse::<std::net::IpAddr>().unwrap(), rport),
            )
            .await
            .unwrap();
        let mut buf = [0; 16];
        let n = timeout(secs(1), r.recv(&mut buf))
            .await
            .expect("the datagram from 127.0.0.1:7000 is the peer's")
            .unwrap();
        assert_eq!(&buf[..n], b"hi");
        // And the same for `localhost` given as a name.
        let r2 = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        r2.connect("localhost:7000").await.unwrap();
        friend
            .send_to(b"yo", r2.local_addr().unwrap())
            .await
            .unwrap();
        let n = timeout(secs(1), r2.recv(&mut buf)).await.unwrap().unwrap();
        assert_eq!(&buf[..n], b"yo");
    });
}

/// Sends `n` numbered datagrams from main to a socket on node `b`, in
/// batches the receiver keeps up with; returns how many arrived.
fn arrivals(seed: u64, net: NetConfig, n: u32) -> u32 {
    let mut sim = Sim::builder().seed(seed).net(net).build();
    sim.block_on(async move {
        let count = Rc::new(Cell::new(0u32));
        let c = count.clone();
        node::Builder::new("b")
            .init(move || {
                let c = c.clone();
                async move {
                    let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
                    let mut buf = [0; 8];
                    loop {
                        s.recv_from(&mut buf).await.unwrap();
                        c.set(c.get() + 1);
                    }
                }
            })
            .build();
        sleep(ms(1)).await; // b binds
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        for i in 0..n {
            s.send_to(&i.to_le_bytes(), "b:9").await.unwrap();
            if i % 1000 == 999 {
                sleep(ms(20)).await;
            }
        }
        sleep(ms(100)).await;
        count.get()
    })
}

/// `observed` is within 3 standard deviations of `n` Bernoulli trials of `p`.
fn within_3_sigma(observed: u32, n: u32, p: f64) -> bool {
    let mean = f64::from(n) * p;
    let sigma = (f64::from(n) * p * (1.0 - p)).sqrt();
    (f64::from(observed) - mean).abs() <= 3.0 * sigma
}

#[test]
fn loss_rate_matches_the_configured_probability() {
    const N: u32 = 20_000;
    let net = fixed(ms(1)).loss(0.2);
    let mut total_lost = 0;
    for seed in 1..=3 {
        let got = arrivals(seed, net.clone(), N);
        let lost = N - got;
        assert!(
            within_3_sigma(lost, N, 0.2),
            "seed {seed}: {lost} of {N} lost, expected about {}",
            f64::from(N) * 0.2
        );
        total_lost += lost;
    }
    assert!(within_3_sigma(total_lost, 3 * N, 0.2), "{total_lost}");
    assert_eq!(
        arrivals(1, fixed(ms(1)), 5_000),
        5_000,
        "no loss: all arrive"
    );
    assert_eq!(arrivals(1, fixed(ms(1)).loss(1.0), 5_000), 0);
}

#[test]
fn duplication_rate_matches_the_configured_probability() {
    const N: u32 = 20_000;
    let net = fixed(ms(1)).duplicate(0.2);
    let mut total_dups = 0;
    for seed in 1..=3 {
        let got = arrivals(seed, net.clone(), N);
        assert!(got >= N, "seed {seed}: duplication lost datagrams");
        let dups = got - N;
        assert!(
            within_3_sigma(dups, N, 0.2),
            "seed {seed}: {dups} duplicates of {N}"
        );
        total_dups += dups;
    }
    assert!(within_3_sigma(total_dups, 3 * N, 0.2), "{total_dups}");
    assert_eq!(arrivals(2, fixed(ms(1)).duplicate(1.0), 3_000), 6_000);
}

/// The order in which 50 datagrams sent back to back arrive.
fn arrival_order(seed: u64, net: NetConfig) -> Vec<u32> {
    let mut sim = Sim::builder().seed(seed).net(net).build();
    sim.block_on(async {
        node::Builder::new("b").build();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let rx = node::spawn_on("b", async move {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            log_arrivals(s, l).await;
        });
        sleep(ms(1)).await;
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        for i in 0u32..50 {
            s.send_to(&i.to_le_bytes(), "b:9").await.unwrap();
        }
        sleep(secs(1)).await;
        rx.abort();
        numbers(&log)
    })
}

#[test]
fn a_latency_range_reorders_datagrams_and_a_fixed_latency_does_not() {
    let in_order: Vec<u32> = (0..50).collect();
    let mut reordered = 0;
    for seed in 0..10 {
        let order = arrival_order(seed, NetConfig::new().latency(ms(1)..ms(10)));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, in_order, "seed {seed}: none lost or duplicated");
        if order != in_order {
            reordered += 1;
        }
        assert_eq!(arrival_order(seed, fixed(ms(5))), in_order, "seed {seed}");
    }
    assert!(reordered > 0, "no seed reordered anything");
}

#[test]
fn a_one_way_partition_cuts_one_direction_only() {
    let mut sim = sim_with(4, NetConfig::new());
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let on_b = node::spawn_on(b, async {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            let mut buf = [0; 16];
            let got_first = timeout(secs(1), s.recv_from(&mut buf)).await.is_ok();
            s.send_to(b"from b", "main:9").await.unwrap();
            let (n, _) = s.recv_from(&mut buf).await.unwrap();
            (got_first, buf[..n].to_vec())
        });
        let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        net::partition_oneway("main", b);
        s.send_to(b"lost", "b:9").await.unwrap();
        let mut buf = [0; 16];
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from b", "b -> main still works");
        net::repair("b", "main");
        s.send_to(b"after", "b:9").await.unwrap();
        let (got_first, after) = on_b.await.unwrap();
        assert!(!got_first, "main -> b was cut");
        assert_eq!(after, b"after");
    });
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 1);
}

#[test]
fn a_partition_drops_datagrams_both_ways_until_repaired() {
    let mut sim = sim_with(5, fixed(ms(3)));
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let echo = node::spawn_on(b, async move {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            let mut buf = [0; 16];
            loop {
                let (n, from) = s.recv_from(&mut buf).await.unwrap();
                l.borrow_mut().push(buf[0]);
                s.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let mut buf = [0; 16];
        s.send_to(&[1], "b:9").await.unwrap();
        assert_eq!(s.recv_from(&mut buf).await.unwrap().0, 1);
        net::partition("main", "b");
        s.send_to(&[2], "b:9").await.unwrap();
        sleep(secs(5)).await;
        net::repair("main", "b");
        sleep(secs(5)).await;
        assert_eq!(
            *log.borrow(),
            [1],
            "the datagram sent across the partition is gone"
        );
        s.send_to(&[3], "b:9").await.unwrap();
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], [3]);
        assert_eq!(*log.borrow(), [1, 3]);

        // The other direction: b's reply to a datagram sent just before.
        s.send_to(&[4], "b:9").await.unwrap();
        sleep(ms(1)).await;
        // [4] is on the wire: it arrives; b's echo of it meets the partition.
        net::partition("b", "main");
        assert!(timeout(secs(2), s.recv_from(&mut buf)).await.is_err());
        assert_eq!(*log.borrow(), [1, 3, 4]);
        net::repair_all();
        s.send_to(&[5], "b:9").await.unwrap();
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], [5]);
        echo.abort();
    });
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 2);
}

#[test]
fn a_clog_holds_datagrams_both_ways_and_unclog_releases_them_in_order() {
    let mut sim = sim_with(6, fixed(ms(2)));
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let rx = node::spawn_on(b, async move {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            log_arrivals(s, l).await;
        });
        sleep(ms(1)).await;
        let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        for i in 0u32..10 {
            s.send_to(&i.to_le_bytes(), "b:9").await.unwrap();
        }
        net::clog("b"); // 0..10 are on the wire: held when they arrive
        for i in 10u32..20 {
            s.send_to(&i.to_le_bytes(), "b:9").await.unwrap();
        }
        // b can run, but its sends wait too.
        node::spawn_on(b, async {
            let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            s.send_to(b"from b", "main:9").await.unwrap();
        })
        .await
        .unwrap();
        let mut buf = [0; 16];
        assert!(timeout(secs(10), s.recv_from(&mut buf)).await.is_err());
        assert!(log.borrow().is_empty());
        net::unclog("b");
        let unclogged = Instant::now().since_start();
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from b");
        sleep(ms(10)).await;
        assert_eq!(
            numbers(&log),
            (0..20).collect::<Vec<_>>(),
            "all of them, in order"
        );
        assert!(log.borrow().iter().all(|(_, at)| *at >= unclogged));
        rx.abort();
    });
    assert_eq!(packets(&sim, PacketFate::Held, "udp"), 21);
    assert_eq!(packets(&sim, PacketFate::Lost, "udp"), 0);
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 0);
}

#[test]
fn datagrams_to_a_paused_node_wait_and_arrive_at_resume() {
    let mut sim = sim_with(7, NetConfig::new());
    sim.block_on(async {
        let b = node::Builder::new("b").build();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let rx = node::spawn_on(b, async move {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            log_arrivals(s, l).await;
        });
        sleep(ms(1)).await;
        node::pause(b);
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        for i in 0u32..10 {
            s.send_to(&i.to_le_bytes(), "b:9").await.unwrap();
            sleep(ms(10)).await; // sent apart: arrive in order
        }
        sleep(secs(3)).await;
        assert!(log.borrow().is_empty());
        let resumed = Instant::now().since_start();
        node::resume(b);
        sleep(ms(1)).await;
        assert_eq!(numbers(&log), (0..10).collect::<Vec<_>>());
        assert!(log.borrow().iter().all(|(_, at)| *at == resumed));
        rx.abort();
    });
    assert_eq!(packets(&sim, PacketFate::Held, "udp"), 10);
    assert_eq!(packets(&sim, PacketFate::Delivered, "udp"), 10);
}

#[test]
fn datagrams_to_a_killed_node_are_dropped_and_a_restarted_node_binds_again() {
    let mut sim = sim_with(8, fixed(ms(1)));
    sim.block_on(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let b = node::Builder::new("b")
            .init(move || {
                let l = l.clone();
                async move {
                    let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
                    log_arrivals(s, l).await;
                }
            })
            .build();
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        sleep(ms(1)).await;
        s.send_to(&1u32.to_le_bytes(), "b:9").await.unwrap();
        sleep(ms(5)).await;
        node::kill(b);
        s.send_to(&2u32.to_le_bytes(), "b:9").await.unwrap();
        sleep(ms(5)).await;
        node::restart(b);
        sleep(ms(1)).await; // init binds port 9 again
        s.send_to(&3u32.to_le_bytes(), "b:9").await.unwrap();
        sleep(ms(5)).await;
        assert_eq!(numbers(&log), [1, 3]);
    });
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 1);
}

#[test]
fn a_socket_keeps_at_most_4096_unread_datagrams() {
    let mut sim = sim_with(9, fixed(ms(1)));
    sim.block_on(async {
        let r = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        node::Builder::new("b").build();
        node::spawn_on("b", async {
            let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            for i in 0u32..5000 {
                s.send_to(&i.to_le_bytes(), "main:9").await.unwrap();
            }
        })
        .await
        .unwrap();
        sleep(ms(10)).await;
        let mut buf = [0; 4];
        for i in 0u32..4096 {
            let (n, _) = r.recv_from(&mut buf).await.unwrap();
            assert_eq!(
                (n, u32::from_le_bytes(buf)),
                (4, i),
                "the first ones are kept"
            );
        }
        assert!(timeout(secs(1), r.recv_from(&mut buf)).await.is_err());
    });
    assert_eq!(packets(&sim, PacketFate::Dropped, "udp"), 5000 - 4096);
}

#[test]
fn peek_from_try_recv_from_and_readiness_follow_tokio() {
    let mut sim = sim_with(21, fixed(ms(1)));
    sim.block_on(async {
        let a = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let b = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"one", b.local_addr().unwrap()).unwrap(), 3);
        a.try_send_to(b"two", b.local_addr().unwrap()).unwrap();
        let ready = b.ready(seedloop::net::Interest::READABLE).await.unwrap();
        assert!(ready.is_readable() && !ready.is_read_closed());
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"one"[..], a.local_addr().unwrap()));
        let (n, _) = b.try_recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"one", "peek took nothing");
        b.readable().await.unwrap();
        assert_eq!(b.try_recv(&mut buf).unwrap(), 3);
        assert!(b.try_recv(&mut buf).is_err());
        for bad in [0, 300] {
            assert!(a.set_ttl(bad).is_err());
        }
        a.set_ttl(3).unwrap();
        assert_eq!(a.ttl().unwrap(), 3);
    });
}

/// A node `name` whose socket on `port` collects what it receives.
fn collector(
    name: &'static str,
    port: u16,
    group: Option<std::net::Ipv4Addr>,
) -> Rc<RefCell<Vec<Vec<u8>>>> {
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    node::Builder::new(name)
        .init(move || {
            let g = g.clone();
            async move {
                let s = UdpSocket::bind(("0.0.0.0", port)).await.unwrap();
                if let Some(group) = group {
                    s.join_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
                        .unwrap();
                }
                let mut buf = [0; 32];
                loop {
                    let (n, _) = s.recv_from(&mut buf).await.unwrap();
                    g.borrow_mut().push(buf[..n].to_vec());
                }
            }
        })
        .build();
    got
}

#[test]
fn broadcast_needs_so_broadcast_and_reaches_every_node_listening_on_the_port() {
    let mut sim = sim_with(22, fixed(ms(1)));
    sim.block_on(async {
        let (b, c) = (collector("b", 9, None), collector("c", 9, None));
        let d = collector("d", 10, None); // another port: nothing
        let own = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        sleep(ms(1)).await;
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let err = s.send_to(b"all", "255.255.255.255:9").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        s.set_broadcast(true).unwrap();
        assert!(s.broadcast().unwrap());
        s.send_to(b"all", "255.255.255.255:9").await.unwrap();
        sleep(ms(5)).await;
        assert_eq!(*b.borrow(), [b"all".to_vec()]);
        assert_eq!(*c.borrow(), [b"all".to_vec()]);
        assert!(d.borrow().is_empty());
        let mut buf = [0; 8];
        let (n, from) = own.try_recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"all"[..], s.local_addr().unwrap()),
            "looped back"
        );
    });
    // One copy per receiving node: main, b and c.
    assert_eq!(packets(&sim, PacketFate::Delivered, "udp"), 3);
}

#[test]
fn multicast_reaches_the_members_only_and_loop_decides_the_senders_own_node() {
    let group = std::net::Ipv4Addr::new(239, 9, 9, 9);
    let mut sim = sim_with(23, fixed(ms(1)));
    sim.block_on(async move {
        let (b, c) = (
            collector("b", 7000, Some(group)),
            collector("c", 7000, Some(group)),
        );
        let outsider = collector("d", 7000, None);
        let own = UdpSocket::bind("0.0.0.0:7000").await.unwrap();
        own.join_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
            .unwrap();
        sleep(ms(1)).await;
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        s.send_to(b"m1", (group, 7000)).await.unwrap();
        sleep(ms(5)).await;
        assert_eq!(*b.borrow(), [b"m1".to_vec()]);
        assert_eq!(*c.borrow(), [b"m1".to_vec()]);
        assert!(outsider.borrow().is_empty(), "not a member");
        let mut buf = [0; 8];
        assert_eq!(own.try_recv(&mut buf).unwrap(), 2, "loop is on by default");
        // Loop off: the sender's own node's members get nothing.
        s.set_multicast_loop_v4(false).unwrap();
        s.send_to(b"m2", (group, 7000)).await.unwrap();
        sleep(ms(5)).await;
        assert!(own.try_recv(&mut buf).is_err());
        assert_eq!(b.borrow().len(), 2);
        // A member that left gets nothing more.
        own.leave_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
            .unwrap();
        s.set_multicast_loop_v4(true).unwrap();
        s.send_to(b"m3", (group, 7000)).await.unwrap();
        sleep(ms(5)).await;
        assert!(own.try_recv(&mut buf).is_err());
        assert_eq!(c.borrow().len(), 3);
        let err = own
            .join_multicast_v4(
                std::net::Ipv4Addr::new(10, 0, 0, 1),
                std::net::Ipv4Addr::UNSPECIFIED,
            )
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}
