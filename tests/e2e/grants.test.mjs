// The patient's grant list end to end in Chromium: the provider id is read from an image of the
// provider's QR code; a signed grant is kept, sealed, in IndexedDB and survives a reload; it is
// revoked; a damaged stored list is reported, kept in the archive, and a new list starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { gatewayForThisFile, gotoApp, nav, openPage, screenshot, screenshotDir } from "./harness.mjs";
import { archivedKeys, storedRecord } from "./indexeddb.mjs";
import { PASSPHRASE, createWallet, unlock } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();

/** Loads the app afresh on the Wallet page, unlocks, and opens the Share page. */
async function reloadAndOpenShare(page) {
  await page.goto(gateway.url);
  await unlock(page, PASSPHRASE);
  await page.getByTestId("root-public-key").filter({ hasText: /^[0-9a-f]{64}$/ }).waitFor({ timeout: 30_000 });
  await nav(page, "Share");
}

test("grants are signed to a scanned provider id, kept sealed across reloads, and revoked", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    await createWallet(page);

    await nav(page, "Provider");
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();
    await page.getByTestId("provider-qr").locator("svg").waitFor();
    const providerQr = join(screenshotDir, "provider-qr.png");
    await page.getByTestId("provider-qr").screenshot({ path: providerQr });

    // The provider id comes from an image of the provider's code.
    await nav(page, "Share");
    assert.match(await page.getByRole("region", { name: "Your grants" }).textContent(), /not given any grants yet/);
    await page.getByLabel("Or an image of the provider's code (photo or screenshot)").setInputFiles(providerQr);
    const providerInput = page.getByLabel("Provider id (from the provider's page)");
    await page.waitForFunction(
      (expected) => document.getElementById("provider-id").value === expected,
      providerId,
      { timeout: 30_000 },
    );
    assert.equal(await providerInput.inputValue(), providerId);

    await page.getByLabel("Vital signs").check();
    await page.getByRole("button", { name: "Sign and show the code" }).click();
    await page.getByTestId("grant-qr").locator("svg").waitFor();
    const payload = (await page.getByTestId("grant-payload").inputValue()).trim();

    // A consent code is not a provider id: scanning one into the provider field says so.
    const grantQr = join(screenshotDir, "grant-for-provider-field.png");
    await page.getByTestId("grant-qr").screenshot({ path: grantQr });
    await page.getByLabel("Or an image of the provider's code (photo or screenshot)").setInputFiles(grantQr);
    await page.getByTestId("share-error").filter({ hasText: /a provider id is 64 hexadecimal digits/ }).waitFor();

    const grants = page.getByTestId("grant");
    await grants.first().waitFor();
    assert.equal(await grants.count(), 1);
    assert.equal((await page.getByTestId("grant-status").textContent()).trim(), "active");
    assert.match(await grants.first().textContent(), /Vital signs/);
    // On the ledger: submitted by the wallet, its inclusion verified in the worker.
    await page
      .getByTestId("grant-ledger")
      .filter({ hasText: "Grant on the ledger at index 0, verified against checkpoint size 1." })
      .waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId("publish-grant").count(), 0);

    // Stored sealed: the record is an Assent sealed record and holds no readable grant text.
    const stored = Buffer.from(await storedRecord(page, "wallet/state"));
    assert.equal(stored.subarray(0, 8).toString(), "ASNTSEAL");
    assert.ok(!stored.includes(Buffer.from(payload.slice(4, 40))), "the grant's text is not readable at rest");

    // It survives a reload (sealed with the wallet's key, opened after unlocking).
    await reloadAndOpenShare(page);
    await grants.first().waitFor({ timeout: 30_000 });
    assert.equal((await page.getByTestId("grant-status").textContent()).trim(), "active");
    await page.getByRole("button", { name: "Show code" }).click();
    await page.getByTestId("grant-list-qr").locator("svg").waitFor();

    // Revoke, after confirming.
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Revoke" }).click();
    await page.getByTestId("grant-status").filter({ hasText: "revoked" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Revoke" }).count(), 0);
    await page
      .getByTestId("grant-ledger")
      .filter({ hasText: "Revocation on the ledger at index 1, verified against checkpoint size 2." })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, "grant-list-revoked");
    // The Ledger page lists the same places.
    await nav(page, "Ledger");
    await page
      .getByTestId("ledger-grant")
      .filter({ hasText: "Grant on the ledger at index 0, verified against checkpoint size 1. Revocation on the ledger at index 1" })
      .waitFor({ timeout: 30_000 });

    await reloadAndOpenShare(page);
    await page.getByTestId("grant-status").filter({ hasText: "revoked" }).waitFor({ timeout: 30_000 });

    // A damaged stored list: reported, nothing overwritten until the next grant, then archived.
    const damaged = Array.from(stored);
    damaged[damaged.length - 40] ^= 1;
    await storedRecord(page, "wallet/state", damaged);
    await reloadAndOpenShare(page);
    await page.getByTestId("state-problem").filter({ hasText: /damaged/ }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await archivedKeys(page).then((keys) => keys.filter((k) => k.includes("wallet/state"))), []);
    await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
    await page.getByLabel("Allergies").check();
    await page.getByRole("button", { name: "Sign and show the code" }).click();
    await page.getByTestId("grant-qr").locator("svg").waitFor();
    await page.getByTestId("grant-status").first().waitFor();
    assert.equal(await grants.count(), 1, "a new list starts");
    assert.equal(await page.getByTestId("state-problem").count(), 0);
    const archived = (await archivedKeys(page)).filter((key) => key.startsWith("archive/wallet/state/"));
    assert.equal(archived.length, 1, "the damaged list is archived");
    assert.deepEqual(await storedRecord(page, archived[0]), damaged, "archived byte for byte");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
