//! [`StoreClient`]: the typed client `tonic-build` would generate for
//! `store.Store`, over tonic's generic `client::Grpc` and a [`Channel`],
//! with a deadline on every call.

use std::time::Duration;

use http::uri::PathAndQuery;
use prost::Message;
use tonic::client::Grpc;
use tonic::{IntoRequest, Request, Response, Status};
use tonic_prost::ProstCodec;

use super::channel::Channel;
use super::server::{GET, PUT};
use super::{GetReply, GetRequest, PutReply, PutRequest};

/// The deadline a client starts with: generous in virtual time, which
/// costs nothing to wait through.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// A `store.Store` client: one method per RPC, each bounded by the
/// client's deadline.
///
/// Clones share the channel (and so the connection), as tonic's do.
#[derive(Clone)]
pub struct StoreClient {
    grpc: Grpc<Channel>,
    deadline: Duration,
}

impl StoreClient {
    /// A client sending through `channel`, with [`DEFAULT_DEADLINE`].
    pub fn new(channel: Channel) -> StoreClient {
        StoreClient {
            grpc: Grpc::new(channel),
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// Every later call fails with `DEADLINE_EXCEEDED` if it has not
    /// finished `deadline` (virtual time) after it started.
    pub fn with_deadline(mut self, deadline: Duration) -> StoreClient {
        self.deadline = deadline;
        self
    }

    /// `rpc Get`.
    ///
    /// # Errors
    ///
    /// `NOT_FOUND` for a key never put (since the store's last start);
    /// `UNAVAILABLE` when the store cannot be reached or the connection
    /// broke under the call; `DEADLINE_EXCEEDED` past the deadline.
    pub async fn get(
        &mut self,
        request: impl IntoRequest<GetRequest>,
    ) -> Result<Response<GetReply>, Status> {
        self.unary(request.into_request(), GET).await
    }

    /// `rpc Put`.
    ///
    /// # Errors
    ///
    /// `INVALID_ARGUMENT` for an empty key; otherwise as [`get`](Self::get).
    pub async fn put(
        &mut self,
        request: impl IntoRequest<PutRequest>,
    ) -> Result<Response<PutReply>, Status> {
        self.unary(request.into_request(), PUT).await
    }

    /// One unary call to `path`, bounded by the deadline.
    ///
    /// The deadline is seedloop's `timeout` around all of tonic's call
    /// (connecting, sending, the reply's headers, message and trailers),
    /// since a timer inside the channel's response body would make it
    /// non-`Send`, which tonic refuses. The request also carries the
    /// deadline as `grpc-timeout`, as gRPC clients send it; this server
    /// does not act on it (tonic's transport server would).
    async fn unary<M1, M2>(
        &mut self,
        mut request: Request<M1>,
        path: &'static str,
    ) -> Result<Response<M2>, Status>
    where
        // What tonic's `unary` asks of the messages: they sit in `Send`
        // streams and bodies while being encoded and decoded.
        M1: Message + Send + Sync + 'static,
        M2: Message + Default + Send + Sync + 'static,
    {
        let deadline = self.deadline;
        request.set_timeout(deadline);
        let grpc = &mut self.grpc;
        let call = async move {
            grpc.ready().await?;
            // The client encodes requests and decodes replies.
            let codec = ProstCodec::<M1, M2>::default();
            grpc.unary(request, PathAndQuery::from_static(path), codec)
                .await
        };
        seedloop::time::timeout(deadline, call)
            .await
            .unwrap_or_else(|_elapsed| {
                Err(Status::deadline_exceeded(format!(
                    "{path}: no reply within {deadline:?}"
                )))
            })
    }
}
