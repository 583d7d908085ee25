// Consent end to end in Chromium: a provider shows its id; the patient signs a grant to it, the
// QR code renders, and once the ledger has it the code carries its place (AS1/<index>:); the
// provider uploads a screenshot of that code and sees the offline checks pass and the grant
// verified on the ledger and not revoked (a verified revocation map proof), and opening the data
// records the access on the ledger, which the patient's Activity page shows verified; with the gateway unreachable the ledger and revocation checks
// are amber with the reason; a code whose ledger place names another grant's entry fails the
// ledger check; once the patient revokes, the same code is proven revoked (red); a tampered code
// is invalid; the provider's freshness window is a stored setting; markup in a grant's text field
// renders as text; the provider's camera (Chromium's fake camera playing a frame with the code)
// reads a code from live frames.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayForThisFile, gotoApp, nav, openPage, screenshot, screenshotDir } from "./harness.mjs";
import { checkText, createWallet, signGrant } from "./wallet-steps.mjs";

const gateway = gatewayForThisFile();

test("a grant signed on the Share page verifies from a screenshot of its QR code", async () => {
  // Blocks the service worker: this test reroutes requests, which routes do not see through it.
  const { browser, page, problems } = await openPage(gateway.url, [], { serviceWorkers: "block" });
  try {
    await gotoApp(page, gateway.url, problems);
    await createWallet(page);

    await nav(page, "Provider");
    const providerId = (await page.getByTestId("provider-id").textContent()).trim();
    assert.match(providerId, /^[0-9a-f]{64}$/);

    const { unplaced, placed: payload } = await signGrant(page, providerId);
    assert.match(unplaced, /^AS1:[0-9A-Z $%*+\-./:]+$/);
    assert.match(payload, /^AS1\/\d+:[0-9A-Z $%*+\-./:]+$/);
    assert.equal(payload.replace(/^AS1\/\d+:/, "AS1:"), unplaced, "only the ledger place was added");
    const qrPath = join(screenshotDir, "grant-qr.png");
    await page.getByTestId("grant-qr").screenshot({ path: qrPath });
    await screenshot(page, "share-grant");

    // The image path: upload the screenshot of the code.
    await nav(page, "Provider");
    await page.getByLabel("Image of the code (photo or screenshot)").setInputFiles(qrPath);
    const headline = page.getByTestId("verdict-headline");
    await page.locator("[data-testid=check-ledger].passed").waitFor({ timeout: 30_000 });
    await page.locator("[data-testid=check-revocation].passed").waitFor({ timeout: 30_000 });
    assert.match(await headline.textContent(), /^Valid: signed by the patient, within its dates, on the ledger and not revoked \(both verified\)/);
    assert.equal(await page.getByLabel("Or paste the code's text").inputValue(), payload, "the scanned text is the payload");
    for (const check of ["format", "signature", "audience", "not_before", "expiry"]) {
      assert.match(await page.getByTestId(`check-${check}`).textContent(), /passed/, check);
      assert.equal(await page.getByTestId(`check-${check}`).getAttribute("class"), "passed");
    }
    const index = payload.match(/^AS1\/(\d+):/)[1];
    assert.match(await page.getByTestId("check-ledger").textContent(), new RegExp(`on the ledger at index ${index}, verified against checkpoint size \\d+`));
    // Not revoked: a revocation map proof verified against the checkpoint the map root is signed in.
    assert.match(await page.getByTestId("check-revocation").textContent(), /not revoked as of checkpoint \d+/);
    assert.match(await page.getByTestId("granted-scopes").textContent(), /patient\/Observation\.rs\?category=laboratory/);
    await screenshot(page, "provider-verdict");

    // Opening the data of a confirmed grant records the access on the ledger, inclusion verified.
    await page.getByRole("button", { name: "Open the data (records your access)" }).click();
    const recorded = await page.getByTestId("access-recorded").textContent({ timeout: 30_000 });
    assert.match(recorded, /^Your access is on the ledger at index \d+, verified against checkpoint size \d+\.$/);
    const accessIndex = recorded.match(/index (\d+)/)[1];
    assert.ok(Number(accessIndex) > Number(index), "after the grant");

    // The patient (this wallet signed the grant to itself) sees the access on the Activity page,
    // its trail verified complete against the ledger and its inclusion proven; nothing is flagged.
    await nav(page, "Activity");
    const event = page.getByTestId("access-event");
    await event.first().waitFor({ timeout: 30_000 });
    assert.equal(await event.count(), 1);
    assert.equal(await event.getByTestId("access-ledger").textContent(), `verified, index ${accessIndex}`);
    await page.getByTestId("no-hints").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download as CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8").split("\r\n");
    assert.equal(csv[0], "log_index,time_utc,grant_id,provider_id,scopes,inclusion_verified,flags");
    assert.match(csv[1], new RegExp(`^${accessIndex},\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z,[0-9a-f]+,[0-9a-f]+,[^,]+,true,$`));
    // The filters re-render in the worker: only flagged accesses leaves none.
    await page.getByLabel("Show").selectOption("flagged");
    await page.getByTestId("no-accesses").waitFor();
    await screenshot(page, "activity");
    await nav(page, "Provider");

    // The gateway unreachable: the offline checks still pass, and the ledger and revocation
    // checks are amber ("not checked") with the reason, never green.
    const gatewayPaths = /\/(checkpoint|tile\/.*|revocation\/.*)$/;
    await page.route(gatewayPaths, (route) => route.abort("internetdisconnected"));
    assert.match(await checkText(page, payload), /^The offline checks pass/);
    assert.equal(await page.getByTestId("check-revocation").getAttribute("class"), "not-checked");
    assert.match(await page.getByTestId("check-revocation").textContent(), /check again/);
    assert.equal(await page.getByTestId("check-ledger").getAttribute("class"), "not-checked");
    await page.unroute(gatewayPaths);
    const offlineOnly = problems.filter((problem) => !problem.includes("ERR_INTERNET_DISCONNECTED"));
    problems.splice(0, problems.length, ...offlineOnly);

    // The code without its place: valid offline, the ledger not checked, and why.
    assert.match(await checkText(page, unplaced), /The offline checks pass/);
    assert.match(await page.getByTestId("check-ledger").textContent(), /does not say where the grant is on the ledger/);

    // The place of another grant's entry: the ledger check fails, so the code is not valid.
    const second = await signGrant(page, providerId);
    const secondIndex = second.placed.match(/^AS1\/(\d+):/)[1];
    assert.notEqual(secondIndex, index);
    await nav(page, "Provider");
    const misplaced = payload.replace(/^AS1\/\d+:/, `AS1/${secondIndex}:`);
    assert.match(await checkText(page, misplaced), /^Not valid: the ledger's entry \d+ is not this grant's/);
    assert.equal(await page.getByTestId("check-ledger").getAttribute("class"), "failed");

    // The patient revokes the first grant (the older of the two in the list); once the revocation
    // is on the ledger, the provider's check of the same code proves it revoked: red.
    await nav(page, "Share");
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByTestId("grant").nth(1).getByRole("button", { name: "Revoke" }).click();
    await page.getByTestId("grant").nth(1).getByTestId("grant-ledger").filter({ hasText: /Revocation on the ledger at index \d+, verified/ }).waitFor({ timeout: 30_000 });
    await nav(page, "Provider");
    assert.match(await checkText(page, payload), /^Not valid: revoked by the patient on \d{4}-\d\d-\d\dT[\d:]+Z \(ledger entry \d+\)/);
    assert.equal(await page.getByTestId("check-revocation").getAttribute("class"), "failed");
    assert.equal(await page.getByTestId("check-ledger").getAttribute("class"), "passed", "still on the ledger");
    await screenshot(page, "provider-revoked");

    // One character changed: invalid, with the reason.
    const body = unplaced.slice(4);
    const position = Math.floor(body.length / 2);
    const swapped = body[position] === "A" ? "B" : "A";
    const tampered = `AS1:${body.slice(0, position)}${swapped}${body.slice(position + 1)}`;
    assert.match(await checkText(page, tampered), /^Not valid: /);
    assert.match(await checkText(page, "HC1:6BFOXN%TS3DH0YOJ58S"), /not an Assent consent code/);

    // The provider's freshness window is a stored setting, kept within a minute and a day.
    const freshness = () => page.getByLabel(/at most this many minutes old/);
    const shows = (minutes) =>
      page.waitForFunction((want) => document.getElementById("freshness-minutes")?.value === want, minutes, { timeout: 10_000 });
    await shows("10");
    await freshness().fill("30");
    await freshness().dispatchEvent("change");
    // Reload only once it is stored: the page says so.
    await page.getByTestId("freshness-saved").waitFor({ timeout: 10_000 });
    await page.reload();
    await shows("30");
    await freshness().fill("0");
    await freshness().dispatchEvent("change");
    await shows("1");
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

test("the provider's camera reads a consent code from live frames", async () => {
  // 1. A grant, drawn into a 1280×720 frame, its luma plane returned to the test.
  const first = await openPage(gateway.url);
  let frame;
  try {
    await gotoApp(first.page, gateway.url, first.problems);
    frame = await first.page.evaluate(async () => {
      const vault = await import("/assent-vault-worker.js");
      await vault.default({ module_or_path: "/assent-vault-worker_bg.wasm" });
      const now = BigInt(Math.floor(Date.now() / 1000));
      const signed = JSON.parse(
        vault.sign_grant(crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(32)),
          '["patient/Immunization.rs"]', "PATRQT", now, now + 86400n, "assent.example/log"),
      );
      const image = new Image();
      image.src = URL.createObjectURL(new Blob([signed.svg], { type: "image/svg+xml" }));
      await image.decode();
      const canvas = new OffscreenCanvas(1280, 720);
      const context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, 1280, 720);
      context.drawImage(image, 400, 120, 480, 480);
      const rgba = context.getImageData(0, 0, 1280, 720).data;
      const luma = new Array(1280 * 720);
      for (let i = 0; i < luma.length; i++) luma[i] = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
      return { payload: signed.payload, luma };
    });
  } finally {
    await first.browser.close();
  }
  // 2. That frame as a Y4M video (4:2:0, neutral chroma), Chromium's fake camera.
  mkdirSync(screenshotDir, { recursive: true });
  const y4m = join(screenshotDir, "camera.y4m");
  const header = Buffer.from("YUV4MPEG2 W1280 H720 F10:1 Ip A1:1 C420jpeg\nFRAME\n");
  const chroma = Buffer.alloc(640 * 360 * 2, 128);
  writeFileSync(y4m, Buffer.concat([header, Buffer.from(frame.luma), chroma]));

  // 3. The provider scans with the camera (wallet locked: the audience is "not checked").
  const { browser, page, problems } = await openPage(gateway.url, [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m}`,
  ]);
  try {
    await gotoApp(page, gateway.url, problems);
    await nav(page, "Provider");
    await page.getByRole("button", { name: "Scan with the camera" }).click();
    const headline = page.getByTestId("verdict-headline");
    await headline.waitFor({ timeout: 30_000 });
    assert.match(await headline.textContent(), /The offline checks pass/);
    assert.equal(await page.getByLabel("Or paste the code's text").inputValue(), frame.payload);
    assert.match(await page.getByTestId("check-audience").textContent(), /not checked/);
    assert.equal(await page.getByRole("button", { name: "Stop the camera" }).isDisabled(), true, "the camera stops once a code is read");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
