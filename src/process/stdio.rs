//! A child's standard streams: how a [`Command`](super::Command) sets them
//! up ([`Stdio`]), the parent's ends of its pipes ([`ChildStdin`],
//! [`ChildStdout`], [`ChildStderr`]) and the program's own ([`Stdin`],
//! [`Stdout`], [`Stderr`], from its [`Ctx`](super::Ctx)).

use std::fmt;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::pipe::{Fd, Pipe};
use super::table::{Proc, Target};
use crate::future::io::impl_io;
use crate::runtime::local::Local;
use crate::runtime::wait::Switch;

/// How a child's stdin, stdout or stderr is set up, as
/// `std::process::Stdio` says it (and converted from it, so that code
/// written for `tokio::process` passes its `Stdio::piped()` unchanged).
///
/// ```
/// use seedloop::process::{Command, Stdio};
/// let mut cmd = Command::new("report");
/// cmd.stdout(Stdio::piped()).stderr(Stdio::null()).stdin(std::process::Stdio::inherit());
/// ```
pub struct Stdio(pub(crate) Kind, pub(crate) Option<ReaderEnd>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Piped,
    Null,
    Inherit,
    /// A real file or descriptor (`Stdio::from(File)`): nothing a simulated
    /// process can reach. Spawning with it is an `InvalidInput` error.
    Real,
    /// The reading end of another child's pipe (`Stdio::from(ChildStdout)`),
    /// carried beside the kind: a child's stdin only.
    Reader,
}

/// A reading end of a pipe held by a [`Stdio`] (and so by a `Command`):
/// it counts as a reader until it is dropped.
pub(crate) struct ReaderEnd(pub(crate) Local<Rc<Pipe>>);

impl Drop for ReaderEnd {
    fn drop(&mut self) {
        self.0.close_reader();
    }
}

impl fmt::Debug for ReaderEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReaderEnd({})", self.0.name())
    }
}

impl fmt::Debug for Stdio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Stdio").field(&self.0).finish()
    }
}

impl Stdio {
    /// A new pipe between parent and child: the parent's end is
    /// [`Child::stdin`](super::Child::stdin), `stdout` or `stderr`.
    ///
    /// ```
    /// let piped = seedloop::process::Stdio::piped();
    /// # let _ = piped;
    /// ```
    pub fn piped() -> Stdio {
        Stdio(Kind::Piped, None)
    }

    /// Nothing: the child's writes vanish, its reads see EOF.
    ///
    /// ```
    /// let null = seedloop::process::Stdio::null();
    /// # let _ = null;
    /// ```
    pub fn null() -> Stdio {
        Stdio(Kind::Null, None)
    }

    /// The parent's own stream. A parent that is itself a simulated process
    /// passes on its stdin, stdout or stderr (a pipe it was given stays
    /// open until both have closed it). A task outside any process has the
    /// test's own stdout and stderr, which the child's writes go to, and an
    /// empty stdin.
    ///
    /// ```
    /// let inherit = seedloop::process::Stdio::inherit();
    /// # let _ = inherit;
    /// ```
    pub fn inherit() -> Stdio {
        Stdio(Kind::Inherit, None)
    }
}

impl From<std::process::Stdio> for Stdio {
    /// `std::process::Stdio::piped()`, `null()` and `inherit()` become
    /// their simulated twins. A real file or descriptor cannot reach a
    /// simulated process: spawning with one is an `InvalidInput` error.
    ///
    /// std keeps a `Stdio`'s kind private; its one public trace is the
    /// alternate `Debug` of a `std::process::Command` that holds it, which
    /// this reads (a test of this crate checks all three).
    ///
    /// ```
    /// use seedloop::process::Stdio;
    /// let piped: Stdio = std::process::Stdio::piped().into();
    /// assert_eq!(format!("{piped:?}"), "Stdio(Piped)");
    /// ```
    fn from(std: std::process::Stdio) -> Stdio {
        let mut probe = std::process::Command::new("");
        probe.stdin(std);
        let text = format!("{probe:#?}");
        let given = text
            .split_once("stdin: Some(")
            .map(|(_, rest)| rest.trim_start());
        let kind = match given {
            Some(g) if g.starts_with("MakePipe") => Kind::Piped,
            Some(g) if g.starts_with("Null") => Kind::Null,
            Some(g) if g.starts_with("Inherit") => Kind::Inherit,
            _ => Kind::Real,
        };
        Stdio(kind, None)
    }
}

