//! Layer 9: asyncio's streams (`io::open_connection`, `io::start_server`) and
//! callback protocols (`net::protocol`) over the simulated network.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use seedloop::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, open_connection, start_server};
use seedloop::net::protocol::{
    DatagramProtocol, DatagramTransport, Protocol, Transport, create_connection,
    create_datagram_endpoint, create_server,
};
use seedloop::net::{self, NetConfig, UdpSocket};
use seedloop::{Sim, node};

/// A line server on node "kv": `SET k v` / `GET k`, one reply line each.
fn kv_node() {
    node::Builder::new("kv")
        .init(|| async {
            let store = Rc::new(RefCell::new(std::collections::BTreeMap::new()));
            let server = start_server("0.0.0.0:7000", move |mut reader, mut writer| {
                let store = store.clone();
                async move {
                    loop {
                        let line = match reader.readline().await {
                            Ok(l) if !l.is_empty() => l,
                            _ => return,
                        };
                        let words: Vec<&str> = line.split_whitespace().collect();
                        let reply = match words.as_slice() {
                            ["SET", k, v] => {
                                store.borrow_mut().insert(k.to_string(), v.to_string());
                                "OK\n".to_string()
                            }
                            ["GET", k] => match store.borrow().get(*k) {
                                Some(v) => format!("{v}\n"),
                                None => "NONE\n".to_string(),
                            },
                            _ => "ERR\n".to_string(),
                        };
                        if writer.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            })
            .await
            .unwrap();
            server.serve_forever().await;
        })
        .build();
}

#[test]
fn a_line_protocol_over_open_connection_and_start_server() {
    let mut sim = Sim::new(7);
    sim.block_on(async {
        kv_node();
        let (mut reader, mut writer) = open_connection("kv:7000").await.unwrap();
        writer
            .write_all(b"SET a 1\nGET a\nGET b\nBOGUS\n")
            .await
            .unwrap();
        assert_eq!(reader.readline().await.unwrap(), "OK\n");
        assert_eq!(reader.readline().await.unwrap(), "1\n");
        assert_eq!(reader.readline().await.unwrap(), "NONE\n");
        assert_eq!(reader.readline().await.unwrap(), "ERR\n");
        writer.close().await.unwrap();
        assert_eq!(
            reader.readline().await.unwrap(),
            "",
            "the server closes after EOF"
        );
    });
}

#[test]
fn lines_read_exact_and_read_until_agree_with_what_was_sent_under_loss() {
    let mut sim = Sim::builder()
        .seed(3)
        .net(NetConfig::new().loss(0.3))
        .build();
    sim.block_on(async {
        let server = start_server("0.0.0.0:9", |_r, mut w| async move {
            for i in 0..200 {
                w.write_all(format!("line {i}\n").as_bytes()).await.unwrap();
            }
            w.write_all(b"tail;rest").await.unwrap();
        })
        .await
        .unwrap();
        let (mut reader, _w) = open_connection(server.local_addr()).await.unwrap();
        for i in 0..100 {
            assert_eq!(reader.readline().await.unwrap(), format!("line {i}\n"));
        }
        let exact = reader.readexactly(9).await.unwrap();
        assert_eq!(exact, b"line 100\n");
        let mut lines = Vec::new();
        for _ in 101..200 {
            lines.push(reader.readline().await.unwrap());
        }
        assert_eq!(lines.last().unwrap(), "line 199\n");
        assert_eq!(reader.readuntil(b';').await.unwrap(), b"tail;");
        assert_eq!(reader.read_to_eof().await.unwrap(), b"rest");
    });
}

/// Code written for the futures io traits compiles and runs on the stream
/// halves: no inherent method shadows `read_line(&mut String)`,
/// `read_exact(&mut [u8])`, `read_until(.., &mut Vec)`, `read(&mut [u8])`
/// or `read_to_end(&mut Vec)`, and the traits come from `seedloop::io`.
#[test]
fn the_futures_io_traits_work_on_the_halves_with_their_own_signatures() {
    async fn generic_reader<R: AsyncBufReadExt + AsyncReadExt + Unpin>(r: &mut R) -> Vec<String> {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        let mut exact = [0; 3];
        r.read_exact(&mut exact).await.unwrap();
        let mut until = Vec::new();
        r.read_until(b';', &mut until).await.unwrap();
        let mut some = [0; 2];
        let n = r.read(&mut some).await.unwrap();
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).await.unwrap();
        vec![
            line,
            String::from_utf8_lossy(&exact).into_owned(),
            String::from_utf8_lossy(&until).into_owned(),
            String::from_utf8_lossy(&some[..n]).into_owned(),
            String::from_utf8_lossy(&rest).into_owned(),
        ]
    }
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let server = start_server("0.0.0.0:9", |mut r, mut w| async move {
            let mut got = Vec::new();
            r.read_to_end(&mut got).await.unwrap();
            w.write_all(&got).await.unwrap();
            w.flush().await.unwrap();
            w.close().await.unwrap();
        })
        .await
        .unwrap();
        let (mut reader, mut writer) = open_connection(server.local_addr()).await.unwrap();
        writer.write_all(b"first\nabcx;yzrest").await.unwrap();
        writer.close().await.unwrap();
        let parts = generic_reader(&mut reader).await;
        assert_eq!(parts, ["first\n", "abc", "x;", "yz", "rest"]);
        // The asyncio names sit beside them.
        let (mut reader, mut writer) = open_connection(server.local_addr()).await.unwrap();
        writer.write_all(b"one\ntwo;3456").await.unwrap();
        writer.close().await.unwrap();
        assert_eq!(reader.readline().await.unwrap(), "one\n");
        assert_eq!(reader.readuntil(b';').await.unwrap(), b"two;");
        assert_eq!(reader.readexactly(2).await.unwrap(), b"34");
        assert_eq!(reader.read_to_eof().await.unwrap(), b"56");
    });
}

