// Wallet steps shared by the end-to-end tests: create a wallet through the onboarding UI, read
// its public key, restore from the phrase.
import assert from "node:assert/strict";
import { nav } from "./harness.mjs";

export const PASSPHRASE = "tangerine orbit velvet quarry lantern";
export const NEW_PASSPHRASE = "marble harbor pickle sunrise kettle";

export async function publicKey(page) {
  // The key is computed in the worker after unlocking: wait for its text.
  const key = page.getByTestId("root-public-key").filter({ hasText: /^[0-9a-f]{64}$/ });
  await key.waitFor({ timeout: 30_000 });
  const text = (await key.textContent()).trim();
  assert.match(text, /^[0-9a-f]{64}$/);
  return text;
}

/** Fills a new-passphrase pair inside `scope`. */
export async function fillNewPassphrase(scope, passphrase) {
  await scope.getByLabel("New passphrase", { exact: true }).fill(passphrase);
  await scope.getByLabel("Type the new passphrase again").fill(passphrase);
}

export async function restoreFromPhrase(page, words, passphrase) {
  const restore = page.getByRole("region", { name: "Restore a wallet" });
  await restore.getByText("From your recovery phrase").click();
  await restore.getByLabel("Your 24 recovery words, in order").fill(words.join(" "));
  await fillNewPassphrase(restore, passphrase);
  await restore.getByRole("button", { name: "Restore from phrase" }).click();
}

/** Creates a wallet through the onboarding UI, a weak passphrase and a wrong confirmation word
 *  first; each error message shown is also passed to `seen(text, where)`. */
export async function createWallet(page, seen = () => {}) {
  const create = page.getByRole("region", { name: "Create a wallet" });
  await fillNewPassphrase(create, "password123");
  await page.getByRole("button", { name: "Continue" }).click();
  const weak = await page.getByTestId("create-error").textContent();
  assert.match(weak, /too easy to guess/);
  seen(weak, "Wallet, create: a weak passphrase");

  await fillNewPassphrase(create, PASSPHRASE);
  await create.getByTestId("passphrase-strength").filter({ hasText: /Strength: (strong|very strong)/ }).waitFor();
  await page.getByRole("button", { name: "Continue" }).click();
  // The words arrive from the worker; wait for all 24 before reading them.
  await page.getByTestId("recovery-phrase").locator("li").nth(23).waitFor();
  const words = await page.getByTestId("recovery-phrase").locator("li").allTextContents();
  assert.equal(words.length, 24);
  await page.getByRole("button", { name: "I have written them down" }).click();

  await page.locator("label[for^=confirm-word-]").nth(2).waitFor();
  const labels = await page.locator("label[for^=confirm-word-]").allTextContents();
  assert.equal(labels.length, 3);
  const positions = labels.map((label) => Number(label.replace("Word ", "")));
  // A wrong word is caught and names its position.
  await page.getByLabel(labels[0], { exact: true }).fill("wrong");
  await page.getByLabel(labels[1], { exact: true }).fill(words[positions[1] - 1]);
  await page.getByLabel(labels[2], { exact: true }).fill(words[positions[2] - 1]);
  await page.getByRole("button", { name: "Create my wallet" }).click();
  const mismatch = await page.getByTestId("create-error").textContent();
  assert.match(mismatch, new RegExp(`word ${positions[0]} does not match`));
  seen(mismatch, "Wallet, create: a wrong confirmation word");
  await page.getByLabel(labels[0], { exact: true }).fill(words[positions[0] - 1].toUpperCase());
  await page.getByRole("button", { name: "Create my wallet" }).click();
  return { words, key: await publicKey(page) };
}


/** Types `passphrase` into the unlock form and submits it. */
export async function unlock(page, passphrase) {
  await page.getByLabel("Passphrase", { exact: true }).fill(passphrase);
  await page.getByRole("button", { name: "Unlock" }).click();
}

/** Signs a grant to `providerId` on the Share page and waits until the ledger has it: its code
 *  without and with its ledger place. */
export async function signGrant(page, providerId) {
  await nav(page, "Share");
  await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
  await page.getByLabel("Laboratory results").check();
  await page.getByLabel("Conditions and diagnoses").check();
  await page.getByLabel("For how many days").fill("30");
  await page.getByRole("button", { name: "Sign and show the code" }).click();
  await page.getByTestId("grant-qr").locator("svg").waitFor();
  const unplaced = (await page.getByTestId("grant-payload").inputValue()).trim();
  // Once the ledger has the grant and its inclusion is verified, the code shows its place.
  await page.getByTestId("code-on-ledger").waitFor({ timeout: 30_000 });
  return { unplaced, placed: (await page.getByTestId("grant-payload").inputValue()).trim() };
}

/** Pastes a code on the Provider page, checks it, and returns the headline of *this* check's verdict. */
export async function checkText(page, text) {
  const verdict = page.getByTestId("verdict");
  const before = Number(await verdict.getAttribute("data-checks-completed"));
  await page.getByLabel("Or paste the code's text").fill(text);
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator(`[data-testid=verdict][data-checks-completed="${before + 1}"]`).waitFor();
  return (await page.getByTestId("verdict-headline").textContent()).trim();
}

/** Signs a grant of `category` to this wallet's own provider id (the wallet is its own provider)
 *  on the Share page; returns the provider id and the code once it carries its ledger place. */
export async function signGrantToSelf(page, category) {
  await nav(page, "Provider");
  const providerId = (await page.getByTestId("provider-id").textContent()).trim();
  await page.getByTestId("provider-qr").locator("svg").waitFor();
  await nav(page, "Share");
  await page.getByLabel("Provider id (from the provider's page)").fill(providerId);
  await page.getByLabel(category).check();
  await page.getByRole("button", { name: "Sign and show the code" }).click();
  await page.getByTestId("code-on-ledger").waitFor({ timeout: 30_000 });
  return { providerId, payload: (await page.getByTestId("grant-payload").inputValue()).trim() };
}
