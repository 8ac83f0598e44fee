//! Method dispatch: `initialize`, `ping`, `server/discover`, the tools, and the skills as
//! resources (the Skills extension); the same for every transport.

use super::jsonrpc::{Request, Response, RpcError, INVALID_PARAMS, METHOD_NOT_FOUND};
use super::skills;
use super::stateless::{self, Cache};
use super::version::{supported_versions, Era, ProtocolVersion};
use crate::ports::Platform;
use crate::tools::{self, ToolContext, ToolDefinition};
use serde_json::{json, Map, Value};

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
fn server_info() -> Value {
    json!({"name": SERVER_NAME, "title": "Skillport", "version": env!("CARGO_PKG_VERSION")})
}

/// What the server offers: tools, the skills as resources through the Skills extension (with
/// folder listings), and an empty prompts list so that clients that probe it get an answer
/// rather than an error.
fn capabilities() -> Value {
    json!({
        "tools": {"listChanged": false},
        "prompts": {"listChanged": false},
        "resources": {},
        "extensions": {skills::EXTENSION: {"directoryRead": true}},
    })
}

/// Answers one request in `era` (for a session, the revision in force for this HTTP request:
/// from the `MCP-Protocol-Version` header, or negotiated by `initialize` itself).
pub async fn handle<P: Platform>(ctx: &ToolContext<'_, P>, era: Era, request: Request) -> Response {
    let Request { id, method, params } = request;
    let public = Cache::Public { ttl_ms: STATIC_TTL_MS };
    let private = Cache::Private { ttl_ms: USER_TTL_MS };
    let outcome = match (era, method.as_str()) {
        (Era::Session(_), "initialize") => initialize(&params).map(|r| (r, Cache::None)),
        (Era::Session(_), "ping") => Ok((json!({}), Cache::None)),
        (Era::Stateless, "server/discover") => Ok((discover(), public)),
        (_, "tools/list") => {
            Ok((json!({"tools": tools::definitions().iter().map(|d| declare(d, era)).collect::<Vec<_>>()}), public))
        }
        (_, "tools/call") => call_tool(ctx, params).await.map(|r| (r, Cache::None)),
        (_, "prompts/list") => Ok((json!({"prompts": []}), public)),
        (_, "resources/list") => skills::resources(ctx, &params).await.map(|r| (r, private)),
        (_, "resources/templates/list") => Ok((json!({"resourceTemplates": []}), public)),
        (_, "resources/read") => skills::read(ctx, &params).await.map(|r| (r, private)),
        (_, "resources/directory/read") => skills::directory(ctx, &params).await.map(|r| (r, private)),
        (_, "skills/list") => skills::list(ctx, &params).await.map(|r| (r, private)),
        (_, "skills/get") => skills::get(ctx, &params).await.map(|r| (r, private)),
        _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("method `{method}` is not supported by this server"))),
    };
    match (era, outcome) {
        (Era::Stateless, Ok((Value::Object(result), cache))) => {
            Response::result(id, stateless::complete(result, cache, server_info()))
        }
        (_, Ok((result, _))) => Response::result(id, result),
        (_, Err(error)) => Response::error(id, error),
    }
}

/// `server/discover` (specification 2026-07-28, server/discover).
fn discover() -> Value {
    json!({
        "supportedVersions": supported_versions(),
        "capabilities": capabilities(),
        "instructions": INSTRUCTIONS,
    })
}

/// The protocol revision `initialize` settles on: the client's if supported, else the latest.
pub fn negotiate(params: &Map<String, Value>) -> Result<ProtocolVersion, RpcError> {
    let requested = params.get("protocolVersion").and_then(Value::as_str).ok_or_else(|| {
        RpcError::new(INVALID_PARAMS, "initialize needs `protocolVersion` (a string such as \"2025-06-18\")")
    })?;
    Ok(ProtocolVersion::parse(requested).unwrap_or(ProtocolVersion::LATEST))
}

fn initialize(params: &Map<String, Value>) -> Result<Value, RpcError> {
    let version = negotiate(params)?;
    Ok(json!({
        "protocolVersion": version.as_str(),
        "capabilities": capabilities(),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    }))
}

fn declare(definition: &ToolDefinition, era: Era) -> Value {
    let mut tool = json!({
        "name": definition.name,
        "description": definition.description,
        "inputSchema": definition.input_schema,
        "annotations": definition.annotations,
    });
    if era.has_structured_output() {
        tool["title"] = json!(definition.title);
        tool["outputSchema"] = definition.output_schema.clone();
    }
    tool
}

async fn call_tool<P: Platform>(ctx: &ToolContext<'_, P>, mut params: Map<String, Value>) -> Result<Value, RpcError> {
    let Some(Value::String(name)) = params.remove("name") else {
        return Err(RpcError::new(INVALID_PARAMS, "tools/call needs `name`, the tool's name as a string"));
    };
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Err(RpcError::new(INVALID_PARAMS, "`arguments` must be an object")),
    };
    let Some(result) = tools::call(ctx, &name, arguments).await else {
        return Err(RpcError::new(INVALID_PARAMS, format!("unknown tool `{name}`; call tools/list to see the tools")));
    };
    Ok(match result {
        Ok(output) => {
            // The same JSON twice: as text for clients before 2025-06-18, structured for the rest.
            json!({"content": [{"type": "text", "text": output.to_string()}], "structuredContent": output, "isError": false})
        }
        Err(error) => {
            json!({"content": [{"type": "text", "text": error.to_string()}], "isError": true})
        }
    })
}
