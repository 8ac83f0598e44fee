//! Method dispatch: `initialize`, `ping`, `server/discover`, the tools, and the skills as
//! resources (the Skills extension); the same for every transport.

use super::jsonrpc::{encode, Request, Response, RpcError, INVALID_PARAMS, METHOD_NOT_FOUND};
use super::skills;
use super::stateless::{self, Cache};
use super::version::{supported_versions, Era, ProtocolVersion};
use crate::ports::Platform;
use crate::protocol::lifecycle::{Enabled, ListChanged, SkillsExtension};
use crate::protocol::{
    CallToolParams, CallToolResult, DiscoverResult, EmptyResult, Implementation, InitializeResult, ListPromptsResult,
    ListResourceTemplatesResult, ListToolsResult, ServerCapabilities,
};
use crate::tools::{self, ToolContext};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The server's name in `initialize`.
pub const SERVER_NAME: &str = "skillport-connector";

const INSTRUCTIONS: &str =
    "Skillport shares your organization's Claude Skills. Use list_skills to browse or search them.";

/// How long lists that are the same for everyone may be cached (the tool list changes only with
/// a deployment).
const STATIC_TTL_MS: u64 = 3_600_000;
/// How long answers that depend on the caller's access may be cached: a minute, so a change of
/// access.json or a new commit shows soon.
const USER_TTL_MS: u64 = 60_000;

/// The server's identity, as `initialize` and 2026-07-28 results give it.
pub fn server_info() -> Implementation {
    Implementation { name: SERVER_NAME, title: "Skillport", version: env!("CARGO_PKG_VERSION") }
}

/// What the server offers: tools, the skills as resources through the Skills extension (with
/// folder listings), and an empty prompts list so that clients that probe it get an answer
/// rather than an error.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        tools: ListChanged { list_changed: false },
        prompts: ListChanged { list_changed: false },
        resources: Enabled {},
        extensions: BTreeMap::from([(skills::EXTENSION, SkillsExtension { directory_read: true })]),
    }
}

/// Answers one request in `era` (for a session, the revision in force for this HTTP request:
/// from the `MCP-Protocol-Version` header, or negotiated by `initialize` itself).
pub async fn handle<P: Platform>(ctx: &ToolContext<'_, P>, era: Era, request: Request) -> Response {
    let Request { id, method, params } = request;
    let public = Cache::Public { ttl_ms: STATIC_TTL_MS };
    let private = Cache::Private { ttl_ms: USER_TTL_MS };
    let outcome = match (era, method.as_str()) {
        (Era::Session(_), "initialize") => initialize(params).and_then(encode).map(|r| (r, Cache::None)),
        (Era::Session(_), "ping") => encode(EmptyResult {}).map(|r| (r, Cache::None)),
        (Era::Stateless, "server/discover") => encode(discover()).map(|r| (r, public)),
        (_, "tools/list") => {
            encode(ListToolsResult { tools: tools::declarations(era.has_structured_output()) }).map(|r| (r, public))
        }
        (_, "tools/call") => call_tool(ctx, params).await.and_then(encode).map(|r| (r, Cache::None)),
        (_, "prompts/list") => encode(ListPromptsResult::default()).map(|r| (r, public)),
        (_, "resources/list") => skills::resources(ctx, &params).await.map(|r| (r, private)),
        (_, "resources/templates/list") => encode(ListResourceTemplatesResult::default()).map(|r| (r, public)),
        (_, "resources/read") => skills::read(ctx, &params).await.map(|r| (r, private)),
        (_, "resources/directory/read") => skills::directory(ctx, &params).await.map(|r| (r, private)),
        (_, "skills/list") => skills::list(ctx, &params).await.map(|r| (r, private)),
        (_, "skills/get") => skills::get(ctx, &params).await.map(|r| (r, private)),
        _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("method `{method}` is not supported by this server"))),
    };
    match (era, outcome) {
        (Era::Stateless, Ok((Value::Object(result), cache))) => {
            Response::result(id, stateless::complete(result, cache, &server_info()))
        }
        (_, Ok((result, _))) => Response::result(id, result),
        (_, Err(error)) => Response::error(id, error),
    }
}

/// `server/discover` (specification 2026-07-28, server/discover).
fn discover() -> DiscoverResult {
    DiscoverResult {
        supported_versions: supported_versions(),
        capabilities: capabilities(),
        instructions: INSTRUCTIONS,
    }
}

/// The protocol revision `initialize` settles on: the client's if supported, else the latest.
pub fn negotiate(params: &Map<String, Value>) -> Result<ProtocolVersion, RpcError> {
    let requested = params.get("protocolVersion").and_then(Value::as_str).ok_or_else(|| {
        RpcError::new(INVALID_PARAMS, "initialize needs `protocolVersion` (a string such as \"2025-06-18\")")
    })?;
    Ok(ProtocolVersion::parse(requested).unwrap_or(ProtocolVersion::LATEST))
}

fn initialize(params: Map<String, Value>) -> Result<InitializeResult, RpcError> {
    let version = negotiate(&params)?;
    Ok(InitializeResult {
        protocol_version: version.as_str(),
        capabilities: capabilities(),
        server_info: server_info(),
        instructions: INSTRUCTIONS,
    })
}

async fn call_tool<P: Platform>(
    ctx: &ToolContext<'_, P>,
    params: Map<String, Value>,
) -> Result<CallToolResult, RpcError> {
    let CallToolParams { name, arguments } = serde_json::from_value(Value::Object(params)).map_err(|_| {
        RpcError::new(
            INVALID_PARAMS,
            "tools/call needs `name`, the tool's name as a string, and `arguments`, if any, as an object",
        )
    })?;
    let Some(result) = tools::call(ctx, &name, arguments.unwrap_or_default()).await else {
        return Err(RpcError::new(INVALID_PARAMS, format!("unknown tool `{name}`; call tools/list to see the tools")));
    };
    Ok(match result {
        Ok(output) => CallToolResult::success(output),
        Err(error) => CallToolResult::failure(error.to_string()),
    })
}
