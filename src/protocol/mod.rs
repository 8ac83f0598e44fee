//! The protocol's messages as typed structs, one file per concept, so every result the server
//! sends is declared once with its field names and optional fields spelled out, rather than
//! assembled from JSON literals.
//!
//! Our own rather than rmcp's `model`: rmcp pulls in tokio and its transports, and the wasm has
//! no room under its 1 MB budget for either; these structs hold only what this server sends.

pub mod lifecycle;
pub mod prompts;
pub mod resources;
pub mod skills;
pub mod tools;

pub use lifecycle::{DiscoverResult, EmptyResult, Implementation, InitializeResult, ServerCapabilities};
pub use prompts::ListPromptsResult;
pub use resources::{Contents, ListResourceTemplatesResult, ReadResult, Resource, ResourcesResult};
pub use skills::{GetResult, ListResult, ManifestFile, SkillEntry};
pub use tools::{CallToolParams, CallToolResult, Content, ListToolsResult, Tool, ToolAnnotations};
