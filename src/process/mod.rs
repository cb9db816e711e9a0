//! Layer 5b, subprocesses: commands that run simulated programs, shaped
//! like `tokio::process`.
//!
//! Real executables cannot run inside a deterministic simulation, so a
//! program is a Rust closure [`register`]ed under a name: called with its
//! [`Ctx`] (arguments, environment, working directory, stdin, stdout and
//! stderr), it returns the future that is the process, whose output is the
//! exit code. A [`Command`] finds it by name, as a shell finds a binary on
//! `PATH`, and starts it as a [`Child`].
//!
//! - **A process lives on its parent's node.** Its program runs as a task
//!   of that node, and every task it spawns with `spawn` belongs to the
//!   process: when the program returns, or the process is killed, they
//!   are dropped, and a task spawned into a dead process never runs. (A
//!   task placed with [`node::spawn_on`](crate::node::spawn_on) belongs to
//!   the node, not to the process.) A
//!   node's crash ([`node::kill`](crate::node::kill)) kills its processes;
//!   a pause freezes them with the node.
//! - **Pipes are bounded byte streams** (64 KiB, as on Linux, unless
//!   [`ProcessConfig::pipe_capacity`] says otherwise). A writer that fills
//!   one waits for its reader; a reader sees EOF once every writer closed
//!   it; a write with no reader left is `BrokenPipe`. A task blocked on a
//!   pipe is named in a deadlock report with the pipe: which stream of
//!   the child spawned where.
//! - **Exit statuses are `std::process::ExitStatus`**, built as unix
//!   builds them: `code()` is the low byte of the program's result, and a
//!   killed child has `code() == None` and `signal() == Some(9)`
//!   (`std::os::unix::process::ExitStatusExt`). A program that panics
//!   exits with 101, as a Rust binary does, and the panic goes on to the
//!   simulation's [`PanicPolicy`](crate::PanicPolicy).
//! - **Each start, exit and kill is an event** in the trace
//!   ([`EventKind::Process`](crate::trace::EventKind::Process)) and the
//!   fingerprint.
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `await asyncio.create_subprocess_exec("prog", "arg", stdout=PIPE)` | `Command::new("prog").arg("arg").stdout(Stdio::piped()).spawn()?` |
//! | `await proc.communicate(input)` | write `child.stdin`, drop it, then `child.wait_with_output().await?` |
//! | `await proc.wait()`, `proc.returncode` | `child.wait().await?.code()` |
//! | `proc.kill()` (`SIGKILL`), then `await proc.wait()` | `child.start_kill()?`, or both at once: `child.kill().await?` |
//! | `proc.pid` | `child.id()` |
//! | `create_subprocess_shell("a \| b")` | `Command::new("b").stdin(a.stdout.take().unwrap())`, or a program that spawns others |
//!
//! # Determinism
//!
//! A child's tasks are scheduled like every task (the tape's schedule
//! choices); each read and write of a pipe that could proceed at once is a
//! switch point; a start latency ([`ProcessConfig::start_latency`]) is one
//! choice per spawn. Pids are numbered 2, 3, ... in spawn order.
//!
//! ```
//! use futures::{AsyncReadExt, AsyncWriteExt};
//! use seedloop::process::{self, Command, Stdio};
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     // `tr a-z A-Z`, simulated.
//!     process::register("upper", |ctx| async move {
//!         let mut text = String::new();
//!         ctx.stdin().read_to_string(&mut text).await.unwrap();
//!         ctx.stdout().write_all(text.to_uppercase().as_bytes()).await.unwrap();
//!         0
//!     });
//!     let mut child = Command::new("upper")
//!         .stdin(Stdio::piped())
//!         .stdout(Stdio::piped())
//!         .spawn()
//!         .unwrap();
//!     let mut stdin = child.stdin.take().unwrap();
//!     stdin.write_all(b"quiet").await.unwrap();
//!     drop(stdin);
//!     let out = child.wait_with_output().await.unwrap();
//!     assert_eq!(out.stdout, b"QUIET");
//! });
//! ```

mod child;
mod command;
mod config;
mod ctx;
mod pipe;
mod program;
mod stdio;
mod table;

pub use child::Child;
pub use command::Command;
pub use config::{DEFAULT_PIPE_CAPACITY, ProcessConfig};
pub use ctx::Ctx;
pub use program::register;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout, Stderr, Stdin, Stdio, Stdout};
