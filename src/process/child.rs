//! [`Child`]: a started process, shaped like `tokio::process::Child`.

use std::future::{Future, poll_fn};
use std::io;
use std::panic::Location;
use std::process::{ExitStatus, Output};
use std::rc::Rc;
use std::task::Poll;

use futures::AsyncReadExt;

use super::command::Ends;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};
use super::table::{self, Ended, Proc, SIGKILL};
use crate::runtime::core::Core;
use crate::runtime::local::Local;
use crate::runtime::wait::WaitKind;

static WAIT: WaitKind = WaitKind::at("Child::wait");

/// A process started by [`Command::spawn`](super::Command::spawn): its
/// pipes, if they were asked for, and its exit status once it ends.
///
/// Dropping a `Child` leaves the process running (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set); its pipes'
/// ends in the `Child` close.
///
/// ```
/// use futures::{AsyncBufReadExt, AsyncWriteExt};
/// use seedloop::process::{self, Command, Stdio};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     process::register("seq", |ctx| async move {
///         let mut out = ctx.stdout();
///         for i in 1..=3 {
///             out.write_all(format!("{i}\n").as_bytes()).await.unwrap();
///         }
///         0
///     });
///     let mut child = Command::new("seq").stdout(Stdio::piped()).spawn().unwrap();
///     let stdout = futures::io::BufReader::new(child.stdout.take().unwrap());
///     let mut lines = stdout.lines();
///     let mut sum = 0;
///     while let Some(line) = futures::StreamExt::next(&mut lines).await {
///         sum += line.unwrap().parse::<i32>().unwrap();
///     }
///     assert_eq!(sum, 6);
///     assert!(child.wait().await.unwrap().success());
/// });
/// ```
pub struct Child {
    /// The writing end of the child's stdin, when it was
    /// [`piped`](super::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The reading end of the child's stdout, when it was piped.
    pub stdout: Option<ChildStdout>,
    /// The reading end of the child's stderr, when it was piped.
    pub stderr: Option<ChildStderr>,
    proc: Local<Rc<Proc>>,
    /// The simulation, for a `kill_on_drop` drop outside `block_on`.
    core: Local<Rc<Core>>,
    kill_on_drop: bool,
    /// Whether `wait` or `try_wait` returned its status (it was reaped).
    reaped: bool,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("proc", &*self.proc)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}

impl Child {
    pub(crate) fn new(core: Rc<Core>, proc: Rc<Proc>, ends: Ends, kill_on_drop: bool) -> Child {
        Child {
            stdin: ends.stdin,
            stdout: ends.stdout,
            stderr: ends.stderr,
            proc: Local::new(proc),
            core: Local::new(core),
            kill_on_drop,
            reaped: false,
        }
    }

    /// The process id, until `wait` or `try_wait` has returned the exit
    /// status; `None` after, as in tokio.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("true", |_| async { 0 });
    ///     let mut child = seedloop::process::Command::new("true").spawn().unwrap();
    ///     assert!(child.id().is_some());
    ///     child.wait().await.unwrap();
    ///     assert_eq!(child.id(), None);
    /// });
    /// ```
    pub fn id(&self) -> Option<u32> {
        (!self.reaped).then_some(self.proc.pid)
    }

    /// Waits for the process to end and returns its status: the exit code
    /// of its program, or the signal that killed it. The child's stdin, if
    /// piped and still here, is closed first, so that a child reading it
    /// to the end does not wait forever.
    ///
    /// A blocked `wait` is named in a deadlock report (`Child::wait at
    /// <where it was called>`), beside the child's own wait: a child
    /// writing to a full pipe nobody reads is the classic case.
    ///
    /// # Errors
    ///
    /// None in the simulation (the `Result` is tokio's).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the status stays for the next call.
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("hang", |_| std::future::pending());
    ///     let mut child = seedloop::process::Command::new("hang").spawn().unwrap();
    ///     child.start_kill().unwrap();
    ///     let status = child.wait().await.unwrap();
    ///     assert_eq!((status.code(), status.signal()), (None, Some(9)));
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_ {
        self.wait_at(Location::caller())
    }

