// Plain language end to end in Chromium (issue 10): every error message a patient or provider can
// see says what happened and what to do next, and none shows a stack trace, a Rust or JS type
// name or debug formatting. The tests walk the error paths of every page — the wallet (create,
// unlock, too many tries, change the passphrase, restore from a phrase and from a file, a damaged
// stored wallet), records (not text, not JSON, not a bundle, a bad value or date, too large),
// sharing (a bad provider id, no category, an image with no code, a file that is not an image,
// a damaged stored grant list), the provider's checks (pasted text that is not a code or is
// damaged, cut short, tampered, given to another provider, expired, not yet valid; an image with
// no code, a file that is not an image), the gateway settings (bad line, URL, key, policy), and
// the gateway unreachable (ledger, publishing, the provider's ledger checks, the access trail) —
// collect each message shown, and check them all with one rule. The days field is not walked:
// the browser's own number validation keeps out-of-range days from reaching the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayForThisFile, gotoApp, nav, openPage, screenshot, screenshotDir } from "./harness.mjs";
import { storedRecord } from "./indexeddb.mjs";
import { NEW_PASSPHRASE, PASSPHRASE, createWallet, fillNewPassphrase, publicKey, signGrantToSelf, unlock } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();

/** Signs of a stack trace or a crash, never to be shown. A stack frame is "at NAME (FILE:LINE…)":
 *  a time ("expired at 2026-01-01T00:00:00Z (now …)") is not one. */
