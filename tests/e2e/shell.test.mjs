// The app shell in a real browser: navigation between pages in place, the exact security headers
// as served, and the CSP enforced on the page the service worker serves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewayForThisFile, gotoApp, openPage, screenshot } from "./harness.mjs";

const gateway = gatewayForThisFile();

test("the served page carries the strict security headers", async () => {
  const response = await fetch(gateway.url);
  assert.equal(response.status, 200);
  // The exact policy: own scripts and wasm only ('wasm-unsafe-eval', no inline script or
  // style), no plugins, no <base>, never framed; requests to this origin and HTTPS gateways.
  assert.equal(
    response.headers.get("content-security-policy"),
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
      "connect-src 'self' https:; font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; " +
      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
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


test("the page the service worker serves keeps the policy: an inline script does not run", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
    const response = await page.reload();
    assert.ok(response.fromServiceWorker(), "served from the service worker's cache");
    const served = await fetch(gateway.url);
    assert.equal(response.headers()["content-security-policy"], served.headers.get("content-security-policy"));
    await page.locator("main#content h1").first().waitFor();
    const outcome = await page.evaluate(async () => {
      const violation = new Promise((resolve) =>
        document.addEventListener("securitypolicyviolation", (event) => resolve(event.effectiveDirective), { once: true }),
      );
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true;";
      document.body.append(script);
      return { directive: await violation, ran: window.inlineRan === true };
    });
    assert.deepEqual(outcome, { directive: "script-src-elem", ran: false });
    const others = problems.filter((problem) => !problem.includes("Content Security Policy"));
    assert.deepEqual(others, []);
  } finally {
    await browser.close();
  }
});
