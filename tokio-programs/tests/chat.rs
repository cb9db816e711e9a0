//! The chat server's tests, written for tokio. They run on tokio, and in
//! seedloop's simulation with `--cfg seedloop`, where each
//! `#[tokio::test]` is a sweep of schedules.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpListener;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_programs::chat;

struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

async fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(chat::serve(listener, async {
        let _ = stopped.await;
    }));
    Server { addr, stop, task }
}

struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn join(addr: SocketAddr, name: &str) -> Client {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut client = Client {
            lines: BufReader::new(read).lines(),
            write,
        };
        assert_eq!(client.next().await.as_deref(), Some("* name?"));
        client.say(name).await;
        assert_eq!(client.next().await, Some(format!("* welcome, {name}")));
        client
    }

    async fn say(&mut self, text: &str) {
        self.write
            .write_all(format!("{text}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn next(&mut self) -> Option<String> {
        self.lines.next_line().await.unwrap()
    }
}

#[tokio::test]
async fn lines_reach_the_others_but_not_the_sender() {
    let server = start().await;
    let mut alice = Client::join(server.addr, "alice").await;
    let mut bob = Client::join(server.addr, "bob").await;
    assert_eq!(alice.next().await.as_deref(), Some("* bob joined"));
    alice.say("hi").await;
    assert_eq!(bob.next().await.as_deref(), Some("alice: hi"));
    bob.say("hello alice").await;
    // alice's own line never comes back to her: the next is bob's.
    assert_eq!(alice.next().await.as_deref(), Some("bob: hello alice"));
}

#[tokio::test]
async fn departures_are_announced_and_unnamed_clients_are_not() {
    let server = start().await;
    let mut alice = Client::join(server.addr, "alice").await;
    // A client that leaves before giving a name joined nothing.
    let mut shy = BufReader::new(TcpStream::connect(server.addr).await.unwrap());
    let mut prompt = String::new();
    shy.read_line(&mut prompt).await.unwrap();
    assert_eq!(prompt, "* name?\n");
    drop(shy);
    let bob = Client::join(server.addr, "bob").await;
    assert_eq!(alice.next().await.as_deref(), Some("* bob joined"));
    drop(bob);
    assert_eq!(alice.next().await.as_deref(), Some("* bob left"));
}

#[tokio::test]
async fn shutdown_tells_every_client_and_ends_the_server() {
    let server = start().await;
    let mut alice = Client::join(server.addr, "alice").await;
    let mut bob = Client::join(server.addr, "bob").await;
    assert_eq!(alice.next().await.as_deref(), Some("* bob joined"));
    server.stop.send(()).unwrap();
    for client in [&mut alice, &mut bob] {
        assert_eq!(
            client.next().await.as_deref(),
            Some("* server shutting down")
        );
        assert_eq!(client.next().await, None, "then the connection closes");
    }
    server.task.await.unwrap();
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_client_that_never_names_itself() {
    let server = start().await;
    let mut silent = BufReader::new(TcpStream::connect(server.addr).await.unwrap()).lines();
    assert_eq!(
        silent.next_line().await.unwrap().as_deref(),
        Some("* name?")
    );
    server.stop.send(()).unwrap();
    assert_eq!(
        silent.next_line().await.unwrap().as_deref(),
        Some("* server shutting down")
    );
    assert_eq!(silent.next_line().await.unwrap(), None);
    server.task.await.unwrap();
}

#[tokio::test]
async fn many_clients_hear_every_line_in_order() {
    let server = start().await;
    let mut listener = Client::join(server.addr, "listener").await;
    let mut speakers = Vec::new();
    for i in 0..3 {
        speakers.push(Client::join(server.addr, &format!("s{i}")).await);
        assert_eq!(listener.next().await, Some(format!("* s{i} joined")));
    }
    // Each speaker's lines arrive in the order it said them, whatever
    // the interleaving of the speakers.
    let mut talks = tokio::task::JoinSet::new();
    for (i, mut s) in speakers.into_iter().enumerate() {
        talks.spawn(async move {
            for n in 0..3 {
                s.say(&format!("{i}.{n}")).await;
            }
            s
        });
    }
    let mut next = [0; 3];
    for _ in 0..9 {
        let line = listener.next().await.unwrap();
        let (who, said) = line.split_once(": ").unwrap();
        let i: usize = who[1..].parse().unwrap();
        assert_eq!(said, format!("{i}.{}", next[i]), "{line}");
        next[i] += 1;
    }
    assert_eq!(next, [3, 3, 3]);
    while talks.join_next().await.is_some() {}
}
