//! The Model Context Protocol: JSON-RPC messages, protocol revisions, method dispatch, and the
//! Streamable HTTP transport at `/mcp`. Dispatch is transport-independent so `/sse` can reuse it.

pub mod jsonrpc;
pub mod server;
pub mod skills;
pub mod sse;
pub mod stateless;
pub mod streamable_http;
pub mod version;
