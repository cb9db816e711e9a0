//! A pipe between two simulated processes: a bounded byte buffer with a
//! count of open write ends and of open read ends, as the kernel keeps.
//!
//! - A write puts as many bytes as there is room for and returns how many
//!   (at least one); with no room it waits for a reader (backpressure). A
//!   write of at most `PIPE_BUF` (4096) bytes is atomic, as POSIX says: it
//!   waits until all of it fits, so writers sharing a pipe never split
//!   each other's lines.
//! - A read takes what is there; with nothing there it waits, unless every
//!   write end is closed: then it is EOF (`Ok(0)`).
//! - A write with every read end closed is `BrokenPipe` (Rust programs
//!   ignore `SIGPIPE` and see `EPIPE`, which is what this is).
//!
//! An end is held by a process (its fd 0, 1 or 2, closed when it exits) or
//! by a parent's handle (`ChildStdin`, `ChildStdout`, closed on drop). A
//! blocked read or write is noted for deadlock reports with the pipe's
//! name: which stream of which child, and where that child was spawned.

use std::collections::VecDeque;
use std::io;
use std::panic::Location;
use std::task::{Context, Poll, Waker};

use crate::runtime::footprint::Tracked;
use crate::runtime::wait::{Switch, WaitKind, Wakeups};

/// Linux's `PIPE_BUF`: writes up to this size are never split.
const PIPE_BUF: usize = 4096;

/// Which of a child's three standard streams a pipe carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fd {
    Stdin,
    Stdout,
    Stderr,
}

impl Fd {
    /// The number of the descriptor in the child (0, 1 or 2).
    pub(crate) fn number(self) -> usize {
        match self {
            Fd::Stdin => 0,
            Fd::Stdout => 1,
            Fd::Stderr => 2,
        }
    }

    /// What a read that waits on this pipe is reported as.
    fn read_wait(self) -> &'static WaitKind {
        static STDIN: WaitKind =
            WaitKind::at("a read of an empty pipe: stdin of the child spawned");
        static STDOUT: WaitKind =
            WaitKind::at("a read of an empty pipe: stdout of the child spawned");
        static STDERR: WaitKind =
            WaitKind::at("a read of an empty pipe: stderr of the child spawned");
        match self {
            Fd::Stdin => &STDIN,
            Fd::Stdout => &STDOUT,
            Fd::Stderr => &STDERR,
        }
    }

    /// What a write that waits on this pipe is reported as.
    fn write_wait(self) -> &'static WaitKind {
        static STDIN: WaitKind = WaitKind::at("a write to a full pipe: stdin of the child spawned");
        static STDOUT: WaitKind =
            WaitKind::at("a write to a full pipe: stdout of the child spawned");
        static STDERR: WaitKind =
            WaitKind::at("a write to a full pipe: stderr of the child spawned");
        match self {
            Fd::Stdin => &STDIN,
            Fd::Stdout => &STDOUT,
            Fd::Stderr => &STDERR,
        }
    }
}

struct State {
    buf: VecDeque<u8>,
    writers: u32,
    readers: u32,
    /// Tasks waiting for bytes (or EOF), each once.
    read_wakers: Vec<Waker>,
    /// Tasks waiting for room (or a broken pipe), each once.
    write_wakers: Vec<Waker>,
}

/// One pipe: see the module documentation.
pub(crate) struct Pipe {
    fd: Fd,
    /// Where the child it belongs to was spawned (`Command::spawn`'s caller).
    spawned_at: &'static Location<'static>,
    capacity: usize,
    state: Tracked<State>,
}

fn park(list: &mut Vec<Waker>, cx: &Context<'_>) {
    if !list.iter().any(|w| w.will_wake(cx.waker())) {
        list.push(cx.waker().clone());
    }
}

impl Pipe {
    /// A pipe holding at most `capacity` bytes, with one write end and one
    /// read end open.
    pub(crate) fn new(fd: Fd, spawned_at: &'static Location<'static>, capacity: usize) -> Pipe {
        debug_assert!(capacity > 0, "a pipe holds at least one byte");
        Pipe {
            fd,
            spawned_at,
            capacity,
            state: Tracked::new(State {
                buf: VecDeque::new(),
                writers: 1,
                readers: 1,
                read_wakers: Vec::new(),
                write_wakers: Vec::new(),
            }),
        }
    }

    /// Another write end opens (a process inherits it).
    pub(crate) fn open_writer(&self) {
        self.state.borrow_mut().writers += 1;
    }

    /// Another read end opens.
    pub(crate) fn open_reader(&self) {
        self.state.borrow_mut().readers += 1;
    }

    /// A write end closes; the last one wakes the readers, for their EOF.
    pub(crate) fn close_writer(&self) {
        let mut wake = Wakeups::new();
        let mut st = self.state.borrow_mut();
        debug_assert!(st.writers > 0, "a pipe's write end closes once");
        st.writers -= 1;
        if st.writers == 0 {
            st.read_wakers.drain(..).for_each(|w| wake.wake(w));
        }
        drop(st);
    }

    /// A read end closes; the last one wakes the writers, for their broken
    /// pipe, and drops what was never read.
    pub(crate) fn close_reader(&self) {
        let mut wake = Wakeups::new();
        let mut st = self.state.borrow_mut();
        debug_assert!(st.readers > 0, "a pipe's read end closes once");
        st.readers -= 1;
        if st.readers == 0 {
            st.buf = VecDeque::new();
            st.write_wakers.drain(..).for_each(|w| wake.wake(w));
        }
        drop(st);
    }