    /// The status if the process has ended, without waiting.
    ///
    /// # Errors
    ///
    /// None in the simulation (the `Result` is tokio's).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("nap", |_| async {
    ///         seedloop::sleep(std::time::Duration::from_secs(1)).await;
    ///         0
    ///     });
    ///     let mut child = seedloop::process::Command::new("nap").spawn().unwrap();
    ///     assert_eq!(child.try_wait().unwrap(), None);
    ///     seedloop::sleep(std::time::Duration::from_secs(2)).await;
    ///     assert!(child.try_wait().unwrap().unwrap().success());
    /// });
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = self.proc.ended.get().map(Ended::status);
        if status.is_some() {
            self.reaped = true;
        }
        Ok(status)
    }

    /// Kills the process (`SIGKILL`) without waiting: its tasks are
    /// dropped now and its pipes close. An ended process that was not
    /// reaped yet is left as it is.
    ///
    /// # Errors
    ///
    /// `InvalidInput` once `wait` or `try_wait` returned the status, as
    /// in tokio: the process is gone.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("hang", |_| std::future::pending());
    ///     let mut child = seedloop::process::Command::new("hang").spawn().unwrap();
    ///     child.start_kill().unwrap();
    ///     assert!(child.try_wait().unwrap().is_some());
    ///     assert_eq!(child.start_kill().unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    #[track_caller]
    pub fn start_kill(&mut self) -> io::Result<()> {
        if self.reaped {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid argument: can't kill an exited process",
            ));
        }
        let core = crate::runtime::current_core();
        table::end(&core, &self.proc, Ended::Signal(SIGKILL), false);
        Ok(())
    }

    /// Kills the process and waits for it: [`Child::start_kill`], then
    /// [`Child::wait`].
    ///
    /// # Errors
    ///
    /// As [`Child::start_kill`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Cancel safety
    ///
    /// The kill happens at the first poll; the status stays for `wait`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::process::register("hang", |_| std::future::pending());
    ///     let mut child = seedloop::process::Command::new("hang").spawn().unwrap();
    ///     child.kill().await.unwrap();
    ///     assert_eq!(child.id(), None);
    /// });
    /// ```
    #[track_caller]
    pub fn kill(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        let at = Location::caller();
        async move {
            self.start_kill()?;
            let wait = self.wait_at(at);
            wait.await.map(drop)
        }
    }

    fn wait_at(
        &mut self,
        at: &'static Location<'static>,
    ) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_ {
        poll_fn(move |cx| {
            drop(self.stdin.take());
            match self.proc.poll_ended(cx) {
                Poll::Ready(how) => {
                    self.reaped = true;
                    Poll::Ready(Ok(how.status()))
                }
                Poll::Pending => {
                    crate::runtime::wait::mark_waiting(&WAIT, at);
                    Poll::Pending
                }
            }
        })
    }

    /// Reads the child's stdout and stderr to their ends (those that were
    /// piped; the others are empty) while waiting for it, and returns all
    /// three: what [`Command::output`](super::Command::output) does after
    /// its spawn. Its stdin, if piped, is closed first.
    ///
    /// # Errors
    ///
    /// What reading a pipe returns.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: what was read is lost with the future.
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// use seedloop::process::{self, Command, Stdio};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     process::register("big", |ctx| async move {
    ///         // Four times what a pipe holds: the parent must read as it waits.
    ///         ctx.stdout().write_all(&vec![b'x'; 256 * 1024]).await.unwrap();
    ///         0
    ///     });
    ///     let child = Command::new("big").stdout(Stdio::piped()).spawn().unwrap();
    ///     let out = child.wait_with_output().await.unwrap();
    ///     assert_eq!(out.stdout.len(), 256 * 1024);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_with_output(mut self) -> impl Future<Output = io::Result<Output>> + Send {
        let at = Location::caller();
        async move {
            drop(self.stdin.take());
            let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
            let out = async {
                let mut all = Vec::new();
                if let Some(mut s) = stdout {
                    s.read_to_end(&mut all).await?;
                }
                Ok::<_, io::Error>(all)
            };
            let err = async {
                let mut all = Vec::new();
                if let Some(mut s) = stderr {
                    s.read_to_end(&mut all).await?;
                }
                Ok::<_, io::Error>(all)
            };
            let (status, stdout, stderr) =
                futures::future::try_join3(self.wait_at(at), out, err).await?;
            Ok(Output {
                status,
                stdout,
                stderr,
            })
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.kill_on_drop && self.proc.ended.get().is_none() {
            // Dropped outside `block_on`, the simulation is entered for the kill.
            let core: &Rc<Core> = &self.core;
            let _current = crate::runtime::enter(core);
            table::end(core, &self.proc, Ended::Signal(SIGKILL), false);
        }
    }
}
