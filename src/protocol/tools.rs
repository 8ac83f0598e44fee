//! Tools: how they are declared in `tools/list`, how `tools/call` names one, and what a call
//! answers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Hints that tell clients how a tool behaves.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// Never changes anything.
    pub read_only_hint: bool,
    /// May delete or overwrite.
    pub destructive_hint: bool,
    /// Repeating the call has no further effect.
    pub idempotent_hint: bool,
    /// Talks to systems beyond the skills repository.
    pub open_world_hint: bool,
}

impl ToolAnnotations {
    /// A tool that only reads the repository.
    pub const READ_ONLY: ToolAnnotations = ToolAnnotations {
        read_only_hint: true,
        destructive_hint: false,
        idempotent_hint: true,
        open_world_hint: false,
    };
    /// A tool that changes something, only adding; refine it with [`Self::destructive`] and
    /// [`Self::idempotent`].
    pub const WRITE: ToolAnnotations = ToolAnnotations {
        read_only_hint: false,
        destructive_hint: false,
        idempotent_hint: false,
        open_world_hint: false,
    };

    /// The same, and it may delete or overwrite.
    pub const fn destructive(self) -> Self {
        ToolAnnotations { destructive_hint: true, ..self }
    }

    /// The same, and repeating it has no further effect.
    pub const fn idempotent(self) -> Self {
        ToolAnnotations { idempotent_hint: true, ..self }
    }
}

/// One tool as `tools/list` declares it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// The name the model calls.
    pub name: &'static str,
    /// When to use it.
    pub description: &'static str,
    /// JSON Schema of the arguments.
    pub input_schema: Value,
    /// Behaviour hints.
    pub annotations: ToolAnnotations,
    /// A title for people (revisions from 2025-06-18 on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'static str>,
    /// JSON Schema of `structuredContent` (revisions from 2025-06-18 on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

/// The result of `tools/list`.
#[derive(Debug, Serialize)]
pub struct ListToolsResult {
    /// Every tool, in a fixed order.
    pub tools: Vec<Tool>,
}

/// The parameters of `tools/call`.
#[derive(Debug, Deserialize)]
pub struct CallToolParams {
    /// The tool.
    pub name: String,
    /// Its arguments; absent or null for none.
    #[serde(default)]
    pub arguments: Option<Map<String, Value>>,
}

/// One block of a tool's answer.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Content {
    /// Text for the model.
    Text {
        /// The text.
        text: String,
    },
}

/// The result of `tools/call`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// The answer as content blocks: the structured answer as JSON text, or the error message.
    pub content: Vec<Content>,
    /// The answer, typed by the tool's output schema (absent on errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the tool failed; the model reads why in `content`.
    pub is_error: bool,
}

impl CallToolResult {
    /// A tool's answer: the same JSON twice, as text for clients before 2025-06-18 and
    /// structured for the rest.
    pub fn success(output: Value) -> Self {
        CallToolResult {
            content: vec![Content::Text { text: output.to_string() }],
            structured_content: Some(output),
            is_error: false,
        }
    }

    /// A tool's failure, with the message that tells the model what to do.
    pub fn failure(message: String) -> Self {
        CallToolResult { content: vec![Content::Text { text: message }], structured_content: None, is_error: true }
    }
}
