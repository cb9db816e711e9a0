//! [`Body`]: the body of the client's requests and responses.

use std::cell::Cell;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use super::error::{BoxError, Error};
use crate::task::Local;

/// A request or response body: empty, whole bytes, or a stream of frames
/// (a response as it arrives, or any `http_body::Body`).
///
/// ```
/// use seedloop::http::Body;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     assert_eq!(Body::from("hello").text().await.unwrap(), "hello");
///     assert!(Body::empty().bytes().await.unwrap().is_empty());
/// });
/// ```
pub struct Body {
    kind: Kind,
}

enum Kind {
    Empty,
    Full(Option<Bytes>),
    /// A response as it arrives; the flag turns true at its end (the
    /// pool then knows its connection is free again).
    Incoming(hyper::body::Incoming, Option<Local<Rc<Cell<bool>>>>),
    /// Thread-checked, so a body is `Send` whatever it wraps.
    Boxed(Local<Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError>>>>),
}

impl Body {
    /// A body with no bytes.
    ///
    /// ```
    /// use http_body::Body as _;
    /// assert!(seedloop::http::Body::empty().is_end_stream());
    /// ```
    pub fn empty() -> Body {
        Body { kind: Kind::Empty }
    }

    /// Any `http_body::Body`, e.g. a stream of chunks.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http_body_util::{BodyExt, Full};
    /// use seedloop::http::Body;
    /// let mut sim = seedloop::Sim::new(1);
    /// let b = Body::wrap(Full::new(Bytes::from("x")).map_err(|e| match e {}));
    /// assert_eq!(sim.block_on(b.bytes()).unwrap(), "x");
    /// ```
    pub fn wrap<B>(body: B) -> Body
    where
        B: http_body::Body<Data = Bytes> + 'static,
        B::Error: Into<BoxError>,
    {
        Body {
            kind: Kind::Boxed(Local::new(Box::pin(body.map_err(Into::into)))),
        }
    }

    pub(crate) fn incoming(body: hyper::body::Incoming, done: Option<Rc<Cell<bool>>>) -> Body {
        let done = done.map(Local::new);
        if let Some(d) = &done {
            d.set(http_body::Body::is_end_stream(&body));
        }
        Body {
            kind: Kind::Incoming(body, done),
        }
    }

    /// A copy of the body if it is whole (empty or bytes), so that a
    /// request can be sent again.
    pub(crate) fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Empty => Some(Body::empty()),
            Kind::Full(b) => Some(Body {
                kind: Kind::Full(b.clone()),
            }),
            _ => None,
        }
    }

    /// All the bytes, once the body has arrived.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let b = sim.block_on(seedloop::http::Body::from(vec![1u8, 2]).bytes()).unwrap();
    /// assert_eq!(&b[..], &[1, 2]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Reset`]-like failures come as [`Error::Body`]: the
    /// connection broke while the body was arriving.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        Ok(self.collect().await?.to_bytes())
    }

    /// The body as JSON, decoded into `T` (feature `json`).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let v: Vec<u32> = sim.block_on(seedloop::http::Body::from("[1,2]").json()).unwrap();
    /// assert_eq!(v, [1, 2]);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bytes`](Body::bytes), and [`Error::Body`] naming serde's
    /// complaint when the bytes are not `T` in JSON.
    #[cfg(feature = "json")]
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Body(Box::new(e)))
    }

    /// The body as UTF-8 text.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// assert_eq!(sim.block_on(seedloop::http::Body::from("é").text()).unwrap(), "é");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bytes`](Body::bytes), and [`Error::Body`] when the bytes are
    /// not UTF-8.
    pub async fn text(self) -> Result<String, Error> {
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.to_vec()).map_err(|e| Error::Body(Box::new(e)))
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Empty => "empty",
            Kind::Full(_) => "full",
            Kind::Incoming(..) => "incoming",
            Kind::Boxed(_) => "stream",
        };
        f.debug_struct("Body").field("kind", &kind).finish()
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::empty()
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        Body {
            kind: Kind::Full(Some(b)),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Body {
        Body::from(Bytes::from(b))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::from(Bytes::from(s))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Body {
        Body::from(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Body {
        Body::from(Bytes::from_static(s))
    }
}

impl From<()> for Body {
    fn from((): ()) -> Body {
        Body::empty()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match &mut self.kind {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(b) => Poll::Ready(
                b.take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            Kind::Incoming(i, done) => {
                let frame = Pin::new(&mut *i).poll_frame(cx);
                if let (Some(d), true) = (
                    done,
                    matches!(frame, Poll::Ready(None)) || i.is_end_stream(),
                ) {
                    d.set(true);
                }
                frame.map_err(|e| Error::Body(Box::new(e)))
            }
            Kind::Boxed(b) => b.as_mut().poll_frame(cx).map_err(Error::Body),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Full(b) => b.as_ref().is_none_or(Bytes::is_empty),
            Kind::Incoming(i, _) => i.is_end_stream(),
            Kind::Boxed(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Incoming(i, _) => i.size_hint(),
            Kind::Boxed(b) => b.size_hint(),
        }
    }
}
