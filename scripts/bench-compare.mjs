// Compares the CPU of whole `list_skills` requests between builds of the bench exports (for
// example the main branch and a change), interleaved in one process so a busy machine slows them
// alike: a first build and a new commit's build, each request timed by the process's CPU time.
// Modes: `empty` (a first build), `next` (a new commit's build), `stored` (the catalog decoded
// from KV in a new isolate), `warm` (the catalog already in the isolate).
// Usage: BENCH_WASM_DIRS=dirA,dirB [LAYOUT=plugins|collection] [SKILLS=2000] [N=60]
//        [MODES=empty,next,stored,warm] node scripts/bench-compare.mjs
// (each dir holds `wasm-bindgen --target nodejs` output of a benchmark/ crate build).
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { GitRepo } from "../e2e/lib/git-repo.mjs";
import { generateMarketplace, skillFolder } from "../e2e/lib/generate.mjs";
const require = createRequire(import.meta.url);
const dirs = process.env.BENCH_WASM_DIRS.split(",");
const mods = dirs.map((d) => require(path.join(d, "skillport_benchmark.js")));
// LAYOUT may name one layout per dir (the same build copied to two dirs compares layouts).
const layouts = (process.env.LAYOUT || "plugins").split(",");
const layoutOf = (k) => layouts[Math.min(k, layouts.length - 1)];
const skills = Number(process.env.SKILLS || 2000);
const archives = {};
for (const layout of new Set(dirs.map((_, k) => layoutOf(k)))) {
  const repo = await GitRepo.create();
  await repo.commit(generateMarketplace({ skills, groups: skills / 10, bigSkillBytes: 1 << 20, layout }));
  const zip = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-0000000/", "HEAD"], { encoding: "buffer" });
  await repo.commit({ [`${skillFolder(layout, "skill-0000")}/SKILL.md`]: "---\nname: skill-0000\ndescription: Changed.\n---\n" });
  const next = await repo.git(["archive", "--format=zip", "--prefix=acme-skills-1111111/", "HEAD"], { encoding: "buffer" });
  archives[layout] = { zip, next };
}
const n = Number(process.env.N || 60);
for (const mode of (process.env.MODES || "empty,next,stored,warm").split(",")) {
  const samples = mods.map(() => []);
  for (const [k, wasm] of mods.entries()) {
    const { zip, next } = archives[layoutOf(k)];
    wasm.bench_request_setup(zip);
    if (mode === "next") wasm.bench_request_next_commit(next);
    if (mode === "warm") { wasm.bench_request_reset("built"); wasm.bench_request("list_skills", "{}"); }
  }
  for (let i = 0; i < n; i++) for (const [k, wasm] of mods.entries()) {
    if (mode !== "warm") wasm.bench_request_reset(mode === "empty" ? "empty" : "built");
    const t = process.cpuUsage(); wasm.bench_request("list_skills", "{}"); const d = process.cpuUsage(t); samples[k].push((d.user + d.system) / 1000);
  }
  for (const [k, s] of samples.entries()) { s.sort((a, b) => a - b); console.log(layoutOf(k), mode, dirs[k], "min", s[0].toFixed(2), "p25", s[n >> 2].toFixed(2), "median", s[n >> 1].toFixed(2)); }
}
