// The app shell in a real browser: navigation, the router, the security headers as served,
// and a wasm-backed page whose result is checked against independent implementations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { assentCli, gatewayForThisFile, gotoApp, openPage, screenshot } from "./harness.mjs";

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
  return tree(entries.map((entry) => Buffer.from(entry, "utf8")));
}

const gateway = gatewayForThisFile();

test("the served page carries the strict security headers", async () => {
  const response = await fetch(gateway.url);
  assert.equal(response.status, 200);
  const csp = response.headers.get("content-security-policy");
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  const html = await response.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script in index.html");

  const wasm = await fetch(new URL("/assent-app_bg.wasm", gateway.url), { headers: { "accept-encoding": "br" } });
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  assert.equal(wasm.headers.get("content-encoding"), "br", "the wasm is sent compressed");
});

test("every page of the shell is reachable from the navigation", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await page.getByRole("heading", { level: 1, name: "Wallet" }).waitFor();
    for (const name of ["Records", "Share", "Ledger", "Provider", "Wallet"]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      const current = await page.getByRole("link", { name }).getAttribute("aria-current");
      assert.equal(current, "page", `${name} is marked as the current page`);
    }
    await gotoApp(page, new URL("/no/such/page", gateway.url).href, problems);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("the ledger calculator computes RFC 6962 roots in wasm, and shows bad input as an error", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await page.getByRole("link", { name: "Ledger" }).click();
    const entries = ["grant-1", "grant-2", "grant-3", "revocation-1", "access-1"];
    await page.getByLabel("Entries, one per line").fill(entries.join("\n"));

    const expected = rfc6962Root(entries);
    await page.getByTestId("tree-size").filter({ hasText: String(entries.length) }).waitFor();
    assert.equal(await page.getByTestId("tree-root-hex").textContent(), expected.toString("hex"));
    assert.equal(await page.getByTestId("tree-root-base64").textContent(), expected.toString("base64"));

    // The CLI runs the same wasm-core code natively and must agree with the browser.
    const cli = JSON.parse(assentCli(["tree-head"], entries.join("\n") + "\n"));
    assert.equal(cli.root_hex, expected.toString("hex"));
    await screenshot(page, "ledger-calculator");

    await page.getByLabel("hexadecimal bytes").check();
    const alert = page.getByTestId("calculator-error");
    await alert.waitFor();
    assert.match(await alert.textContent(), /line 1 is not hexadecimal/);
    assert.equal(await page.getByTestId("tree-root-hex").count(), 0, "no root is shown for bad input");

    await page.getByLabel("Entries, one per line").fill("00\n0102");
    await page.getByTestId("tree-size").filter({ hasText: "2" }).waitFor();
    assert.equal(await alert.count(), 0, "the error clears once the input is valid");
    await screenshot(page, "ledger-calculator-hex");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
