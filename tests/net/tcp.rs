//! TCP: connections, errors, EOF, resets, loss, backpressure, partitions,
//! clogs, names and restarts.

use std::cell::{Cell, RefCell};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::net::{self, NetConfig, TcpListener, TcpStream, UdpSocket, lookup_host};
use seedloop::sync::oneshot;
use seedloop::time::{Instant, sleep};
use seedloop::trace::PacketFate;
use seedloop::{Sim, node};

use super::{fixed, ms, packets, pattern, secs, serve_echo, sim_with};

fn now() -> Duration {
    Instant::now().since_start()
}

/// A node `name` whose init serves echo on `port`.
fn echo_node(name: &str, port: u16) -> node::NodeId {
    node::Builder::new(name)
        .init(move || serve_echo(port))
        .build()
}

/// Writes `msg` and reads back as many bytes.
async fn round_trip(stream: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    stream.write_all(msg).await?;
    let mut back = vec![0; msg.len()];
    stream.read_exact(&mut back).await?;
    Ok(back)
}

#[test]
fn echo_between_nodes_with_several_clients() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        echo_node("server", 80);
        sleep(ms(1)).await;
        let mut clients = Vec::new();
        for i in 0..3u8 {
            let name = format!("client{i}");
            node::Builder::new(name.as_str()).build();
            clients.push(node::spawn_on(name.as_str(), async move {
                let mut s = TcpStream::connect("server:80").await.unwrap();
                assert_eq!(s.peer_addr().unwrap().to_string(), "10.0.0.2:80");
                assert_eq!(s.local_addr().unwrap().ip(), node::current().ip());
                let msg = pattern(10_000 + usize::from(i), i);
                let back = round_trip(&mut s, &msg).await.unwrap();
                back == msg
            }));
        }
        for c in clients {
            assert!(c.await.unwrap());
        }
    });
}

#[test]
fn accept_reports_the_clients_address() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let s = TcpStream::connect("main:80").await.unwrap();
            let addrs = (s.local_addr().unwrap(), s.peer_addr().unwrap());
            std::mem::forget(s); // keep it open
            addrs
        });
        let (accepted, from) = listener.accept().await.unwrap();
        let (client_local, client_peer) = client.await.unwrap();
        assert_eq!(from, client_local);
        assert_eq!(from.to_string(), "10.0.0.2:49152");
        assert_eq!(accepted.peer_addr().unwrap(), client_local);
        assert_eq!(accepted.local_addr().unwrap(), client_peer);
        assert_eq!(listener.local_addr().unwrap().to_string(), "10.0.0.1:80");
    });
}

#[test]
fn connecting_where_nothing_listens_is_refused() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        node::Builder::new("db").build();
        let start = now();
        let err = TcpStream::connect("db:5432").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains("10.0.0.2:5432"), "{err}");
        assert!(now() - start <= ms(20), "refused after a round trip");
        // A listener that went away refuses too.
        let l = node::spawn_on("db", async {
            TcpListener::bind("0.0.0.0:5432").await.unwrap()
        })
        .await
        .unwrap();
        drop(l);
        let err = TcpStream::connect("db:5432").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn connecting_to_an_address_nobody_has_times_out_after_connect_timeout() {
    for (net, limit) in [
        (NetConfig::new(), secs(5)),
        (NetConfig::new().connect_timeout(ms(1500)), ms(1500)),
    ] {
        let mut sim = Sim::builder().net(net).build();
        sim.block_on(async move {
            let start = now();
            let err = TcpStream::connect("10.9.9.9:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut);
            assert!(err.to_string().contains("10.9.9.9:80"), "{err}");
            assert_eq!(now() - start, limit);
            // A dead node answers nothing either.
            let db = echo_node("db", 80);
            node::kill(db);
            let start = now();
            let err = TcpStream::connect("db:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut);
            assert_eq!(now() - start, limit);
        });
    }
}

#[test]
fn listening_on_a_taken_port_is_addr_in_use() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let err = TcpListener::bind("10.0.0.1:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        assert!(err.to_string().contains("10.0.0.1:80"), "{err}");
        node::Builder::new("b").build();
        let other = node::spawn_on("b", async { TcpListener::bind("0.0.0.0:80").await.is_ok() });
        assert!(other.await.unwrap());
        let _udp = UdpSocket::bind("0.0.0.0:80").await.unwrap();
        drop(l);
        let _l = TcpListener::bind("0.0.0.0:80").await.unwrap();
    });
}

