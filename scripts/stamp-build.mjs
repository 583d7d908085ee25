// Stamps a built app directory (Trunk's staging dir as a post_build hook, or any copy of dist/):
// Subresource Integrity (SHA-384) for every file the page, the vault worker and the service
// worker load, and the build version (a hash of all of them) that names the service worker's
// cache and shows in the page's footer. Idempotent: stamping a stamped directory again after a
// file changed gives the new hashes and a new version.
//
//   node scripts/stamp-build.mjs DIR
//
// Order matters, because each stamp changes the stamped file's hash: the wasm, glue and assets
// first; then boot.js and vault-worker.js (which carry the wasm and model hashes); then
// index.html (which carries boot.js's, the app glue's and the stylesheet's); then
// service-worker.js (which carries them all).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const dir = process.argv[2];
if (!dir || !existsSync(join(dir, "index.html"))) {
  console.error("usage: node scripts/stamp-build.mjs DIR (a built app: DIR/index.html must exist)");
  process.exit(2);
}

/** Files the service worker fetches when first needed, not at install: the risk module and the
 *  model (large, and only needed for a risk hint) and the sample bundles. */
const isLazy = (path) => /^\/(assent-risk|model\/|samples\/)/.test(path);
/** Never stamped or cached: the service worker itself, Trunk's leftovers, notes for people. */
const isSkipped = (path) => path === "/service-worker.js" || path.startsWith("/.") || path.endsWith(".md");

const integrityOf = (path) => `sha384-${createHash("sha384").update(readFileSync(join(dir, path))).digest("base64")}`;

function listFiles(base) {
  return readdirSync(base).flatMap((name) => {
    const full = join(base, name);
    if (statSync(full).isDirectory()) return name.startsWith(".") ? [] : listFiles(full);
    return [`/${relative(dir, full).split("\\").join("/")}`];
  });
}

/** Replaces the one `const BUILD = …; // stamped…` line of a script with `value`. */
function stampScript(path, value) {
  const text = readFileSync(join(dir, path), "utf8");
  const marker = /^const BUILD = .*; \/\/ stamped by scripts\/stamp-build\.mjs$/m;
  if (!marker.test(text)) throw new Error(`${path} has no "const BUILD = …; // stamped by scripts/stamp-build.mjs" line`);
  const line = `const BUILD = ${JSON.stringify(value)}; // stamped by scripts/stamp-build.mjs`;
  writeFileSync(join(dir, path), text.replace(marker, () => line));
}

/** Replaces `pattern` in `text` with `replacement`, or inserts it before `before`. */
function replaceOrInsert(text, pattern, replacement, before) {
  if (pattern.test(text)) return text.replace(pattern, () => replacement);
  if (!text.includes(before)) throw new Error(`index.html has no ${before}`);
  return text.replace(before, () => `${replacement}\n    ${before}`);
}

// Trunk's <link data-trunk rel="rust"> tags stay in place with inject_scripts = false, and the
// tags it replaced leave blank lines: both go first, so that stamping again changes nothing.
const trunkIndex = readFileSync(join(dir, "index.html"), "utf8");
writeFileSync(
  join(dir, "index.html"),
  trunkIndex.replace(/^\s*<link data-trunk rel="rust"[^>]*>\n/gm, "").replace(/\n(?:[ \t]*\n)+/g, "\n"),
);

const stamped = ["/index.html", "/boot.js", "/vault-worker.js"];
const files = listFiles(dir).filter((path) => !isSkipped(path)).sort();
const hashes = Object.fromEntries(files.filter((path) => !stamped.includes(path)).map((path) => [path, integrityOf(path)]));
/** A stamped file's text without its stamps: what its own code contributes to the version. */
const unstamped = (path) =>
  readFileSync(join(dir, path), "utf8")
    .replace(/^const BUILD = .*$/m, "")
    .replace(/ integrity="[^"]*"/g, "")
    .replace(/<meta name="assent-build"[^>]*>/, "");
// The version covers every file, and the stamped ones (the service worker too) by their code.
const version = createHash("sha256")
  .update(JSON.stringify([hashes, [...stamped, "/service-worker.js"].map(unstamped)]))
  .digest("hex")
  .slice(0, 12);

stampScript("/boot.js", { version, integrity: { "/assent-app_bg.wasm": hashes["/assent-app_bg.wasm"] } });
stampScript("/vault-worker.js", {
  version,
  integrity: Object.fromEntries(
    ["/assent-vault-worker_bg.wasm", "/assent-risk_bg.wasm", "/model/pima-logistic-v1.onnx"].map((path) => [path, hashes[path]]),
  ),
});
for (const path of ["/boot.js", "/vault-worker.js"]) hashes[path] = integrityOf(path);

let index = readFileSync(join(dir, "index.html"), "utf8");
const bootTag = '<script type="module" src="/boot.js"';
index = replaceOrInsert(index, /<meta name="assent-build" content="[^"]*" \/>/, `<meta name="assent-build" content="${version}" />`, "<title>");
index = replaceOrInsert(
  index,
  /<link rel="modulepreload" href="\/assent-app\.js"[^>]*>/,
  `<link rel="modulepreload" href="/assent-app.js" integrity="${hashes["/assent-app.js"]}" />`,
  bootTag,
);
index = index.replace(/<link rel="stylesheet" href="\/styles\.css"[^>]*>/, () => `<link rel="stylesheet" href="/styles.css" integrity="${hashes["/styles.css"]}" />`);
index = index.replace(/<script type="module" src="\/boot\.js"[^>]*><\/script>/, () => `${bootTag} integrity="${hashes["/boot.js"]}"></script>`);
for (const needed of ['href="/styles.css" integrity=', `src="/boot.js" integrity=`]) {
  if (!index.includes(needed)) throw new Error(`index.html: no ${needed}`);
}
writeFileSync(join(dir, "index.html"), index);
hashes["/index.html"] = integrityOf("/index.html");

const shell = {};
const lazy = {};
for (const [path, integrity] of Object.entries(hashes).sort()) (isLazy(path) ? lazy : shell)[path] = integrity;
stampScript("/service-worker.js", { version, shell, lazy });
console.log(`stamped build ${version}: ${Object.keys(shell).length} shell files, ${Object.keys(lazy).length} fetched when needed`);
