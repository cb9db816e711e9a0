//! The network is deterministic: one seed, one run; other seeds, other runs.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::net::{self, NetConfig, TcpListener, TcpStream, UdpSocket};
use seedloop::time::{sleep, timeout};
use seedloop::trace::PacketFate;
use seedloop::{Sim, node};

use super::{ms, packets, secs, serve_echo, sim_with};

fn lossy() -> NetConfig {
    NetConfig::new().loss(0.1).duplicate(0.1)
}

/// Three nodes: `b` serves UDP on 9 and TCP echo on 80; `a` and `c` send
/// it datagrams and echo requests. Returns what arrived, in order.
async fn workload() -> Vec<String> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    node::Builder::new("b")
        .init(move || {
            let l = l.clone();
            async move {
                seedloop::spawn(serve_echo(80));
                let udp = UdpSocket::bind("0.0.0.0:9").await.unwrap();
                let mut buf = [0; 64];
                loop {
                    let (n, from) = udp.recv_from(&mut buf).await.unwrap();
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    l.borrow_mut().push(format!("b <- {from} {text}"));
                }
            }
        })
        .build();
    sleep(ms(1)).await;
    let mut clients = Vec::new();
    for name in ["a", "c"] {
        let l = log.clone();
        node::Builder::new(name).build();
        clients.push(node::spawn_on(name, async move {
            let udp = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            for i in 0..20 {
                udp.send_to(format!("{name}{i}").as_bytes(), "b:9")
                    .await
                    .unwrap();
            }
            let mut s = TcpStream::connect("b:80").await.unwrap();
            for i in 0..5 {
                let msg = format!("{name}-tcp-{i}");
                s.write_all(msg.as_bytes()).await.unwrap();
                let mut back = vec![0; msg.len()];
                s.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg.as_bytes());
                l.borrow_mut().push(format!("{name} echo {i}"));
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    sleep(secs(1)).await;
    log.take()
}

fn run(seed: u64) -> (u64, Vec<String>) {
    let mut sim = Sim::builder().seed(seed).net(lossy()).build();
    let order = sim.block_on(workload());
    (sim.fingerprint(), order)
}

#[test]
fn the_same_seed_gives_the_same_run() {
    for seed in [0, 1, 42] {
        let (f1, o1) = run(seed);
        let (f2, o2) = run(seed);
        assert_eq!(f1, f2, "seed {seed}");
        assert_eq!(o1, o2, "seed {seed}");
        assert!(o1.len() > 20, "seed {seed}: {o1:?}");
    }
}

#[test]
fn different_seeds_give_different_delivery_orders() {
    let mut orders = BTreeSet::new();
    let mut fingerprints = BTreeSet::new();
    for seed in 0..20 {
        let (f, o) = run(seed);
        orders.insert(o);
        fingerprints.insert(f);
    }
    assert!(orders.len() > 10, "only {} distinct orders", orders.len());
    assert_eq!(fingerprints.len(), 20);
}

#[test]
fn check_determinism_passes_on_a_network_workload() {
    let out = Sim::builder()
        .seed(7)
        .net(lossy())
        .check_determinism(workload)
        .unwrap();
    assert!(!out.is_empty());
    // With faults and node changes too.
    Sim::builder()
        .seed(8)
        .net(lossy())
        .check_determinism(|| async {
            let order = seedloop::spawn(workload());
            sleep(ms(30)).await;
            net::partition("a", "b");
            net::clog("c");
            sleep(ms(500)).await;
            net::repair_all();
            net::unclog("c");
            node::pause("b");
            sleep(ms(100)).await;
            node::resume("b");
            order.await.unwrap()
        })
        .unwrap();
}

#[test]
fn the_trace_shows_every_packet_fate() {
    let mut sim = sim_with(3, NetConfig::new().loss(0.3).duplicate(0.3));
    sim.block_on(async {
        node::Builder::new("b").build();
        let rx = node::spawn_on("b", async {
            let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
            let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            let (mut t, _) = l.accept().await.unwrap();
            let mut buf = [0; 64];
            while timeout(secs(2), s.recv_from(&mut buf)).await.is_ok() {}
            let mut all = Vec::new();
            t.read_to_end(&mut all).await.unwrap();
            all
        });
        sleep(ms(1)).await;
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let mut t = TcpStream::connect("b:80").await.unwrap();
        for i in 0..50u8 {
            s.send_to(&[i], "b:9").await.unwrap(); // sent, lost, duplicated, delivered
        }
        net::partition("main", "b");
        s.send_to(b"cut", "b:9").await.unwrap(); // dropped
        t.write_all(b"stalled").await.unwrap(); // stalled
        sleep(secs(1)).await;
        net::repair("main", "b");
        net::clog("b");
        s.send_to(b"held", "b:9").await.unwrap(); // held
        t.write_all(b" held").await.unwrap();
        sleep(secs(1)).await;
        net::unclog("b");
        drop(t);
        assert_eq!(rx.await.unwrap(), b"stalled held");
    });
    for fate in [
        PacketFate::Sent,
        PacketFate::Delivered,
        PacketFate::Lost,
        PacketFate::Duplicated,
        PacketFate::Dropped,
        PacketFate::Held,
    ] {
        assert!(packets(&sim, fate, "udp") > 0, "no udp packet {fate}");
    }
    for fate in [
        PacketFate::Sent,
        PacketFate::Delivered,
        PacketFate::Stalled,
        PacketFate::Held,
        PacketFate::Lost,
    ] {
        assert!(packets(&sim, fate, "tcp") > 0, "no tcp packet {fate}");
    }
    assert_eq!(packets(&sim, PacketFate::Duplicated, "tcp"), 0);
    assert_eq!(packets(&sim, PacketFate::Stalled, "udp"), 0);
}
