// Consent in headless Chromium, one page, one run:
// - QR decode of a 1280×720 frame holding a real grant's code: rqrr (our worker module, wasm)
//   side by side with jsQR (npm, JavaScript) and zxing-wasm (npm, ZXing-C++ in wasm), pairwise;
// - scan-to-verdict (rqrr scan + verify) against the 100 ms target;
// - sign (+ encode + render) and verify in wasm, for the wasm/native ratio with
//   `cargo bench -p wasm-core --bench consent`.
// Run: bash scripts/bench.sh consent
import { join } from "node:path";
import { gotoApp, openPage, repoRoot, startGateway } from "../tests/e2e/harness.mjs";
import { median, summary as summaryWith } from "./stats.mjs";

const summary = (xs) => summaryWith(xs, 2);

const RUNS = Number(process.env.RUNS ?? 15);

const gateway = await startGateway();
// No service worker: the peers' scripts are routed in, and routes do not see through one.
const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
try {
  await page.route("**/bench/jsQR.js", (route) =>
    route.fulfill({ path: join(repoRoot, "node_modules/jsqr/dist/jsQR.js"), contentType: "text/javascript" }),
  );
  // zxing-wasm fetches its wasm from a CDN by default: serve the npm package's own file instead.
  await page.route("**/bench/zxing-reader.js", (route) =>
    route.fulfill({ path: join(repoRoot, "node_modules/zxing-wasm/dist/iife/reader/index.js"), contentType: "text/javascript" }),
  );
  await page.route("**/bench/zxing_reader.wasm", (route) =>
    route.fulfill({ path: join(repoRoot, "node_modules/zxing-wasm/dist/reader/zxing_reader.wasm"), contentType: "application/wasm" }),
  );
  await gotoApp(page, gateway.url, problems);
  await page.addScriptTag({ url: "/bench/jsQR.js" });
  await page.addScriptTag({ url: "/bench/zxing-reader.js" });
  const result = await page.evaluate(async (runs) => {
    await window.ZXingWASM.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? "/bench/zxing_reader.wasm" : prefix + path) },
      fireImmediately: true,
    });
    const vault = await import("/assent-vault-worker.js");
    await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const provider = crypto.getRandomValues(new Uint8Array(32));
    const scopes = '["patient/Observation.rs?category=laboratory","patient/Condition.rs","patient/MedicationStatement.rs"]';
    const now = BigInt(Math.floor(Date.now() / 1000));
    const sign = [];
    let code;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      code = JSON.parse(vault.sign_grant(secret, provider, scopes, "TREAT", now, now + 2592000n, "assent.example/log"));
      sign.push(performance.now() - start);
    }
    // Draw the code, 400 px wide, into a 1280×720 frame, as a camera would deliver it.
    const image = new Image();
    image.src = URL.createObjectURL(new Blob([code.svg], { type: "image/svg+xml" }));
    await image.decode();
    const canvas = new OffscreenCanvas(1280, 720);
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, 1280, 720);
    context.drawImage(image, 440, 160, 400, 400);
    const frame = context.getImageData(0, 0, 1280, 720);
    const ours = [], theirs = [], zxing = [], verify = [], toVerdict = [];
    for (let i = 0; i < runs; i++) {
      let start = performance.now();
      const text = vault.scan_qr(frame.data, 1280, 720);
      const scanned = performance.now() - start;
      ours.push(scanned);
      start = performance.now();
      const verdict = JSON.parse(vault.verify_payload(text, now, provider));
      const verified = performance.now() - start;
      verify.push(verified);
      toVerdict.push(scanned + verified);
      if (!verdict.valid || text !== code.payload) throw new Error("scan or verify failed");
      start = performance.now();
      const peer = window.jsQR(frame.data, 1280, 720);
      theirs.push(performance.now() - start);
      if (!peer || peer.data !== code.payload) throw new Error("jsQR did not read the code");
      start = performance.now();
      const [zxingResult] = await window.ZXingWASM.readBarcodes(frame, { formats: ["QRCode"], maxNumberOfSymbols: 1 });
      zxing.push(performance.now() - start);
      if (!zxingResult || zxingResult.text !== code.payload) throw new Error("zxing-wasm did not read the code");
    }
    return { sign, ours, theirs, zxing, verify, toVerdict, payloadLength: code.payload.length };
  }, RUNS);
  if (problems.length) throw new Error(problems.join("; "));
  const ratio = result.ours.map((t, i) => t / result.theirs[i]);
  console.log(`| measure (headless Chromium, ${RUNS} runs, median) | time |`);
  console.log(`|---|---:|`);
  console.log(`| rqrr scan of a 1280×720 frame (wasm) | ${summary(result.ours)} |`);
  console.log(`| jsQR scan of the same frame, same page | ${summary(result.theirs)} |`);
  console.log(`| ratio rqrr / jsQR (pairwise median) | ${median(ratio).toFixed(2)} |`);
  const zxingRatio = result.ours.map((t, i) => t / result.zxing[i]);
  console.log(`| zxing-wasm scan of the same frame (QR only), same page | ${summary(result.zxing)} |`);
  console.log(`| ratio rqrr / zxing-wasm (pairwise median) | ${median(zxingRatio).toFixed(2)} |`);
  console.log(`| verify (decode payload, verify_strict, audience, dates), wasm | ${summary(result.verify)} |`);
  console.log(`| scan-to-verdict (rqrr + verify), wasm | ${summary(result.toVerdict)} |`);
  console.log(`| sign + encode + render SVG, wasm | ${summary(result.sign)} |`);
  console.log(`| payload length | ${result.payloadLength} characters |`);
} finally {
  await browser.close();
  await gateway.stop();
}
