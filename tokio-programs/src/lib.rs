//! Two programs written for tokio, in the shape tokio's users write them,
//! against tokio's API only: a chat server ([`chat`]) and a TCP proxy
//! with timeouts ([`proxy`]). This crate depends on `seedloop-tokio`
//! renamed `tokio`, so the same code and the same tests run on tokio
//! (`cargo test -p tokio-programs`) and in seedloop's simulation
//! (`RUSTFLAGS="--cfg seedloop" cargo test -p tokio-programs`).

pub mod chat;
pub mod proxy;
