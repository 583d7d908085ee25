// Loads the wallet's WebAssembly and its service worker. A file of its own (not an inline script)
// so the page's Content-Security-Policy can forbid inline script. Names are stable (Trunk.toml
// sets filehash = false) and every file is checked: index.html carries the integrity of this
// file and of the app's glue (assent-app.js, a modulepreload), and this file that of the wasm.
const BUILD = { version: "unstamped", integrity: {} }; // stamped by scripts/stamp-build.mjs

async function start() {
  const { default: init } = await import("/assent-app.js");
  const wasm = "/assent-app_bg.wasm";
  await init({ module_or_path: fetch(wasm, { integrity: BUILD.integrity[wasm] }) });
}

start().catch((error) => {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.textContent =
    "Assent could not start in this browser. Reload the page; if it keeps failing, use a current Chrome, Firefox or Safari.";
  document.body.append(message);
  console.error(error);
});

// The service worker keeps this version for offline use. A new version installs beside it and
// waits: the page says so (the shell listens for "assent-update-ready") and switches only when
// the user agrees ("assent-update-apply"), then reloads, so js and wasm of two versions never mix.
async function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/service-worker.js", {
    scope: "/",
    updateViaCache: "none",
  });
  const announce = () => {
    document.documentElement.dataset.update = "ready";
    window.dispatchEvent(new Event("assent-update-ready"));
  };
  if (registration.waiting && navigator.serviceWorker.controller) announce();
  registration.addEventListener("updatefound", () => {
    const incoming = registration.installing;
    incoming?.addEventListener("statechange", () => {
      if (incoming.state === "installed" && navigator.serviceWorker.controller) announce();
    });
  });
  window.addEventListener("assent-update-apply", () => registration.waiting?.postMessage("activate-update"));
  // A service worker that takes over says which build it serves. Another build (an update, from
  // this tab or another) reloads the page, so it never runs with another build's files; the
  // same build (the first install, or a reinstall after the site's data was cleared) does not.
  navigator.serviceWorker.addEventListener("message", (event) => {
    const activated = event.data?.activated;
    if (activated && activated !== BUILD.version) window.location.reload();
  });
  navigator.serviceWorker.startMessages();
}

keepForOffline().catch((error) => console.warn("Assent will not work offline in this browser:", error));
