//! The identity provider asked again at each refresh of the connector's tokens (with
//! `OIDC_REFRESH_GROUPS`): the provider's refresh token, which the client carries encrypted
//! inside the connector's, is exchanged for a new ID token; that token is verified and the
//! person admitted again by the same rules as at sign-in. So directory groups follow the
//! directory, and a person disabled there (or no longer admitted) loses access at their next
//! refresh. One request to the provider per refresh; still one Durable Object request.

use super::{admit, discover, exchange, verify_id_token, TokenGrant, UpstreamError};
use crate::config::OidcSettings;
use crate::keys::Purpose;
use crate::oauth::ledger::UpstreamCheck;
use crate::oauth::{sealed, OAuthError, Site};
use crate::ports::Platform;

/// What a refresh learned from the provider, and the encrypted provider refresh token to hand
/// out in the new refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// What the ledger applies to the grant.
    pub check: UpstreamCheck,
    /// The provider's refresh token (rotated, or the one presented), encrypted.
    pub upstream_refresh: Option<String>,
}

/// Asks the provider again with the encrypted refresh token `presented`. A provider that does
/// not answer changes nothing (the person keeps the groups they had, and the token is kept for
/// the next refresh); one that ends the grant (`invalid_grant`) or a person the rules now
/// refuse ends it.
pub async fn renew<P: Platform>(
    site: &Site<'_, P>,
    settings: &OidcSettings,
    presented: &str,
) -> Result<Renewal, OAuthError> {
    let keep = || Renewal { check: UpstreamCheck::Unchanged, upstream_refresh: Some(presented.to_string()) };
    // Sealed under a key no longer accepted (after two rotations): nothing to ask with.
    let Some(token) = sealed::open(&site.config.keys, Purpose::UpstreamRefresh, presented)
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return Ok(Renewal { check: UpstreamCheck::Unchanged, upstream_refresh: None });
    };
    let Ok(discovery) = discover(site, settings).await else { return Ok(keep()) };
    let exchanged = match exchange(site, settings, &discovery, TokenGrant::Refresh(&token)).await {
        Ok(exchanged) => exchanged,
        Err(UpstreamError::GrantEnded(_)) => {
            return Ok(Renewal { check: UpstreamCheck::Ended, upstream_refresh: None })
        }
        Err(_) => return Ok(keep()),
    };
    // A provider that rotates refresh tokens has just spent the presented one.
    let upstream_refresh = match &exchanged.refresh_token {
        Some(rotated) => Some(site.seal_secret(Purpose::UpstreamRefresh, rotated)?),
        None => Some(presented.to_string()),
    };
    let check = match verify_id_token(site, settings, &discovery, &exchanged.id_token, None).await {
        Ok(claims) => match admit(settings, &claims) {
            Ok(user) => UpstreamCheck::Renewed(user),
            Err(_) => UpstreamCheck::Ended,
        },
        Err(_) => UpstreamCheck::Unchanged,
    };
    Ok(Renewal { check, upstream_refresh })
}
