//! Prompts: the server offers none, and says so when asked.

use serde::Serialize;

/// A prompt; this server declares none, so the type only fixes the list's shape.
#[derive(Debug, Serialize)]
pub struct Prompt {
    /// Its name.
    pub name: String,
}

/// The result of `prompts/list`.
#[derive(Debug, Default, Serialize)]
pub struct ListPromptsResult {
    /// The prompts: none.
    pub prompts: Vec<Prompt>,
}
