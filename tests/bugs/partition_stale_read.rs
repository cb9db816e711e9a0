//! **A stale read after a partition.** Two replicas keep a register over
//! UDP: `n1`, the primary, and `n2`, its backup. The primary copies every
//! write to the backup before acknowledging it, and sends the backup a
//! heartbeat every 50 ms; a backup that hears nothing for 500 ms takes over.
//! A partition between the two replicas (a fault planted with `buggify!`)
//! makes the backup take over, and the writer fails over to it. But the old
//! primary, cut off from its backup and not from its clients, still thinks
//! it is the primary and answers reads from its own copy: a read that starts
//! after a write was acknowledged returns the value before it.
//!
//! **Fix:** a leader lease. The backup's answer to a heartbeat promises not
//! to take over for 500 ms from the moment it got it; the primary serves
//! reads only until 300 ms after it *sent* the last heartbeat answered. Its
//! lease ends before the backup can take over.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use seedloop::net::{self, UdpSocket};
use seedloop::time::{self, Instant};
use seedloop::{node, sleep};

const HEARTBEAT: Duration = Duration::from_millis(50);
const TAKEOVER: Duration = Duration::from_millis(500);
const LEASE: Duration = Duration::from_millis(300);
const REPLICATE_TIMEOUT: Duration = Duration::from_millis(100);
const CLIENT_TIMEOUT: Duration = Duration::from_millis(250);

/// One replica's state.
struct Replica {
    value: Cell<u64>,
    primary: Cell<bool>,
    /// A primary's backup; none for a backup that took over and runs alone.
    backup: Cell<Option<&'static str>>,
    /// Until when the primary may answer reads on its own (the fix).
    lease: Cell<Option<Instant>>,
    /// When a backup last heard from the primary.
    heard: Cell<Instant>,
}

/// Receives datagrams on `sock` until the answer to request `id` comes,
/// and returns it (late answers to earlier requests are skipped).
async fn answer_to(sock: &UdpSocket, id: &str) -> String {
    let mut buf = [0; 64];
    loop {
        let (n, _) = sock.recv_from(&mut buf).await.unwrap();
        let got = std::str::from_utf8(&buf[..n]).unwrap();
        if let Some((got_id, answer)) = got.split_once(' ') {
            if got_id == id {
                return answer.to_string();
            }
        }
    }
}

/// Receives datagrams on `sock` until one says `text` (skipping late ones).
async fn expect(sock: &UdpSocket, text: &str) {
    let mut buf = [0; 64];
    loop {
        let (n, _) = sock.recv_from(&mut buf).await.unwrap();
        if buf[..n] == *text.as_bytes() {
            return;
        }
    }
}

/// The primary copies `value` to its backup, and waits for the backup's ack.
async fn replicate(sock: &UdpSocket, backup: &str, value: u64) -> bool {
    sock.send_to(format!("replicate {value}").as_bytes(), backup)
        .await
        .unwrap();
    time::timeout(REPLICATE_TIMEOUT, expect(sock, &format!("ack {value}")))
        .await
        .is_ok()
}

/// The primary's heartbeats; each answered one renews its lease.
async fn heartbeats(me: Rc<Replica>) {
    let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    for seq in 0u64.. {
        let Some(backup) = me.backup.get() else {
            return;
        };
        let sent = time::now();
        sock.send_to(format!("heartbeat {seq}").as_bytes(), backup)
            .await
            .unwrap();
        let alive = format!("alive {seq}");
        if time::timeout(HEARTBEAT, expect(&sock, &alive))
            .await
            .is_ok()
        {
            me.lease.set(Some(sent + LEASE));
        }
        time::sleep_until(sent + HEARTBEAT).await;
    }
}

/// The backup's side: applies copied writes, answers heartbeats.
async fn follow(me: Rc<Replica>) {
    let sock = UdpSocket::bind("0.0.0.0:7001").await.unwrap();
    let mut buf = [0; 64];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await.unwrap();
        if me.primary.get() {
            continue; // it took over: the old primary is deposed
        }
        me.heard.set(time::now());
        let msg = std::str::from_utf8(&buf[..n]).unwrap();
        let answer = if let Some(value) = msg.strip_prefix("replicate ") {
            me.value.set(value.parse().unwrap());
            format!("ack {value}")
        } else {
            format!("alive {}", msg.strip_prefix("heartbeat ").unwrap())
        };
        sock.send_to(answer.as_bytes(), from).await.unwrap();
    }
}

