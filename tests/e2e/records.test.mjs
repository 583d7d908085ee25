// Health records end to end in Chromium: a synthetic sample patient is imported, kept sealed in
// IndexedDB and shown as charts and a timeline (rendered in the worker); the risk hint is
// computed on the device with the model module loaded only then, and equals what `assent risk`
// gives for the same bundle; the model's release is proven on the ledger at the index `assent
// model publish` proves, and a release that is not the pinned one gets an amber notice; a patient without every input gets no hint, with what is missing; a
// malformed bundle is refused with the JSON path that failed and changes nothing stored; markup in
// a record renders as text; an oversized file is refused before it is read; the records survive a
// reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assentCli, gatewayForThisFile, gotoApp, nav, openPage, repoRoot, screenshot } from "./harness.mjs";
import { archivedKeys, storedRecord } from "./indexeddb.mjs";
import { PASSPHRASE, createWallet, unlock } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();

/** A one-observation bundle, with `observation` merged into a valid diastolic reading. */
function bundleWith(observation) {
  return JSON.stringify({
    resourceType: "Bundle",
    type: "collection",
    entry: [
      {
        resource: {
          resourceType: "Observation",
          status: "final",
          code: { coding: [{ system: "http://loinc.org", code: "8462-4" }], text: "Diastolic blood pressure" },
          valueQuantity: { value: 72, unit: "mm[Hg]", system: "http://unitsofmeasure.org", code: "mm[Hg]" },
          effectiveDateTime: "2024-05-01T09:30:00Z",
          ...observation,
        },
      },
    ],
  });
}

