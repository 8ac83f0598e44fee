//! The MCP protocol revisions the connector speaks, and what differs between them.

use std::fmt;

/// A protocol revision, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// The original HTTP+SSE era.
    V2024_11_05,
    /// Streamable HTTP; the version assumed when a client sends no `MCP-Protocol-Version`.
    V2025_03_26,
    /// Structured tool output; JSON-RPC batching removed.
    V2025_06_18,
    /// The newest revision the connector supports.
    V2025_11_25,
}

impl ProtocolVersion {
    /// Every supported revision.
    pub const ALL: [ProtocolVersion; 4] = [Self::V2024_11_05, Self::V2025_03_26, Self::V2025_06_18, Self::V2025_11_25];
    /// Offered to clients asking for a revision the connector does not know.
    pub const LATEST: ProtocolVersion = Self::V2025_11_25;
    /// Assumed for HTTP requests without an `MCP-Protocol-Version` header.
    pub const DEFAULT_HTTP: ProtocolVersion = Self::V2025_03_26;

    /// Parses a revision date.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == value)
    }

    /// The revision date.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
        }
    }

    /// Whether JSON-RPC batches are allowed (2025-03-26 only, among the HTTP revisions).
    pub fn allows_batches(self) -> bool {
        self <= Self::V2025_03_26
    }

    /// Whether tools may declare `outputSchema` and answer `structuredContent`.
    pub fn has_structured_output(self) -> bool {
        self >= Self::V2025_06_18
    }
}

/// The stateless revision: no `initialize`, every request carries its version and the client's
/// capabilities in `_meta` (specification 2026-07-28, basic/index "Per-request protocol fields").
pub const STATELESS: &str = "2026-07-28";

/// How one request is served: in a 2025-era session negotiated by `initialize`, or statelessly
/// under 2026-07-28. Decided per request, since a client may negotiate 2025-11-25 and then send
/// 2026-07-28 headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// A 2024/2025 revision.
    Session(ProtocolVersion),
    /// 2026-07-28.
    Stateless,
}

impl Era {
    /// Whether tools declare `outputSchema` and results carry `structuredContent`.
    pub fn has_structured_output(self) -> bool {
        match self {
            Era::Session(version) => version.has_structured_output(),
            Era::Stateless => true,
        }
    }
}

/// Every revision this server speaks, newest first (what `server/discover` and the unsupported
/// version error list).
pub fn supported_versions() -> Vec<&'static str> {
    std::iter::once(STATELESS).chain(ProtocolVersion::ALL.iter().rev().map(|v| v.as_str())).collect()
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_revisions_only() {
        assert_eq!(ProtocolVersion::parse("2025-06-18"), Some(ProtocolVersion::V2025_06_18));
        assert_eq!(ProtocolVersion::parse("2026-07-28"), None);
        assert!(ProtocolVersion::V2025_03_26.allows_batches());
        assert!(!ProtocolVersion::V2025_06_18.allows_batches());
    }
}
