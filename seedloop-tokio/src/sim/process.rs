//! tokio's `process`: seedloop's simulated subprocesses. A simulated node
//! runs no real executable: a child runs a simulated program, a closure
//! the test registers under the program's name with
//! `seedloop::process::register(name, program)`, as it sends signals with
//! `seedloop::node::send_signal` (`seedloop` is a
//! `[target.'cfg(seedloop)'.dev-dependencies]` entry for that). A name
//! nobody registered makes `spawn` fail with `NotFound`, as an executable
//! missing from `PATH` does.
//!
//! A child lives on the node of the task that spawned it, its pipes are
//! bounded (64 KiB) and implement tokio's `AsyncRead` and `AsyncWrite`, and
//! its exit status is a `std::process::ExitStatus`: a killed child has
//! `code() == None` and `signal() == Some(9)`.
//!
//! ```
//! # use seedloop_tokio as tokio;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     // What `tr a-z A-Z` would do, registered by the test.
//!     seedloop::process::register("upper", |ctx| async move {
//!         let mut text = String::new();
//!         ctx.stdin().read_to_string(&mut text).await.unwrap();
//!         ctx.stdout().write_all(text.to_uppercase().as_bytes()).await.unwrap();
//!         0
//!     });
//!     // The program's own code, as written for tokio.
//!     let mut child = tokio::process::Command::new("upper")
//!         .stdin(std::process::Stdio::piped())
//!         .stdout(std::process::Stdio::piped())
//!         .spawn()
//!         .unwrap();
//!     let mut stdin = child.stdin.take().unwrap();
//!     stdin.write_all(b"quiet").await.unwrap();
//!     drop(stdin);
//!     let out = child.wait_with_output().await.unwrap();
//!     assert_eq!(out.stdout, b"QUIET");
//!     assert_eq!(out.status.code(), Some(0));
//! });
//! ```

pub use seedloop::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
