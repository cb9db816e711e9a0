//! A line-based chat server: the first line a client sends is its name,
//! every later line goes to every other client as `name: line`, and
//! joins and departures are announced. A client too slow to keep up is
//! told how many lines it missed instead of being dropped.

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinSet;

/// How many lines the server holds for a client that has not read them.
pub const BACKLOG: usize = 16;

/// One line on the chat: who sent it, and the text.
#[derive(Clone, Debug)]
struct Line {
    from: SocketAddr,
    text: String,
}

/// Serves clients from `listener` until `shutdown` completes, then closes
/// every connection (each client gets `* server shutting down`).
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let (lines, _) = broadcast::channel::<Line>(BACKLOG);
    let (stop, _) = broadcast::channel::<()>(1);
    let mut clients = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, addr)) = accepted else { continue };
                let lines = lines.clone();
                let stop = stop.subscribe();
                clients.spawn(async move {
                    // A client's error only ends that client.
                    let _ = client(socket, addr, lines, stop).await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    let _ = stop.send(());
    while clients.join_next().await.is_some() {}
}

async fn client(
    socket: TcpStream,
    addr: SocketAddr,
    lines: broadcast::Sender<Line>,
    mut stop: broadcast::Receiver<()>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read).lines();
    write.write_all(b"* name?\n").await?;
    let name = tokio::select! {
        name = read.next_line() => match name? {
            Some(name) => name,
            None => return Ok(()),
        },
        // A client still to name itself must not hold the shutdown up.
        _ = stop.recv() => {
            write.write_all(b"* server shutting down\n").await?;
            return Ok(());
        }
    };
    let name = name.trim().to_string();
    // Subscribe before announcing, so that nothing said after the join
    // is missed.
    let mut heard = lines.subscribe();
    let say = |text: String| {
        let _ = lines.send(Line { from: addr, text });
    };
    say(format!("* {name} joined"));
    write
        .write_all(format!("* welcome, {name}\n").as_bytes())
        .await?;
    loop {
        tokio::select! {
            line = read.next_line() => match line? {
                Some(text) => say(format!("{name}: {text}")),
                None => break,
            },
            got = heard.recv() => match got {
                Ok(line) if line.from == addr => {}
                Ok(line) => write.write_all(format!("{}\n", line.text).as_bytes()).await?,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    write.write_all(format!("* missed {n} lines\n").as_bytes()).await?;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = stop.recv() => {
                write.write_all(b"* server shutting down\n").await?;
                return Ok(());
            }
        }
    }
    say(format!("* {name} left"));
    Ok(())
}
