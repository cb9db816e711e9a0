//! The tour's linearizability scene (layers 5-8 and `check`): the
//! key-value service grows a backup. The primary acknowledges a write as
//! soon as it has it and copies it to the backup over TCP in the
//! background; clients read from either node. A partition between the two
//! stalls the copies, so a client that wrote through the primary may then
//! read the old value from the backup: a stale read. (Without a partition
//! the copies are only 5 ms late, and a sweep finds the same bug less
//! often: reads from a lagging replica are never linearizable.) Each run records its
//! history and checks it against a register; the explorer finds the stale
//! read, shrinks the run, and prints the checker's explanation. Reading
//! from the primary alone passes.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use seedloop::check::models::{Register, RegisterOp, RegisterRet};
use seedloop::check::{self, History};
use seedloop::explore::Explorer;
use seedloop::net::{self, NetConfig, OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
use seedloop::node;
use seedloop::sync::Mutex;

/// A line connection: one request out, one reply back.
struct Conn {
    replies: Lines<BufReader<OwnedReadHalf>>,
    requests: OwnedWriteHalf,
}

impl Conn {
    async fn open(addr: &str) -> io::Result<Conn> {
        let (read, write) = TcpStream::connect(addr).await?.into_split();
        Ok(Conn {
            replies: BufReader::new(read).lines(),
            requests: write,
        })
    }

    async fn ask(&mut self, request: &str) -> io::Result<String> {
        self.requests
            .write_all(format!("{request}\n").as_bytes())
            .await?;
        match self.replies.next().await {
            Some(line) => line,
            None => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

/// A node's server: one register, `SET v` -> `OK`, `GET` -> `VALUE v`. The
/// primary (`backup` is `Some`) copies every write to the backup, in
/// order, over one connection it opens at boot, after it acknowledged the
/// write. With 5 ms links a copy is 5 ms behind the primary; a partition
/// makes it a second.
async fn server(backup: Option<&'static str>) {
    let value = Rc::new(Cell::new(0u32));
    let listener = TcpListener::bind("0.0.0.0:7000")
        .await
        .expect("7000 is free");
    // The copies go out in order on one connection, without waiting for
    // each answer (a task drains them).
    let link: Rc<Mutex<Option<OwnedWriteHalf>>> = Rc::new(Mutex::new(None));
    if let Some(to) = backup {
        let link = link.clone();
        seedloop::spawn(async move {
            let mut link = link.lock().await;
            let conn = loop {
                match Conn::open(to).await {
                    Ok(conn) => break conn,
                    Err(_) => seedloop::sleep(Duration::from_millis(1)).await, // until it listens
                }
            };
            let mut answers = conn.replies;
            seedloop::spawn(async move { while answers.next().await.is_some() {} });
            *link = Some(conn.requests);
        });
    }
    loop {
        let (stream, _) = listener.accept().await.expect("accept");
        let (value, link) = (value.clone(), link.clone());
        seedloop::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut requests = BufReader::new(read).lines();
            while let Some(Ok(request)) = requests.next().await {
                let reply = match request.split_once(' ') {
                    Some(("SET", v)) => {
                        let v: u32 = v.parse().expect("a number");
                        value.set(v);
                        if backup.is_some() {
                            let link = link.clone();
                            seedloop::spawn(async move {
                                if let Some(out) = link.lock().await.as_mut() {
                                    let _ = out.write_all(format!("SET {v}\n").as_bytes()).await;
                                }
                            });
                        }
                        "OK".to_string()
                    }
                    _ => format!("VALUE {}", value.get()),
                };
                if write
                    .write_all(format!("{reply}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }
}

/// Two clients make four calls each, writes through the primary and reads
/// from either node (`any_node`) or the primary, while a partition cuts
/// the primary from the backup for a second at a moment the run draws.
/// Every call goes into the history, checked at the end.
async fn cluster(any_node: bool) {
    node::Builder::new("primary")
        .init(|| server(Some("backup:7000")))
        .build();
    node::Builder::new("backup").init(|| server(None)).build();
    let history = History::new();
    let cut = seedloop::spawn(async {
        let at = 20 + seedloop::rand::random_range(0..40u64);
        seedloop::sleep(Duration::from_millis(at)).await;
        net::partition("primary", "backup");
        seedloop::sleep(Duration::from_secs(1)).await;
        net::repair("primary", "backup");
    });
    let mut clients = Vec::new();
    for c in 1..=2u64 {
        let history = history.clone();
        clients.push(seedloop::spawn(async move {
            seedloop::sleep(Duration::from_millis(20)).await; // the servers boot
            let mut primary = Conn::open("primary:7000").await.expect("primary");
            let mut backup = Conn::open("backup:7000").await.expect("backup");
            for i in 0..4u32 {
                if seedloop::rand::random_range(0..2u32) == 0 {
                    let v = c as u32 * 10 + i;
                    let call = history.invoke(c, RegisterOp::Write(v));
                    primary
                        .ask(&format!("SET {v}"))
                        .await
                        .expect("the primary answers");
                    call.ok(RegisterRet::Written);
                } else {
                    let from_backup = any_node && seedloop::rand::random_range(0..2u32) == 1;
                    let conn = if from_backup {
                        &mut backup
                    } else {
                        &mut primary
                    };
                    let call = history.invoke(c, RegisterOp::Read);
                    let reply = conn.ask("GET").await.expect("an answer");
                    let v = reply
                        .trim_start_matches("VALUE ")
                        .parse()
                        .expect("a number");
                    call.ok(RegisterRet::Value(v));
                }
            }
        }));
    }
    for c in clients {
        c.await.expect("a client");
    }
    cut.await.expect("the partition task");
    check::assert_linearizable(&history, &Register::new(0));
}

pub fn scene() {
    super::heading("checking: the key-value service, replicated, against linearizability");
    println!("  a primary acknowledges a write at once and copies it to a backup over TCP in");
    println!("  the background; two clients write through the primary and read from either");
    println!("  node; a partition cuts primary <-> backup for a second, so the copies stall.");
    println!("  Each run records every call in a check::History and ends with");
    println!("  check::assert_linearizable(Register).");
    let failure = Explorer::new("tour::replicated")
        .seeds(300)
        .sim(
            seedloop::Sim::builder()
                .net(NetConfig::new().latency(Duration::from_millis(5)..Duration::from_millis(5))),
        )
        .run(|| cluster(true))
        .expect_err("the sweep finds the stale read");
    for line in failure.to_string().lines() {
        println!("  | {line}");
    }
    let fixed = Explorer::new("tour::replicated")
        .seeds(300)
        .sim(
            seedloop::Sim::builder()
                .net(NetConfig::new().latency(Duration::from_millis(5)..Duration::from_millis(5))),
        )
        .run(|| cluster(false))
        .expect("reads from the primary are linearizable");
    println!("  fixed (reads go to the primary): {fixed}");
}