#[test]
fn the_lines_stream_ends_at_eof() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let server = start_server("0.0.0.0:9", |_r, mut w| async move {
            w.write_all(b"x\ny\nz").await.unwrap();
        })
        .await
        .unwrap();
        let (reader, _w) = open_connection(server.local_addr()).await.unwrap();
        let lines: Vec<String> = reader.lines().map(Result::unwrap).collect().await;
        assert_eq!(lines, ["x", "y", "z"]);
    });
}

#[test]
fn a_closed_server_refuses_and_frees_its_port() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let server = start_server("0.0.0.0:80", |_r, _w| async {}).await.unwrap();
        assert!(server.is_serving());
        open_connection("localhost:80").await.unwrap();
        server.close();
        assert!(!server.is_serving());
        seedloop::task::yield_now().await; // the accept task ends, the listener closes
        let err = open_connection("localhost:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let again = start_server("0.0.0.0:80", |_r, _w| async {}).await;
        assert!(again.is_ok(), "the port is free again: {again:?}");
    });
}

#[test]
fn a_killed_server_node_resets_its_streams_and_serves_again_after_restart() {
    let mut sim = Sim::new(5);
    sim.block_on(async {
        kv_node();
        let (mut reader, mut writer) = open_connection("kv:7000").await.unwrap();
        writer.write_all(b"SET k v\n").await.unwrap();
        assert_eq!(reader.readline().await.unwrap(), "OK\n");
        node::kill("kv");
        let err = reader.readline().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        node::restart("kv");
        seedloop::sleep(Duration::from_millis(1)).await; // init binds again
        let (mut reader, mut writer) = open_connection("kv:7000").await.unwrap();
        writer.write_all(b"GET k\n").await.unwrap();
        assert_eq!(reader.readline().await.unwrap(), "NONE\n", "memory is gone");
    });
}

#[test]
fn open_connection_to_an_unknown_name_names_it() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let err = open_connection("ghost:1").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("ghost"), "{err}");
    });
}

/// Records every callback, for the protocol tests.
#[derive(Default)]
struct Recorder {
    transport: Option<Transport>,
    data: Vec<u8>,
    eofs: usize,
    lost: Vec<Option<ErrorKind>>,
    echo: bool,
    keep_open: bool,
}

impl Protocol for Recorder {
    fn connection_made(&mut self, t: Transport) {
        self.transport = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.data.extend_from_slice(data);
        if self.echo {
            self.transport.as_ref().unwrap().write(data);
        }
    }
    fn eof_received(&mut self) -> bool {
        self.eofs += 1;
        self.keep_open
    }
    fn connection_lost(&mut self, error: Option<std::io::Error>) {
        self.lost.push(error.map(|e| e.kind()));
    }
}

#[test]
fn protocol_callbacks_come_in_asyncio_order() {
    let mut sim = Sim::builder()
        .seed(11)
        .net(NetConfig::new().loss(0.2))
        .build();
    sim.block_on(async {
        let _server = create_server(
            || Recorder {
                echo: true,
                ..Recorder::default()
            },
            "0.0.0.0:7",
        )
        .await
        .unwrap();
        let (t, done) = create_connection(Recorder::default, "localhost:7")
            .await
            .unwrap();
        let payload: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        t.write(&payload);
        t.write_eof();
        let client = done.await.unwrap();
        assert_eq!(
            client.data, payload,
            "the echo came back whole and in order"
        );
        assert_eq!(client.eofs, 1);
        assert_eq!(
            client.lost,
            [None],
            "connection_lost once, after a clean close"
        );
        assert!(t.is_closing());
    });
}

#[test]
fn eof_received_returning_true_keeps_the_write_side_open() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let server = create_server(
            || Recorder {
                keep_open: true,
                ..Recorder::default()
            },
            "0.0.0.0:7",
        )
        .await
        .unwrap();
        let (mut reader, mut writer) = open_connection(server.local_addr()).await.unwrap();
        writer.write_all(b"req").await.unwrap();
        writer.close().await.unwrap();
        seedloop::sleep(Duration::from_secs(1)).await;
        // The server saw EOF but did not close: no EOF for us yet.
        let pending = seedloop::time::timeout(Duration::from_secs(1), reader.read_up_to(10)).await;
        assert!(pending.is_err(), "the server's side is still open");
    });
}