#[test]
fn close_and_dropping_the_write_half_send_eof_and_leave_the_other_direction_open() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"abc").await.unwrap();
            s.close().await.unwrap();
            let err = s.write_all(b"more").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            // Half-closed: the reply still comes.
            let mut reply = Vec::new();
            s.read_to_end(&mut reply).await.unwrap();
            reply
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"abc");
        let mut buf = [0; 4];
        assert_eq!(s.read(&mut buf).await.unwrap(), 0, "EOF again");
        s.write_all(b"xyz").await.unwrap();
        drop(s); // closes: the client's read_to_end ends
        assert_eq!(client.await.unwrap(), b"xyz");

        // The same with an owned write half.
        let client = node::spawn_on("c", async {
            let (mut rd, mut wr) = TcpStream::connect("main:80").await.unwrap().into_split();
            wr.write_all(b"half").await.unwrap();
            drop(wr);
            let mut reply = [0; 5];
            rd.read_exact(&mut reply).await.unwrap();
            reply
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"half");
        s.write_all(b"reply").await.unwrap();
        assert_eq!(&client.await.unwrap(), b"reply");
    });
}

#[test]
fn closing_with_received_bytes_unread_resets_the_peer_instead_of_a_clean_eof() {
    let mut sim = sim_with(4, NetConfig::new());
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"request one and two").await.unwrap();
            // What reached this end before the reset is read first...
            let mut reply = [0; 2];
            s.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"ok");
            // ...then the pending read learns that data was lost.
            let mut buf = [0; 8];
            s.read(&mut buf).await.unwrap_err().kind()
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut first = [0; 7];
        s.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"request");
        s.write_all(b"ok").await.unwrap();
        drop(s); // 12 bytes the client sent are never read
        assert_eq!(client.await.unwrap(), ErrorKind::ConnectionReset);

        // A shutdown before does not make the lost bytes clean: the Fin
        // reads as EOF, and the reset behind it fails the next read.
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"unread").await.unwrap();
            let mut got = Vec::new();
            assert_eq!(s.read_to_end(&mut got).await.unwrap(), 0);
            sleep(secs(1)).await;
            s.read(&mut [0; 4]).await.unwrap_err().kind()
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut one = [0; 1];
        s.read_exact(&mut one).await.unwrap();
        s.close().await.unwrap();
        drop(s);
        assert_eq!(client.await.unwrap(), ErrorKind::ConnectionReset);

        // Everything read: the close is a clean EOF.
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"all").await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.map(|_| got)
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut all = [0; 3];
        s.read_exact(&mut all).await.unwrap();
        drop(s);
        assert_eq!(client.await.unwrap().unwrap(), b"");
    });
    let text = sim.trace().to_string();
    let resets = text.lines().filter(|l| l.contains("RST sent")).count();
    assert_eq!(resets, 2, "one reset per lossy close:\n{text}");
}

#[test]
fn a_killed_peer_resets_the_connection_for_reader_and_writer() {
    let mut sim = sim_with(5, NetConfig::new());
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let c = node::Builder::new("c").build();
        let client = node::spawn_on(c, async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"hello").await.unwrap();
            std::future::pending::<()>().await;
        });
        let (s, _) = listener.accept().await.unwrap();
        let (mut rd, mut wr) = s.into_split();
        let mut buf = [0; 5];
        rd.read_exact(&mut buf).await.unwrap();
        let reader = seedloop::spawn(async move {
            let mut buf = [0; 5];
            let r = rd.read(&mut buf).await;
            (r.map_err(|e| e.kind()), now())
        });
        sleep(ms(100)).await;
        node::kill(c);
        let killed = now();
        assert!(client.await.unwrap_err().is_cancelled());
        let (r, at) = reader.await.unwrap();
        assert_eq!(r, Err(ErrorKind::ConnectionReset), "the blocked reader");
        assert!(
            at > killed && at - killed <= ms(10),
            "after one trip: {at:?}"
        );
        let err = wr.write_all(b"anyone?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "the writer: {err}");
        assert!(err.to_string().contains("reset"), "{err}");
    });
    assert!(packets(&sim, PacketFate::Delivered, "tcp") > 0);
}

#[test]
fn a_writer_blocked_by_a_full_buffer_is_reset_when_its_peer_dies() {
    let mut sim = Sim::builder()
        .seed(6)
        .net(NetConfig::new().send_buffer(1024))
        .build();
    sim.block_on(async {
        let db = node::Builder::new("db")
            .init(|| async {
                let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
                let (_s, _) = l.accept().await.unwrap();
                std::future::pending::<()>().await; // never reads
            })
            .build();
        sleep(ms(1)).await;
        let mut s = TcpStream::connect("db:80").await.unwrap();
        let writer = seedloop::spawn(async move { s.write_all(&[7; 10_000]).await });
        sleep(secs(1)).await;
        assert!(!writer.is_finished());
        node::kill(db);
        let err = writer.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    });
}

