// The wallet with the keyboard alone, in Chromium: every step of creating a wallet, moving between
// pages, signing a grant and checking its code is reached with Tab (in the page's focus order)
// and done with typing, Enter or Space; each control shows where focus is; the QR code has a
// text alternative.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewayForThisFile, gotoApp, openPage } from "./harness.mjs";
import { PASSPHRASE, publicKey } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();

/** Presses Tab (at most `limit` times) until `target` has focus; fails if the focus order never
 *  reaches it or if it shows no focus indicator. */
async function tabTo(page, target, limit = 80) {
  const handle = await target.elementHandle({ timeout: 30_000 });
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press("Tab");
    if (await handle.evaluate((element) => element === document.activeElement)) {
      const indicator = await handle.evaluate((element) => {
        const style = getComputedStyle(element);
        return element.matches(":focus-visible") && (style.outlineStyle !== "none" || style.boxShadow !== "none");
      });
      assert.ok(indicator, `${await handle.evaluate((element) => element.outerHTML.slice(0, 80))} shows focus`);
      return;
    }
  }
  throw new Error(`Tab never reached ${await handle.evaluate((element) => element.outerHTML.slice(0, 120))}`);
}

/** Reaches a field with Tab and types into it. */
async function typeInto(page, field, text) {
  await tabTo(page, field);
  await page.keyboard.type(text);
}

/** Reaches a button or link with Tab and presses Enter on it. */
async function press(page, control) {
  await tabTo(page, control);
  await page.keyboard.press("Enter");
}

const navLink = (page, name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });

test("a patient and a provider can do everything with the keyboard alone", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);

    // Create a wallet.
    const create = page.getByRole("region", { name: "Create a wallet" });
    await typeInto(page, create.getByLabel("New passphrase", { exact: true }), PASSPHRASE);
    await typeInto(page, create.getByLabel("Type the new passphrase again"), PASSPHRASE);
    await create.getByTestId("passphrase-strength").filter({ hasText: /Strength: (strong|very strong)/ }).waitFor();
    await press(page, page.getByRole("button", { name: "Continue" }));
    await page.getByTestId("recovery-phrase").locator("li").nth(23).waitFor();
    const words = await page.getByTestId("recovery-phrase").locator("li").allTextContents();
    await press(page, page.getByRole("button", { name: "I have written them down" }));
    await page.locator("label[for^=confirm-word-]").nth(2).waitFor();
    for (const label of await page.locator("label[for^=confirm-word-]").allTextContents()) {
      const position = Number(label.replace("Word ", ""));
      await typeInto(page, page.getByLabel(label, { exact: true }), words[position - 1]);
    }
    await press(page, page.getByRole("button", { name: "Create my wallet" }));
    await publicKey(page);

    // The provider's id, on its page.
    await press(page, navLink(page, "Provider"));
    await page.getByRole("heading", { level: 1, name: "Provider" }).waitFor();
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();

    // Sign a grant: type the id, tick a category with Space, sign with Enter.
    await press(page, navLink(page, "Share"));
    await page.getByRole("heading", { level: 1, name: "Share" }).waitFor();
    await typeInto(page, page.getByLabel("Provider id (from the provider's page)"), providerId);
    await tabTo(page, page.getByLabel("Laboratory results"));
    await page.keyboard.press("Space");
    assert.ok(await page.getByLabel("Laboratory results").isChecked());
    await press(page, page.getByRole("button", { name: "Sign and show the code" }));
    await page.getByTestId("grant-qr").locator("svg").waitFor();
    // The QR code's text alternative: a label, and the same code as text.
    assert.match(await page.getByTestId("grant-qr").getAttribute("aria-label"), /QR code/);
    const payload = (await page.getByLabel("The same code as text").inputValue()).trim();
    assert.match(payload, /^AS1/);

    // The provider checks it: paste (type) the code, Check with Enter.
    await press(page, navLink(page, "Provider"));
    await page.getByRole("heading", { level: 1, name: "Provider" }).waitFor();
    await tabTo(page, page.getByLabel("Or paste the code's text"));
    await page.keyboard.insertText(payload);
    await press(page, page.getByRole("button", { name: "Check" }));
    await page.getByTestId("verdict-headline").waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId("check-signature").textContent(), /passed/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
