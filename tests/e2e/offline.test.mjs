// The installable, offline wallet in Chromium: the manifest and icons make it installable; after
// one visit, with the network cut off (and the gateway stopped), the wallet still opens, unlocks,
// shows its grants and their QR codes and signs new ones, and the Provider page verifies a code
// against the last checkpoint it verified, amber "offline, as of checkpoint S, N minutes old";
// a new build is announced and taken only when the user agrees, and the footer shows the build;
// Subresource Integrity stops a tampered wasm or glue file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gotoApp, nav, openPage, repoRoot, screenshot, startGateway } from "./harness.mjs";
import { checkText, createWallet, PASSPHRASE, publicKey, signGrant, unlock } from "./wallet-steps.mjs";

/** Waits until the service worker has cached the shell and controls the page. */
async function controlledByServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
}

/** A copy of the built app to change; `stamp()` re-stamps it as the build does. */
function appCopy() {
  const dir = mkdtempSync(join(tmpdir(), "assent-app-"));
  cpSync(join(repoRoot, "dist"), dir, { recursive: true });
  const stamp = () => execFileSync("node", [join(repoRoot, "scripts", "stamp-build.mjs"), dir], { encoding: "utf8" });
  return { dir, stamp, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test("the build checks every file it ships: each listed with its SHA-384, none left out", () => {
  const dist = join(repoRoot, "dist");
  const stamped = (file) => JSON.parse(readFileSync(join(dist, file), "utf8").match(/^const BUILD = (.*); \/\/ stamped/m)[1]);
  const worker = stamped("service-worker.js");
  const listed = { ...worker.shell, ...worker.lazy };
  const shipped = readdirSync(dist, { recursive: true })
    .map((path) => `/${path}`)
    .filter((path) => statSync(join(dist, path)).isFile() && !/^\/(\.|service-worker\.js$)|\.md$/.test(path));
  assert.deepEqual(Object.keys(listed).sort(), shipped.sort());
  for (const [path, integrity] of Object.entries(listed)) {
    const digest = createHash("sha384").update(readFileSync(join(dist, path))).digest("base64");
    assert.equal(integrity, `sha384-${digest}`, path);
  }
  for (const path of ["/index.html", "/boot.js", "/assent-app.js", "/assent-app_bg.wasm", "/vault-worker.js", "/assent-vault-worker_bg.wasm"]) {
    assert.ok(path in worker.shell, `${path} is cached at install`);
  }
  for (const path of ["/assent-risk_bg.wasm", "/model/pima-logistic-v1.onnx"]) assert.ok(path in worker.lazy, `${path} waits until needed`);
  // The page and the vault worker carry the same hashes for what they fetch themselves.
  assert.equal(stamped("boot.js").integrity["/assent-app_bg.wasm"], listed["/assent-app_bg.wasm"]);
  for (const [path, integrity] of Object.entries(stamped("vault-worker.js").integrity)) assert.equal(integrity, listed[path], path);
  const index = readFileSync(join(dist, "index.html"), "utf8");
  assert.ok(index.includes(`src="/boot.js" integrity="${listed["/boot.js"]}"`));
  assert.ok(index.includes(`href="/assent-app.js" integrity="${listed["/assent-app.js"]}"`));
  assert.ok(index.includes(`content="${worker.version}"`));
});

test("the app is installable: a manifest with icons, a service worker, no installability errors", async () => {
  const gateway = await startGateway();
  const { browser, page, problems } = await openPage(gateway.url, [], { persistent: true });
  try {
    await gotoApp(page, gateway.url, problems);
    await controlledByServiceWorker(page);
    const cdp = await page.context().newCDPSession(page);
    const manifest = await cdp.send("Page.getAppManifest");
    assert.deepEqual(manifest.errors, [], "the manifest parses");
    const parsed = JSON.parse(manifest.data);
    assert.equal(parsed.display, "standalone");
    assert.deepEqual(parsed.icons.map((icon) => icon.sizes), ["192x192", "512x512", "512x512"]);
    for (const icon of parsed.icons) {
      const response = await page.request.get(new URL(icon.src, gateway.url).href);
      assert.equal(response.headers()["content-type"], "image/png", icon.src);
    }
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    assert.deepEqual(installabilityErrors, [], "Chromium would offer to install it");
    // The footer names the build the page runs.
    const build = await page.locator('meta[name="assent-build"]').getAttribute("content");
    assert.match(build, /^[0-9a-f]{12}$/);
    assert.match(await page.getByTestId("app-version").textContent(), new RegExp(`^Assent \\d+\\.\\d+\\.\\d+, build ${build}$`));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await gateway.stop();
  }
});

test("after one visit the wallet works offline and the provider verifies against its last checkpoint", async () => {
  // The gateway's data and key outlive it, so it can come back at the same address.
  const state = mkdtempSync(join(tmpdir(), "assent-offline-"));
  let gateway = await startGateway({ state });
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await controlledByServiceWorker(page);
    await createWallet(page);
    await nav(page, "Provider");
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();
    const { placed } = await signGrant(page, providerId);
    const index = placed.match(/^AS1\/(\d+):/)[1];
    await nav(page, "Provider");
    // Online: verified, and the checkpoint, its tiles and the revocation proof are kept.
    assert.match(await checkText(page, placed), /^Valid: /);
    const size = (await page.getByTestId("check-ledger").textContent()).match(/checkpoint size (\d+)/)[1];

    // The network cut off and the gateway gone.
    await page.context().setOffline(true);
    await gateway.stop();
    await page.reload();
    await page.locator("main#content h1").first().waitFor({ timeout: 30_000 });
    await nav(page, "Wallet");
    await unlock(page, PASSPHRASE);
    await publicKey(page);

    // The grant and its QR code.
    await nav(page, "Share");
    const grant = page.getByTestId("grant").first();
    assert.match(await grant.getByTestId("grant-ledger").textContent(), new RegExp(`Grant on the ledger at index ${index}`));
    await grant.getByRole("button", { name: "Show code" }).click();
    await grant.getByTestId("grant-list-qr").locator("svg").waitFor();
    assert.equal(await grant.getByTestId("grant-list-qr").getAttribute("aria-label"), "QR code of this grant");
    await screenshot(page, "offline-share");

    // A new grant is signed and shown offline; it waits to be put on the ledger.
    await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
    await page.getByLabel("Laboratory results").check();
    await page.getByLabel("For how many days").fill("7");
    await page.getByRole("button", { name: "Sign and show the code" }).click();
    await page.getByTestId("grant-qr").locator("svg").waitFor();
    assert.match(await page.getByTestId("grant-payload").inputValue(), /^AS1:/);
    await page.getByTestId("publish-error").waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId("publish-error").textContent(), /could not be reached/);
    const waiting = page.getByTestId("grant").first();
    assert.match(await waiting.getByTestId("grant-ledger").textContent(), /Grant not on the ledger yet/);

    // The Provider page: the signature and dates verified offline; the ledger and revocation
    // checks amber, as of the last verified checkpoint, with its age.
    await nav(page, "Provider");
    const headline = await checkText(page, placed);
    // Seen once in CI (not reproduced in 9 runs alone): the ledger check ended "not checked"
    // instead of offline. The ledger line carries the reason the page gave.
    const ledgerLine = await page.getByTestId("check-ledger").textContent();
    assert.match(
      headline,
      /^The offline checks pass: signed by the patient and within its dates\. No gateway answered/,
      `${headline} (ledger line: ${ledgerLine})`,
    );
    for (const check of ["signature", "audience", "not_before", "expiry"]) {
      assert.equal(await page.getByTestId(`check-${check}`).getAttribute("class"), "passed", check);
    }
    const ledger = page.getByTestId("check-ledger");
    assert.equal(await ledger.getAttribute("class"), "offline");
    assert.match(
      await ledger.textContent(),
      new RegExp(`^On the ledger:\\s*offline, as of checkpoint ${size}, \\d+ minutes old: on the ledger at index ${index}, verified against that checkpoint`),
    );
    const revocation = page.getByTestId("check-revocation");
    assert.equal(await revocation.getAttribute("class"), "offline");
    assert.match(await revocation.textContent(), new RegExp(`^Not revoked:\\s*offline, as of checkpoint ${size}, \\d+ minutes old: not revoked then`));
    await screenshot(page, "offline-provider");

    // Back online (the gateway back at its address): the grant signed offline goes on the
    // ledger by itself, and the Provider page's checks are green again.
    gateway = await startGateway({ state, listen: new URL(gateway.url).host });
    await page.context().setOffline(false);
    await nav(page, "Share");
    await waiting.getByTestId("grant-ledger").filter({ hasText: /Grant on the ledger at index \d+/ }).waitFor({ timeout: 30_000 });
    await nav(page, "Provider");
    assert.match(await checkText(page, placed), /^Valid: /);

    // Offline, requests fail; nothing else may.
    const others = problems.filter((problem) => !/ERR_INTERNET_DISCONNECTED|net::ERR_FAILED|ERR_CONNECTION_REFUSED/.test(problem));
    assert.deepEqual(others, []);
  } finally {
    await browser.close();
    await gateway.stop();
    rmSync(state, { recursive: true, force: true });
  }
});

