// The risk hint's model in headless Chromium, one page, one run (issue 8): our tract-onnx module
// (`assent-risk`, shipped) side by side with onnxruntime-web (npm, its wasm backend, self-hosted)
// and, for size, a tract-nnef-only build of the same model (`bench/risk-nnef`, never shipped):
// - bytes downloaded: the files each one fetches (wasm, JS glue, model), raw, gzip -9 and
//   brotli -q 11 computed here from the same files (as scripts/measure-first-load.sh does);
// - initialisation: in a fresh module Worker each run, from importing the JS glue (cache-busted
//   URL) to the model loaded and ready to run, with the wasm and model bytes already fetched.
//   Each run's wasm gets a unique empty custom section, so V8 cannot reuse a module compiled in
//   an earlier run: every run compiles from scratch. Runs alternate between the three;
// - first use, cold: the first run of each, fetching everything itself (one sample each);
// - latency for 1 row and for 1,000 rows: median of batches of calls (the clock ticks in
//   0.1 ms steps without cross-origin isolation), the three alternating batch by batch;
// - agreement: every reference row of model/reference-predictions.json (and 1,000 rows cycling
//   through them) through each, against each other and onnxruntime's (Python) reference.
// Everything runs in Workers, as the app runs the hint in its vault worker, under the app's CSP.
// Run: bash scripts/bench.sh risk (which builds dist/ and the NNEF module first).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { gotoApp, openPage, repoRoot, startGateway } from "../tests/e2e/harness.mjs";
import { median } from "./stats.mjs";

const INIT_RUNS = Number(process.env.INIT_RUNS ?? 11);
const BATCHES = Number(process.env.RUNS ?? 21);
const ortVersion = JSON.parse(readFileSync(join(repoRoot, "node_modules/onnxruntime-web/package.json"), "utf8")).version;
const reference = JSON.parse(readFileSync(join(repoRoot, "model/reference-predictions.json"), "utf8"));
const nnefDir = join(repoRoot, "target/bench/risk-nnef");
const ortDir = join(repoRoot, "node_modules/onnxruntime-web/dist");

// Where each implementation's files come from; all are served through page.route from disk,
// uncompressed, so no implementation gets a different transfer path.
const dirs = { ours: join(repoRoot, "dist"), ort: ortDir, nnef: nnefDir };
const modelFile = {
  ours: join(repoRoot, "dist/model/pima-logistic-v1.onnx"),
  ort: join(repoRoot, "dist/model/pima-logistic-v1.onnx"),
  nnef: join(repoRoot, "target/bench/pima-logistic-v1.nnef.tar"),
};
const wasmFile = { ours: "assent-risk_bg.wasm", ort: "ort-wasm-simd-threaded.wasm", nnef: "assent-risk-nnef_bg.wasm" };
const names = { ours: "tract-onnx (ours, shipped)", ort: `onnxruntime-web ${ortVersion}`, nnef: "tract-nnef (bench only)" };

