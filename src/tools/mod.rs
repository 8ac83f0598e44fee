//! The tools the connector offers: the `Tool` trait each implements in a module of its own, the
//! registry that lists and dispatches them, and the context they run in.
//!
//! A reader looking for how a tool works opens its own module; this one only declares and routes.

pub mod bump_version;
pub mod check_updates;
pub mod delete_skill;
pub mod fetch_skill;
pub mod list_skills;
pub mod publish_skill;
pub mod revoke_user;
pub mod save_skill;
pub mod skill_stats;
pub mod whoami;
pub mod writing;

use crate::access::{Access, AccessError, SkillRef};
use crate::catalog::Skill;
use crate::catalog_store::{self, LoadError, Served};
use crate::identity::Caller;
use crate::ports::Platform;
use crate::protocol::{self, ToolAnnotations};
use crate::site::Site;
use crate::zipball::{Zipball, ZipballBytes};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Why a tool call failed; the message is shown to the model and should tell it what to do.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not match the tool's input schema.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The catalog cannot be read (GitHub or the repository's content).
    #[error("the skills catalog is unavailable: {0}")]
    Catalog(#[from] LoadError),
    /// access.json is broken: nothing is served until it is fixed (fail closed).
    #[error("{0}")]
    Access(#[from] AccessError),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The repository changed under an edit; nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// GitHub failed during a write; nothing was written.
    #[error("the change was not saved: {0}")]
    GitHub(crate::github::GitHubError),
    /// No such skill, or not one the caller may see (the same answer for both).
    #[error("no skill named `{0}` is available to you; call list_skills to see the skills you can install")]
    SkillNotFound(String),
    /// A package could not be built.
    #[error(transparent)]
    Package(#[from] crate::package::PackageError),
    /// A result that could not be encoded; a bug, reported rather than panicking.
    #[error("internal error: {0}")]
    Internal(String),
}

/// One tool, declared once: its name, text, hints and types, and what it does. The registry
/// below turns the list of tools into both `tools/list` and the dispatch of `tools/call`, so a
/// tool cannot be declared without being callable, or callable without being declared.
// Futures in the Workers runtime are never sent between threads, so `async fn` without a `Send`
// bound is what this trait wants.
#[allow(async_fn_in_trait)]
pub trait Tool {
    /// The name the model calls.
    const NAME: &'static str;
    /// A title for people.
    const TITLE: &'static str;
    /// When to use it; the model reads this to choose tools.
    const DESCRIPTION: &'static str;
    /// How it behaves.
    const ANNOTATIONS: ToolAnnotations;
    /// Its arguments; their JSON Schema is the tool's input schema.
    type Input: DeserializeOwned + JsonSchema;
    /// Its answer; its JSON Schema is the tool's output schema.
    type Output: Serialize + JsonSchema;
    /// Runs the tool for the caller of `ctx`.
    async fn run<P: Platform>(ctx: &ToolContext<'_, P>, input: Self::Input) -> Result<Self::Output, ToolError>;
}

/// How `tools/list` declares `T`; the title and output schema only where the revision has them.
fn declare<T: Tool>(structured: bool) -> protocol::Tool {
    protocol::Tool {
        name: T::NAME,
        description: T::DESCRIPTION,
        input_schema: schemas::input::<T>(),
        annotations: T::ANNOTATIONS,
        title: structured.then_some(T::TITLE),
        output_schema: structured.then(schemas::output::<T>),
    }
}

/// Where the tools' schemas come from. Natively they are generated from the types with
/// schemars; the Worker serves the same schemas from `schemas/tools.json`, written from those
/// types and checked against them by `test/tests/core/tool_schemas.rs`, because generating them at run
/// time would put schemars (about 15 KB gzipped) into the wasm for answers that never change.
mod schemas {
    use super::Tool;
    use serde_json::Value;

    #[cfg(not(target_arch = "wasm32"))]
    pub fn input<T: Tool>() -> Value {
        super::input_schema::<T::Input>()
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn output<T: Tool>() -> Value {
        super::output_schema::<T::Output>()
    }

    #[cfg(target_arch = "wasm32")]
    pub fn input<T: Tool>() -> Value {
        stored(T::NAME, "input")
    }

    #[cfg(target_arch = "wasm32")]
    pub fn output<T: Tool>() -> Value {
        stored(T::NAME, "output")
    }

    /// `schemas/tools.json`'s schema of `tool`; an object schema should the file lack it (the
    /// test that writes the file fails first).
    #[cfg(target_arch = "wasm32")]
    fn stored(tool: &str, which: &str) -> Value {
        thread_local! {
            static STORED: Value = serde_json::from_str(include_str!("../../schemas/tools.json")).unwrap_or_default();
        }
        STORED
            .with(|stored| stored.get(tool).and_then(|t| t.get(which)).cloned())
            .unwrap_or_else(|| serde_json::json!({"type": "object"}))
    }
}

/// Parses the arguments, runs `T` and encodes its answer.
async fn run<T: Tool, P: Platform>(
    ctx: &ToolContext<'_, P>,
    arguments: Map<String, Value>,
) -> Result<Value, ToolError> {
    let input: T::Input = parse_arguments(arguments)?;
    to_output(&T::run(ctx, input).await?)
}

/// The tools, in the order `tools/list` shows them: written once, expanded into the list of
/// declarations and into dispatch by name.
macro_rules! registry {
    ($($tool:ty),+ $(,)?) => {
        /// Every tool's declaration, in a fixed order; `structured` for revisions with titles
        /// and output schemas (2025-06-18 on).
        pub fn declarations(structured: bool) -> Vec<protocol::Tool> {
            vec![$(declare::<$tool>(structured)),+]
        }

        /// Every tool's input and output schema as generated from its types: what
        /// `schemas/tools.json` holds for the Worker.
        #[cfg(not(target_arch = "wasm32"))]
        pub fn generated_schemas() -> Value {
            let mut all = Map::new();
            $(all.insert(
                <$tool as Tool>::NAME.to_string(),
                serde_json::json!({
                    "input": input_schema::<<$tool as Tool>::Input>(),
                    "output": output_schema::<<$tool as Tool>::Output>(),
                }),
            );)+
            Value::Object(all)
        }

        /// Runs the tool called `name`; `None` when there is no such tool.
        pub async fn call<P: Platform>(
            ctx: &ToolContext<'_, P>,
            name: &str,
            arguments: Map<String, Value>,
        ) -> Option<Result<Value, ToolError>> {
            $(if name == <$tool as Tool>::NAME {
                return Some(run::<$tool, P>(ctx, arguments).await);
            })+
            None
        }
    };
}

registry![
    list_skills::ListSkills,
    fetch_skill::FetchSkill,
    check_updates::CheckUpdates,
    whoami::Whoami,
    save_skill::SaveSkill,
    delete_skill::DeleteSkill,
    publish_skill::PublishSkill,
    bump_version::BumpVersion,
    revoke_user::RevokeUser,
    skill_stats::SkillStatsTool,
];

/// The JSON Schema of a tool's arguments: inlined, and with optional arguments typed plainly
/// (`"string"`, not `["string", "null"]`, and no `"default": null`) so a model reads what to send.
pub fn input_schema<T: JsonSchema>() -> Value {
    let mut schema = schema_of::<T>();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.values_mut().for_each(drop_null_option);
    }
    schema
}

/// The JSON Schema of a tool's `structuredContent`, where absent values are `null`.
pub fn output_schema<T: JsonSchema>() -> Value {
    schema_of::<T>()
}

/// `T`'s schema, inlined (no `$ref`s) and with only standard `format`s (schemars marks integer
/// widths with formats such as `uint`, which client validators warn about).
fn schema_of<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|settings| settings.inline_subschemas = true)
        .with_transform(schemars::transform::RestrictFormats::default())
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    schema
}

/// Hand-written because schemars has no setting for it: turns the schema of an `Option<T>` field
/// (`{"type": ["string", "null"], "default": null}`) into the schema of `T`.
fn drop_null_option(property: &mut Value) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
}