    /// Writes what fits of `buf`, after the switch point.
    pub(crate) fn poll_write(
        &self,
        cx: &mut Context<'_>,
        switch: &mut Switch,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let kind = self.fd.write_wait();
        let mut wake = Wakeups::new();
        let mut st = self.state.borrow_mut();
        if st.readers == 0 {
            *switch = Switch::default();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                format!(
                    "broken pipe: the {} of the child spawned at {} has no reader left",
                    self.name(),
                    self.spawned_at
                ),
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = self.capacity - st.buf.len();
        // A write of at most PIPE_BUF bytes is atomic (POSIX): it waits
        // for room for all of it, so two writers' lines never interleave.
        let whole = buf.len() <= PIPE_BUF.min(self.capacity);
        if room == 0 || (whole && room < buf.len()) {
            park(&mut st.write_wakers, cx);
            crate::runtime::wait::mark_waiting(kind, self.spawned_at);
            return Poll::Pending;
        }
        drop(st);
        if switch.poll_proceed(cx, kind, self.spawned_at).is_pending() {
            return Poll::Pending;
        }
        *switch = Switch::default();
        st = self.state.borrow_mut();
        let n = room.min(buf.len());
        st.buf.extend(&buf[..n]);
        st.read_wakers.drain(..).for_each(|w| wake.wake(w));
        drop(st);
        Poll::Ready(Ok(n))
    }

    /// Reads what is there into `buf`, after the switch point; `Ok(0)` is
    /// EOF.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        switch: &mut Switch,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let kind = self.fd.read_wait();
        let mut wake = Wakeups::new();
        let mut st = self.state.borrow_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if st.buf.is_empty() {
            if st.writers == 0 {
                *switch = Switch::default();
                return Poll::Ready(Ok(0));
            }
            park(&mut st.read_wakers, cx);
            crate::runtime::wait::mark_waiting(kind, self.spawned_at);
            return Poll::Pending;
        }
        drop(st);
        if switch.poll_proceed(cx, kind, self.spawned_at).is_pending() {
            return Poll::Pending;
        }
        *switch = Switch::default();
        st = self.state.borrow_mut();
        let n = st.buf.len().min(buf.len());
        for (dst, src) in buf.iter_mut().zip(st.buf.drain(..n)) {
            *dst = src;
        }
        st.write_wakers.drain(..).for_each(|w| wake.wake(w));
        drop(st);
        Poll::Ready(Ok(n))
    }

    /// `stdin`, `stdout` or `stderr`.
    pub(crate) fn name(&self) -> &'static str {
        match self.fd {
            Fd::Stdin => "stdin",
            Fd::Stdout => "stdout",
            Fd::Stderr => "stderr",
        }
    }

    /// The bytes waiting to be read.
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.state.borrow().buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll<T>(f: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
        f(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn bounded_partial_writes_then_eof_then_broken_pipe() {
        let pipe = Pipe::new(Fd::Stdout, Location::caller(), 4);
        let mut s = Switch::default();
        let wrote = poll(|cx| pipe.poll_write(cx, &mut s, b"abcdef"));
        assert!(matches!(wrote, Poll::Ready(Ok(4))), "only what fits");
        assert_eq!(pipe.buffered(), 4);
        assert!(
            poll(|cx| pipe.poll_write(cx, &mut s, b"g")).is_pending(),
            "full"
        );
        let mut buf = [0u8; 3];
        assert!(matches!(
            poll(|cx| pipe.poll_read(cx, &mut s, &mut buf)),
            Poll::Ready(Ok(3))
        ));
        assert_eq!(&buf, b"abc");
        pipe.close_writer();
        let mut rest = [0u8; 8];
        assert!(matches!(
            poll(|cx| pipe.poll_read(cx, &mut s, &mut rest)),
            Poll::Ready(Ok(1))
        ));
        assert!(
            matches!(
                poll(|cx| pipe.poll_read(cx, &mut s, &mut rest)),
                Poll::Ready(Ok(0))
            ),
            "EOF once drained and closed"
        );
        pipe.open_writer();
        pipe.close_reader();
        assert_eq!(pipe.buffered(), 0);
        let Poll::Ready(Err(e)) = poll(|cx| pipe.poll_write(cx, &mut s, b"x")) else {
            panic!("a write with no reader fails");
        };
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        assert!(e.to_string().contains("stdout"), "{e}");
    }

    #[test]
    fn a_small_write_waits_for_room_for_all_of_it() {
        let pipe = Pipe::new(Fd::Stdout, Location::caller(), 8);
        let mut s = Switch::default();
        assert!(matches!(
            poll(|cx| pipe.poll_write(cx, &mut s, b"abcde")),
            Poll::Ready(Ok(5))
        ));
        // 3 bytes of room: a 4-byte write (atomic) waits, a 20-byte one is split.
        assert!(poll(|cx| pipe.poll_write(cx, &mut s, b"fghi")).is_pending());
        assert!(matches!(
            poll(|cx| pipe.poll_write(cx, &mut s, &[b'x'; 20])),
            Poll::Ready(Ok(3))
        ));
        assert_eq!(pipe.buffered(), 8);
    }

    #[test]
    fn an_empty_pipe_with_a_writer_waits() {
        let pipe = Pipe::new(Fd::Stdin, Location::caller(), 8);
        let mut s = Switch::default();
        let mut buf = [0u8; 2];
        assert!(poll(|cx| pipe.poll_read(cx, &mut s, &mut buf)).is_pending());
        assert_eq!(pipe.name(), "stdin");
    }
}
