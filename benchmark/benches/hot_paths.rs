//! Native timings of the hot paths (`cargo bench --bench hot_paths`): building the catalog of a
//! 2,000-skill marketplace, rebuilding it after a one-skill commit, and packaging a 1 MB skill.
//! The wasm timings that count against the Workers CPU limit come from `scripts/bench-cpu.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use sha2::{Digest, Sha256};
use skillport_connector::catalog::Catalog;
use skillport_connector::package::{self, InstalledManifest};
use skillport_connector::zipball::Zipball;
use skillport_test::zipball;
use std::hint::black_box;

/// A marketplace like e2e/lib/generate.mjs makes: `skills` skills in `skills / 10` groups, plus a
/// skill `big` holding 1 MB of incompressible data.
fn marketplace(skills: usize, edited: bool) -> Vec<u8> {
    let groups = (skills / 10).max(1);
    let mut files: Vec<(String, Vec<u8>, bool)> = Vec::new();
    let plugins: Vec<String> =
        (0..groups).map(|g| format!(r#"{{"name": "group-{g:03}", "source": "./plugins/group-{g:03}"}}"#)).collect();
    files.push((
        ".claude-plugin/marketplace.json".into(),
        format!(r#"{{"name": "bench", "plugins": [{}]}}"#, plugins.join(",")).into_bytes(),
        false,
    ));
    for g in 0..groups {
        files.push((
            format!("plugins/group-{g:03}/.claude-plugin/plugin.json"),
            format!(r#"{{"name": "group-{g:03}", "version": "1.0.0"}}"#).into_bytes(),
            false,
        ));
    }
    for s in 0..skills {
        let folder = format!("plugins/group-{:03}/skills/skill-{s:04}", s % groups);
        let description = if edited && s == 0 {
            "Edited.".to_string()
        } else {
            format!(">\n  Generated skill number {s}. Use it when the benchmark asks for skill {s};\n  it explains a made-up procedure in a few steps.")
        };
        let body = (1..=12).map(|i| format!("{i}. Step {i} of the procedure for skill {s}.\n")).collect::<String>();
        files.push((format!("{folder}/SKILL.md"), format!("---\nname: skill-{s:04}\ndescription: {description}\nlicense: MIT\nmetadata:\n  owner: team-{}\n---\n\n{body}", s % 13).into_bytes(), false));
        files.push((format!("{folder}/references/notes.md"), "Background material. ".repeat(20).into_bytes(), false));
    }
    let mut noise = Vec::with_capacity(1 << 20);
    let mut state = [0u8; 32];
    while noise.len() < 1 << 20 {
        state = Sha256::digest(state).into();
        noise.extend_from_slice(&state);
    }
    files.push((
        "plugins/group-000/skills/big/SKILL.md".into(),
        b"---\nname: big\ndescription: One megabyte.\n---\n".to_vec(),
        false,
    ));
    files.push(("plugins/group-000/skills/big/data.bin".into(), noise, false));
    let entries: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, b, x)| (p.as_str(), b.as_slice(), *x)).collect();
    zipball("acme-skills-0000000", &entries)
}

fn hot_paths(c: &mut Criterion) {
    let zip = marketplace(2000, false);
    let edited = marketplace(2000, true);
    let previous = Catalog::build("a", &mut Zipball::from_zip(zip.clone()).unwrap(), None).unwrap();
    let mut group = c.benchmark_group("hot paths");
    group.sample_size(10);
    group.bench_function("build the catalog of 2,000 skills", |b| {
        b.iter(|| Catalog::build("a", &mut Zipball::from_zip(black_box(zip.clone())).unwrap(), None).unwrap())
    });
    group.bench_function("rebuild after a one-skill commit, 2,000 skills", |b| {
        b.iter(|| {
            Catalog::build("b", &mut Zipball::from_zip(black_box(edited.clone())).unwrap(), Some(&previous)).unwrap()
        })
    });
    let manifest = InstalledManifest {
        name: "big".into(),
        version: Some("1.0.0".into()),
        description: String::new(),
        group: "group-000".into(),
    };
    group.bench_function("package a 1 MB skill", |b| {
        b.iter(|| {
            package::build(
                &mut Zipball::from_zip(black_box(zip.clone())).unwrap(),
                "plugins/group-000/skills/big",
                &manifest,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
