//! **A write lost on restart.** The `kv` node keeps a key-value store and
//! speaks a line protocol over TCP (`put <key> <value>`, `get <key>`). A put
//! goes into memory and is acknowledged at once; a flusher writes the new
//! entries to disk every 100 ms, in one batch (Redis's `appendfsync
//! everysec`, faster). A restart of the node (a fault planted with
//! `buggify!`, at 20, 40, 60 or 80 ms) reloads what is on disk: the puts
//! acknowledged since the last flush are gone, and the client, reading back
//! what it was told is stored, misses one.
//!
//! **Fix:** acknowledge after the durable step: a put waits for the flush
//! that covers it (group commit: still one disk write per batch).
//!
//! The simulation has no disk yet: here the disk is a map created outside
//! the node's `init`, so it survives restarts, and the memory is created by
//! `init`, so it does not.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use futures::io::{BufReader, Lines};
use futures::{AsyncBufReadExt, AsyncWriteExt, StreamExt};
use seedloop::net::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
use seedloop::sync::watch;
use seedloop::{node, sleep, time};

type Disk = Rc<RefCell<BTreeMap<String, String>>>;

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const FSYNC: Duration = Duration::from_millis(5);

/// What one life of the node keeps in memory.
struct Memory {
    table: RefCell<BTreeMap<String, String>>,
    /// Puts not yet on disk, and how many puts there were in all.
    dirty: RefCell<Vec<(String, String)>>,
    puts: Cell<u64>,
    /// How many puts are on disk.
    flushed: watch::Sender<u64>,
}

async fn flusher(disk: Disk, mem: Rc<Memory>) {
    loop {
        sleep(FLUSH_EVERY).await;
        let batch = mem.dirty.take();
        let upto = mem.puts.get();
        if batch.is_empty() {
            continue;
        }
        sleep(FSYNC).await; // durable when the write completes
        disk.borrow_mut().extend(batch);
        mem.flushed.send_replace(upto);
    }
}

async fn session(stream: TcpStream, mem: Rc<Memory>, durable_ack: bool) {
    let (rd, mut wr) = stream.into_split();
    let mut lines = BufReader::new(rd).lines();
    while let Some(Ok(line)) = lines.next().await {
        let words: Vec<&str> = line.split(' ').collect();
        let answer = match words[..] {
            ["put", key, value] => {
                let entry = (key.to_string(), value.to_string());
                mem.table
                    .borrow_mut()
                    .insert(entry.0.clone(), entry.1.clone());
                mem.dirty.borrow_mut().push(entry);
                mem.puts.set(mem.puts.get() + 1);
                if durable_ack {
                    let put = mem.puts.get();
                    let mut flushed = mem.flushed.subscribe();
                    drop(flushed.wait_for(|&on_disk| on_disk >= put).await);
                }
                "ok".to_string()
            }
            ["get", key] => mem.table.borrow().get(key).cloned().unwrap_or_default(),
            _ => "error".to_string(),
        };
        if wr
            .write_all(format!("{answer}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn kv(disk: Disk, durable_ack: bool) {
    let listener = TcpListener::bind("0.0.0.0:6379").await.unwrap();
    let mem = Rc::new(Memory {
        table: RefCell::new(disk.borrow().clone()),
        dirty: RefCell::default(),
        puts: Cell::new(0),
        flushed: watch::Sender::new(0),
    });
    seedloop::spawn(flusher(disk, mem.clone()));
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        seedloop::spawn(session(stream, mem.clone(), durable_ack));
    }
}

/// A client that reconnects and retries (puts and gets are idempotent).
#[derive(Default)]
struct Client {
    conn: Option<(Lines<BufReader<OwnedReadHalf>>, OwnedWriteHalf)>,
}

impl Client {
    async fn try_call(&mut self, request: &str) -> io::Result<String> {
        if self.conn.is_none() {
            let (rd, wr) = TcpStream::connect("kv:6379").await?.into_split();
            self.conn = Some((BufReader::new(rd).lines(), wr));
        }
        let (lines, wr) = self.conn.as_mut().unwrap();
        wr.write_all(format!("{request}\n").as_bytes()).await?;
        lines
            .next()
            .await
            .unwrap_or_else(|| Err(io::ErrorKind::UnexpectedEof.into()))
    }

    async fn call(&mut self, request: &str) -> String {
        loop {
            match time::timeout(Duration::from_secs(1), self.try_call(request)).await {
                Ok(Ok(answer)) => return answer,
                _ => {
                    self.conn = None; // reset, refused, or no answer: reconnect
                    sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

async fn store(durable_ack: bool) {
    // The nemesis plans its fault up front: a restart at 20, 40, 60 or
    // 80 ms, or none.
    let restart_at = (1..=4).find(|_| seedloop::buggify!());
    let disk = Disk::default();
    node::Builder::new("kv")
        .init(move || kv(disk.clone(), durable_ack))
        .build();
    let nemesis = seedloop::spawn(async move {
        if let Some(round) = restart_at {
            sleep(Duration::from_millis(20) * round).await;
            node::restart("kv");
        }
    });
    let mut client = Client::default();
    for i in 0..10 {
        assert_eq!(client.call(&format!("put k{i} v{i}")).await, "ok");
    }
    nemesis.await.unwrap();
    for i in 0..10 {
        let value = client.call(&format!("get k{i}")).await;
        assert_eq!(value, format!("v{i}"), "lost write: k{i} was acknowledged");
    }
}

/// The buggy program.
pub async fn body() {
    store(false).await;
}

/// The fixed program.
pub async fn fixed() {
    store(true).await;
}
