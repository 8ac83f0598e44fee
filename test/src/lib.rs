//! Skillport Connector's test kit: the ports in memory ([`FakePlatform`]), a GitHub in memory
//! ([`FakeGitHub`]), zipballs shaped like GitHub's ([`zipball()`]) and the sign-in ledger's
//! records in memory ([`MemoryRecords`]). The integration tests in `tests/`, the fuzz targets in
//! `fuzz/` and the benchmarks build on it; the product crate never depends on it.

pub mod github;
pub mod jws;
pub mod platform;
pub mod records;
#[cfg(not(target_arch = "wasm32"))]
pub mod sql;
pub mod zipball;

pub use github::{FakeCommit, FakeGitHub, FakePull, Files, API_URL, TOKEN};
pub use platform::{FakePlatform, BASE_URL, SIGNING_KEY_HEX};
pub use records::MemoryRecords;
pub use zipball::zipball;