/// Sends `len` bytes each way over one connection between main and node
/// `server`, with writes and reads of many sizes; returns what each side read.
fn exchange(sim: &mut Sim, len: usize) -> (Vec<u8>, Vec<u8>) {
    sim.block_on(async move {
        let server_got = Rc::new(RefCell::new(None));
        let sg = server_got.clone();
        node::Builder::new("server")
            .init(move || {
                let sg = sg.clone();
                async move {
                    let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
                    let (s, _) = l.accept().await.unwrap();
                    let (mut rd, mut wr) = s.into_split();
                    let send = seedloop::spawn(async move {
                        let data = pattern(len, 2);
                        for (i, chunk) in chunks(&data).enumerate() {
                            wr.write_all(chunk).await.unwrap();
                            if i % 7 == 0 {
                                sleep(ms(3)).await;
                            }
                        }
                        wr
                    });
                    let mut got = Vec::new();
                    rd.read_to_end(&mut got).await.unwrap();
                    *sg.borrow_mut() = Some(got);
                    drop(send.await.unwrap());
                }
            })
            .build();
        sleep(ms(1)).await;
        let s = TcpStream::connect("server:80").await.unwrap();
        let (mut rd, mut wr) = s.into_split();
        let send = seedloop::spawn(async move {
            let data = pattern(len, 1);
            for chunk in chunks(&data) {
                wr.write_all(chunk).await.unwrap();
            }
            // Dropping wr: EOF for the server.
        });
        let mut got = Vec::new();
        let mut buf = [0; 3000];
        let mut sizes = [1, 100, 3000, 17].into_iter().cycle();
        loop {
            let n = rd.read(&mut buf[..sizes.next().unwrap()]).await.unwrap();
            if n == 0 {
                break; // the server's write half is gone after its last byte
            }
            got.extend_from_slice(&buf[..n]);
        }
        send.await.unwrap();
        let server_got = server_got
            .borrow_mut()
            .take()
            .expect("the server read to EOF");
        (got, server_got)
    })
}

/// Write sizes that vary, from 1 byte to more than a send buffer.
fn chunks(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let sizes = [1, 17, 1000, 4096, 333, 2, 999, 1500, 250, 5, 600];
    let mut at = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        if at >= data.len() {
            return None;
        }
        let n = sizes[i % sizes.len()].min(data.len() - at);
        i += 1;
        at += n;
        Some(&data[at - n..at])
    })
}

#[test]
fn every_byte_arrives_in_order_under_heavy_loss_and_jitter() {
    const LEN: usize = 200_000;
    for seed in 0..4 {
        let mut sim = sim_with(seed, NetConfig::new().loss(0.3).latency(ms(1)..ms(200)));
        let (client_got, server_got) = exchange(&mut sim, LEN);
        assert_eq!(client_got.len(), LEN, "seed {seed}");
        assert_eq!(server_got.len(), LEN, "seed {seed}");
        assert!(client_got == pattern(LEN, 2), "seed {seed}: bytes differ");
        assert!(server_got == pattern(LEN, 1), "seed {seed}: bytes differ");
        let lost = packets(&sim, PacketFate::Lost, "tcp");
        let sent = packets(&sim, PacketFate::Sent, "tcp");
        assert!(sent > 200, "seed {seed}: {sent} segments");
        // Every loss is one coin out of (sent + lost); about 30% of them.
        let rate = lost as f64 / (sent + lost) as f64;
        assert!((0.2..0.4).contains(&rate), "seed {seed}: loss rate {rate}");
    }
}

#[test]
fn a_writer_waits_while_its_peer_has_a_full_buffer_unread() {
    let mut sim = Sim::builder()
        .seed(7)
        .net(NetConfig::new().send_buffer(1024))
        .build();
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let written = Rc::new(Cell::new(0usize));
        let done = Rc::new(Cell::new(false));
        let (w, d) = (written.clone(), done.clone());
        let writer = node::spawn_on("c", async move {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            let data = pattern(10_240, 3);
            let mut at = 0;
            while at < data.len() {
                let n = s.write(&data[at..]).await.unwrap();
                at += n;
                w.set(at);
            }
            d.set(true);
            s
        });
        let (mut server, _) = listener.accept().await.unwrap();
        sleep(secs(10)).await;
        assert_eq!(written.get(), 1024, "exactly one buffer's worth went");
        assert!(!done.get(), "write_all waits for the reader");
        // Reading a little frees as much room.
        let mut first = [0; 100];
        server.read_exact(&mut first).await.unwrap();
        sleep(secs(1)).await;
        assert_eq!(written.get(), 1124);
        assert!(!done.get());
        let mut rest = vec![0; 10_240 - 100];
        server.read_exact(&mut rest).await.unwrap();
        let _client = writer.await.unwrap();
        assert!(done.get());
        let mut all = first.to_vec();
        all.extend_from_slice(&rest);
        assert!(all == pattern(10_240, 3));
    });
}

/// A connection from main to an echo server on node `db`.
async fn connect_echo() -> TcpStream {
    echo_node("db", 80);
    sleep(ms(1)).await;
    let mut s = TcpStream::connect("db:80").await.unwrap();
    assert_eq!(round_trip(&mut s, b"warm").await.unwrap(), b"warm");
    s
}

