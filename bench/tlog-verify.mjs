// Ledger verification in headless Chromium, one page, one run:
// - a ledger check in wasm (the vault worker module): a checkpoint of a 2^32-entry tree signed by
//   the log and cosigned by 3 witnesses under a 3-of-3 policy, an inclusion proof and a
//   consistency proof — the fixture `cargo bench -p wasm-core --bench tlog_verify` writes, for
//   the ratio to its native figure;
// - a revocation map proof (decode + verify), from `cargo bench -p wasm-core --bench revmap_fold`;
// - one Ed25519 verification: our wasm (`ed25519::verify`, and the same rule with the key's table
//   kept, as log and witness keys are), WebCrypto Ed25519 and @noble/ed25519 (npm), on the same
//   key, message and signature.
// The first ledger check of a page also builds the tables of the base point and of the four keys
// (`wasm_core::ed25519::PreparedKey`); it is timed on its own.
// Run: bash scripts/bench.sh tlog
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gotoApp, openPage, repoRoot, startGateway } from "../tests/e2e/harness.mjs";
import { median } from "./stats.mjs";

const RUNS = Number(process.env.RUNS ?? 21);
const fixture = readFileSync(join(repoRoot, "target/bench/tlog-fixture.json"), "utf8");
// A non-membership proof in a revocation map of 100,000 revocations (`cargo bench --bench revmap_fold`).
const revmap = JSON.parse(readFileSync(join(repoRoot, "target/bench/revmap-fixture.json"), "utf8"));

const gateway = await startGateway();
// No service worker: the peers' scripts are routed in, and routes do not see through one.
const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
try {
  await page.route("**/bench/noble-ed25519.js", (route) =>
    route.fulfill({ path: join(repoRoot, "node_modules/@noble/ed25519/index.js"), contentType: "text/javascript" }),
  );
  await gotoApp(page, gateway.url, problems);
  const result = await page.evaluate(
    async ({ runs, fixture, revmap }) => {
      const vault = await import("/assent-vault-worker.js");
      await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
      const noble = await import("/bench/noble-ed25519.js");
      // The page's clock ticks in 0.1 ms steps: time batches of 50 and divide.
      const time = async (f) => {
        const times = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          for (let j = 0; j < 50; j++) await f();
          times.push((performance.now() - start) / 50);
        }
        return times;
      };
      const check = new vault.LedgerCheck(fixture);
      const firstStart = performance.now();
      check.verify();
      const first = performance.now() - firstStart;
      const ledger = await time(() => check.verify());
      const bytes = (hex) => Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
      const [proof, root, key] = [bytes(revmap.proof), bytes(revmap.root), bytes(revmap.key)];
      if (!vault.revmap_verify(proof, root, key)) throw new Error("the revocation map proof did not verify");
      const revmapTimes = await time(() => vault.revmap_verify(proof, root, key));

      const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
      const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
      const message = new TextEncoder().encode("assent/v1/grant-commitment: a 200-byte-ish statement ".repeat(4));
      const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, keys.privateKey, message));
      if (!vault.ed25519_verify(publicKey, message, signature)) throw new Error("wasm did not verify");
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, keys.publicKey, signature, message))) throw new Error("WebCrypto did not verify");
      if (!(await noble.verifyAsync(signature, message, publicKey))) throw new Error("noble did not verify");
      if (!vault.ed25519_verify_kept_key(publicKey, message, signature)) throw new Error("wasm (kept key) did not verify");
      const ours = await time(() => vault.ed25519_verify(publicKey, message, signature));
      const kept = await time(() => vault.ed25519_verify_kept_key(publicKey, message, signature));
      const webcrypto = await time(() => crypto.subtle.verify({ name: "Ed25519" }, keys.publicKey, signature, message));
      const nobleTimes = await time(() => noble.verifyAsync(signature, message, publicKey));
      return { first, ledger, kept, revmap: revmapTimes, proofBytes: proof.length, ours, webcrypto, noble: nobleTimes };
    },
    { runs: RUNS, fixture, revmap },
  );
  if (problems.length) throw new Error(problems.join("; "));
  const ms = (xs) => median(xs).toFixed(3);
  console.log(`| measure (median of ${RUNS} batches of 50) | ms | ratio |`);
  console.log("|---|---:|---:|");
  console.log(`| ledger check in wasm: checkpoint + 3 cosignatures + inclusion + consistency (2^32) | ${ms(result.ledger)} | target ≤ 0.5 ms |`);
  console.log(`| the first ledger check of a page (builds the base point's and four keys' tables; one call) | ${result.first.toFixed(1)} | — |`);
  console.log(`| revocation map proof in wasm: decode + verify (${result.proofBytes} bytes, 100,000 revocations) | ${ms(result.revmap)} | — |`);
  const base = median(result.ours);
  for (const [name, xs] of [
    ["Ed25519 verify, our wasm (ed25519::verify)", result.ours],
    ["Ed25519 verify, our wasm, the same rule with the key's table kept (log and witness keys)", result.kept],
    ["Ed25519 verify, WebCrypto", result.webcrypto],
    ["Ed25519 verify, @noble/ed25519 3.2", result.noble],
  ]) {
    console.log(`| ${name} | ${ms(xs)} | ${(median(xs) / base).toFixed(2)}× ours |`);
  }
} finally {
  await browser.close();
  await gateway.stop();
}