const STACK_TRACE = /\bat \S+ \([^)]*:\d+(?::\d+)?\)|wasm-function|RuntimeError|panicked|unreachable executed|\.rs:\d+/;
/** Type names and debug formatting from Rust or JS, never to be shown. */
const CODE_TALK = [
  /::/,
  /Error \{/,
  /\bSome\(/,
  /\bNone\b/,
  /\bOk\(/,
  /\bErr\(/,
  /JsValue/,
  /\[object /,
  /\bundefined\b/,
  /\bNaN\b/,
  /\b(?:[A-Z][a-z]+)+Error\b/,
  // A debug-formatted value: a capitalised name right before its parenthesis, `Io(EndOfFile(()))`.
  /\b[A-Z][A-Za-z0-9]*\(/,
  /\(\)/,
];
/** What a message may tell its reader to do next. Imperatives and concrete advice only: a
 *  message that merely describes what went wrong matches none of them. */
const NEXT_STEP =
  /\b(try again|try|check|enter|type|choose|ask|reload|restore|download|export|fix|wait|contact|scan|paste|unlock|update|copy|close|move|hold|use|free|continue as usual|treat it as|do not rely)\b/i;

/** One rule for every error message: not empty, no stack trace, no type names or debug output,
 *  and a next step. `where` (page and action) is named in every failure. */
function checkPlainLanguage(text, where) {
  const message = (text ?? "").trim();
  assert.ok(message.length > 0, `${where}: the error message is empty`);
  assert.doesNotMatch(message, STACK_TRACE, `${where}: the message shows a stack trace: "${message}"`);
  for (const pattern of CODE_TALK) {
    assert.doesNotMatch(message, pattern, `${where}: the message shows code (${pattern}): "${message}"`);
  }
  assert.match(message, NEXT_STEP, `${where}: the message does not say what to do next: "${message}"`);
}

/** Every message seen, kept in target/e2e/error-messages.json for review. */
const walked = [];

/** Collects the messages seen on the way, checked together at the end so one run lists every
 *  message that fails. */
function messageLog() {
  const seen = [];
  return {
    seen,
    add: (text, where) => {
      seen.push({ text: (text ?? "").trim(), where });
      walked.push({ where, text: (text ?? "").trim() });
    },
    check() {
      const failures = [];
      for (const { text, where } of seen) {
        try {
          checkPlainLanguage(text, where);
        } catch (error) {
          failures.push(error.message);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${seen.length} messages are not plain language:\n${failures.join("\n")}`);
    },
  };
}

/** Runs `action`, waits for the error `testId` to show a new text that matches `marker`, and
 *  logs it. */
async function errorAfter(page, log, testId, marker, where, action) {
  const shown = page.getByTestId(testId);
  const before = (await shown.count()) > 0 ? await shown.first().textContent() : null;
  await action();
  const text = await page
    .waitForFunction(
      ([testId, source, flags, before]) => {
        const text = document.querySelector(`[data-testid="${testId}"]`)?.textContent;
        return text && text !== before && new RegExp(source, flags).test(text) ? text : null;
      },
      [testId, marker.source, marker.flags, before],
      { timeout: 30_000 },
    )
    .catch(async (error) => {
      const now = (await shown.count()) > 0 ? await shown.first().textContent() : "nothing";
      throw new Error(`${where}: no new ${testId} matching ${marker} (shown: ${now}): ${error.message}`);
    });
  log.add(await text.jsonValue(), where);
}

/** A PNG with no QR code in it: a screenshot of the page's heading. */
const pictureWithoutCode = (page) => page.locator("main#content h1").first().screenshot();

/** Pastes `text` on the Provider page, checks it, and logs the headline and every red line. */
async function checkCode(page, log, text, where) {
  const verdict = page.getByTestId("verdict");
  const before = Number(await verdict.getAttribute("data-checks-completed"));
  await page.getByLabel("Or paste the code's text").fill(text);
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator(`[data-testid=verdict][data-checks-completed="${before + 1}"]`).waitFor({ timeout: 30_000 });
  const headline = (await page.getByTestId("verdict-headline").textContent()).trim();
  log.add(headline, `Provider, ${where}: the verdict`);
  for (const line of await page.locator(".checks li.failed").allTextContents()) {
    log.add(line, `Provider, ${where}: a failed check`);
  }
  return headline;
}

/** Signs a grant with the app's own worker module, outside the wallet: for codes the Share page
 *  never makes (another provider, expired, not yet valid). Times are relative to now, in days. */
const signedCode = (page, { fromDays, toDays, provider }) =>
  page.evaluate(
    async ({ fromDays, toDays, provider }) => {
      const vault = await import("/assent-vault-worker.js");
      await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const audience = provider ? Uint8Array.from(provider.match(/../g), (h) => parseInt(h, 16)) : crypto.getRandomValues(new Uint8Array(32));
      const now = BigInt(Math.floor(Date.now() / 1000));
      const day = 86400n;
      const signed = vault.sign_grant(secret, audience, '["patient/Condition.rs"]', "TREAT", now + BigInt(fromDays) * day, now + BigInt(toDays) * day, "assent.local/log");
      return JSON.parse(signed).payload;
    },
    { fromDays, toDays, provider },
  );

test("the rule refuses code talk, stack traces and messages without a next step", () => {
  checkPlainLanguage("wrong passphrase: check it (letter case and keyboard layout) and try again", "a good message");
  checkPlainLanguage("expired at 2026-01-01T00:00:00Z (now 2026-01-02T00:00:00Z); ask the patient for a new code", "a time");
  for (const bad of [
    "",
    "VaultError::WrongPassphrase",
    "error: Some(Checksum); try again",
    "DecodeError { kind: InvalidLength }; try again",
    "RuntimeError: unreachable executed at assent_vault_worker.wasm.wasm-function[812]; reload",
    "panicked at wasm-core/src/vault/sealed.rs:120:5; reload the page",
    "the worker stopped at Object.open (http://127.0.0.1/vault-worker.js:12:5); try again",
    "[object Object]; try again",
    "the grant's claims are malformed: Io(EndOfFile(())); ask the patient to show their consent code again",
    "the wallet could not be saved (StorageError); reload the page",
    "the grant is damaged",
  ]) {
    assert.throws(() => checkPlainLanguage(bad, "the rule's own test"), /the rule's own test/, bad);
  }
});

test("wallet, records, sharing and provider errors say what happened and what to do", async () => {
  const log = messageLog();
  const { browser, page, problems } = await openPage(gateway.url);
  try {
    await gotoApp(page, gateway.url, problems);

    // Restore, on an empty wallet: a phrase too short, a word not in the list, a bad checksum,
    // two different passphrases; no backup file, and a file that is not a backup.
    const restore = page.getByRole("region", { name: "Restore a wallet" });
    await restore.getByText("From your recovery phrase").click();
    const restorePhrase = async (words, passphrase = PASSPHRASE, again = passphrase) => {
      await restore.getByLabel("Your 24 recovery words, in order").fill(words);
      await restore.getByLabel("New passphrase", { exact: true }).fill(passphrase);
      await restore.getByLabel("Type the new passphrase again").fill(again);
      await restore.getByRole("button", { name: "Restore from phrase" }).click();
    };
    const phraseError = (marker, where, words, ...passphrases) =>
      errorAfter(page, log, "restore-phrase-error", marker, `Wallet, restore from phrase: ${where}`, () => restorePhrase(words, ...passphrases));
    await phraseError(/24 words/, "too few words", "abandon ability able");
    await phraseError(/zzzz/, "a word not in the list", `${"abandon ".repeat(23)}zzzz`);
    await phraseError(/checksum/, "a bad checksum", "abandon ".repeat(24).trim());
    // A valid phrase (never this wallet's), so the passphrases are checked next.
    const valid = `${"abandon ".repeat(23)}art`;
    await phraseError(/differ/, "two different passphrases", valid, PASSPHRASE, NEW_PASSPHRASE);
    await phraseError(/too easy to guess/, "a weak passphrase", valid, "password123");

    await restore.getByText("From a backup file").click();
    const restoreBackup = () => restore.getByRole("button", { name: "Restore from backup" }).click();
    await errorAfter(page, log, "restore-backup-error", /./, "Wallet, restore from backup: no file chosen", restoreBackup);
    await restore.locator("#backup-file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("my shopping list") });
    await restore.getByLabel("The passphrase of that backup").fill(PASSPHRASE);
    await errorAfter(page, log, "restore-backup-error", /^(?!choose your backup file first)./, "Wallet, restore from backup: a file that is not a backup", restoreBackup);

    // Create: two different passphrases, then (in `createWallet`) a weak one and a wrong word.
    const create = page.getByRole("region", { name: "Create a wallet" });
    await errorAfter(page, log, "create-error", /differ/, "Wallet, create: two different passphrases", async () => {
      await create.getByLabel("New passphrase", { exact: true }).fill(PASSPHRASE);
      await create.getByLabel("Type the new passphrase again").fill(NEW_PASSPHRASE);
      await page.getByRole("button", { name: "Continue" }).click();
    });
    await createWallet(page, log.add);

    // Change the passphrase: the wrong current one, two different new ones.
    const change = page.getByRole("region", { name: "Change passphrase" });
    await errorAfter(page, log, "change-error", /wrong passphrase/, "Wallet, change passphrase: a wrong current passphrase", async () => {
      await change.getByLabel("Current passphrase").fill("not the current one");
      await fillNewPassphrase(change, NEW_PASSPHRASE);
      await change.getByRole("button", { name: "Change passphrase" }).click();
    });
    await errorAfter(page, log, "change-error", /differ/, "Wallet, change passphrase: two different new passphrases", async () => {
      await change.getByLabel("Current passphrase").fill(PASSPHRASE);
      await change.getByLabel("New passphrase", { exact: true }).fill(NEW_PASSPHRASE);
      await change.getByLabel("Type the new passphrase again").fill(`${NEW_PASSPHRASE} x`);
      await change.getByRole("button", { name: "Change passphrase" }).click();
    });

    // Unlock: a wrong passphrase, then too many of them.
    await page.reload();
    await errorAfter(page, log, "unlock-error", /wrong passphrase/, "Wallet, unlock: a wrong passphrase", () => unlock(page, "not my passphrase"));
    for (let attempt = 0; attempt < 2; attempt++) {
      await unlock(page, `wrong ${attempt}`);
      await page.getByTestId("unlock-error").waitFor();
    }
    await errorAfter(page, log, "unlock-error", /too many/, "Wallet, unlock: too many wrong passphrases", () => unlock(page, PASSPHRASE));
    for (let attempt = 0; ; attempt++) {
      await page.waitForTimeout(1_500);
      await unlock(page, PASSPHRASE);
      const opened = await page.getByTestId("root-public-key").filter({ hasText: /^[0-9a-f]{64}$/ }).waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (opened) break;
      assert.ok(attempt < 10, "the wallet unlocks once the back-off is over");
    }

    // Records: a file that is not text, not JSON, not a bundle, a bundle with a bad value, too large.
    await nav(page, "Records");
    const importFile = (name, buffer) => () => page.getByLabel("A FHIR R4 bundle (JSON, up to 20 MB)").setInputFiles({ name, mimeType: "application/json", buffer });
    const recordsError = (marker, where, name, buffer) => errorAfter(page, log, "records-error", marker, `Records, import: ${where}`, importFile(name, buffer));
    await recordsError(/UTF-8/, "a file that is not text", "photo.json", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
    await recordsError(/JSON/, "a file that is not JSON", "notes.json", Buffer.from("my blood pressure was fine"));
    await recordsError(/resourceType|Bundle/, "JSON that is not a FHIR bundle", "patient.json", Buffer.from(JSON.stringify({ resourceType: "Patient", id: "p1" })));
    await recordsError(/JSON|array|object/, "a JSON array", "list.json", Buffer.from("[1, 2, 3]"));
    const badValue = {
      resourceType: "Bundle",
      type: "collection",
      entry: [{ resource: { resourceType: "Observation", status: "final", code: { coding: [{ system: "http://loinc.org", code: "29463-7" }], text: "Weight" }, valueQuantity: { value: "heavy" }, effectiveDateTime: "2024-05-01" } }],
    };
    await recordsError(/valueQuantity/, "an observation with a bad value", "bad.json", Buffer.from(JSON.stringify(badValue)));
    const badDate = structuredClone(badValue);
    badDate.entry[0].resource.valueQuantity = { value: 70, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" };
    badDate.entry[0].resource.effectiveDateTime = "2024-02-30";
    await recordsError(/effectiveDateTime/, "an impossible date", "date.json", Buffer.from(JSON.stringify(badDate)));
    await recordsError(/20 MB|20 MiB/, "a file too large", "huge.json", Buffer.alloc(21 * 1024 * 1024, 0x20));

    // Share: a bad provider id, days out of range, no category, an image with no code.
    await nav(page, "Provider");
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();
    await nav(page, "Share");
    const sign = (provider, days, category) => async () => {
      await page.getByLabel("Provider id (from the provider's page)").fill(provider);
      await page.getByLabel("For how many days").fill(days);
      if (category && !(await page.getByLabel(category).isChecked())) await page.getByLabel(category).check();
      await page.getByRole("button", { name: "Sign and show the code" }).click();
    };
    await errorAfter(page, log, "share-error", /provider id/, "Share, sign: a provider id that is not one", sign("dr smith", "30", "Vital signs"));
    await page.getByLabel("Vital signs").uncheck();
    await errorAfter(page, log, "share-error", /categor/, "Share, sign: no category chosen", sign(providerId, "30"));
    const noCode = await pictureWithoutCode(page);
    await errorAfter(page, log, "provider-scan", /QR/, "Share, provider id from an image: no code in it", () =>
      page.getByLabel("Or an image of the provider's code (photo or screenshot)").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: noCode }),
    );
    await errorAfter(page, log, "provider-scan", /./, "Share, provider id from an image: a file that is not an image", () =>
      page.getByLabel("Or an image of the provider's code (photo or screenshot)").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: Buffer.from("not a picture") }),
    );

    // Provider: text that is not a code, damaged codes, and codes that fail a check.
    await nav(page, "Provider");
    assert.match(await checkCode(page, log, "hello doctor", "text that is not a code"), /^Not valid: /);
    assert.match(await checkCode(page, log, "HC1:6BFOXN%TS3DH0YOJ58S", "another kind of health code"), /^Not valid: /);
    assert.match(await checkCode(page, log, "AS1:!!!!", "a code whose text is damaged"), /^Not valid: /);
    assert.match(await checkCode(page, log, "AS1/x:ABC", "a code whose ledger place is damaged"), /^Not valid: /);
    assert.match(await checkCode(page, log, "AS1:", "an empty code"), /^Not valid: /);
    const own = await signedCode(page, { fromDays: 0, toDays: 1, provider: providerId });
    const body = own.slice(4);
    const middle = Math.floor(body.length / 2);
    const tampered = `AS1:${body.slice(0, middle)}${body[middle] === "A" ? "B" : "A"}${body.slice(middle + 1)}`;
    assert.match(await checkCode(page, log, tampered, "a tampered code"), /^Not valid: /);
    assert.match(await checkCode(page, log, own.slice(0, own.length - 6), "a code cut short"), /^Not valid: /);
    assert.match(await checkCode(page, log, await signedCode(page, { fromDays: 0, toDays: 1 }), "a code given to another provider"), /^Not valid: /);
    assert.match(await checkCode(page, log, await signedCode(page, { fromDays: -2, toDays: -1, provider: providerId }), "an expired code"), /^Not valid: /);
    assert.match(await checkCode(page, log, await signedCode(page, { fromDays: 1, toDays: 2, provider: providerId }), "a code not valid yet"), /^Not valid: /);
    await screenshot(page, "errors-provider");
    await errorAfter(page, log, "code-scan", /QR/, "Provider, code from an image: no code in it", () =>
      page.getByLabel("Image of the code (photo or screenshot)").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: noCode }),
    );
    await errorAfter(page, log, "code-scan", /./, "Provider, code from an image: a file that is not an image", () =>
      page.getByLabel("Image of the code (photo or screenshot)").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: Buffer.from("not a picture") }),
    );

    // A damaged stored wallet.
    const record = await storedRecord(page, "vault/master-seed");
    record[40] ^= 0xff;
    await storedRecord(page, "vault/master-seed", record);
    await page.goto(gateway.url);
    const damaged = page.getByTestId("damaged-message");
    await damaged.waitFor();
    log.add(await damaged.textContent(), "Wallet, on load: a damaged stored wallet");
    await screenshot(page, "errors-damaged");

    assert.ok(log.seen.length >= 30, `walked ${log.seen.length} messages`);
    log.check();
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("gateway settings and an unreachable gateway are reported with what to do", async () => {
  const log = messageLog();
  // `page.route` below: no service worker may answer first.
  const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
  try {
    await gotoApp(page, gateway.url, problems);
    await createWallet(page);

    // A grant on the ledger, with its place in the code.
    const { providerId, payload: placed } = await signGrantToSelf(page, "Vital signs");

    // Gateway settings: each bad line is refused with the reason.
    await nav(page, "Ledger");
    await page.getByTestId("ledger-size").waitFor({ timeout: 30_000 });
    const origin = new URL(gateway.url).origin;
    const key = (await page.locator("#gateway-lines").inputValue()).trim().split(/\s+/)[1];
    const settingsError = (where, lines, policy = "") =>
      errorAfter(page, log, "gateways-error", /./, `Ledger, gateway settings: ${where}`, async () => {
        await page.locator("#gateway-lines").fill(lines);
        await page.locator("#witness-policy").fill(policy);
        await page.getByTestId("gateways-save").click();
      });
    await settingsError("a URL alone", origin);
    await settingsError("not a URL", `gateway.example ${key}`);
    await settingsError("an ftp URL on line 2", `${origin} ${key}\nftp://gateway.example ${key}`);
    await settingsError("a bad log key", `${origin} not-a-key`);
    await settingsError("a bad witness policy", `${origin} ${key}`, "witness nonsense");
    await page.locator("#gateway-lines").fill(`${origin} ${key}`);
    await page.locator("#witness-policy").fill("");

    // The gateway unreachable.
    const gatewayPaths = /\/(checkpoint|log-vkey|add|tile\/.*|revocation\/.*|access\/.*)(\?.*)?$/;
    await page.route(gatewayPaths, (route) => route.abort("internetdisconnected"));

    await page.getByTestId("ledger-refresh").click();
    await page.locator("[data-testid=ledger-error], [data-testid=ledger-unverified], [data-testid=gateway-row]:not([data-outcome=verified])").first().waitFor({ timeout: 30_000 });
    for (const testId of ["ledger-error", "ledger-unverified"]) {
      for (const text of await page.getByTestId(testId).allTextContents()) log.add(text, `Ledger, check: the gateway unreachable (${testId})`);
    }
    for (const text of await page.locator("[data-testid=gateway-row]:not([data-outcome=verified]) td:last-child").allTextContents()) {
      log.add(text, "Ledger, check: the gateway unreachable (gateway row)");
    }
    await screenshot(page, "errors-ledger-unreachable");

    // Publishing a new grant.
    await nav(page, "Share");
    await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
    await page.getByLabel("Allergies").check();
    await errorAfter(page, log, "publish-error", /./, "Share, sign: the gateway unreachable while publishing", () =>
      page.getByRole("button", { name: "Sign and show the code" }).click(),
    );

    // The provider's ledger and revocation checks: amber, with the reason.
    await nav(page, "Provider");
    await page.getByLabel("Or paste the code's text").fill(placed);
    await page.getByRole("button", { name: "Check" }).click();
    await page.locator("[data-testid=verdict][data-checks-completed='1']").waitFor({ timeout: 60_000 });
    log.add(await page.getByTestId("verdict-headline").textContent(), "Provider, check: the gateway unreachable (the verdict)");
    for (const line of await page.locator(".checks li.not-checked, .checks li.offline, .checks li.failed").allTextContents()) {
      log.add(line, "Provider, check: the gateway unreachable (a check not done)");
    }
    await screenshot(page, "errors-provider-unreachable");

    // The patient's access trail.
    await nav(page, "Activity");
    const unchecked = page.locator("[data-testid=trail-error], [data-testid=trail-unverified]");
    await unchecked.first().waitFor({ timeout: 30_000 });
    for (const text of await unchecked.allTextContents()) log.add(text, "Activity, on open: the gateway unreachable");
    await page.unroute(gatewayPaths);

    // A damaged stored grant list, seen on the Share page after unlocking.
    const state = await storedRecord(page, "wallet/state");
    state[state.length - 40] ^= 1;
    await storedRecord(page, "wallet/state", state);
    await page.goto(gateway.url);
    await unlock(page, PASSPHRASE);
    await publicKey(page);
    await nav(page, "Share");
    const problem = page.getByTestId("state-problem");
    await problem.waitFor({ timeout: 30_000 });
    log.add(await problem.textContent(), "Share, on open: a damaged stored grant list");

    log.check();
    const expected = problems.filter((problem) => !problem.includes("ERR_INTERNET_DISCONNECTED"));
    assert.deepEqual(expected, []);
  } finally {
    await browser.close();
  }
});

test("every message walked is kept for review in target/e2e/error-messages.json", () => {
  mkdirSync(screenshotDir, { recursive: true });
  writeFileSync(join(screenshotDir, "error-messages.json"), `${JSON.stringify(walked, null, 1)}\n`);
  assert.ok(walked.length > 50, `${walked.length} messages walked`);
});