impl From<std::fs::File> for Stdio {
    /// A real file, as `std::process::Stdio` takes one: spawning with it
    /// is an `InvalidInput` error, since no simulated process can reach
    /// it (use a pipe and `seedloop::fs`).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("ok", |_| async { 0 });
    ///     let file = std::fs::File::open("Cargo.toml").unwrap();
    ///     let err = seedloop::process::Command::new("ok").stdout(file).spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    fn from(_: std::fs::File) -> Stdio {
        Stdio(Kind::Real, None)
    }
}

macro_rules! into_stdio {
    ($ty:ident, $what:literal, $sum:literal) => {
        impl From<$ty> for Stdio {
            #[doc = concat!("The reading end of a child's ", $what, " pipe, as the next child's")]
            /// stdin: `a | b`. The `Command` holds the end until it is
            /// dropped; the child it spawns reads from the pipe, and sees EOF
            /// once the first child (and whoever shares its pipe) closed it.
            /// As a stdout or stderr, it is an `InvalidInput` error at spawn.
            ///
            /// ```
            /// use futures::{AsyncReadExt, AsyncWriteExt};
            /// use seedloop::process::{self, Command, Stdio};
            ///
            /// let mut sim = seedloop::Sim::new(1);
            /// sim.block_on(async {
            ///     process::register("seq", |ctx| async move {
            ///         ctx.stdout().write_all(b"1\n2\n3\n").await.unwrap();
            ///         ctx.stderr().write_all(b"4\n").await.unwrap();
            ///         0
            ///     });
            ///     process::register("sum", |ctx| async move {
            ///         let mut text = String::new();
            ///         ctx.stdin().read_to_string(&mut text).await.unwrap();
            ///         text.lines().map(|l| l.parse::<i32>().unwrap()).sum()
            ///     });
            ///     let mut seq = Command::new("seq")
            ///         .stdout(Stdio::piped())
            ///         .stderr(Stdio::piped())
            ///         .spawn()
            ///         .unwrap();
            #[doc = concat!("    let pipe = seq.", $what, ".take().unwrap();")]
            ///     let status = Command::new("sum").stdin(pipe).status().await.unwrap();
            #[doc = concat!("    assert_eq!(status.code(), Some(", $sum, "));")]
            /// });
            /// ```
            fn from(end: $ty) -> Stdio {
                let pipe = Rc::clone(&end.pipe);
                pipe.open_reader(); // the Stdio's own count, before `end`'s goes
                drop(end);
                Stdio(Kind::Reader, Some(ReaderEnd(Local::new(pipe))))
            }
        }
    };
}

into_stdio!(ChildStdout, "stdout", "6");
into_stdio!(ChildStderr, "stderr", "4");

/// The error of an operation on a stream the process closed: `EBADF`.
fn closed() -> io::Error {
    io::Error::from_raw_os_error(9)
}

