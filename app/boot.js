// Loads the wallet's WebAssembly. A file of its own (not an inline script) so the page's
// Content-Security-Policy can forbid inline script. Names are stable: Trunk.toml sets filehash = false.
import init from "/assent-app.js";

init({ module_or_path: "/assent-app_bg.wasm" }).catch((error) => {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.textContent =
    "Assent could not start in this browser. Reload the page; if it keeps failing, use a current Chrome, Firefox or Safari.";
  document.body.append(message);
  console.error(error);
});
