//! The core's pieces below the router, each a module: the catalog per layout, the catalog store,
//! the sign-in ledger's commands, packages, parse-worker slices and the zipball reader. One test
//! binary for all of them, so that the test command links the product once for them, not six
//! times.

mod branch_watch;
mod catalog;
mod catalog_store;
mod config_github;
mod ledger;
mod notify;
mod package;
mod parse_slices;
mod tool_schemas;
mod usage;
mod zipball_reader;
