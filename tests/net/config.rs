//! `NetConfig` and `LinkConfig` validation.

use std::time::Duration;

use seedloop::Sim;
use seedloop::net::{LinkConfig, NetConfig};

use super::{ms, secs};

fn setting_of(net: NetConfig) -> Option<(String, String)> {
    Sim::builder()
        .net(net)
        .try_build()
        .err()
        .map(|e| (e.setting().to_string(), e.value().to_string()))
}

#[test]
fn a_bad_net_config_fails_the_build_naming_the_setting() {
    let bad = |s: &str, v: &str| Some((s.to_string(), v.to_string()));
    assert_eq!(setting_of(NetConfig::new().loss(1.5)), bad("loss", "1.5"));
    assert_eq!(setting_of(NetConfig::new().loss(-0.1)), bad("loss", "-0.1"));
    assert_eq!(
        setting_of(NetConfig::new().loss(f64::NAN)),
        bad("loss", "NaN")
    );
    assert_eq!(
        setting_of(NetConfig::new().duplicate(1.01)),
        bad("duplicate", "1.01")
    );
    assert_eq!(
        setting_of(NetConfig::new().latency(ms(10)..ms(1))).map(|(s, _)| s),
        Some("latency".to_string())
    );
    assert_eq!(
        setting_of(NetConfig::new().send_buffer(0)),
        bad("send_buffer", "0")
    );
    for (net, name) in [
        (
            NetConfig::new().connect_timeout(Duration::ZERO),
            "connect_timeout",
        ),
        (
            NetConfig::new().partition_timeout(Duration::ZERO),
            "partition_timeout",
        ),
        (NetConfig::new().retransmit(Duration::ZERO), "retransmit"),
    ] {
        assert_eq!(setting_of(net).map(|(s, _)| s), Some(name.to_string()));
    }
    let err = Sim::builder()
        .net(NetConfig::new().loss(1.5))
        .try_build()
        .unwrap_err();
    assert!(
        err.to_string().contains("loss") && err.to_string().contains("1.5"),
        "{err}"
    );
}

#[test]
fn edge_values_are_valid() {
    for net in [
        NetConfig::new().loss(0.0).duplicate(0.0),
        NetConfig::new().loss(1.0).duplicate(1.0),
        NetConfig::new().latency(Duration::ZERO..Duration::ZERO),
        NetConfig::new().latency(secs(1)..secs(1)),
        NetConfig::new().send_buffer(1),
        NetConfig::new().connect_timeout(Duration::from_nanos(1)),
    ] {
        assert_eq!(setting_of(net.clone()), None, "{net:?}");
        assert!(net.validate().is_ok());
    }
}

#[test]
fn link_config_reports_and_validates_its_values() {
    let l = LinkConfig::new()
        .latency(ms(5)..ms(8))
        .loss(0.25)
        .duplicate(0.5);
    assert_eq!(l.latency_range(), ms(5)..ms(8));
    assert_eq!(l.loss_probability(), 0.25);
    assert_eq!(l.duplicate_probability(), 0.5);
    assert!(l.validate().is_ok());
    assert_eq!(LinkConfig::new(), NetConfig::new().link().clone());
    let err = LinkConfig::new()
        .latency(secs(2)..secs(1))
        .validate()
        .unwrap_err();
    assert_eq!(err.setting(), "latency");
    assert!(err.value().contains("2s"), "{}", err.value());
    assert_eq!(
        LinkConfig::new()
            .duplicate(7.0)
            .validate()
            .unwrap_err()
            .setting(),
        "duplicate"
    );
    // NetConfig's setters reach its link.
    let n = NetConfig::new()
        .latency(ms(3)..ms(4))
        .loss(0.1)
        .duplicate(0.2);
    assert_eq!(
        n.link(),
        &LinkConfig::new()
            .latency(ms(3)..ms(4))
            .loss(0.1)
            .duplicate(0.2)
    );
}

#[test]
fn the_udp_queue_and_the_tcp_backlog_are_configurable_and_their_overflow_is_defined() {
    use seedloop::net::{TcpListener, TcpStream, UdpSocket};
    use seedloop::trace::PacketFate;
    let net = NetConfig::new().udp_queue(2).tcp_backlog(1);
    let mut sim = super::sim_with(1, net);
    sim.block_on(async {
        let rx = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        let tx = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        for i in 0..3u8 {
            tx.send_to(&[i], "localhost:9").await.unwrap();
        }
        seedloop::time::sleep(std::time::Duration::from_millis(1)).await;
        let mut buf = [0; 1];
        for i in 0..2u8 {
            rx.recv_from(&mut buf).await.unwrap();
            assert_eq!(buf[0], i);
        }
        assert!(rx.try_recv_from(&mut buf).is_err(), "the third was dropped");
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let _first = TcpStream::connect("localhost:80").await.unwrap();
        let err = TcpStream::connect("localhost:80").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        drop(listener);
    });
    assert_eq!(super::packets(&sim, PacketFate::Dropped, "udp"), 1);
    for (what, bad) in [
        ("udp_queue", NetConfig::new().udp_queue(0)),
        ("tcp_backlog", NetConfig::new().tcp_backlog(0)),
    ] {
        let err = bad.validate().unwrap_err();
        assert_eq!((err.setting(), err.value()), (what, "0"));
    }
}
