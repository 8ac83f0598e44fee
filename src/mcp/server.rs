//! Method dispatch: `initialize`, `ping`, `tools/list`, `tools/call`; the same for every transport.

use super::jsonrpc::{Request, Response, RpcError, INVALID_PARAMS, METHOD_NOT_FOUND};
use super::version::ProtocolVersion;
use crate::ports::Platform;
use crate::tools::{self, ToolContext, ToolDefinition};
use serde_json::{json, Map, Value};

/// The server's name in `initialize`.
pub const SERVER_NAME: &str = "skillport-connector";

const INSTRUCTIONS: &str =
    "Skillport shares your organization's Claude Skills. Use list_skills to browse or search them.";

/// Answers one request. `version` is the revision in force for this HTTP request (from the
/// `MCP-Protocol-Version` header, or negotiated by `initialize` itself).
pub async fn handle<P: Platform>(ctx: &ToolContext<'_, P>, version: ProtocolVersion, request: Request) -> Response {
    let Request { id, method, params } = request;
    let outcome = match method.as_str() {
        "initialize" => initialize(&params),
        "ping" => Ok(json!({})),
        "tools/list" => {
            Ok(json!({"tools": tools::definitions().iter().map(|d| declare(d, version)).collect::<Vec<_>>()}))
        }
        "tools/call" => call_tool(ctx, params).await,
        _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("method `{method}` is not supported by this server"))),
    };
    match outcome {
        Ok(result) => Response::result(id, result),
        Err(error) => Response::error(id, error),
    }
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
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": SERVER_NAME, "title": "Skillport", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    }))
}

fn declare(definition: &ToolDefinition, version: ProtocolVersion) -> Value {
    let mut tool = json!({
        "name": definition.name,
        "description": definition.description,
        "inputSchema": definition.input_schema,
        "annotations": definition.annotations,
    });
    if version.has_structured_output() {
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