// The Worker that loads one implementation and runs it; the three share its interface.
const WORKER = `
const loaders = {
  async ours({ base, wasm }) {
    const module = await import("/bench/ours/" + base + "/assent-risk.js");
    await module.default({ module_or_path: wasm ?? "/bench/ours/" + base + "/assent-risk_bg.wasm" });
    return (model) => { const runner = new module.RiskRunner(model); return (rows) => runner.run(rows); };
  },
  async nnef({ base, wasm }) {
    const module = await import("/bench/nnef/" + base + "/assent-risk-nnef.js");
    await module.default({ module_or_path: wasm ?? "/bench/nnef/" + base + "/assent-risk-nnef_bg.wasm" });
    return (model) => { const runner = new module.RiskRunner(model); return (rows) => runner.run(rows); };
  },
  async ort({ base, wasm }) {
    const ort = await import("/bench/ort/" + base + "/ort.wasm.min.mjs");
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = "/bench/ort/" + base + "/";
    if (wasm) ort.env.wasm.wasmBinary = wasm;
    return async (model) => {
      const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
      return async (rows) => {
        const n = rows.length / 5;
        const out = await session.run({ features: new ort.Tensor("float32", rows, [n, 5]) });
        const both = out.probabilities.data;
        const p = new Float32Array(n);
        for (let i = 0; i < n; i++) p[i] = both[2 * i + 1];
        return p;
      };
    };
  },
};
let run;
self.onmessage = async ({ data }) => {
  try {
    if (data.op === "init") {
      const start = performance.now();
      const load = await loaders[data.impl](data);
      run = await load(new Uint8Array(data.model));
      const ready = performance.now();
      const p = await run(new Float32Array(data.row));
      self.postMessage({ init: ready - start, firstResult: performance.now() - start, p: Array.from(p),
        threads: data.impl === "ort" ? (await import("/bench/ort/" + data.base + "/ort.wasm.min.mjs")).env.wasm.numThreads : 1 });
    } else if (data.op === "time") {
      const rows = new Float32Array(data.rows);
      const start = performance.now();
      for (let i = 0; i < data.calls; i++) await run(rows);
      self.postMessage({ ms: (performance.now() - start) / data.calls });
    } else if (data.op === "run") {
      self.postMessage({ p: Array.from(await run(new Float32Array(data.rows))) });
    }
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
`;

const contentType = (file) =>
  file.endsWith(".wasm") ? "application/wasm" : /\.m?js$/.test(file) ? "text/javascript" : "application/octet-stream";
const sizes = (file) => {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};

const rows = reference.rows.map((row) => row.features);
const expected = reference.rows.map((row) => row.p_diabetes);
const thousand = Array.from({ length: 1000 }, (_, i) => rows[i % rows.length]).flat();