/// The parent's writing end of a child's stdin pipe
/// ([`Child::stdin`](super::Child::stdin)). Dropping it, or closing it
/// (`close` / `shutdown`), is the child's EOF.
///
/// # Errors
///
/// A write once no process holds the pipe's reading end any more (the
/// child exited, and no process it passed its stdin to still runs) is
/// `BrokenPipe`.
///
/// # Cancel safety
///
/// A write that has not returned wrote nothing.
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use seedloop::process::{self, Command, Stdio};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("wc-c", |ctx| async move {
///         let mut all = Vec::new();
///         ctx.stdin().read_to_end(&mut all).await.unwrap();
///         all.len() as i32
///     });
///     let mut child = Command::new("wc-c").stdin(Stdio::piped()).spawn().unwrap();
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"four").await.unwrap();
///     drop(stdin); // EOF
///     assert_eq!(child.wait().await.unwrap().code(), Some(4));
/// });
/// ```
pub struct ChildStdin {
    pipe: Local<Rc<Pipe>>,
    switch: Switch,
    open: bool,
}

/// The parent's reading end of a child's stdout pipe
/// ([`Child::stdout`](super::Child::stdout)): EOF once the child (and
/// every process it passed the pipe to) has exited or closed it.
/// Dropping it makes the child's next write a `BrokenPipe`.
///
/// # Cancel safety
///
/// A read that has not returned took nothing.
///
/// ```
/// use futures::AsyncReadExt;
/// use seedloop::process::{self, Command, Stdio};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("date", |ctx| async move {
///         futures::AsyncWriteExt::write_all(&mut ctx.stdout(), b"Thu Jan  1\n").await.unwrap();
///         0
///     });
///     let mut child = Command::new("date").stdout(Stdio::piped()).spawn().unwrap();
///     let mut text = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut text).await.unwrap();
///     assert_eq!(text, "Thu Jan  1\n");
/// });
/// ```
pub struct ChildStdout {
    pipe: Local<Rc<Pipe>>,
    switch: Switch,
}

/// The parent's reading end of a child's stderr pipe; as [`ChildStdout`].
///
/// ```
/// use futures::AsyncReadExt;
/// use seedloop::process::{self, Command, Stdio};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("grumpy", |ctx| async move {
///         futures::AsyncWriteExt::write_all(&mut ctx.stderr(), b"no\n").await.unwrap();
///         2
///     });
///     let mut child = Command::new("grumpy").stderr(Stdio::piped()).spawn().unwrap();
///     let mut text = String::new();
///     child.stderr.take().unwrap().read_to_string(&mut text).await.unwrap();
///     assert_eq!(text, "no\n");
/// });
/// ```
pub struct ChildStderr {
    pipe: Local<Rc<Pipe>>,
    switch: Switch,
}

impl ChildStdin {
    pub(crate) fn new(pipe: Rc<Pipe>) -> ChildStdin {
        ChildStdin {
            pipe: Local::new(pipe),
            switch: Switch::default(),
            open: true,
        }
    }

    fn poll_write_bytes(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if !self.open {
            return Poll::Ready(Err(closed()));
        }
        self.pipe.poll_write(cx, &mut self.switch, buf)
    }

    fn close(&mut self) {
        if std::mem::replace(&mut self.open, false) {
            self.pipe.close_writer();
        }
    }
}

impl Drop for ChildStdin {
    fn drop(&mut self) {
        self.close();
    }
}

macro_rules! reader_end {
    ($ty:ident) => {
        impl $ty {
            pub(crate) fn new(pipe: Rc<Pipe>) -> $ty {
                $ty {
                    pipe: Local::new(pipe),
                    switch: Switch::default(),
                }
            }

            fn poll_read_bytes(
                &mut self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.pipe.poll_read(cx, &mut self.switch, buf)
            }
        }

        impl Drop for $ty {
            fn drop(&mut self) {
                self.pipe.close_reader();
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }
    };
}

reader_end!(ChildStdout);
reader_end!(ChildStderr);

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

/// A program's stdin, from [`Ctx::stdin`](super::Ctx::stdin): the pipe
/// its parent writes, or EOF at once when it has none.
///
/// # Errors
///
/// `EBADF` when the process has no stdin: it inherited one its parent had
/// closed. (A program cannot close its stdin; it closes when it exits.)
///
/// # Cancel safety
///
/// A read that has not returned took nothing.
///
/// ```
/// use futures::AsyncReadExt;
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("cat", |ctx| async move {
///         let mut all = Vec::new();
///         ctx.stdin().read_to_end(&mut all).await.unwrap();
///         all.len() as i32
///     });
///     // No pipe given: stdin is empty.
///     assert_eq!(Command::new("cat").status().await.unwrap().code(), Some(0));
/// });
/// ```
pub struct Stdin {
    proc: Local<Rc<Proc>>,
    switch: Switch,
}

/// A program's stdout, from [`Ctx::stdout`](super::Ctx::stdout). Every
/// handle writes to the same stream; closing one (`close` / `shutdown`)
/// closes the process's stdout, as `close(1)` does, and its parent reads
/// EOF once nobody else holds the pipe.
///
/// # Errors
///
/// `BrokenPipe` when nobody reads the pipe any more; `EBADF` after the
/// process closed its stdout.
///
/// # Cancel safety
///
/// A write that has not returned wrote nothing.
///
/// ```
/// use futures::AsyncWriteExt;
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("yes", |ctx| async move {
///         let mut out = ctx.stdout();
///         out.write_all(b"y\ny\n").await.unwrap();
///         out.close().await.unwrap();
///         0
///     });
///     let out = Command::new("yes").output().await.unwrap();
///     assert_eq!(out.stdout, b"y\ny\n");
/// });
/// ```
pub struct Stdout {
    proc: Local<Rc<Proc>>,
    switch: Switch,
}

/// A program's stderr, from [`Ctx::stderr`](super::Ctx::stderr); as
/// [`Stdout`].
///
/// ```
/// use futures::AsyncWriteExt;
/// use seedloop::process::{self, Command};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("warn", |ctx| async move {
///         ctx.stderr().write_all(b"careful\n").await.unwrap();
///         0
///     });
///     let out = Command::new("warn").output().await.unwrap();
///     assert_eq!(out.stderr, b"careful\n");
/// });
/// ```
pub struct Stderr {
    proc: Local<Rc<Proc>>,
    switch: Switch,
}

impl Stdin {
    pub(crate) fn new(proc: Rc<Proc>) -> Stdin {
        Stdin {
            proc: Local::new(proc),
            switch: Switch::default(),
        }
    }

    fn poll_read_bytes(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self.proc.fd(Fd::Stdin) {
            None => Poll::Ready(Err(closed())),
            Some(Target::Null | Target::Console) => Poll::Ready(Ok(0)),
            Some(Target::Pipe(pipe)) => pipe.poll_read(cx, &mut self.switch, buf),
        }
    }
}

impl fmt::Debug for Stdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdin")
            .field("pid", &self.proc.pid)
            .finish_non_exhaustive()
    }
}

/// A write to fd `fd` of `proc`.
fn write_fd(
    proc: &Proc,
    fd: Fd,
    switch: &mut Switch,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    match proc.fd(fd) {
        None => Poll::Ready(Err(closed())),
        Some(Target::Null) => Poll::Ready(Ok(buf.len())),
        Some(Target::Console) => {
            let text = String::from_utf8_lossy(buf);
            if fd == Fd::Stderr {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
            Poll::Ready(Ok(buf.len()))
        }
        Some(Target::Pipe(pipe)) => pipe.poll_write(cx, switch, buf),
    }
}

macro_rules! writer_of {
    ($ty:ident, $fd:expr) => {
        impl $ty {
            pub(crate) fn new(proc: Rc<Proc>) -> $ty {
                $ty {
                    proc: Local::new(proc),
                    switch: Switch::default(),
                }
            }

            fn poll_write_bytes(
                &mut self,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                write_fd(&self.proc, $fd, &mut self.switch, cx, buf)
            }

            fn close(&mut self) {
                self.proc.close($fd);
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("pid", &self.proc.pid)
                    .finish_non_exhaustive()
            }
        }
    };
}

writer_of!(Stdout, Fd::Stdout);
writer_of!(Stderr, Fd::Stderr);

impl_io!(read ChildStdout, |s, cx, buf| s.poll_read_bytes(cx, buf));
impl_io!(read ChildStderr, |s, cx, buf| s.poll_read_bytes(cx, buf));
impl_io!(read Stdin, |s, cx, buf| s.poll_read_bytes(cx, buf));
impl_io!(write ChildStdin, |s, cx, buf| s.poll_write_bytes(cx, buf), |s| s.close());
impl_io!(write Stdout, |s, cx, buf| s.poll_write_bytes(cx, buf), |s| s.close());
impl_io!(write Stderr, |s, cx, buf| s.poll_write_bytes(cx, buf), |s| s.close());