/// Parses tool arguments into the tool's input type, with serde's message (which names the
/// field) for the model to correct itself.
fn parse_arguments<T: serde::de::DeserializeOwned>(arguments: Map<String, Value>) -> Result<T, ToolError> {
    serde_json::from_value(Value::Object(arguments)).map_err(|e| ToolError::InvalidArguments(e.to_string()))
}

/// Encodes a tool's typed output as its `structuredContent`.
fn to_output<T: Serialize>(output: &T) -> Result<Value, ToolError> {
    serde_json::to_value(output).map_err(|e| ToolError::Internal(e.to_string()))
}

/// What a tool call can reach: the site (host, configuration, origin), the caller, and the
/// catalog, loaded at most once per HTTP request however many calls a batch holds.
pub struct ToolContext<'a, P> {
    /// The host, the configuration and the connector's origin (for links it hands out).
    pub site: Site<'a, P>,
    /// Who is calling, signed in.
    pub caller: Caller,
    served: RefCell<Option<Rc<Served>>>,
    access: RefCell<Option<Rc<Access>>>,
    zipball: RefCell<Option<ZipballBytes>>,
}

impl<'a, P: Platform> ToolContext<'a, P> {
    /// A context for one HTTP request from `caller` on `site`.
    pub fn new(site: Site<'a, P>, caller: Caller) -> Self {
        ToolContext {
            site,
            caller,
            served: RefCell::new(None),
            access: RefCell::new(None),
            zipball: RefCell::new(None),
        }
    }

