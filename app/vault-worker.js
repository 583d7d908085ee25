// Runs the vault worker module (app/src/bin/assent-vault-worker.rs) in a Web Worker, so key
// derivation never freezes the page. Messages: {id, op, args} in; {id, ok} or {id, error} out.
import init, * as vault from "/assent-vault-worker.js";

// The wasm and the model are fetched with Subresource Integrity from the build's hashes.
const BUILD = { version: "unstamped", integrity: {} }; // stamped by scripts/stamp-build.mjs
const checked = (path) => fetch(path, { integrity: BUILD.integrity[path] });

const ready = init({ module_or_path: checked("/assent-vault-worker_bg.wasm") });
const operations = {
  seal: vault.seal_record,
  open: vault.open_record,
  inspect: vault.inspect_record,
  openState: vault.open_wallet_state,
  addGrant: vault.add_grant_to_state,
  revokeGrant: vault.revoke_grant_in_state,
  strength: vault.passphrase_strength,
  scan: vault.scan_qr,
  sign: vault.sign_grant,
  verify: vault.verify_payload,
  verifyOnLedger: vault.verify_payload_on_ledger,
  render: vault.render_qr,
  phrase: vault.recovery_phrase,
  publicKeys: vault.public_keys,
  seed: vault.seed_from_phrase,
  refreshLedger: vault.refresh_ledger,
  publishGrant: vault.publish_grant,
  settingsFromForm: vault.settings_from_form,
  records: vault.records,
  riskHint,
  modelOnLedger: vault.model_on_ledger,
  recordAccess: vault.record_access,
  accessTrail: vault.access_trail,
  renderTrail: vault.render_trail,
  exportTrail: vault.export_trail,
};

// The risk model's module (tract, ~1.9 MB gzip) and the model: fetched the first time a hint
// can be computed, never before.
let riskModule;
async function loadRisk() {
  const module = await import("/assent-risk.js");
  await module.default({ module_or_path: checked("/assent-risk_bg.wasm") });
  const response = await checked("/model/pima-logistic-v1.onnx");
  if (!response.ok) throw `the risk model could not be loaded (HTTP ${response.status})`;
  return { module, model: new Uint8Array(await response.arrayBuffer()) };
}

// The records page's risk hint as of now: [HTML ("" when no records are stored), whether the
// model ran]. The features are read here from the sealed records; the risk module sees only the
// feature values.
async function riskHint(seed) {
  const reply = await vault.risk_features(seed, BigInt(Math.floor(Date.now() / 1000)));
  if (!reply) return ["", false];
  const { features, computable } = JSON.parse(reply);
  const featuresJson = JSON.stringify(features);
  if (!computable) return [vault.risk_html(featuresJson, ""), false];
  riskModule ??= loadRisk().catch((error) => {
    riskModule = undefined;
    throw error;
  });
  const { module, model } = await riskModule;
  return [vault.risk_html(featuresJson, module.predict(featuresJson, model)), true];
}

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    await ready;
    // Ledger operations are async (they fetch); the others return at once.
    const ok = await operations[op](...args);
    self.postMessage({ id, ok });
  } catch (error) {
    self.postMessage({ id, error: typeof error === "string" ? error : `worker: ${error}` });
  }
};