test("records import from a sample and a file, stay sealed, and bad bundles change nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "assent-e2e-records-"));
  // Blocks the service worker: this test reroutes requests, which routes do not see through it.
  const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
  try {
    await gotoApp(page, gateway.url, problems);
    const fetched = [];
    page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
    await createWallet(page);
    await nav(page, "Records");
    assert.ok(!fetched.some((path) => path.startsWith("/assent-risk")), "no model code before a hint is asked for");

    await page.getByLabel("Or try a synthetic sample patient (made up, not a real person)").selectOption("a");
    const summary = page.getByTestId("records-summary");
    await summary.waitFor({ timeout: 30_000 });
    assert.match(await summary.textContent(), /\d+ observations, \d+ conditions, \d+ medications\. Born \d{4}/);
    const charts = page.getByTestId("chart");
    assert.ok((await charts.count()) >= 3, "a chart per measured quantity");
    assert.match(await page.locator("figure.chart figcaption").allTextContents().then((c) => c.join("\n")), /kg\/m2/);
    assert.equal(await charts.first().locator("svg polyline, svg path").count() > 0, true, "the chart draws its line");
    assert.ok((await page.getByTestId("timeline").locator("li").count()) > 5);
    // The risk hint, computed on this device, as the CLI computes it for the same bundle.
    const hint = page.getByTestId("risk-probability");
    await hint.waitFor({ timeout: 60_000 });
    const shown = Number(await hint.getAttribute("data-probability"));
    const now = String(Math.floor(Date.now() / 1000));
    const cli = JSON.parse(assentCli(["risk", "--bundle", join(repoRoot, "public/samples/synthetic-patient-a.json"), "--now", now], ""));
    assert.ok(Math.abs(shown - cli.probability) < 1e-6, `${shown} vs ${cli.probability}`);
    assert.match(await page.getByTestId("risk").textContent(), /Computed on this device/);
    assert.match(await page.getByTestId("risk-model").textContent(), /3a1f72da885d1f0b/);
    // The model's release is proven on the ledger in the worker, at the index the CLI proves.
    const ledgerLine = page.getByTestId("risk-ledger").filter({ hasText: "Model verified on the ledger at index" });
    await ledgerLine.waitFor({ timeout: 30_000 });
    const index = await ledgerLine.getAttribute("data-index");
    const published = assentCli(["model", "publish", "--url", gateway.url, "--vkey", gateway.vkey], "");
    assert.match(published, new RegExp(`on the ledger at index ${index}, verified`));
    assert.ok(fetched.includes("/assent-risk_bg.wasm") && fetched.includes("/model/pima-logistic-v1.onnx"));
    await screenshot(page, "records-sample");

    // A release that is not the pinned one (here, damaged on the way): an amber notice with the
    // reason, and the hint is still shown.
    await page.route("**/model/pima-logistic-v1.release", (route) => route.fulfill({ body: Buffer.from([4, 0xa0]) }));
    await page.getByLabel("Or try a synthetic sample patient (made up, not a real person)").selectOption("b");
    const unverified = page.getByTestId("risk-ledger").filter({ hasText: "Model not verified on the ledger" });
    await unverified.waitFor({ timeout: 30_000 });
    assert.match(await unverified.textContent(), /release statement is refused/);
    assert.equal(await unverified.getAttribute("class"), "notice");
    await page.unroute("**/model/pima-logistic-v1.release");

    // A patient without the 2-hour glucose test: no hint, and what is missing.
    await page.getByLabel("Or try a synthetic sample patient (made up, not a real person)").selectOption("c");
    await page.getByTestId("risk-missing").filter({ hasText: "1518-0" }).waitFor({ timeout: 30_000 });
    await page.getByLabel("Or try a synthetic sample patient (made up, not a real person)").selectOption("a");
    await hint.waitFor({ timeout: 30_000 });

    // Sealed at rest: no readable record text in IndexedDB.
    await page.getByTestId("records-summary").filter({ hasText: /Born 1979/ }).waitFor({ timeout: 30_000 });
    const sealed = Buffer.from(await storedRecord(page, "records/health"));
    assert.equal(sealed.subarray(0, 8).toString(), "ASNTSEAL");
    assert.ok(!sealed.includes(Buffer.from("Synthetic")), "the records are not readable at rest");

    // A malformed bundle: refused with the path that failed; the stored records do not change.
    const bad = join(dir, "bad.json");
    writeFileSync(bad, bundleWith({ valueQuantity: { value: "high", unit: "mm[Hg]" } }));
    await page.getByLabel("A FHIR R4 bundle (JSON, up to 20 MB)").setInputFiles(bad);
    await page.getByTestId("records-error").filter({ hasText: "entry[0].resource.valueQuantity.value" }).waitFor({ timeout: 30_000 });
    assert.deepEqual(Buffer.from(await storedRecord(page, "records/health")), sealed, "nothing stored changed");
    assert.ok((await charts.count()) >= 3, "the sample's records are still shown");

    // Too large: refused before it is read.
    const huge = join(dir, "huge.json");
    writeFileSync(huge, Buffer.alloc(21 * 1024 * 1024, 0x20));
    await page.getByLabel("A FHIR R4 bundle (JSON, up to 20 MB)").setInputFiles(huge);
    await page.getByTestId("records-error").filter({ hasText: /at most 20 MB/ }).waitFor({ timeout: 30_000 });

    // Markup in a record's text is shown as text; the sample is archived, not lost.
    const markup = '<img src=x onerror="window.__pwned=1">';
    const tricky = join(dir, "tricky.json");
    writeFileSync(tricky, bundleWith({ code: { coding: [{ system: "http://loinc.org", code: "8462-4" }], text: markup } }));
    await page.getByLabel("A FHIR R4 bundle (JSON, up to 20 MB)").setInputFiles(tricky);
    await page.getByTestId("records-summary").filter({ hasText: /^1 observations/ }).waitFor({ timeout: 30_000 });
    assert.ok((await page.getByTestId("timeline").textContent()).includes(markup), "the markup is literal text");
    assert.equal(await page.locator("main img").count(), 0, "no element was injected");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    const archived = (await archivedKeys(page)).filter((key) => key.startsWith("archive/records/health/"));
    assert.equal(archived.length, 4, "each replaced set of records is archived (a, b, c, a)");

    // Kept across a reload, opened after unlocking.
    await page.goto(gateway.url);
    await unlock(page, PASSPHRASE);
    await page.getByTestId("root-public-key").filter({ hasText: /^[0-9a-f]{64}$/ }).waitFor({ timeout: 30_000 });
    await nav(page, "Records");
    await page.getByTestId("records-summary").filter({ hasText: /^1 observations/ }).waitFor({ timeout: 30_000 });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