#[test]
fn a_short_partition_only_delays_the_bytes() {
    let mut sim = sim_with(8, NetConfig::new());
    sim.block_on(async {
        let mut s = connect_echo().await;
        net::partition("main", "db");
        let start = now();
        let (tx, rx) = oneshot::channel();
        let t = seedloop::spawn(async move {
            let back = round_trip(&mut s, b"during").await;
            tx.send(now()).unwrap();
            back
        });
        sleep(secs(20)).await;
        net::repair("main", "db");
        assert_eq!(t.await.unwrap().unwrap(), b"during");
        let arrived = rx.await.unwrap();
        assert!(arrived >= start + secs(20), "not before the repair");
        assert!(arrived <= start + secs(20) + ms(30), "soon after it");
    });
    assert!(packets(&sim, PacketFate::Stalled, "tcp") >= 1);
}

#[test]
fn a_partition_longer_than_partition_timeout_breaks_both_ends_with_timed_out() {
    let net = NetConfig::new().partition_timeout(secs(10));
    let mut sim = sim_with(9, net);
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        node::Builder::new("bystander").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            let mut buf = [0; 4];
            let r = s.read(&mut buf).await.map_err(|e| e.kind());
            let w = s.write_all(b"x").await.map_err(|e| e.kind());
            (r, w, now())
        });
        let (mut server_end, _) = listener.accept().await.unwrap();
        let bystander = node::spawn_on("bystander", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            sleep(secs(15)).await;
            s.write_all(b"still here").await.unwrap();
            s
        });
        let (mut other, _) = listener.accept().await.unwrap();
        let cut = now();
        net::partition("main", "c");
        let mut buf = [0; 4];
        let err = server_end.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains("'c'"), "{err}");
        assert_eq!(now(), cut + secs(10));
        let (r, w, at) = client.await.unwrap();
        assert_eq!(r, Err(ErrorKind::TimedOut));
        assert_eq!(w, Err(ErrorKind::TimedOut));
        assert_eq!(at, cut + secs(10));
        // Healing does not bring it back.
        net::repair("main", "c");
        sleep(secs(1)).await;
        assert_eq!(
            server_end.write_all(b"x").await.unwrap_err().kind(),
            ErrorKind::TimedOut
        );
        // Connections between other nodes are untouched.
        let mut buf = [0; 10];
        other.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still here");
        drop(bystander.await.unwrap());
    });
}

#[test]
fn a_partition_healed_in_time_breaks_nothing() {
    let net = NetConfig::new().partition_timeout(secs(10));
    let mut sim = sim_with(10, net);
    sim.block_on(async {
        let mut s = connect_echo().await;
        // Cut twice, each time shorter than the timeout, 18 s in all.
        for _ in 0..2 {
            net::partition("main", "db");
            sleep(secs(9)).await;
            net::repair("db", "main");
            sleep(ms(50)).await;
        }
        net::partition_oneway("db", "main");
        sleep(secs(9)).await;
        net::repair_all();
        assert_eq!(round_trip(&mut s, b"alive").await.unwrap(), b"alive");
        sleep(secs(30)).await;
        assert_eq!(round_trip(&mut s, b"still").await.unwrap(), b"still");
    });
}

#[test]
fn a_clog_longer_than_partition_timeout_never_breaks_a_connection() {
    let mut sim = sim_with(11, NetConfig::new().partition_timeout(secs(10)));
    sim.block_on(async {
        let mut s = connect_echo().await;
        net::clog("db");
        let start = now();
        let t = seedloop::spawn(async move {
            let back = round_trip(&mut s, &pattern(5000, 4)).await;
            (back, now())
        });
        sleep(secs(60)).await;
        assert!(!t.is_finished());
        net::unclog("db");
        let (back, at) = t.await.unwrap();
        assert!(back.unwrap() == pattern(5000, 4));
        assert!(at >= start + secs(60));
    });
    assert!(packets(&sim, PacketFate::Held, "tcp") >= 1);
}

#[test]
fn connect_across_a_partition_succeeds_if_it_heals_within_connect_timeout() {
    let mut sim = sim_with(12, NetConfig::new());
    sim.block_on(async {
        echo_node("db", 80);
        sleep(ms(1)).await;
        net::partition("main", "db");
        let start = now();
        let c = seedloop::spawn(async { TcpStream::connect("db:80").await.map(|_| now()) });
        sleep(secs(2)).await;
        net::repair("main", "db");
        let at = c.await.unwrap().unwrap();
        assert!(
            at >= start + secs(2) && at <= start + secs(2) + ms(30),
            "{at:?}"
        );

        net::partition("db", "main");
        let start = now();
        let c = seedloop::spawn(async { TcpStream::connect("db:80").await });
        sleep(secs(6)).await;
        net::repair("main", "db");
        let err = c.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
        assert!(now() >= start + secs(5));
        // The abandoned attempt's Syn, sent at the repair, is ignored.
        sleep(secs(1)).await;
        let mut s = TcpStream::connect("db:80").await.unwrap();
        assert_eq!(round_trip(&mut s, b"ok").await.unwrap(), b"ok");
    });
}