test("a new build is announced, taken when the user agrees, and never mixed with the old one", async () => {
  const app = appCopy();
  const gateway = await startGateway({ app: app.dir });
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await controlledByServiceWorker(page);
    const first = await page.locator('meta[name="assent-build"]').getAttribute("content");
    await createWallet(page);

    // The operator deploys a new build: a changed stylesheet, stamped again.
    appendFileSync(join(app.dir, "styles.css"), "\n/* the next version */\n");
    assert.match(app.stamp(), /stamped build [0-9a-f]{12}/);
    const second = readFileSync(join(app.dir, "index.html"), "utf8").match(/name="assent-build" content="([0-9a-f]+)"/)[1];
    assert.notEqual(second, first);

    // The running page keeps its version (the wallet stays unlocked) and says a new one is ready.
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => registration.update()));
    const notice = page.getByTestId("update-ready");
    await notice.waitFor({ timeout: 60_000 });
    assert.match(await notice.textContent(), /A new version of Assent is ready/);
    assert.match(await page.getByTestId("app-version").textContent(), new RegExp(`build ${first}$`));
    await publicKey(page);

    // Updating reloads into the new build, whole: its page, stylesheet and cache only.
    await Promise.all([page.waitForEvent("load"), notice.getByRole("button", { name: "Update now" }).click()]);
    await page.getByTestId("app-version").filter({ hasText: `build ${second}` }).waitFor({ timeout: 30_000 });
    const css = await page.evaluate(() => fetch("/styles.css").then((response) => response.text()));
    assert.match(css, /the next version/);
    assert.deepEqual(await page.evaluate(() => caches.keys().then((names) => names.filter((name) => name.startsWith("assent-shell-")))), [
      `assent-shell-${second}`,
    ]);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await gateway.stop();
    app.remove();
  }
});

test("a tampered wasm or glue file is refused by Subresource Integrity, and the page says so", async () => {
  // Changes that keep each file valid, so only its integrity can refuse it: a custom section
  // appended to the wasm, a comment to the script.
  const changes = {
    "assent-app_bg.wasm": Buffer.from([0, 5, 4, ...Buffer.from("tamp")]),
    "assent-app.js": Buffer.from("\n// tampered\n"),
  };
  for (const [file, change] of Object.entries(changes)) {
    const app = appCopy();
    appendFileSync(join(app.dir, file), change);
    const gateway = await startGateway({ app: app.dir });
    const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
    try {
      await page.goto(gateway.url);
      const alert = page.getByRole("alert");
      await alert.waitFor({ timeout: 30_000 });
      assert.match(await alert.textContent(), /Assent could not start in this browser/, file);
      assert.ok(problems.some((problem) => /integrity/i.test(problem)), `${file}: ${problems.join("; ")}`);
      assert.equal(await page.locator("main#content").count(), 0, `${file}: the app did not run`);
    } finally {
      await browser.close();
      await gateway.stop();
      app.remove();
    }
  }
});
