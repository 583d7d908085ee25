// The wallet vault end to end in Chromium: create, reload and unlock (wrong passphrase first),
// export the backup, clear the site's data, restore from the backup, restore from the phrase,
// and a damaged stored record that is kept, exported and replaced without loss.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayForThisFile, gotoApp, openPage, screenshot } from "./harness.mjs";
import { archivedKeys, storedRecord } from "./indexeddb.mjs";
import { NEW_PASSPHRASE, PASSPHRASE, createWallet, fillNewPassphrase, publicKey, restoreFromPhrase, unlock } from "./wallet-steps.mjs";


const gateway = gatewayForThisFile();

/** Clears everything the site stored (IndexedDB included), as "clear site data" does. */
async function clearSiteData(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Storage.clearDataForOrigin", { origin: new URL(gateway.url).origin, storageTypes: "all" });
  await cdp.detach();
}

test("create, unlock, back up, clear, restore from backup and from phrase: always the same key", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    const { words, key } = await createWallet(page);
    await screenshot(page, "wallet-unlocked");

    // 2. Reload: locked. A wrong passphrase is refused, the right one gives the same key.
    await page.reload();
    await unlock(page, "not my passphrase");
    assert.match(await page.getByTestId("unlock-error").textContent(), /wrong passphrase/);
    await unlock(page, PASSPHRASE);
    assert.equal(await publicKey(page), key);

    // 3. Export the backup file.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download backup file" }).click(),
    ]);
    const backupPath = join(mkdtempSync(join(tmpdir(), "assent-backup-")), download.suggestedFilename());
    await download.saveAs(backupPath);
    assert.equal(readFileSync(backupPath).subarray(0, 8).toString(), "ASNTSEAL");

    // 4. Clear the site's data: the wallet is gone from this browser.
    await clearSiteData(page);
    await page.reload();
    await page.getByRole("heading", { name: "Create a wallet" }).waitFor();

    // 5. Restore from the backup file.
    await page.getByText("From a backup file").click();
    await page.locator("#backup-file").setInputFiles(backupPath);
    await page.getByLabel("The passphrase of that backup").fill(NEW_PASSPHRASE);
    await page.getByRole("button", { name: "Restore from backup" }).click();
    assert.match(await page.getByTestId("restore-backup-error").textContent(), /wrong passphrase/);
    await page.getByLabel("The passphrase of that backup").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Restore from backup" }).click();
    assert.equal(await publicKey(page), key);

    // 6. Clear again, and restore from the recovery phrase with a new passphrase.
    await clearSiteData(page);
    await page.reload();
    await restoreFromPhrase(page, words, NEW_PASSPHRASE);
    assert.equal(await publicKey(page), key);
    await page.reload();
    await unlock(page, NEW_PASSPHRASE);
    assert.equal(await publicKey(page), key);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("a damaged stored wallet is reported, kept, exportable, and replaced only by a restore", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);
    const { words, key } = await createWallet(page);

    // Flip one byte of the stored record, behind the app's back.
    const record = await storedRecord(page, "vault/master-seed");
    record[40] ^= 0xff;
    await storedRecord(page, "vault/master-seed", record);
    await page.reload();
    const message = page.getByTestId("damaged-message");
    await message.waitFor();
    assert.match(await message.textContent(), /damaged: its checksum does not match/);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download the damaged data" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "assent-damaged-wallet.bin");
    await screenshot(page, "wallet-damaged");

    await restoreFromPhrase(page, words, PASSPHRASE);
    assert.equal(await publicKey(page), key);

    // The damaged bytes were archived, not overwritten.
    const archived = (await archivedKeys(page)).filter((key) => key.startsWith("archive/vault/master-seed/"));
    assert.equal(archived.length, 1);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("repeated wrong passphrases back off, an idle wallet locks itself, and the passphrase can be changed", async () => {
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await page.clock.install();
    await gotoApp(page, gateway.url, problems);
    const { key } = await createWallet(page);

    // Idle for the default five minutes: the wallet locks and forgets its keys.
    await page.clock.fastForward("04:30");
    await page.getByTestId("root-public-key").waitFor();
    await page.clock.fastForward("00:45");
    await page.getByRole("heading", { name: "Unlock your wallet" }).waitFor();

    // Three wrong passphrases are free; then the wallet asks to wait before the next try.
    for (let attempt = 0; attempt < 3; attempt++) {
      await unlock(page, `wrong ${attempt}`);
      await page.getByTestId("unlock-error").filter({ hasText: "wrong passphrase" }).waitFor();
    }
    await unlock(page, PASSPHRASE);
    await page.getByTestId("unlock-error").filter({ hasText: /too many wrong passphrases: wait 1 s, then try again/ }).waitFor();
    await page.clock.fastForward("00:02");
    await unlock(page, PASSPHRASE);
    assert.equal(await publicKey(page), key);

    // Change the passphrase: the old one stops working, the new one opens the same key.
    const change = page.getByRole("region", { name: "Change passphrase" });
    await change.getByLabel("Current passphrase").fill("not the current one");
    await fillNewPassphrase(change, NEW_PASSPHRASE);
    await change.getByRole("button", { name: "Change passphrase" }).click();
    await page.getByTestId("change-error").filter({ hasText: "wrong passphrase" }).waitFor();
    await change.getByLabel("Current passphrase").fill(PASSPHRASE);
    await change.getByRole("button", { name: "Change passphrase" }).click();
    await page.getByTestId("passphrase-changed").waitFor();
    await page.getByRole("button", { name: "Lock now" }).click();
    await unlock(page, PASSPHRASE);
    await page.getByTestId("unlock-error").filter({ hasText: "wrong passphrase" }).waitFor();
    await unlock(page, NEW_PASSPHRASE);
    assert.equal(await publicKey(page), key);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