#[test]
fn node_names_resolve_and_unknown_names_are_not_found() {
    let mut sim = Sim::new(13);
    sim.block_on(async {
        echo_node("db", 5432);
        sleep(ms(1)).await;
        let all: Vec<SocketAddr> = lookup_host("db:5432").await.unwrap().collect();
        assert_eq!(all, ["10.0.0.2:5432".parse().unwrap()]);
        let by_pair: Vec<SocketAddr> = lookup_host(("db", 1)).await.unwrap().collect();
        assert_eq!(by_pair[0].to_string(), "10.0.0.2:1");
        let literal: Vec<SocketAddr> = lookup_host("10.1.2.3:4").await.unwrap().collect();
        assert_eq!(literal[0].to_string(), "10.1.2.3:4");
        let here = node::spawn_on("db", async {
            lookup_host("localhost:9").await.unwrap().next().unwrap()
        });
        assert_eq!(here.await.unwrap().to_string(), "10.0.0.2:9");

        let Err(err) = lookup_host("nope:1").await else {
            panic!("resolved")
        };
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("nope"), "{err}");
        let err = TcpStream::connect("nope:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("nope"), "{err}");
        let u = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let err = u.send_to(b"x", "nope:1").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        for bad in ["db", "db:port", "db:70000"] {
            let Err(err) = lookup_host(bad).await else {
                panic!("{bad} resolved")
            };
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(err.to_string().contains(bad), "{err}");
        }

        let mut s = TcpStream::connect("db:5432").await.unwrap();
        assert_eq!(round_trip(&mut s, b"by name").await.unwrap(), b"by name");
        let mut s = TcpStream::connect(("db", 5432)).await.unwrap();
        assert_eq!(round_trip(&mut s, b"pair").await.unwrap(), b"pair");
    });
}

#[test]
fn a_restarted_server_binds_again_and_serves_new_connections() {
    let mut sim = sim_with(14, NetConfig::new());
    sim.block_on(async {
        let db = echo_node("db", 80);
        sleep(ms(1)).await;
        let mut old = TcpStream::connect("db:80").await.unwrap();
        assert_eq!(round_trip(&mut old, b"one").await.unwrap(), b"one");
        node::kill(db);
        let err = round_trip(&mut old, b"two").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(
            TcpStream::connect("db:80").await.unwrap_err().kind(),
            ErrorKind::TimedOut
        );
        node::restart(db);
        sleep(ms(1)).await;
        let mut new = TcpStream::connect("db:80").await.unwrap();
        assert_eq!(round_trip(&mut new, b"three").await.unwrap(), b"three");
        // Restarting a live server resets its connections too.
        node::restart("db");
        let err = round_trip(&mut new, b"four").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        sleep(ms(1)).await;
        let mut newer = TcpStream::connect("db:80").await.unwrap();
        assert_eq!(round_trip(&mut newer, b"five").await.unwrap(), b"five");
    });
}

#[test]
fn a_peer_killed_behind_a_partition_resets_the_connection_once_it_heals() {
    let mut sim = sim_with(15, NetConfig::new());
    sim.block_on(async {
        let s = connect_echo().await;
        let (mut rd, _wr) = s.into_split();
        let reader = seedloop::spawn(async move {
            let mut buf = [0; 4];
            rd.read(&mut buf).await.map_err(|e| e.kind())
        });
        net::partition("main", "db");
        node::kill("db");
        sleep(secs(5)).await;
        assert!(!reader.is_finished(), "the reset waits for the partition");
        net::repair("main", "db");
        assert_eq!(reader.await.unwrap(), Err(ErrorKind::ConnectionReset));
    });
}

#[test]
fn a_peer_killed_while_clogged_resets_the_connection_at_unclog() {
    let mut sim = sim_with(16, NetConfig::new());
    sim.block_on(async {
        let s = connect_echo().await;
        let (mut rd, _wr) = s.into_split();
        let reader = seedloop::spawn(async move {
            let mut buf = [0; 4];
            rd.read(&mut buf).await.map_err(|e| e.kind())
        });
        net::clog("db");
        node::kill("db");
        sleep(secs(5)).await;
        assert!(!reader.is_finished());
        net::unclog("db");
        assert_eq!(reader.await.unwrap(), Err(ErrorKind::ConnectionReset));
    });
}

