//! Every item of tokio's API that the facade gives, named at tokio's path:
//! this file compiles in both builds (on tokio, and under `--cfg
//! seedloop`), so a path the coverage table (docs/13-tokio.md) calls
//! simulated or tokio's own cannot go missing from either.

#![allow(unused_imports, deprecated)]

use seedloop_tokio as tokio;

use tokio::fs::{
    DirEntry, File, OpenOptions, ReadDir, copy, create_dir, create_dir_all, metadata, read,
    read_dir, read_to_string, remove_dir, remove_dir_all, remove_file, rename, try_exists, write,
};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite,
    AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, DuplexStream, Empty, Error, ErrorKind,
    Interest, Join, Lines, ReadBuf, ReadHalf, Ready, Repeat, Result, SeekFrom, SimplexStream, Sink,
    Split, Stderr, Stdout, Take, WriteHalf, copy as io_copy, copy_bidirectional,
    copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat, simplex, sink, split,
    stderr, stdout,
};
use tokio::net::tcp::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf as TcpReadHalf, ReuniteError, WriteHalf as TcpWriteHalf,
};
use tokio::net::unix::{gid_t, pid_t, uid_t};
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs, UdpSocket, lookup_host};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::runtime::{
    Builder, Handle, Runtime, RuntimeFlavor, TryCurrentError, is_rt_shutdown_err, worker_index,
};
use tokio::signal::ctrl_c;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{
    AcquireError, Barrier, BarrierWaitResult, Mutex, MutexGuard, Notify, OnceCell, OwnedMutexGuard,
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock, RwLockReadGuard,
    RwLockWriteGuard, Semaphore, SemaphorePermit, SetError, SetOnce, SetOnceError, TryAcquireError,
    TryLockError, broadcast, mpsc, oneshot, watch,
};
use tokio::task::futures::TaskLocalFuture;
use tokio::task::{
    AbortHandle, Id, JoinError, JoinHandle, JoinSet, LocalKey, LocalSet, coop, id, spawn,
    spawn_blocking, spawn_local, try_id, yield_now,
};
use tokio::time::error::Elapsed;
use tokio::time::{
    Duration, Instant, Interval, MissedTickBehavior, Sleep, Timeout, advance, interval,
    interval_at, pause, resume, sleep, sleep_until, timeout, timeout_at,
};
use tokio::{join, main, pin, select, spawn as root_spawn, task_local, test, try_join};

use tokio::sync::broadcast::error::{
    RecvError as BRecvError, SendError as BSendError, TryRecvError as BTryRecvError,
};
use tokio::sync::broadcast::{Receiver as BReceiver, Sender as BSender, channel as bchannel};
use tokio::sync::mpsc::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use tokio::sync::mpsc::{
    OwnedPermit, Permit, Receiver, Sender, UnboundedReceiver, UnboundedSender, WeakSender,
    WeakUnboundedSender, channel, unbounded_channel,
};
use tokio::sync::oneshot::error::{RecvError as ORecvError, TryRecvError as OTryRecvError};
use tokio::sync::oneshot::{Receiver as OReceiver, Sender as OSender, channel as ochannel};
use tokio::sync::watch::error::{RecvError as WRecvError, SendError as WSendError};
use tokio::sync::watch::{Receiver as WReceiver, Ref, Sender as WSender, channel as wchannel};

task_local! {
    static REQUEST: u32;
}

/// The names are used as tokio's users use them: one program touching
/// each area, run on whichever runtime this build has.
#[tokio::test(crate = "seedloop_tokio")]
async fn the_named_items_work_as_tokio_says() {
    // task and time
    let t: JoinHandle<u32> = spawn(async { 1 });
    let start = Instant::now();
    sleep(Duration::from_millis(10)).await;
    assert!(start.elapsed() >= Duration::from_millis(10));
    assert_eq!(t.await.unwrap(), 1);
    let e: Elapsed = timeout(Duration::from_millis(1), std::future::pending::<()>())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "deadline has elapsed");
    // macros
    let (a, b) = join!(async { 2 }, async { 3 });
    let r: std::result::Result<(u8, u8), ()> = try_join!(async { Ok(4) }, async { Ok(5) });
    assert_eq!((a, b, r), (2, 3, Ok((4, 5))));
    let f = async { 6 };
    pin!(f);
    assert_eq!(
        select! { v = &mut f => v, _ = sleep(Duration::from_secs(1)) => 0 },
        6
    );
    assert_eq!(REQUEST.scope(7, async { REQUEST.get() }).await, 7);
    // sync
    let m = std::sync::Arc::new(Mutex::new(0));
    *m.lock().await += 1;
    let (tx, mut rx) = channel::<u32>(1);
    tx.send(8).await.unwrap();
    assert_eq!(rx.recv().await, Some(8));
    let cell: OnceCell<u32> = OnceCell::new();
    assert_eq!(*cell.get_or_init(|| async { 9 }).await, 9);
    // io over net
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut line = String::new();
        BufReader::new(&mut s).read_line(&mut line).await.unwrap();
        s.write_all(line.to_uppercase().as_bytes()).await.unwrap();
    });
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"ping\n").await.unwrap();
    let mut back = String::new();
    BufReader::new(c).read_line(&mut back).await.unwrap();
    assert_eq!(back, "PING\n");
    server.await.unwrap();
    // io utilities
    let (mut x, mut y) = duplex(64);
    x.write_all(b"dup").await.unwrap();
    drop(x);
    let mut got = String::new();
    y.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "dup");
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    // process: the real `echo` on tokio, a registered one in the simulation
    #[cfg(seedloop)]
    seedloop::process::register("echo", |ctx| async move {
        let line = ctx.args().join(" ") + "\n";
        ctx.stdout().write_all(line.as_bytes()).await.unwrap();
        0
    });
    let mut child: Child = Command::new("echo")
        .arg("pong")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _: Option<ChildStdin> = child.stdin.take();
    let _: Option<ChildStderr> = child.stderr.take();
    let mut out: ChildStdout = child.stdout.take().unwrap();
    let mut echoed = String::new();
    out.read_to_string(&mut echoed).await.unwrap();
    assert_eq!(echoed, "pong\n");
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
}
