//! `Interest` and `Ready`: what a socket is asked to wait for, and what it
//! is ready for (tokio's `io::Interest` and `io::Ready`).

use std::fmt;
use std::ops::BitOr;

/// What [`TcpStream::ready`](super::TcpStream::ready) and
/// [`UdpSocket::ready`](super::UdpSocket::ready) wait for (tokio's
/// `io::Interest`).
///
/// ```
/// use seedloop::net::Interest;
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Readiness to read.
    pub const READABLE: Interest = Interest(1);
    /// Readiness to write.
    pub const WRITABLE: Interest = Interest(2);

    /// Whether it asks for readiness to read.
    ///
    /// ```
    /// assert!(seedloop::net::Interest::READABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether it asks for readiness to write.
    ///
    /// ```
    /// assert!(seedloop::net::Interest::WRITABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & 2 != 0
    }

    /// Both interests (as `|`, usable in a `const`).
    ///
    /// ```
    /// use seedloop::net::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_writable());
    /// ```
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

impl BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("(none)"),
        }
    }
}

/// What a socket is ready for (tokio's `io::Ready`). A closed direction
/// counts as ready: the operation returns at once (EOF, or the error).
///
/// ```
/// use seedloop::net::Ready;
/// let r = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(r.is_readable() && r.is_read_closed() && !r.is_writable());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ready(u8);

impl Ready {
    /// Ready for nothing.
    pub const EMPTY: Ready = Ready(0);
    /// Ready to read.
    pub const READABLE: Ready = Ready(1);
    /// Ready to write.
    pub const WRITABLE: Ready = Ready(2);
    /// The read direction is closed (EOF or an error).
    pub const READ_CLOSED: Ready = Ready(4);
    /// The write direction is closed (shut down or an error).
    pub const WRITE_CLOSED: Ready = Ready(8);
    /// Everything.
    pub const ALL: Ready = Ready(15);

    pub(crate) fn from_flags(readable: bool, writable: bool, rc: bool, wc: bool) -> Ready {
        Ready(u8::from(readable) | u8::from(writable) << 1 | u8::from(rc) << 2 | u8::from(wc) << 3)
    }

    /// Keeps only what `interest` asked for (with the matching closed flags).
    pub(crate) fn intersect(self, interest: Interest) -> Ready {
        let mut mask = 0;
        if interest.is_readable() {
            mask |= 1 | 4;
        }
        if interest.is_writable() {
            mask |= 2 | 8;
        }
        Ready(self.0 & mask)
    }

    /// Whether it is ready for nothing.
    ///
    /// ```
    /// assert!(!seedloop::net::Ready::READABLE.is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read returns at once (data, EOF or an error).
    ///
    /// ```
    /// assert!(seedloop::net::Ready::READ_CLOSED.is_readable());
    /// ```
    pub fn is_readable(self) -> bool {
        self.0 & (1 | 4) != 0
    }

    /// Whether a write returns at once (room, or an error).
    ///
    /// ```
    /// assert!(seedloop::net::Ready::WRITE_CLOSED.is_writable());
    /// ```
    pub fn is_writable(self) -> bool {
        self.0 & (2 | 8) != 0
    }

    /// Whether the read direction is closed.
    ///
    /// ```
    /// assert!(!seedloop::net::Ready::READABLE.is_read_closed());
    /// ```
    pub fn is_read_closed(self) -> bool {
        self.0 & 4 != 0
    }

    /// Whether the write direction is closed.
    ///
    /// ```
    /// assert!(seedloop::net::Ready::WRITE_CLOSED.is_write_closed());
    /// ```
    pub fn is_write_closed(self) -> bool {
        self.0 & 8 != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .finish()
    }
}
