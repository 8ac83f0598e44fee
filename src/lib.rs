//! Skillport Connector: a remote MCP server that shares an organization's Claude Skills from a
//! GitHub repository laid out as a Claude Code plugin marketplace.
//!
//! The crate is a pure core (everything but `edge`) that talks to the outside world only through
//! the traits in [`ports`], and a thin wasm edge that implements them over the Workers runtime.

pub mod access;
pub mod app;
pub mod branch_watch;
pub mod catalog;
pub mod catalog_store;
pub mod config;
pub mod console;
pub mod cursor;
pub mod downloads;
pub mod editing;
pub mod git_tree;
pub mod github;
pub mod home;
pub mod host;
pub mod identity;
pub mod keys;
pub mod mcp;
pub mod notify;
pub mod oauth;
pub mod package;
pub mod ports;
pub mod protocol;
pub mod push;
pub mod request_log;
pub mod routes;
pub mod shell;
pub mod site;
pub mod tools;
pub mod usage;
pub mod version;
pub mod web;
pub mod webhooks;
pub mod zipball;

#[cfg(target_arch = "wasm32")]
mod edge;