/// The backup takes over when the primary has been silent too long.
async fn monitor(me: Rc<Replica>) {
    while me.heard.get().elapsed() <= TAKEOVER {
        sleep(HEARTBEAT).await;
    }
    me.primary.set(true);
    me.backup.set(None); // runs alone until the old primary is repaired
}

/// Answers the clients: `<id> read` and `<id> write <value>`.
async fn serve(me: Rc<Replica>, lease: bool) {
    let sock = UdpSocket::bind("0.0.0.0:7000").await.unwrap();
    let peer = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    let mut buf = [0; 64];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await.unwrap();
        let msg = std::str::from_utf8(&buf[..n]).unwrap().to_string();
        let (id, op) = msg.split_once(' ').unwrap();
        let answer = if !me.primary.get() {
            "not-primary".to_string()
        } else if op == "read" {
            let leased = me.lease.get().is_some_and(|until| time::now() < until);
            if !lease || me.backup.get().is_none() || leased {
                format!("value {}", me.value.get())
            } else {
                "not-primary".to_string() // it may have been deposed
            }
        } else {
            let value = op.strip_prefix("write ").unwrap().parse().unwrap();
            let copied = match me.backup.get() {
                Some(backup) => replicate(&peer, backup, value).await,
                None => true,
            };
            if copied {
                me.value.set(value);
                "ok".to_string()
            } else {
                "unavailable".to_string()
            }
        };
        sock.send_to(format!("{id} {answer}").as_bytes(), from)
            .await
            .unwrap();
    }
}

async fn replica(primary: bool, lease: bool) {
    let me = Rc::new(Replica {
        value: Cell::new(0),
        primary: Cell::new(primary),
        backup: Cell::new(primary.then_some("n2:7001")),
        lease: Cell::new(None),
        heard: Cell::new(time::now()),
    });
    if primary {
        seedloop::spawn(heartbeats(me.clone()));
    } else {
        seedloop::spawn(follow(me.clone()));
        seedloop::spawn(monitor(me.clone()));
    }
    serve(me, lease).await;
}

/// A client: asks the replica it believes is the primary, and fails over to
/// the other one when it gets no answer or a refusal.
struct Client {
    sock: UdpSocket,
    primary: usize,
    next_id: u64,
}

impl Client {
    async fn new() -> Client {
        let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        Client {
            sock,
            primary: 0,
            next_id: 0,
        }
    }

    async fn call(&mut self, op: &str) -> String {
        loop {
            self.next_id += 1;
            let id = self.next_id.to_string();
            let to = ["n1:7000", "n2:7000"][self.primary];
            self.sock
                .send_to(format!("{id} {op}").as_bytes(), to)
                .await
                .unwrap();
            match time::timeout(CLIENT_TIMEOUT, answer_to(&self.sock, &id)).await {
                Ok(answer) if answer != "not-primary" && answer != "unavailable" => {
                    return answer;
                }
                _ => {
                    self.primary = 1 - self.primary;
                    sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

async fn register(lease: bool) {
    for (name, primary) in [("n1", true), ("n2", false)] {
        node::Builder::new(name)
            .init(move || replica(primary, lease))
            .build();
    }
    // Two sessions of one application: a write acknowledged to the first
    // must be seen by a read the second starts afterwards.
    let (mut writer, mut reader) = (Client::new().await, Client::new().await);
    let mut cut = false;
    for value in 1..=5 {
        if !cut && seedloop::buggify!() {
            net::partition("n1", "n2");
            cut = true;
        }
        assert_eq!(writer.call(&format!("write {value}")).await, "ok");
        let read = reader.call("read").await;
        assert_eq!(
            read,
            format!("value {value}"),
            "stale read: the write of {value} was acknowledged before the read"
        );
    }
}

/// The buggy program.
pub async fn body() {
    register(false).await;
}

/// The fixed program.
pub async fn fixed() {
    register(true).await;
}