const gateway = await startGateway();
// No service worker: the peers' scripts are routed in, and routes do not see through one.
const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
const fetched = { ours: new Set(), ort: new Set(), nnef: new Set() };
try {
  // The app's own CSP, given to the Worker too: every implementation runs under it.
  let csp;
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/") csp ??= response.headers()["content-security-policy"];
  });
  await page.route("**/bench/risk-worker.js", (route) =>
    route.fulfill({ body: WORKER, contentType: "text/javascript", headers: csp ? { "content-security-policy": csp } : {} }),
  );
  for (const impl of ["ours", "ort", "nnef"]) {
    await page.route(`**/bench/${impl}/**`, (route) => {
      const url = new URL(route.request().url());
      const file = basename(url.pathname);
      if (url.pathname.includes("/cold/")) fetched[impl].add(file);
      return route.fulfill({ path: join(dirs[impl], file), contentType: contentType(file) });
    });
  }
  await page.route("**/bench/model/*", (route) =>
    route.fulfill({ path: modelFile[basename(new URL(route.request().url()).pathname)], contentType: "application/octet-stream" }),
  );
  await gotoApp(page, gateway.url, problems);
  if (!csp) throw new Error("the app's page came without a Content-Security-Policy");

  const result = await page.evaluate(
    async ({ initRuns, batches, rows, thousand, wasmFile }) => {
      const impls = ["ours", "ort", "nnef"];
      const call = (worker, message, transfer = []) =>
        new Promise((resolve, reject) => {
          worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
          worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
          worker.postMessage(message, transfer);
        });
      const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const models = Object.fromEntries(await Promise.all(impls.map(async (impl) => [impl, await bytes(`/bench/model/${impl}`)])));
      // A module with one more (empty) custom section: same code, bytes V8 has not compiled yet.
      const withNonce = (wasm, run) => {
        const name = new TextEncoder().encode(`bench-nonce-${run}`);
        const out = new Uint8Array(wasm.length + 2 + 1 + name.length);
        out.set(wasm);
        out.set([0, 1 + name.length, name.length, ...name], wasm.length);
        return out;
      };
      const init = async (impl, base, wasm) => {
        const worker = new Worker("/bench/risk-worker.js", { type: "module" });
        const model = models[impl].slice().buffer;
        const reply = await call(worker, { op: "init", impl, base, wasm, model, row: rows[0] }, wasm ? [wasm.buffer, model] : [model]);
        return { worker, ...reply };
      };

      // First use, cold: each fetches its own glue and wasm (the routes record what).
      const cold = {};
      const workers = {};
      for (const impl of impls) {
        const { worker, ...reply } = await init(impl, "cold");
        cold[impl] = reply;
        workers[impl] = worker;
      }
      const wasm = Object.fromEntries(await Promise.all(impls.map(async (impl) => [impl, await bytes(`/bench/${impl}/warm/${wasmFile[impl]}`)])));
      const inits = Object.fromEntries(impls.map((impl) => [impl, []]));
      const firstResults = Object.fromEntries(impls.map((impl) => [impl, []]));
      for (let run = 0; run < initRuns; run++) {
        for (const impl of impls) {
          const { worker, init: ms, firstResult } = await init(impl, `run-${run}`, withNonce(wasm[impl], run));
          worker.terminate();
          inits[impl].push(ms);
          firstResults[impl].push(firstResult);
        }
      }

      // Agreement on every reference row, and on the 1,000-row batch.
      const outputs = {};
      for (const impl of impls) {
        outputs[impl] = {
          reference: (await call(workers[impl], { op: "run", rows: rows.flat() })).p,
          thousand: (await call(workers[impl], { op: "run", rows: thousand })).p,
        };
      }

      // Latency: batches of calls sized to last ~20 ms (the clock ticks in 0.1 ms steps).
      const latency = {};
      for (const [label, input] of [["one", rows[0]], ["thousand", thousand]]) {
        const calls = {};
        for (const impl of impls) {
          await call(workers[impl], { op: "time", rows: input, calls: 10 });
          const { ms } = await call(workers[impl], { op: "time", rows: input, calls: 10 });
          calls[impl] = Math.max(5, Math.ceil(20 / Math.max(ms, 0.001)));
        }
        latency[label] = Object.fromEntries(impls.map((impl) => [impl, []]));
        for (let batch = 0; batch < batches; batch++) {
          for (const impl of impls) {
            latency[label][impl].push((await call(workers[impl], { op: "time", rows: input, calls: calls[impl] })).ms);
          }
        }
        latency[label].calls = calls;
      }
      for (const worker of Object.values(workers)) worker.terminate();
      return { cold, inits, firstResults, outputs, latency, crossOriginIsolated: self.crossOriginIsolated };
    },
    { initRuns: INIT_RUNS, batches: BATCHES, rows, thousand, wasmFile },
  );
  if (problems.length) throw new Error(problems.join("; "));

  // Agreement: within 1e-5 of each other and of onnxruntime's (Python) reference predictions.
  const impls = ["ours", "ort", "nnef"];
  const maxDiff = (a, b) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  const thousandExpected = Array.from({ length: 1000 }, (_, i) => expected[i % expected.length]);
  const diffs = {};
  for (const impl of impls) {
    const { reference: p, thousand: q } = result.outputs[impl];
    if (p.length !== rows.length || q.length !== 1000) throw new Error(`${impl}: wrong number of probabilities`);
    diffs[impl] = Math.max(maxDiff(p, expected), maxDiff(q, thousandExpected), maxDiff(p, result.outputs.ort.reference));
    if (!(diffs[impl] <= 1e-5)) throw new Error(`${impl} disagrees with onnxruntime by ${diffs[impl]}`);
  }

  // Bytes: what each one fetched on its cold start (the model file included).
  const files = Object.fromEntries(impls.map((impl) => [impl, [...fetched[impl]].sort()]));
  const bytes = {};
  for (const impl of impls) {
    const list = files[impl].map((file) => ({ file, ...sizes(join(dirs[impl], file)) }));
    list.push({ file: basename(modelFile[impl]), ...sizes(modelFile[impl]) });
    bytes[impl] = list;
  }
  const total = (impl, key) => bytes[impl].reduce((sum, file) => sum + file[key], 0);

  const kb = (n) => (n / 1024).toFixed(1);
  const ms = (xs, digits = 1) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(`\nChromium, crossOriginIsolated = ${result.crossOriginIsolated}; onnxruntime-web ${ortVersion}, wasm backend, numThreads = ${result.cold.ort.threads}.`);
  console.log("\nFiles fetched on a cold start (KiB: raw / gzip -9 / brotli -q 11):\n");
  for (const impl of impls) {
    console.log(`- ${names[impl]}: ${bytes[impl].map((f) => `${f.file} ${kb(f.raw)} / ${kb(f.gzip)} / ${kb(f.brotli)}`).join("; ")}`);
  }
  const medianOf = (xs) => median(xs);
  console.log(`\n| measure | ${names.ours} | ${names.ort} | ours / ORT | ${names.nnef} | nnef / ORT |`);
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [label, key] of [["downloaded, raw (KiB)", "raw"], ["downloaded, gzip -9 (KiB)", "gzip"], ["downloaded, brotli -q 11 (KiB)", "brotli"]]) {
    const [o, r, n] = impls.map((impl) => total(impl, key));
    console.log(`| ${label} | ${kb(o)} | ${kb(r)} | **${ratio(o, r)}** | ${kb(n)} | ${ratio(n, r)} |`);
  }
  const row = (label, pick, digits = 1) => {
    const [o, r, n] = impls.map(pick);
    console.log(`| ${label} | ${ms(o, digits)} | ${ms(r, digits)} | **${ratio(medianOf(o), medianOf(r))}** | ${ms(n, digits)} | ${ratio(medianOf(n), medianOf(r))} |`);
  };
  row(`init: glue import + compile + instantiate + model load, ms (median of ${INIT_RUNS} fresh Workers)`, (impl) => result.inits[impl]);
  row("init + first 1-row result, ms", (impl) => result.firstResults[impl]);
  {
    const [o, r, n] = impls.map((impl) => result.cold[impl].firstResult);
    console.log(`| first use, cold (fetch from localhost + init + first result), ms, one sample | ${o.toFixed(1)} | ${r.toFixed(1)} | ${ratio(o, r)} | ${n.toFixed(1)} | ${ratio(n, r)} |`);
  }
  row(`latency, 1 row, ms per call (median of ${BATCHES} batches)`, (impl) => result.latency.one[impl], 4);
  row(`latency, 1,000 rows, ms per call (median of ${BATCHES} batches)`, (impl) => result.latency.thousand[impl], 3);
  console.log(
    `| max abs difference from onnxruntime (Python reference, 300 + 1,000 rows) | ${diffs.ours.toExponential(1)} | ${diffs.ort.toExponential(1)} | | ${diffs.nnef.toExponential(1)} | |`,
  );
  console.log(`\nCalls per batch: 1 row ${JSON.stringify(result.latency.one.calls)}; 1,000 rows ${JSON.stringify(result.latency.thousand.calls)}.`);

  // The wasm alone, before and after wasm-opt -Oz (npm binaryen, as Trunk runs it for dist/).
  const preOpt = {
    ours: join(process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target"), "wasm-bindgen/release/assent-risk_bg.wasm"),
    nnef: join(nnefDir, "bindgen/assent-risk-nnef_bg.wasm"),
  };
  console.log("\n| wasm module | after wasm-bindgen: raw | gzip -9 | after wasm-opt -Oz: raw | gzip -9 | brotli -q 11 |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const impl of ["ours", "nnef"]) {
    const before = sizes(preOpt[impl]);
    const after = sizes(join(dirs[impl], wasmFile[impl]));
    console.log(`| ${names[impl]} | ${before.raw} | ${before.gzip} | ${after.raw} | ${after.gzip} | ${after.brotli} |`);
  }
  const ortWasm = sizes(join(ortDir, wasmFile.ort));
  console.log(`| ${names.ort} (as published) | | | ${ortWasm.raw} | ${ortWasm.gzip} | ${ortWasm.brotli} |`);
} finally {
  await browser.close();
  await gateway.stop();
}
