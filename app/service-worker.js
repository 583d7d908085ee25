// Assent's service worker: the wallet opens, unlocks and shows grants with no network, and a
// new version never mixes with the old one.
//
// - The shell (page, scripts, wasm, styles, icons) of one build lives in one cache named by the
//   build's version, filled at install with every file checked against its SHA-384
//   (Subresource Integrity): a file that does not match fails the install, and the old version
//   stays. The page is always answered from that cache, so its js and wasm are of one build.
// - The risk module, the model and the samples are fetched when first needed, checked the same
//   way, and kept in that cache.
// - Ledger reads that never change (tiles, revocation and access proofs at a checkpoint size,
//   the log key) go to the network first and are kept, so a provider offline can still prove a
//   grant against the last checkpoint it verified. Checkpoints are never kept: a kept one would
//   pass for fresh.
// - A new version installs beside the running one and waits until the page, once the user
//   agrees, asks it to take over ("activate-update"); then the old cache is deleted.

const BUILD = { version: "unstamped", shell: {}, lazy: {} }; // stamped by scripts/stamp-build.mjs

const SHELL_CACHE = `assent-shell-${BUILD.version}`;
const LEDGER_CACHE = "assent-ledger";
/** Ledger answers kept at most; the oldest go first. */
const LEDGER_CACHE_LIMIT = 4000;
/** Immutable ledger reads, on any gateway: a URL path ending in one of these. */
const LEDGER_READ = /\/(tile\/.+|revocation\/\d+\/[0-9a-f]{64}|access\/\d+\/[0-9a-f]{64}|log-vkey)$/;

const checkedFetch = (path, integrity) => fetch(new Request(path, { integrity, cache: "no-cache" }));

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await Promise.all(
        Object.entries(BUILD.shell).map(async ([path, integrity]) => {
          const response = await checkedFetch(path, integrity);
          if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
          await cache.put(path, response);
        }),
      );
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("assent-shell-") && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
      // Pages of another build reload on this (app/boot.js).
      for (const client of await self.clients.matchAll({ type: "window" })) {
        client.postMessage({ activated: BUILD.version });
      }
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "activate-update") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    const lastSegment = url.pathname.split("/").pop();
    if (request.mode === "navigate" && !lastSegment.includes(".")) {
      event.respondWith(fromShell("/index.html"));
      return;
    }
    if (url.pathname in BUILD.shell) {
      event.respondWith(fromShell(url.pathname));
      return;
    }
    if (url.pathname in BUILD.lazy) {
      event.respondWith(whenNeeded(url.pathname));
      return;
    }
  }
  if (LEDGER_READ.test(url.pathname)) event.respondWith(ledgerRead(request));
});

/** A shell file from this version's cache; from the network, checked, if the cache lost it. */
async function fromShell(path) {
  const kept = await caches.match(path, { cacheName: SHELL_CACHE });
  return kept ?? checkedFetch(path, BUILD.shell[path]);
}

/** A file fetched the first time it is needed, checked, then kept with the shell. */
async function whenNeeded(path) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(path);
  if (kept) return kept;
  const response = await checkedFetch(path, BUILD.lazy[path]);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}

let ledgerPuts = 0;

/** The network's answer (kept if it is a success), or the kept one when the network fails. */
async function ledgerRead(request) {
  const cache = await caches.open(LEDGER_CACHE);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const kept = await cache.match(request.url);
    if (kept) return kept;
    throw error;
  }
  if (response.ok) {
    await cache.put(request.url, response.clone());
    if (++ledgerPuts % 100 === 0) await trim(cache);
  }
  return response;
}

async function trim(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - LEDGER_CACHE_LIMIT))) await cache.delete(key);
}