/// Bytes written before, during and after overlapping faults arrive in
/// the order they were written.
fn fault_ordering(net: NetConfig, faults: fn(u8)) -> Vec<u8> {
    let mut sim = sim_with(17, net);
    sim.block_on(async move {
        let listener = node::spawn_on(
            node::Builder::new("db").build(),
            TcpListener::bind("0.0.0.0:80"),
        )
        .await
        .unwrap()
        .unwrap();
        let mut s = TcpStream::connect("db:80").await.unwrap();
        let reader = node::spawn_on("db", async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            got
        });
        sleep(ms(50)).await;
        for step in 0..4u8 {
            s.write_all(&[b'a' + step]).await.unwrap();
            faults(step);
        }
        sleep(secs(1)).await;
        faults(4);
        sleep(secs(1)).await;
        drop(s);
        reader.await.unwrap()
    })
}

#[test]
fn bytes_stay_in_order_across_overlapping_partitions_and_clogs() {
    // A partition, then a clog while a segment is stalled.
    let got = fault_ordering(NetConfig::new(), |step| match step {
        0 => net::partition("main", "db"),
        1 => net::clog("db"),
        2 => net::repair("main", "db"),
        4 => net::unclog("db"),
        _ => {}
    });
    assert_eq!(got, b"abcd");
    // A clog, then a partition.
    let got = fault_ordering(NetConfig::new(), |step| match step {
        0 => net::clog("db"),
        1 => net::partition("main", "db"),
        2 => net::unclog("db"),
        4 => net::repair_all(),
        _ => {}
    });
    assert_eq!(got, b"abcd");
}

#[test]
fn bytes_in_flight_at_a_clog_arrive_before_later_ones_even_without_latency() {
    let zero = fixed(Duration::ZERO);
    // 'a' is on the wire when the clog starts (held on arrival); 'b', 'c'
    // and 'd' are held when sent.
    let got = fault_ordering(zero.clone(), |step| match step {
        0 => net::clog("db"),
        4 => net::unclog("db"),
        _ => {}
    });
    assert_eq!(got, b"abcd");
    // And with a paused receiver instead.
    let got = fault_ordering(zero, |step| match step {
        0 => node::pause("db"),
        1 => net::clog("main"),
        4 => {
            net::unclog("main");
            node::resume("db");
        }
        _ => {}
    });
    assert_eq!(got, b"abcd");
}

#[test]
fn a_listener_dropped_with_queued_connections_resets_them() {
    let mut sim = Sim::new(18);
    sim.block_on(async {
        let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            let mut buf = [0; 1];
            s.read(&mut buf).await.map_err(|e| e.kind())
        });
        sleep(ms(100)).await; // connected, never accepted
        drop(l);
        assert_eq!(client.await.unwrap(), Err(ErrorKind::ConnectionReset));
    });
}

#[test]
fn writing_to_a_peer_that_closed_its_stream_is_reset() {
    let mut sim = Sim::new(19);
    sim.block_on(async {
        let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            let mut buf = [0; 1];
            assert_eq!(s.read(&mut buf).await.unwrap(), 0, "EOF first");
            s.write_all(b"late").await.unwrap(); // goes out; the answer is a reset
            sleep(ms(50)).await;
            s.write_all(b"later").await.map_err(|e| e.kind())
        });
        let (s, _) = l.accept().await.unwrap();
        drop(s);
        assert_eq!(client.await.unwrap(), Err(ErrorKind::ConnectionReset));
    });
}

#[test]
fn a_writer_blocked_on_a_peer_that_closes_without_reading_is_reset() {
    let mut sim = Sim::builder()
        .seed(20)
        .net(NetConfig::new().send_buffer(4096))
        .print_panics(false)
        .build();
    sim.try_block_on(async {
        let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(&[1; 100_000]).await.map_err(|e| e.kind())
        });
        let (mut s, _) = l.accept().await.unwrap();
        let mut some = [0; 10];
        s.read_exact(&mut some).await.unwrap();
        sleep(secs(1)).await;
        drop(s); // 4 KiB unread
        assert_eq!(client.await.unwrap(), Err(ErrorKind::ConnectionReset));
    })
    .expect("the writer is told, not left waiting");
}

#[test]
fn the_trace_names_control_segments_and_an_advance_that_fired_no_timer() {
    let mut sim = sim_with(3, fixed(ms(2)));
    sim.block_on(async {
        echo_node("server", 80);
        sleep(ms(1)).await;
        let mut s = TcpStream::connect("server:80").await.unwrap();
        assert_eq!(round_trip(&mut s, b"hi").await.unwrap(), b"hi");
        s.close().await.unwrap();
        drop(s);
        sleep(ms(10)).await;
    });
    let text = sim.trace().to_string();
    for segment in ["SYN sent", "SYN-ACK delivered", "FIN sent", "FIN delivered"] {
        assert!(text.contains(segment), "no '{segment}' in\n{text}");
    }
    assert!(
        !text.contains(" 0 bytes"),
        "a control segment shown as data:\n{text}"
    );
    assert!(text.contains("tcp     10.0.0.1:"), "{text}");
    assert!(
        text.contains("advance clock, no timer fired: in-flight work (packets) was due"),
        "{text}"
    );
    assert!(!text.contains("0 timer"), "{text}");
}

