//! A TCP proxy: every client connection is forwarded to one upstream
//! address. Connecting upstream has a deadline, and a connection on which
//! nothing moves in either direction for `idle` is closed.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, sleep, timeout};

/// The proxy's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where connections go.
    pub upstream: SocketAddr,
    /// How long connecting upstream may take.
    pub connect_timeout: Duration,
    /// How long a connection may be silent both ways.
    pub idle_timeout: Duration,
}

/// Why a proxied connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// Both sides closed; the byte counts client→upstream and back.
    Closed { up: u64, down: u64 },
    /// Nothing moved for the idle timeout.
    Idle,
    /// The upstream did not accept in time.
    ConnectTimeout,
    /// The upstream refused, or another I/O error.
    Failed(io::ErrorKind),
}

/// Accepts clients forever, each proxied on a task of its own; `ended`
/// hears how each connection ended.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    ended: tokio::sync::mpsc::UnboundedSender<End>,
) -> io::Result<()> {
    loop {
        let (client, _) = listener.accept().await?;
        let config = config.clone();
        let ended = ended.clone();
        tokio::spawn(async move {
            let _ = ended.send(proxy(client, &config).await);
        });
    }
}

/// Proxies one client connection.
pub async fn proxy(mut client: TcpStream, config: &Config) -> End {
    let mut upstream =
        match timeout(config.connect_timeout, TcpStream::connect(config.upstream)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return End::Failed(e.kind()),
            Err(_) => return End::ConnectTimeout,
        };
    match pump(&mut client, &mut upstream, config.idle_timeout).await {
        Ok(end) => end,
        Err(e) => End::Failed(e.kind()),
    }
}

/// Copies both ways until both sides are closed or the line goes idle.
async fn pump(client: &mut TcpStream, upstream: &mut TcpStream, idle: Duration) -> io::Result<End> {
    let (mut cr, mut cw) = client.split();
    let (mut ur, mut uw) = upstream.split();
    let (mut up, mut down) = (0u64, 0u64);
    let (mut client_open, mut upstream_open) = (true, true);
    let (mut cbuf, mut ubuf) = (vec![0u8; 8192], vec![0u8; 8192]);
    let deadline = sleep(idle);
    tokio::pin!(deadline);
    while client_open || upstream_open {
        tokio::select! {
            n = cr.read(&mut cbuf), if client_open => {
                client_open = relay(n?, &cbuf, &mut uw, &mut up).await?;
                deadline.as_mut().reset(Instant::now() + idle);
            }
            n = ur.read(&mut ubuf), if upstream_open => {
                upstream_open = relay(n?, &ubuf, &mut cw, &mut down).await?;
                deadline.as_mut().reset(Instant::now() + idle);
            }
            _ = &mut deadline => return Ok(End::Idle),
        }
    }
    Ok(End::Closed { up, down })
}

/// Passes on the `n` bytes just read (`n == 0`: the reader's side closed,
/// so close the writer's); whether that side is still open.
async fn relay<W: AsyncWrite + Unpin>(
    n: usize,
    buf: &[u8],
    to: &mut W,
    count: &mut u64,
) -> io::Result<bool> {
    if n == 0 {
        to.shutdown().await?;
        return Ok(false);
    }
    to.write_all(&buf[..n]).await?;
    *count += n as u64;
    Ok(true)
}