#[test]
fn a_protocol_sees_the_reset_of_a_killed_peer() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        node::Builder::new("srv")
            .init(|| async {
                let s = create_server(Recorder::default, "0.0.0.0:7").await.unwrap();
                s.serve_forever().await;
            })
            .build();
        seedloop::sleep(Duration::from_millis(1)).await;
        let (_t, done) = create_connection(Recorder::default, "srv:7").await.unwrap();
        seedloop::sleep(Duration::from_millis(50)).await;
        node::kill("srv");
        let client = done.await.unwrap();
        assert_eq!(client.lost, [Some(ErrorKind::ConnectionReset)]);
    });
}

#[derive(Default)]
struct Datagrams {
    transport: Option<DatagramTransport>,
    got: Vec<(Vec<u8>, SocketAddr)>,
    lost: bool,
}

impl DatagramProtocol for Datagrams {
    fn connection_made(&mut self, t: DatagramTransport) {
        self.transport = Some(t);
    }
    fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
        self.got.push((data.to_vec(), from));
        self.transport
            .as_ref()
            .unwrap()
            .send_to(data, from)
            .unwrap();
        if data == b"stop" {
            self.transport.as_ref().unwrap().close();
        }
    }
    fn connection_lost(&mut self, _error: Option<std::io::Error>) {
        self.lost = true;
    }
}

#[test]
fn a_datagram_protocol_echoes_and_closes() {
    let mut sim = Sim::new(9);
    sim.block_on(async {
        let (t, done) = create_datagram_endpoint(Datagrams::default, "0.0.0.0:5353")
            .await
            .unwrap();
        let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let mut buf = [0; 16];
        for msg in [&b"a"[..], b"bb", b"stop"] {
            sock.send_to(msg, t.local_addr()).await.unwrap();
            let n = sock.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], msg);
        }
        let proto = done.await.unwrap();
        assert_eq!(proto.got.len(), 3);
        assert!(
            proto
                .got
                .iter()
                .all(|(_, from)| *from == sock.local_addr().unwrap())
        );
        assert!(proto.lost);
        assert!(t.is_closing());
    });
}

#[test]
fn stream_runs_are_deterministic_and_seeds_differ() {
    let run = |seed: u64| {
        let mut sim = Sim::builder()
            .seed(seed)
            .net(NetConfig::new().loss(0.1))
            .build();
        sim.block_on(async {
            kv_node();
            let mut clients = Vec::new();
            for c in 0..3 {
                clients.push(seedloop::spawn(async move {
                    let (mut r, mut w) = open_connection("kv:7000").await.unwrap();
                    for i in 0..5 {
                        w.write_all(format!("SET k{c} {i}\n").as_bytes())
                            .await
                            .unwrap();
                        r.readline().await.unwrap();
                    }
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
            net::partition("main", "kv");
            net::repair_all();
        });
        (sim.fingerprint(), sim.elapsed())
    };
    assert_eq!(run(1), run(1));
    let distinct: std::collections::BTreeSet<u64> = (0..8).map(|s| run(s).0).collect();
    assert!(distinct.len() > 1, "different seeds, different runs");
}

#[test]
fn a_deadlock_report_names_the_socket_wait_and_the_node() {
    let mut sim = Sim::builder().seed(1).print_panics(false).build();
    let err = sim
        .try_block_on(async {
            node::Builder::new("quiet")
                .init(|| async {
                    let server = start_server("0.0.0.0:7", |mut r, w| async move {
                        let _open = w; // keep the write side open: no EOF
                        let _ = r.readline().await; // the client never writes
                    })
                    .await
                    .unwrap();
                    server.serve_forever().await;
                })
                .build();
            let (mut reader, _writer) = open_connection("quiet:7").await.unwrap();
            reader.readline().await.unwrap() // nobody writes: stuck for good
        })
        .unwrap_err();
    let seedloop::Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err}");
    };
    let main = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("main"))
        .unwrap();
    assert_eq!(main.node.as_deref(), Some("main"));
    assert_eq!(main.waiting_on.as_deref(), Some("a read of a TcpStream"));
    assert!(
        tasks.iter().any(|t| t.node.as_deref() == Some("quiet")
            && t.waiting_on.as_deref() == Some("TcpListener::accept")),
        "{err}"
    );
    assert!(err.to_string().contains("on node 'quiet'"), "{err}");
}

#[test]
fn serve_forever_returns_when_the_servers_node_is_killed() {
    let mut sim = Sim::new(6);
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        let server = node::spawn_on(db, async {
            start_server("0.0.0.0:7", |_r, _w| async {}).await.unwrap()
        })
        .await
        .unwrap();
        assert!(server.is_serving());
        node::kill(db);
        assert!(!server.is_serving(), "the accept task went with its node");
        let waited = seedloop::time::timeout(Duration::from_secs(10), server.serve_forever()).await;
        assert!(waited.is_ok());
    });
}
