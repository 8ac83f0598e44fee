// Times the core's hot paths compiled to wasm and run in V8 (Node), against the free plan's
// 10 ms of CPU per invocation: a new commit's first build (split between the invocation that sees
// it and its parse workers), the next commit's build, decoding a stored catalog, packaging a
// skill and checking a token. Usage: node scripts/bench-cpu.mjs [skills...]  (default: 500 2000)
// Builds the benchmark crate's exports first (scripts/bench-cpu.sh does both).
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { GitRepo } from "../e2e/lib/git-repo.mjs";
import { generateMarketplace, skillFolder } from "../e2e/lib/generate.mjs";

const require = createRequire(import.meta.url);
const glue = process.env.BENCH_WASM_DIR;
if (!glue) throw new Error("BENCH_WASM_DIR is not set: run scripts/bench-cpu.sh");
const wasm = require(path.join(glue, "skillport_benchmark.js"));

/** Median milliseconds of `runs` calls of `fn`, each after `setup` (untimed), after two warm-ups. */
function timeEach(setup, fn, runs = 9) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    setup();
    const start = performance.now();
    fn();
    if (i >= 2) samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(runs / 2)];
}

/** Median milliseconds of `runs` calls after two warm-up calls. */
function time(fn, runs = 9) {
  fn();
  fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(runs / 2)];
}

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const megabyte = Buffer.alloc(1 << 20, 7);
const rows = [];
// The usual sizes in the plugin-folder layout, and the largest again as a `strict: false`
// collection sharing the repository root.
const runs = (sizes.length ? sizes : [500, 2000]).map((skills) => ({ skills, layout: "plugins" }));
runs.push({ ...runs.at(-1), layout: "collection" });
for (const { skills, layout } of runs) {
  const repo = await GitRepo.create();
  try {
    await repo.commit(generateMarketplace({ skills, groups: Math.max(1, skills / 10), bigSkillBytes: 1 << 20, layout }));
    const zip = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-0000000/", "HEAD"], { encoding: "buffer" });
    const stored = wasm.bench_encode_catalog(zip);
    const built = wasm.bench_build_catalog(zip);
    if (built !== skills + 1) throw new Error(`catalog has ${built} skills, expected ${skills + 1}`);
    const slices = wasm.bench_prepare_slices(zip);
    // The next commit changes one skill; everything else is reused from the previous catalog.
    await repo.commit({ [`${skillFolder(layout, "skill-0000")}/SKILL.md`]: "---\nname: skill-0000\ndescription: Changed.\n---\n" });
    const next = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-1111111/", "HEAD"], { encoding: "buffer" });
    const workers = Array.from({ length: slices }, (_, i) => time(() => wasm.bench_parse_worker(i)));
    // Whole requests through the real router, token check, tool and catalog store.
    wasm.bench_request_setup(zip);
    const list = () => wasm.bench_request("list_skills", "{}");
    const request = {
      cold: timeEach(() => wasm.bench_request_reset("empty"), list),
      warmNewIsolate: timeEach(() => wasm.bench_request_reset("built"), list),
      warm: timeEach(() => {}, list),
      fetchWarm: timeEach(() => {}, () => wasm.bench_request("fetch_skill", '{"name": "skill-0001"}')),
    };
    wasm.bench_request_next_commit(next);
    request.next = timeEach(() => wasm.bench_request_reset("built"), list);
    // The admin console with 500 people's usage recorded (a request each, warm catalog), the
    // benchmark's caller an editor.
    await repo.commit({ ".skillport/access.json": JSON.stringify({ editors: ["test:ann"] }) });
    const withEditors = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-2222222/", "HEAD"], { encoding: "buffer" });
    wasm.bench_console_setup(500, withEditors);
    const consolePages = Object.fromEntries(
      ["/admin/catalog", "/admin/access?person=test%3Aperson1", "/admin/usage", "/admin/people"].map((page) => [page, time(() => wasm.bench_console(page))]),
    );
    rows.push({
      skills: `${skills} skills, ${layout}`,
      "request: list_skills, first build (this invocation) ms": request.cold.toFixed(1),
      "request: list_skills, next commit ms": request.next.toFixed(1),
      "request: list_skills, warm, new isolate ms": request.warmNewIsolate.toFixed(1),
      "request: list_skills, warm ms": request.warm.toFixed(1),
      "request: fetch_skill, warm ms": request.fetchWarm.toFixed(1),
      ...Object.fromEntries(Object.entries(consolePages).map(([page, ms]) => [`console ${page.split("?")[0]} (500 people) ms`, ms.toFixed(1)])),
      "zipball KB": Math.round(zip.length / 1024),
      "stored catalog KB": Math.round(stored.length / 1024),
      "open archive ms": time(() => wasm.bench_open(zip)).toFixed(1),
      "whole first build in one invocation ms": time(() => wasm.bench_build_catalog(zip)).toFixed(1),
      "first build: parse workers": slices,
      "first build: slowest parse worker ms": Math.max(...workers).toFixed(1),
      "decode stored catalog ms": time(() => wasm.bench_decode_catalog(stored)).toFixed(1),
      "package one skill ms": time(() => wasm.bench_package(zip, skillFolder(layout, "skill-0000"), "skill-0000")).toFixed(1),
      "package a 1 MB skill ms": time(() => wasm.bench_package(zip, skillFolder(layout, "big"), "big")).toFixed(1),
      "SHA-256 of 1 MB in wasm ms (the Worker uses Web Crypto)": time(() => wasm.bench_sha256(megabyte)).toFixed(1),
      "check an access token ms": (time(() => wasm.bench_check_token(1000)) / 1000).toFixed(3),
    });
  } finally {
    await repo.destroy();
  }
}
// One column per size reads better than one very wide row per size.
const table = {};
for (const key of Object.keys(rows[0]).filter((k) => k !== "skills")) {
  table[key] = Object.fromEntries(rows.map((row) => [row.skills, row[key]]));
}
console.table(table);
