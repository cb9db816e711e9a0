//! The io traits of the crate's byte streams (pub(crate)): one macro that
//! gives a type futures' `AsyncRead` or `AsyncWrite` and, with the feature
//! `tokio-io`, tokio's, from the type's own read, write and close, so the
//! sockets, the pipes and the files do not each spell out the four traits.
//!
//! ```text
//! impl_io!(read TcpStream, |s, cx, buf| s.inner.poll_read(cx, buf));
//! impl_io!(write TcpStream, |s, cx, buf| s.inner.poll_write(cx, buf), |s| s.inner.shutdown());
//! ```
//!
//! The closures name the stream `&mut Self` (the types are `Unpin`), the
//! task's `Context` and the buffer; a read returns `Poll<io::Result<usize>>`,
//! a write the same, and a close is done at once (flush is a no-op: writes
//! go straight into the simulation).

macro_rules! impl_io {
    (read $ty:ty, |$s:ident, $cx:ident, $buf:ident| $read:expr) => {
        impl ::futures::io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                $cx: &mut ::std::task::Context<'_>,
                $buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $s = self.get_mut();
                $read
            }
        }

        #[cfg(feature = "tokio-io")]
        impl ::tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                $cx: &mut ::std::task::Context<'_>,
                tokio_buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $s = self.get_mut();
                let $buf = tokio_buf.initialize_unfilled();
                let n = ::std::task::ready!($read)?;
                tokio_buf.advance(n);
                ::std::task::Poll::Ready(Ok(()))
            }
        }
    };
    (write $ty:ty, |$s:ident, $cx:ident, $buf:ident| $write:expr, |$c:ident| $close:expr) => {
        impl ::futures::io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                $cx: &mut ::std::task::Context<'_>,
                $buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $s = self.get_mut();
                $write
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            // A stream whose close does nothing passes `()`.
            #[allow(clippy::no_effect)]
            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $c = self.get_mut();
                $close;
                ::std::task::Poll::Ready(Ok(()))
            }
        }

        #[cfg(feature = "tokio-io")]
        impl ::tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                $cx: &mut ::std::task::Context<'_>,
                $buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $s = self.get_mut();
                $write
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            #[allow(clippy::no_effect)]
            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $c = self.get_mut();
                $close;
                ::std::task::Poll::Ready(Ok(()))
            }
        }
    };
}

pub(crate) use impl_io;