#[test]
fn peek_try_read_and_readable_follow_tokio() {
    let mut sim = sim_with(11, fixed(ms(1)));
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        node::Builder::new("c").build();
        let client = node::spawn_on("c", async {
            let s = TcpStream::connect("main:80").await.unwrap();
            // Nothing yet: try_read would block.
            let err = s.try_read(&mut [0; 8]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            s.readable().await.unwrap();
            let mut peeked = [0; 8];
            let n = s.peek(&mut peeked).await.unwrap();
            let mut read = [0; 8];
            assert_eq!(s.try_read(&mut read).unwrap(), n, "peek took nothing");
            assert_eq!(peeked[..n], read[..n]);
            // The peer closes: readable, read closed, EOF.
            let ready = s.ready(seedloop::net::Interest::READABLE).await.unwrap();
            assert!(ready.is_read_closed(), "{ready:?}");
            assert_eq!(s.try_read(&mut read).unwrap(), 0);
            read[..n].to_vec()
        });
        let (mut server, _) = listener.accept().await.unwrap();
        sleep(ms(10)).await;
        server.write_all(b"hello").await.unwrap();
        sleep(ms(10)).await;
        drop(server);
        assert_eq!(client.await.unwrap(), b"hello");
    });
}

#[test]
fn try_write_would_block_on_a_full_send_buffer_and_writable_waits_for_room() {
    let mut sim = sim_with(12, NetConfig::new().send_buffer(4));
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let s = TcpStream::connect("localhost:80").await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        assert_eq!(s.try_write(b"abcdef").unwrap(), 4, "as much as fits");
        let err = s.try_write(b"gh").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        let ready = s.ready(seedloop::net::Interest::WRITABLE);
        let reader = seedloop::spawn(async move {
            sleep(ms(5)).await;
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await.unwrap();
            (buf, now())
        });
        assert!(ready.await.unwrap().is_writable());
        let (buf, read_at) = reader.await.unwrap();
        assert_eq!(&buf, b"abcd");
        assert!(now() >= read_at, "writable only once the peer read");
        assert_eq!(s.try_write(b"gh").unwrap(), 2);
    });
}

#[test]
fn socket_options_are_recorded_and_linger_zero_closes_with_a_reset() {
    let mut sim = sim_with(13, fixed(ms(1)));
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let mut client = TcpStream::connect("localhost:80").await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(
            (server.nodelay().unwrap(), server.ttl().unwrap()),
            (false, 64)
        );
        server.set_nodelay(true).unwrap();
        server.set_ttl(1).unwrap();
        assert_eq!(
            (server.nodelay().unwrap(), server.ttl().unwrap()),
            (true, 1)
        );
        for bad in [0, 256] {
            let err = server.set_ttl(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains(&bad.to_string()), "{err}");
        }
        assert_eq!(server.ttl().unwrap(), 1, "a refused TTL changes nothing");
        server.set_linger(Some(Duration::ZERO)).unwrap();
        assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
        drop(server);
        let err = client.read(&mut [0; 4]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    });
    assert!(sim.trace().to_string().contains("RST sent"));
}

