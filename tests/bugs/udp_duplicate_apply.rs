//! **A datagram applied twice.** A client credits an account kept by the
//! `ledger` node, over UDP: `<id> credit 10`, answered `<id> ok`. The link
//! loses and duplicates a datagram now and then (1% each, its
//! `LinkConfig`), so the client sends a request again when no answer comes
//! within 100 ms. The ledger applies every request it receives: a credit
//! the network duplicated, or one sent again because its *answer* was lost,
//! is counted twice.
//!
//! **Fix:** make the request idempotent. The client already tags each
//! request with an id (to match the answers); the ledger remembers the ids
//! it applied, and answers a repeat without applying it again.

use std::collections::BTreeSet;
use std::time::Duration;

use seedloop::net::{self, LinkConfig, UdpSocket};
use seedloop::{node, sleep, time};

async fn ledger(dedupe: bool) {
    let sock = UdpSocket::bind("0.0.0.0:4000").await.unwrap();
    let (mut balance, mut applied) = (0u64, BTreeSet::new());
    let mut buf = [0; 64];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await.unwrap();
        let msg = std::str::from_utf8(&buf[..n]).unwrap();
        let (id, op) = msg.split_once(' ').unwrap();
        let answer = match op.strip_prefix("credit ") {
            Some(amount) => {
                if applied.insert((from, id.to_string())) || !dedupe {
                    balance += amount.parse::<u64>().unwrap();
                }
                "ok".to_string()
            }
            None => balance.to_string(), // "balance"
        };
        sock.send_to(format!("{id} {answer}").as_bytes(), from)
            .await
            .unwrap();
    }
}

/// Sends request `id` until its answer comes (at-least-once delivery).
async fn call(sock: &UdpSocket, id: u64, op: &str) -> String {
    let id = id.to_string();
    let mut buf = [0; 64];
    loop {
        sock.send_to(format!("{id} {op}").as_bytes(), "ledger:4000")
            .await
            .unwrap();
        let answer = time::timeout(Duration::from_millis(100), async {
            loop {
                let (n, _) = sock.recv_from(&mut buf).await.unwrap();
                let msg = std::str::from_utf8(&buf[..n]).unwrap();
                match msg.split_once(' ') {
                    Some((got, answer)) if got == id => return answer.to_string(),
                    _ => {} // a late or duplicated answer to an earlier request
                }
            }
        })
        .await;
        if let Ok(answer) = answer {
            return answer;
        }
    }
}

async fn credits(dedupe: bool) {
    node::Builder::new("ledger")
        .init(move || ledger(dedupe))
        .build();
    let lossy = LinkConfig::new().loss(0.01).duplicate(0.01);
    net::set_link("main", "ledger", lossy).unwrap();
    let sock = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    for id in 0..10 {
        assert_eq!(call(&sock, id, "credit 10").await, "ok");
    }
    sleep(Duration::from_millis(100)).await; // duplicates still in flight land
    let balance = call(&sock, 10, "balance").await;
    assert_eq!(balance, "100", "a credit was counted twice");
}

/// The buggy program.
pub async fn body() {
    credits(false).await;
}

/// The fixed program.
pub async fn fixed() {
    credits(true).await;
}
