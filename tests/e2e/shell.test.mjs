// The app shell in a real browser: navigation, the router and the security headers as served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewayForThisFile, gotoApp, openPage, screenshot } from "./harness.mjs";

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
    for (const name of ["Records", "Share", "Activity", "Ledger", "Provider", "Wallet"]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      const current = await page.getByRole("link", { name }).getAttribute("aria-current");
      assert.equal(current, "page", `${name} is marked as the current page`);
    }
    // A link inside a page changes the page in place (no reload, which would lock the wallet),
    // and the browser's back button returns.
    await page.evaluate(() => { window.loadedOnce = true; });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Provider" }).click();
    await page.getByRole("link", { name: "Wallet page" }).click();
    await page.getByRole("heading", { level: 1, name: "Wallet" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/");
    await page.goBack();
    await page.getByRole("heading", { level: 1, name: "Provider" }).waitFor();
    assert.equal(await page.evaluate(() => window.loadedOnce), true, "the page was not reloaded");
    await gotoApp(page, new URL("/no/such/page", gateway.url).href, problems);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