    /// The catalog of the served branch's current commit.
    pub async fn catalog(&self) -> Result<Rc<Served>, ToolError> {
        if let Some(served) = self.served.borrow().as_ref() {
            return Ok(served.clone());
        }
        let served = catalog_store::current(self.site.platform, self.site.config).await;
        let served = Rc::new(served?);
        *self.served.borrow_mut() = Some(served.clone());
        Ok(served)
    }

    /// The access rules of the served commit, whatever their state (whoami shows a broken file).
    pub async fn access(&self) -> Result<Rc<Access>, ToolError> {
        if let Some(access) = self.access.borrow().as_ref() {
            return Ok(access.clone());
        }
        let served = self.catalog().await?;
        let access = Rc::new(Access::load(served.catalog.access.as_deref()));
        *self.access.borrow_mut() = Some(access.clone());
        Ok(access)
    }

    /// The catalog and its access rules, for tools that serve skills: an error while access.json
    /// is broken (fail closed).
    pub async fn readable(&self) -> Result<(Rc<Served>, Rc<Access>), ToolError> {
        let served = self.catalog().await?;
        let access = self.access().await?;
        if let Some(error) = access.error() {
            return Err(ToolError::Access(error.clone()));
        }
        Ok((served, access))
    }

    /// Whether the caller may read `skill` under `access`.
    pub fn can_read(&self, access: &Access, skill: &Skill) -> bool {
        access.can_read(
            &self.caller.user,
            SkillRef { name: &skill.name, group: &skill.group, published: skill.published },
        )
    }

    /// The files of the served commit (from KV, or downloaded once per request at most).
    pub async fn zipball(&self) -> Result<Zipball, ToolError> {
        let served = self.catalog().await?;
        let cached = self.zipball.borrow().clone();
        let bytes = match (cached, &served.zipball) {
            (Some(bytes), _) => bytes,
            (None, Some(read)) => read.clone(),
            (None, None) => {
                let github = catalog_store::github(self.site.platform, self.site.config);
                catalog_store::fetch_zipball(self.site.platform, &github, &served.catalog.commit)
                    .await
                    .map_err(LoadError::from)?
                    .bytes
            }
        };
        *self.zipball.borrow_mut() = Some(bytes.clone());
        Zipball::from_shared(bytes).map_err(|e| ToolError::Catalog(LoadError::Catalog(e.into())))
    }
}
