//! `schemas/tools.json`, which the Worker serves in `tools/list`, is exactly what the tools'
//! types generate. `SKILLPORT_WRITE_SCHEMAS=1 cargo test -p skillport-test --test core tool_schemas`
//! writes it anew after a tool's input or output type changed.

use std::path::Path;

#[test]
fn the_stored_tool_schemas_are_the_ones_the_types_generate() {
    let generated = skillport_connector::tools::generated_schemas();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/tools.json");
    let text = serde_json::to_string_pretty(&generated).expect("schemas encode") + "\n";
    if std::env::var_os("SKILLPORT_WRITE_SCHEMAS").is_some() {
        std::fs::write(&path, &text).expect("schemas/tools.json is writable");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "schemas/tools.json differs from what the tools' types generate; run \
         `SKILLPORT_WRITE_SCHEMAS=1 cargo test -p skillport-test --test core tool_schemas` and commit it"
    );
    let stored: serde_json::Value = serde_json::from_str(&stored).expect("the stored file is JSON");
    assert_eq!(stored.as_object().map(|tools| tools.len()), Some(10), "one entry per tool");
    assert_eq!(stored["fetch_skill"]["input"]["required"], serde_json::json!(["name"]));
}
