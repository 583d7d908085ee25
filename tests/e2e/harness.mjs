// Shared end-to-end harness: a real `assent serve` on a free loopback port, and Debian's
// Chromium driven by playwright-core. Any console error, page error, failed request or
// request to another origin fails the test that opened the page.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const assentBin = process.env.ASSENT_BIN ?? "assent";
export const screenshotDir = join(repoRoot, "target", "e2e");

const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts `assent serve` and resolves once it prints its URL: on `listen` (default a free
 *  loopback port), with the log key in `keyDir` (default a fresh one), the built app in `app`
 *  (default dist/), and its data (and key) in `state` (default a fresh directory, removed at
 *  stop). */
export async function startGateway({ listen = "127.0.0.1:0", keyDir, app = join(repoRoot, "dist"), state } = {}) {
  // A `state` directory given (data and key) outlives this gateway, for a restart.
  const ownState = state === undefined;
  state ??= mkdtempSync(join(tmpdir(), "assent-e2e-"));
  const child = spawn(
    assentBin,
    ["serve", "--data", join(state, "data"), "--key", keyDir ?? join(state, "keys"), "--listen", listen, "--app", app],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise((resolveExit) => child.on("exit", resolveExit));
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  let stdout = "";
  // The log verifier key it printed before its URL.
  const stdout_vkey = () => stdout.match(/log verifier key: (\S+)/)?.[1];
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`assent serve printed no URL in 30 s: ${stdout} ${stderr}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/Assent is running at (http:\/\/[^\s]+)/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`assent serve exited with ${code}: ${stderr}`)));
  });
  const vkey = stdout_vkey();
  return {
    url,
    vkey,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      if (ownState) rmSync(state, { recursive: true, force: true });
    },
  };
}

/** One gateway for the calling test file: started before its tests, stopped after them. Its
 *  `url` is set once it has started. */
export function gatewayForThisFile() {
  const gateway = { url: undefined, stop: async () => {} };
  before(async () => {
    Object.assign(gateway, await startGateway());
  });
  after(async () => {
    await gateway.stop();
  });
  return gateway;
}

/** Follows a link of the main navigation. */
export const nav = (page, name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();

/** Launches Chromium with a fresh profile (and `extraArgs`); returns the browser and a page whose
 *  problems are recorded. The app's service worker runs unless `serviceWorkers` is "block": a
 *  test that reroutes requests with `page.route` blocks it, since routes do not see the requests
 *  a service worker makes. `persistent` keeps the profile on disk rather than in memory. */
export async function openPage(baseUrl, extraArgs = [], { serviceWorkers = "allow", persistent = false } = {}) {
  const launch = { executablePath: "/usr/bin/chromium", headless: true, args: [...chromiumFlags, ...extraArgs] };
  let browser;
  let context;
  if (persistent) {
    // A profile on disk, as a user's is (installability needs one); closing removes it.
    const profile = mkdtempSync(join(tmpdir(), "assent-profile-"));
    context = await chromium.launchPersistentContext(profile, { ...launch, serviceWorkers });
    browser = { close: async () => (await context.close(), rmSync(profile, { recursive: true, force: true })) };
  } else {
    browser = await chromium.launch(launch);
    context = await browser.newContext({ serviceWorkers });
  }
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(baseUrl).origin;
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  // On the context, so requests of the service worker count too.
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.origin !== origin) problems.push(`request to another origin: ${request.url()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  // A test that fails midway never reaches its own check of `problems`: say them on close, so
  // the failure's cause is in the log.
  const close = browser.close.bind(browser);
  browser.close = async () => {
    if (problems.length) console.error(`what the browser reported during this test:\n  ${problems.join("\n  ")}`);
    await close();
  };
  return { browser, page, problems };
}

/** Saves a full-page screenshot under target/e2e/. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Runs the `assent` CLI with `input` on stdin and returns its stdout. */
export function assentCli(args, input) {
  return execFileSync(assentBin, args, { input, encoding: "utf8" });
}

/** Opens `url` and waits for the app to render its first heading; a start-up failure names its cause. */
export async function gotoApp(page, url, problems) {
  await page.goto(url);
  try {
    await page.locator("main#content h1").first().waitFor({ timeout: 15_000 });
  } catch (error) {
    throw new Error(`the app did not start at ${url}: ${problems.join("; ") || error.message}`);
  }
}
