//! The connector as every request sees it: the host's ports, the validated configuration and
//! the public origin it answers on. The OAuth endpoints, the MCP transports, the tools and the
//! home page all work with one [`Site`], built once per request by the router.

use crate::config::Config;
use crate::ports::Clock;

/// The host, the configuration and the connector's origin, for one request.
pub struct Site<'a, P> {
    /// The host's ports.
    pub platform: &'a P,
    /// The validated configuration.
    pub config: &'a Config,
    /// The connector's base URL (OAuth issuer, resource, links it hands out), without a trailing
    /// slash.
    pub base_url: &'a str,
}

// Written out: a derive would ask `P: Clone`, and a site only borrows its platform.
impl<P> Clone for Site<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Site<'_, P> {}

impl<P: Clock> Site<'_, P> {
    /// Seconds since the epoch.
    pub fn now_seconds(&self) -> u64 {
        self.platform.now_ms() / 1000
    }
}

impl<P> Site<'_, P> {
    /// Whether cookies may be marked `Secure` (the connector is served over https).
    pub fn secure(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}
