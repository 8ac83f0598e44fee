// Times the core's hot paths compiled to wasm and run in V8 (Node), against the free plan's
// 10 ms of CPU per invocation: building the catalog of a new commit, decoding a stored catalog,
// and packaging a skill. Usage: node scripts/bench-cpu.mjs [skills...]  (default: 500 2000)
// Builds the `wasm-bench` exports first (scripts/bench-cpu.sh does both).
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { GitRepo } from "../e2e/lib/git-repo.mjs";
import { generateMarketplace } from "../e2e/lib/generate.mjs";

const require = createRequire(import.meta.url);
const glue = process.env.BENCH_WASM_DIR;
if (!glue) throw new Error("BENCH_WASM_DIR is not set: run scripts/bench-cpu.sh");
const wasm = require(path.join(glue, "skillport_connector.js"));

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
for (const skills of sizes.length ? sizes : [500, 2000]) {
  const repo = await GitRepo.create();
  try {
    await repo.commit(generateMarketplace({ skills, groups: Math.max(1, skills / 10), bigSkillBytes: 1 << 20 }));
    const zip = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-0000000/", "HEAD"], { encoding: "buffer" });
    const stored = wasm.bench_encode_catalog(zip);
    const built = wasm.bench_build_catalog(zip);
    if (built !== skills + 1) throw new Error(`catalog has ${built} skills, expected ${skills + 1}`);
    // The next commit changes one skill; everything else is reused from the previous catalog.
    await repo.commit({ "plugins/group-000/skills/skill-0000/SKILL.md": "---\nname: skill-0000\ndescription: Changed.\n---\n" });
    const next = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-1111111/", "HEAD"], { encoding: "buffer" });
    wasm.bench_set_previous(stored);
    rows.push({
      skills,
      "zipball KB": Math.round(zip.length / 1024),
      "stored catalog KB": Math.round(stored.length / 1024),
      "open archive ms": time(() => wasm.bench_open(zip)).toFixed(1),
      "first build ms": time(() => wasm.bench_build_catalog(zip)).toFixed(1),
      "next-commit build ms": time(() => wasm.bench_incremental_build(next)).toFixed(1),
      "encode catalog ms": time(() => wasm.bench_encode_previous()).toFixed(1),
      "decode stored catalog ms": time(() => wasm.bench_decode_catalog(stored)).toFixed(1),
      "package one skill ms": time(() => wasm.bench_package(zip, "plugins/group-000/skills/skill-0000", "skill-0000")).toFixed(1),
      "package a 1 MB skill ms": time(() => wasm.bench_package(zip, "plugins/group-000/skills/big", "big")).toFixed(1),
      "SHA-256 of 1 MB in wasm ms (the Worker uses Web Crypto)": time(() => wasm.bench_sha256(megabyte)).toFixed(1),
      "check an access token ms": (time(() => wasm.bench_check_token(1000)) / 1000).toFixed(3),
    });
  } finally {
    await repo.destroy();
  }
}
console.table(rows);
