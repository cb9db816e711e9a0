//! Layer 10b: HTTP over the simulated network with hyper 1.x: aiohttp's
//! server and `ClientSession` (feature `http`).
//!
//! - [`serve`] runs any tower service, an axum `Router` or a tonic
//!   service among them, on a simulated [`TcpListener`](crate::net::TcpListener),
//!   speaking HTTP/1.1 and HTTP/2; every connection is a task of the
//!   server's node.
//! - [`Client`] is a pooled client: keep-alive HTTP/1.1 connections, or one
//!   multiplexed HTTP/2 connection per host, names resolved by the
//!   simulated DNS (`http://web:8080/`), per-request timeouts and typed
//!   [`Error`]s.
//! - [`rt`] holds hyper's runtime traits on seedloop, to wire hyper by hand.
//!
//! hyper does all the parsing: seedloop only moves its bytes over the
//! simulated network and schedules its tasks, so a partition, a crash or a
//! lossy link does to a request what it would do in production.
//!
//! ```
//! use axum::{Router, routing::get};
//! use seedloop::http::{self, Client};
//! use seedloop::net::TcpListener;
//!
//! let mut sim = seedloop::Sim::new(7);
//! sim.block_on(async {
//!     let web = seedloop::node::Builder::new("web").build();
//!     seedloop::node::spawn_on(web, async {
//!         let app = Router::new().route("/hi", get(|| async { "hi" }));
//!         http::serve(TcpListener::bind("0.0.0.0:80").await.unwrap(), app).await.unwrap();
//!     });
//!     let body = Client::new().get("http://web/hi").await.unwrap().into_body().text().await.unwrap();
//!     assert_eq!(body, "hi");
//! });
//! ```

mod body;
mod client;
mod error;
mod pool;
pub mod rt;
mod serve;

pub use body::Body;
pub use client::{Client, ClientBuilder, RequestBuilder};
pub use error::{BoxError, Error};
pub use serve::{FromHyper, Serve, from_hyper, serve};

pub use ::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, header};
