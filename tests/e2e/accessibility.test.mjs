// Accessibility end to end in Chromium: axe-core (npm) runs on every page — the wallet before
// it exists (both restore forms open), unlocked and locked, and each other page locked and
// unlocked with content (a sample patient's records, a grant and its code, a verified consent
// code, an access on the Activity page) — in the light and the dark scheme, 360 px and 1280 px
// wide. Any violation axe rates serious or critical fails, named with its rule, impact and
// elements; at 360 px nothing may scroll sideways.
// A full-page screenshot of each page, scheme and width lands in target/e2e/.
//
// axe is injected with `page.evaluate` of its source: a DevTools evaluation, which the page's
// CSP (script-src 'self', no inline script) does not govern, so the test runs under the same CSP
// as users do (`addScriptTag` inserts an inline script, which the CSP rightly blocks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayForThisFile, gotoApp, nav, openPage, repoRoot, screenshot } from "./harness.mjs";
import { createWallet, signGrantToSelf } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();
const axeSource = readFileSync(join(repoRoot, "node_modules/axe-core/axe.min.js"), "utf8");

const SCHEMES = ["light", "dark"];
const SIZES = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];

/** The serious and critical violations axe finds on the page, in words. */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => {
      const targets = violation.nodes.map((node) => node.target.join(" ")).join(", ");
      return `${violation.id} (${violation.impact}): ${violation.help} — ${targets}`;
    });
}

/** Checks the current page in both schemes at both sizes, screenshots each, and collects what
 *  fails into `failures`. */
async function check(page, name, failures) {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    assert.equal(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches), colorScheme === "dark");
    for (const size of SIZES) {
      await page.setViewportSize(size);
      // Let a relayout and a pending render settle before measuring.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const where = `${name}, ${colorScheme}, ${size.width} px`;
      for (const violation of await seriousViolations(page)) failures.push(`${where}: ${violation}`);
      const overflow = await page.evaluate(() => {
        const by = document.documentElement.scrollWidth - window.innerWidth;
        if (by <= 0) return "";
        // What reaches past the right edge: elements, and text that overflows its element.
        const past = (rect) => rect.right > window.innerWidth + 0.5;
        const name = (element) =>
          `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${[...element.classList].map((c) => `.${c}`).join("")}`;
        const wide = [...document.querySelectorAll("body *")].filter((element) => past(element.getBoundingClientRect())).map(name);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          range.selectNodeContents(node);
          if (past(range.getBoundingClientRect())) wide.push(`text in ${name(node.parentElement)}: "${node.textContent.slice(0, 40)}"`);
        }
        return `the page scrolls sideways by ${by} px (${wide.slice(0, 5).join(", ")})`;
      });
      if (overflow) failures.push(`${where}: ${overflow}`);
      await screenshot(page, `a11y-${name}-${colorScheme}-${size.width}`);
    }
  }
}

test("every page passes axe in both schemes at 360 px and 1280 px, without sideways scrolling", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  const failures = [];
  try {
    await gotoApp(page, new URL("/no/such/page", gateway.url).href, problems);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await check(page, "not-found", failures);

    await nav(page, "Wallet");
    await page.getByRole("region", { name: "Create a wallet" }).waitFor();
    // Both ways to restore open, so their forms are checked too.
    for (const summary of ["From your recovery phrase", "From a backup file"]) await page.getByText(summary).click();
    await check(page, "wallet-new", failures);
    for (const [link, name] of [["Records", "records"], ["Share", "share"], ["Activity", "activity"], ["Provider", "provider"]]) {
      await nav(page, link);
      await page.getByRole("heading", { level: 1, name: link }).waitFor();
      await page.getByRole("status").filter({ hasText: "Unlock your wallet" }).first().waitFor();
      await check(page, `${name}-locked`, failures);
    }

    await nav(page, "Wallet");
    await createWallet(page);
    await check(page, "wallet-unlocked", failures);

    // The provider's id (this wallet is its own provider), then a grant to it with its code.
    const { payload } = await signGrantToSelf(page, "Laboratory results");
    await page.getByTestId("grant-status").first().waitFor();
    await check(page, "share", failures);

    // The provider checks the code (every check green) and opens the data, recording an access.
    await nav(page, "Provider");
    await page.getByLabel("Or paste the code's text").fill(payload);
    await page.getByRole("button", { name: "Check" }).click();
    await page.locator("[data-testid=check-revocation].passed").waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Open the data (records your access)" }).click();
    await page.getByTestId("access-recorded").waitFor({ timeout: 30_000 });
    await check(page, "provider", failures);

    await nav(page, "Activity");
    await page.getByTestId("access-event").first().waitFor({ timeout: 30_000 });
    await check(page, "activity", failures);

    await nav(page, "Ledger");
    await page.getByTestId("ledger-size").waitFor({ timeout: 30_000 });
    await page.getByTestId("ledger-grant").first().waitFor();
    await check(page, "ledger", failures);

    await nav(page, "Records");
    await page.getByLabel("Or try a synthetic sample patient (made up, not a real person)").selectOption("a");
    await page.getByTestId("risk-ledger").waitFor({ timeout: 90_000 });
    await check(page, "records", failures);

    await nav(page, "Wallet");
    await page.getByRole("button", { name: "Lock now" }).click();
    await page.getByRole("region", { name: "Unlock your wallet" }).waitFor();
    await check(page, "wallet-locked", failures);

    assert.deepEqual(failures, [], `accessibility failures:\n${failures.join("\n")}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
