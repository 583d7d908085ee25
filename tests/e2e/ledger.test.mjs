// The ledger page end to end in Chromium: the wallet verifies the local gateway's log (its key
// preset from the gateway that served the app), keeps the verified checkpoint in IndexedDB, and
// when a gateway with the same log key later serves a different history on the same origin, the
// wallet refuses it and shows the fork banner with evidence to download.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assentCli, gotoApp, nav, openPage, screenshot, startGateway } from "./harness.mjs";

/** RFC 6962 in plain JS, independent of the Rust code: leaf H(0x00‖e), node H(0x01‖l‖r). */
function rfc6962Root(entries) {
  const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
  const tree = (leaves) => {
    if (leaves.length === 0) return sha256(Buffer.alloc(0));
    if (leaves.length === 1) return sha256(Buffer.from([0]), leaves[0]);
    let split = 1;
    while (split * 2 < leaves.length) split *= 2;
    return sha256(Buffer.from([1]), tree(leaves.slice(0, split)), tree(leaves.slice(split)));
  };
  return tree(entries.map((entry) => Buffer.from(entry)));
}

/** The entries of a C2SP entry bundle: each a big-endian uint16 length, then its bytes. */
function bundleEntries(bytes) {
  const entries = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt16BE(at);
    entries.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

/** Appends `count` freshly signed entries through `assent bench-append`. */
function append(url, count) {
  assentCli(["bench-append", "--url", url, "--count", String(count), "--concurrency", "1"], "");
}

test("the ledger page verifies the log, and a forked view raises the banner with its evidence", async () => {
  const keyDir = mkdtempSync(join(tmpdir(), "assent-e2e-keys-"));
  let gateway = await startGateway({ keyDir });
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    append(gateway.url, 3);
    await gotoApp(page, gateway.url, problems);
    await nav(page, "Ledger");
    await page.getByTestId("ledger-size").filter({ hasText: /^3$/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId("ledger-origin").textContent(), "assent.local/log");
    assert.equal(await page.getByTestId("gateway-row").getAttribute("data-outcome"), "verified");
    assert.equal(await page.getByTestId("fork-banner").count(), 0);
    // The preset gateway is stored as the setting, with the key the gateway printed.
    const settings = await page.locator("#gateway-lines").inputValue();
    assert.ok(settings.startsWith(`${new URL(gateway.url).origin} assent.local/log+`), settings);

    // The log grows honestly: the wallet follows it with a consistency proof.
    append(gateway.url, 2);
    await page.getByTestId("ledger-refresh").click();
    await page.getByTestId("ledger-size").filter({ hasText: /^5$/ }).waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId("gateway-row").textContent(), /grew from 3 to 5 entries, consistency proven/);
    // The root the wallet verified in wasm is the RFC 6962 root of the entries, computed here
    // independently of the Rust code.
    const bundle = Buffer.from(await (await fetch(new URL("/tile/entries/000.p/5", gateway.url))).arrayBuffer());
    const entries = bundleEntries(bundle);
    assert.equal(entries.length, 5);
    assert.equal(await page.getByTestId("ledger-root").textContent(), rfc6962Root(entries).toString("hex"));
    await screenshot(page, "ledger-verified");

    // Same origin, same log key, another history: a fork.
    const port = new URL(gateway.url).port;
    await gateway.stop();
    gateway = await startGateway({ keyDir, listen: `127.0.0.1:${port}` });
    append(gateway.url, 9);
    await page.getByTestId("ledger-refresh").click();
    const banner = page.getByTestId("fork-banner");
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.textContent(), /This log has forked/);
    assert.equal(await page.getByTestId("ledger-size").textContent(), "5", "the forked tree is not accepted");
    assert.match(await page.getByTestId("gateway-row").textContent(), /the log has forked/);
    await screenshot(page, "ledger-fork");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("fork-evidence").click()]);
    const evidence = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert.equal(evidence.kind, "assent/fork-evidence/v1");
    assert.equal(evidence.origin, "assent.local/log");
    assert.match(evidence.first_note, /^assent\.local\/log\n5\n/);
    assert.match(evidence.second_note, /^assent\.local\/log\n9\n/);
    assert.ok(evidence.consistency_proof.length > 0);

    // The evidence is kept: a reload still shows the banner.
    await page.reload();
    await page.getByTestId("fork-banner").waitFor({ timeout: 30_000 });

    // Settings are checked before they are kept: a bad line is named, nothing is stored.
    await page.locator("#gateway-lines").fill(`${new URL(gateway.url).origin} not-a-key`);
    await page.getByTestId("gateways-save").click();
    await page.getByTestId("gateways-error").filter({ hasText: /^line 1: / }).waitFor();
    await page.reload();
    // The stored settings are unchanged: the form fills with them again after the check.
    await page.waitForFunction(() => document.getElementById("gateway-lines")?.value.includes(" assent.local/log+"), null, {
      timeout: 30_000,
    });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await gateway.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
});
