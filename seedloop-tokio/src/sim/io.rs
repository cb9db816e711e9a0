//! tokio's `io`. The traits and utilities need no runtime, so they are
//! tokio's own, and seedloop's sockets and files implement the traits.
//! `stdout` and `stderr` write straight to the test process's; `stdin`,
//! which would make a run depend on outside input, is not simulated.

use std::pin::Pin;
use std::task::{Context, Poll};

pub use seedloop::net::{Interest, Ready};
pub use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite,
    AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, DuplexStream, Empty, Error, ErrorKind,
    Join, Lines, ReadBuf, ReadHalf, Repeat, Result, SeekFrom, SimplexStream, Sink, Split, Take,
    WriteHalf, copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty,
    join, repeat, simplex, sink, split,
};

/// Writes to the test process's standard output, at once (a line a
/// program prints shows up among the test's output).
///
/// ```
/// # use seedloop_tokio as tokio;
/// use tokio::io::AsyncWriteExt;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut out = tokio::io::stdout();
///     out.write_all(b"hello from the simulation\n").await.unwrap();
///     out.flush().await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct Stdout(());

/// Writes to the test process's standard error, at once.
///
/// ```
/// # use seedloop_tokio as tokio;
/// use tokio::io::AsyncWriteExt;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async { tokio::io::stderr().write_all(b"a warning\n").await.unwrap() });
/// ```
#[derive(Debug)]
pub struct Stderr(());

/// The standard output; see [`Stdout`].
///
/// # Determinism
///
/// Writing makes no choice and takes no virtual time.
///
/// ```
/// let _out = seedloop_tokio::io::stdout();
/// ```
pub fn stdout() -> Stdout {
    Stdout(())
}

/// The standard error; see [`Stderr`].
///
/// ```
/// let _err = seedloop_tokio::io::stderr();
/// ```
pub fn stderr() -> Stderr {
    Stderr(())
}

macro_rules! std_writer {
    ($ty:ty, $std:path) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<Result<usize>> {
                Poll::Ready(std::io::Write::write(&mut $std(), buf))
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<()>> {
                Poll::Ready(std::io::Write::flush(&mut $std()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
                self.poll_flush(cx)
            }
        }
    };
}

std_writer!(Stdout, std::io::stdout);
std_writer!(Stderr, std::io::stderr);

missing_fns! {
    /// tokio's standard input.
    fn stdin() => StdinFn,
        "`tokio::io::stdin` is not simulated by seedloop",
        "a run must not depend on outside input: give the program its input as a reader (`tokio::io::duplex`, a `&[u8]`, a simulated file)",
        "let _i = tokio::io::stdin();";
}

missing_types! {
    /// tokio's standard input handle.
    type Stdin[] = StdinNotSimulated[], StdinT,
        "`tokio::io::Stdin` is not simulated by seedloop",
        "a run must not depend on outside input: take any `AsyncRead` instead",
        "let _i: Option<tokio::io::Stdin> = None;";
}

/// tokio's readiness of raw file descriptors: not simulated, since a
/// simulated program has no real descriptors.
pub mod unix {
    missing_types! {
        /// tokio's `AsyncFd`.
        type AsyncFd[T] = AsyncFdNotSimulated[T], AsyncFdT,
            "`tokio::io::unix::AsyncFd` is not simulated by seedloop",
            "a simulated program has no file descriptors: use the simulated sockets and files",
            "let _f: Option<tokio::io::unix::AsyncFd<std::fs::File>> = None;";
        /// tokio's read-readiness guard of an `AsyncFd`.
        type AsyncFdReadyGuard['a, T] = AsyncFdReadyGuardNotSimulated[&'a T], AsyncFdReadyGuardT,
            "`tokio::io::unix::AsyncFdReadyGuard` is not simulated by seedloop",
            "a simulated program has no file descriptors",
            "let _g: Option<tokio::io::unix::AsyncFdReadyGuard<'static, std::fs::File>> = None;";
        /// tokio's mutable readiness guard of an `AsyncFd`.
        type AsyncFdReadyMutGuard['a, T] = AsyncFdReadyMutGuardNotSimulated[&'a T], AsyncFdReadyMutGuardT,
            "`tokio::io::unix::AsyncFdReadyMutGuard` is not simulated by seedloop",
            "a simulated program has no file descriptors",
            "let _g: Option<tokio::io::unix::AsyncFdReadyMutGuard<'static, std::fs::File>> = None;";
        /// tokio's error of registering a descriptor.
        type AsyncFdRegisterError[] = AsyncFdRegisterErrorNotSimulated[], AsyncFdRegisterErrorT,
            "`tokio::io::unix::AsyncFdRegisterError` is not simulated by seedloop",
            "a simulated program has no file descriptors",
            "let _e: Option<tokio::io::unix::AsyncFdRegisterError> = None;";
        /// tokio's error of `AsyncFdReadyGuard::try_io`.
        type TryIoError[] = TryIoErrorNotSimulated[], TryIoErrorT,
            "`tokio::io::unix::TryIoError` is not simulated by seedloop",
            "a simulated program has no file descriptors",
            "let _e: Option<tokio::io::unix::TryIoError> = None;";
    }
}