#[test]
fn reunited_halves_are_the_stream_again_and_strangers_are_refused() {
    let mut sim = sim_with(14, fixed(ms(1)));
    sim.block_on(async {
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let (rd, wr) = TcpStream::connect("localhost:80")
            .await
            .unwrap()
            .into_split();
        let (mut server, _) = listener.accept().await.unwrap();
        let (rd2, wr2) = TcpStream::connect("localhost:80")
            .await
            .unwrap()
            .into_split();
        let err = rd.reunite(wr2).unwrap_err();
        assert!(err.to_string().contains("not from the same socket"));
        let seedloop::net::ReuniteError(rd, _wr2) = err;
        let mut stream = wr.reunite(rd).unwrap();
        drop(rd2);
        // The write direction is still open: no EOF was sent at reunite.
        stream.write_all(b"still open").await.unwrap();
        let mut buf = [0; 10];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
        stream.close().await.unwrap();
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn streams_dropped_after_a_deadlock_close_without_upsetting_the_timers() {
    // The connect left a cancelled timeout at 5 s; the deadlock is found
    // at 0 s; the streams' closing segments are then scheduled at 0 s.
    let mut sim = Sim::builder().seed(1).print_panics(false).build();
    let err = sim
        .try_block_on(async {
            let l = TcpListener::bind("0.0.0.0:80").await.unwrap();
            let (rd, _wr) = TcpStream::connect("localhost:80")
                .await
                .unwrap()
                .into_split();
            let (_server, _) = l.accept().await.unwrap();
            rd.readable().await.unwrap(); // nobody writes
        })
        .unwrap_err();
    assert!(matches!(err, seedloop::Error::Deadlock { .. }), "{err}");
    // And the simulation goes on: a later run on it sets timers again.
    sim.block_on(async { sleep(ms(3)).await });
    assert_eq!(sim.elapsed(), ms(3));
}

#[test]
fn netstat_lists_a_nodes_sockets_with_their_states_and_queues() {
    let mut sim = sim_with(15, fixed(ms(1)));
    sim.block_on(async {
        node::Builder::new("c").build();
        let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
        let client = node::spawn_on("c", async {
            let mut s = TcpStream::connect("main:80").await.unwrap();
            s.write_all(b"twelve bytes").await.unwrap();
            let u = UdpSocket::bind("0.0.0.0:53").await.unwrap();
            u.connect("main:9").await.unwrap();
            s.close().await.unwrap();
            (s, u)
        });
        let (client_stream, _udp) = client.await.unwrap();
        sleep(ms(5)).await;
        let c = net::netstat("c");
        let summary: Vec<(&str, &str, usize, usize)> = c
            .iter()
            .map(|e| (e.protocol, e.state, e.recv_queued, e.send_queued))
            .collect();
        assert_eq!(
            summary,
            [("tcp", "FIN_WAIT", 0, 12), ("udp", "ESTAB", 0, 0)]
        );
        assert_eq!(c[1].peer.unwrap().port(), 9);
        let main = net::netstat("main");
        let summary: Vec<(&str, usize)> = main.iter().map(|e| (e.state, e.recv_queued)).collect();
        assert_eq!(
            summary,
            [("LISTEN", 1), ("CLOSE_WAIT", 12)],
            "one connection not yet accepted"
        );
        let (mut server, _) = listener.accept().await.unwrap();
        let mut all = Vec::new();
        server.read_to_end(&mut all).await.unwrap();
        assert_eq!(net::netstat("c")[0].send_queued, 0, "read by the peer");
        drop((server, client_stream, listener));
        assert!(net::netstat("main").is_empty());
    });
}

#[test]
fn in_flight_lists_the_packets_on_the_wire_and_where_they_are() {
    use seedloop::net::Wire;
    let mut sim = sim_with(16, fixed(ms(10)));
    sim.block_on(async {
        node::Builder::new("b").build();
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        s.send_to(b"one", "b:9").await.unwrap();
        sleep(ms(1)).await;
        s.send_to(b"two!", "b:9").await.unwrap();
        net::clog("b");
        s.send_to(b"held", "b:9").await.unwrap();
        let wire: Vec<(usize, Wire)> = net::in_flight().iter().map(|p| (p.len, p.wire)).collect();
        assert_eq!(
            wire,
            [
                (3, Wire::Arriving(ms(10))),
                (4, Wire::Arriving(ms(11))),
                (4, Wire::Held)
            ]
        );
        assert!(
            net::in_flight()
                .iter()
                .all(|p| p.protocol == "udp" && p.segment.is_none())
        );
        net::unclog("b");
        sleep(ms(50)).await;
        assert!(net::in_flight().is_empty());
    });
}

#[test]
fn tcp_socket_binds_before_connecting_listens_with_its_own_backlog_and_frees_an_unused_port() {
    use seedloop::net::TcpSocket;
    let mut sim = sim_with(17, fixed(ms(1)));
    sim.block_on(async {
        node::Builder::new("db").build();
        let l = node::spawn_on("db", async {
            let s = TcpSocket::new_v4().unwrap();
            s.set_reuseaddr(true).unwrap();
            s.bind("0.0.0.0:5432".parse().unwrap()).unwrap();
            s.listen(2).unwrap()
        })
        .await
        .unwrap();
        // Bind before connect: the connection comes from the chosen port.
        let s = TcpSocket::new_v4().unwrap();
        s.bind("0.0.0.0:7000".parse().unwrap()).unwrap();
        let taken = TcpSocket::new_v4().unwrap();
        let err = taken.bind("0.0.0.0:7000".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        s.set_nodelay(true).unwrap();
        let db = SocketAddr::from(([10, 0, 0, 2], 5432));
        let a = s.connect(db).await.unwrap();
        assert_eq!(a.local_addr().unwrap().port(), 7000);
        assert!(a.nodelay().unwrap(), "options pass to the stream");
        // A backlog of 2: the third unaccepted connect is refused.
        let _b = TcpStream::connect("db:5432").await.unwrap();
        let err = TcpStream::connect("db:5432").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let (from, _) = l.accept().await.unwrap();
        assert_eq!(from.peer_addr().unwrap().port(), 7000);
        // A socket dropped unused frees its port.
        let unused = TcpSocket::new_v4().unwrap();
        unused.bind("0.0.0.0:7100".parse().unwrap()).unwrap();
        drop(unused);
        TcpSocket::new_v4()
            .unwrap()
            .bind("0.0.0.0:7100".parse().unwrap())
            .unwrap();
    });
}
