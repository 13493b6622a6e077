//! `commune-atlas floor` (hidden, for benchmarks): the HTTP floor — the same axum and tokio
//! stack as `serve`, answering every `GET` with a fixed 4 KB body and no middleware at all. The
//! load scripts measure it in the same run as the atlas and print `atlas / floor`: how close
//! serving a tile comes to the fastest answer this stack can give.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct FloorArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:18089", value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Body size in bytes.
    #[arg(long, default_value_t = 4096)]
    pub bytes: usize,
}

pub fn run(args: FloorArgs) -> anyhow::Result<()> {
    let body = axum::body::Bytes::from(vec![7u8; args.bytes]);
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(axum::http::header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")], body) }
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
        eprintln!("floor serving {} bytes on http://{}/", args.bytes, listener.local_addr()?);
        axum::serve(listener, app).await.context("serving the floor")
    })
}
