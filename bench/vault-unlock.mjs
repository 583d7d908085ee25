// Unlock cost in headless Chromium at the default Argon2id parameters (64 MiB, t=3, p=1):
// 1. the vault worker module's open_record (Argon2id + XChaCha20-Poly1305), side by side with
//    hash-wasm's argon2id (npm) in the same page, same parameters;
// 2. the whole unlock a patient sees on the wallet page: click "Unlock" to key shown.
// Prints a Markdown table. Run: bash scripts/bench.sh vault.
import { join } from "node:path";
import { gotoApp, openPage, repoRoot, startGateway } from "../tests/e2e/harness.mjs";
import { median, summary as summaryWith } from "./stats.mjs";

const summary = (xs) => summaryWith(xs, 0);

const RUNS = Number(process.env.RUNS ?? 7);
const PASSPHRASE = "bench passphrase for the wallet";

const gateway = await startGateway();
// No service worker: the peers' scripts are routed in, and routes do not see through one.
const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
try {
  // Serve the peer from the page's own origin, as an app would bundle it.
  await page.route("**/bench/hash-wasm.js", (route) =>
    route.fulfill({ path: join(repoRoot, "node_modules/hash-wasm/dist/index.esm.min.js"), contentType: "text/javascript" }),
  );
  await gotoApp(page, gateway.url, problems);

  const raw = await page.evaluate(
    async ({ runs, passphrase }) => {
      const vault = await import("/assent-vault-worker.js");
      await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
      const peer = await import("/bench/hash-wasm.js");
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const record = vault.seal_record(1, seed, passphrase);
      const ours = [];
      const theirs = [];
      for (let i = 0; i < runs; i++) {
        let start = performance.now();
        vault.open_record(1, record, passphrase);
        ours.push(performance.now() - start);
        start = performance.now();
        await peer.argon2id({ password: passphrase, salt, parallelism: 1, iterations: 3, memorySize: 65536, hashLength: 32, outputType: "binary" });
        theirs.push(performance.now() - start);
      }
      // Store the sealed record, so the wallet page below finds a locked wallet.
      await new Promise((resolve, reject) => {
        const open = indexedDB.open("assent", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("records");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction("records", "readwrite");
          tx.objectStore("records").put(record, "vault/master-seed");
          tx.oncomplete = () => { open.result.close(); resolve(); };
        };
      });
      return { ours, theirs };
    },
    { runs: RUNS, passphrase: PASSPHRASE },
  );

  const unlock = [];
  for (let i = 0; i < RUNS; i++) {
    await page.reload();
    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    const start = Date.now();
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByTestId("root-public-key").waitFor({ timeout: 30_000 });
    unlock.push(Date.now() - start);
  }
  // Warm: the worker is running; lock and unlock again, as after the idle lock.
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    await page.getByRole("button", { name: "Lock now" }).click();
    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    const start = Date.now();
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByTestId("root-public-key").waitFor({ timeout: 30_000 });
    warm.push(Date.now() - start);
  }
  if (problems.length) throw new Error(problems.join("; "));

  const ratio = raw.ours.map((t, i) => t / raw.theirs[i]);
  console.log(`| measure (headless Chromium, ${RUNS} runs, median) | time |`);
  console.log(`|---|---:|`);
  console.log(`| Assent open_record (Argon2id 64 MiB t=3 p=1 + AEAD), wasm | ${summary(raw.ours)} |`);
  console.log(`| hash-wasm argon2id, same parameters, same page | ${summary(raw.theirs)} |`);
  console.log(`| ratio Assent / hash-wasm (pairwise) | ${median(ratio).toFixed(2)} |`);
  console.log(`| wallet page unlock right after a page load (worker still starting), click to key shown | ${summary(unlock)} |`);
  console.log(`| wallet page unlock, worker running (lock, then unlock), click to key shown | ${summary(warm)} |`);
} finally {
  await browser.close();
  await gateway.stop();
}
