// Consent end to end in Chromium: a provider shows its id; the patient signs a grant to it and
// the QR code renders; the provider uploads a screenshot of that code and sees the offline
// checks pass with ledger and revocation "not checked"; a tampered code is invalid; markup in a
// grant's text field renders as text.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { gotoApp, openPage, screenshot, screenshotDir, startGateway } from "./harness.mjs";
import { createWallet } from "./wallet-steps.mjs";

let gateway;
before(async () => {
  gateway = await startGateway();
});
after(async () => {
  await gateway?.stop();
});

const nav = (page, name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();

async function signGrant(page, providerId) {
  await nav(page, "Share");
  await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
  await page.getByLabel("Laboratory results").check();
  await page.getByLabel("Conditions and diagnoses").check();
  await page.getByLabel("For how many days").fill("30");
  await page.getByRole("button", { name: "Sign and show the code" }).click();
  await page.getByTestId("grant-qr").locator("svg").waitFor();
  return (await page.getByTestId("grant-payload").inputValue()).trim();
}

/** Pastes a code, checks it, and returns the headline of *this* check's verdict. */
async function checkText(page, text) {
  const verdict = page.getByTestId("verdict");
  const before = Number(await verdict.getAttribute("data-checks-completed"));
  await page.getByLabel("Or paste the code's text").fill(text);
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator(`[data-testid=verdict][data-checks-completed="${before + 1}"]`).waitFor();
  return (await page.getByTestId("verdict-headline").textContent()).trim();
}

test("a grant signed on the Share page verifies from a screenshot of its QR code", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await createWallet(page);

    await nav(page, "Provider");
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();
    assert.match(providerId, /^[0-9a-f]{64}$/);

    const payload = await signGrant(page, providerId);
    assert.match(payload, /^AS1:[0-9A-Z $%*+\-./:]+$/);
    const qrPath = join(screenshotDir, "grant-qr.png");
    await page.getByTestId("grant-qr").screenshot({ path: qrPath });
    await screenshot(page, "share-grant");

    // The image path: upload the screenshot of the code.
    await nav(page, "Provider");
    await page.getByLabel("Image of the code (photo or screenshot)").setInputFiles(qrPath);
    const headline = page.getByTestId("verdict-headline");
    await headline.waitFor({ timeout: 30_000 });
    assert.match(await headline.textContent(), /The offline checks pass/);
    assert.equal(await page.getByLabel("Or paste the code's text").inputValue(), payload, "the scanned text is the payload");
    for (const check of ["format", "signature", "audience", "not_before", "expiry"]) {
      assert.match(await page.getByTestId(`check-${check}`).textContent(), /passed/, check);
      assert.equal(await page.getByTestId(`check-${check}`).getAttribute("class"), "passed");
    }
    for (const check of ["ledger", "revocation"]) {
      assert.match(await page.getByTestId(`check-${check}`).textContent(), /not checked/, check);
      assert.equal(await page.getByTestId(`check-${check}`).getAttribute("class"), "not-checked");
    }
    assert.match(await page.getByTestId("granted-scopes").textContent(), /patient\/Observation\.rs\?category=laboratory/);
    await screenshot(page, "provider-verdict");

    // One character changed: invalid, with the reason.
    const body = payload.slice(4);
    const position = Math.floor(body.length / 2);
    const swapped = body[position] === "A" ? "B" : "A";
    const tampered = `AS1:${body.slice(0, position)}${swapped}${body.slice(position + 1)}`;
    assert.match(await checkText(page, tampered), /^Not valid: /);
    assert.match(await checkText(page, "HC1:6BFOXN%TS3DH0YOJ58S"), /not an Assent consent code/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("markup inside a grant renders as text and never runs", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    // Sign a grant whose log origin carries markup, with the app's own worker module.
    const markup = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
    const payload = await page.evaluate(async (origin) => {
      const vault = await import("/assent-vault-worker.js");
      await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const provider = crypto.getRandomValues(new Uint8Array(32));
      const now = BigInt(Math.floor(Date.now() / 1000));
      const signed = vault.sign_grant(secret, provider, '["patient/Condition.rs"]', "TREAT", now, now + 86400n, origin);
      return JSON.parse(signed).payload;
    }, markup);

    await nav(page, "Provider");
    const headline = await checkText(page, payload);
    assert.match(headline, /The offline checks pass/);
    const summary = await page.getByTestId("granted-scopes").textContent();
    assert.ok(summary.includes(markup), "the markup is shown as literal text");
    assert.equal(await page.locator("main img, main script").count(), 0, "no element was injected");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
