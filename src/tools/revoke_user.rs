//! `revoke_user`: an editor ends every sign-in of a user at once (offboarding). Their next
//! request, from any client, is refused; they can sign in again only if the identity provider
//! still lets them (remove them there, or from `ALLOWED_DOMAINS`, to keep them out).

use super::{Tool, ToolContext, ToolError};
use crate::access::Principal;
use crate::oauth::ledger::{self, RevokeAll};
use crate::oauth::shard_of;
use crate::ports::Platform;
use crate::protocol::ToolAnnotations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The user id to sign out everywhere, e.g. `google:1143…` (whoami shows a user's id).
    pub id: String,
}

/// The result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The user id.
    pub id: String,
    /// How many sign-ins (grants) were ended.
    pub grants_ended: u64,
}

/// The tool, as the registry in `tools` lists it.
pub struct RevokeUser;

impl Tool for RevokeUser {
    const NAME: &'static str = "revoke_user";
    const TITLE: &'static str = "Sign a user out everywhere";
    const DESCRIPTION: &'static str =
        "Editors only: end every sign-in of a user id at once (for offboarding). Their next request is refused.";
    const ANNOTATIONS: ToolAnnotations = ToolAnnotations::WRITE.destructive().idempotent();
    type Input = Input;
    type Output = Output;

    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Input) -> Result<Output, ToolError> {
        let (_, access) = ctx.readable().await?;
        if !access.is_editor(&ctx.caller.user) {
            return Err(ToolError::Forbidden("only editors may revoke a user's sign-ins".into()));
        }
        if !is_user_id(&input.id) {
            return Err(ToolError::InvalidArguments(format!(
                "`{}` is not a user id; user ids look like google:1143… (whoami shows them)",
                input.id
            )));
        }
        let grants_ended = revoke_everywhere(ctx.site.platform, ctx.site.config, &input.id)
            .await
            .map_err(|e| ToolError::Internal(format!("sign-in storage is unavailable, try again: {e}")))?;
        Ok(Output { id: input.id, grants_ended })
    }
}

/// Whether `id` is a user id (`<provider>:<subject>`), the only thing a revocation names.
pub fn is_user_id(id: &str) -> bool {
    matches!(Principal::parse(id), Ok(Principal::User(_)))
}

/// Ends every grant of `user` in their ledger shard and marks them revoked on the console's
/// people list: what `revoke_user` and the console's Revoke button both do. Returns how many
/// grants ended.
pub async fn revoke_everywhere<P: Platform>(
    platform: &P,
    config: &crate::config::Config,
    user: &str,
) -> Result<u64, crate::ports::HostError> {
    let ended = ledger::call(platform, &shard_of(user), RevokeAll {}).await?;
    let revoked = crate::usage::directory::RecordRevoked { user: user.to_string(), now: platform.now_ms() };
    let _ = crate::usage::call(platform, &crate::usage::object_name(config), revoked).await;
    Ok(ended)
}
