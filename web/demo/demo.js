// The demo page: every button calls the SDK (../src/tandem.js); the page stays responsive
// while the worker searches primes and runs the protocols. The API key comes from the field
// or the page's fragment (#api-key=tdk_…[&prime-workers=N]); it is kept in sessionStorage for
// reloads.

import { Tandem } from "../src/tandem.js";

const $ = (id) => document.getElementById(id);
let wallet = null;
let busy = false;

function log(line) {
  const el = $("log");
  el.textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
  el.scrollTop = el.scrollHeight;
}

function describe(event) {
  if (event.step) return `${event.party}: ${event.step}${event.curve ? ` (${event.curve})` : ""}`;
  if (event.status) return `status ${event.status}`;
  if (event.prime !== undefined) {
    return `${event.party}: safe prime ${event.prime + 1} of 2, ${event.candidates} candidates`;
  }
  if (event.paillier_key_ready) return `${event.party}: Paillier key ready`;
  return JSON.stringify(event);
}

let searching = null;

function onProgress(event) {
  if (event.prime !== undefined) {
    $("busy").textContent = describe(event);
    const which = `${event.party}: searching safe prime ${event.prime + 1} of 2`;
    if (which !== searching) log(which);
    searching = which;
    return;
  }
  searching = null;
  log(describe(event));
}

function setEnabled(on) {
  for (const id of [
    "create", "status", "presign", "sign-secp", "sign-ed", "sign-taproot", "backup-password", "backup-passkey",
    "lose", "recover-password", "recover-passkey",
  ]) {
    $(id).disabled = !on;
  }
}

// Runs one SDK call with the buttons disabled; the result or error goes to the log and to
// `document.body.dataset` (state "done" or "error", for the browser tests).
async function run(name, action) {
  if (busy) return;
  busy = true;
  setEnabled(false);
  document.body.dataset.state = "busy";
  document.body.dataset.action = name;
  const started = performance.now();
  try {
    const result = await action();
    const ms = (performance.now() - started).toFixed(0);
    log(`${name}: done in ${ms} ms`);
    document.body.dataset.result = JSON.stringify(result ?? null);
    document.body.dataset.ms = ms;
    document.body.dataset.timing = JSON.stringify(wallet?.lastCall ?? null);
    document.body.dataset.state = "done";
    return result;
  } catch (error) {
    log(`${name}: ${error.name} [${error.kind}${error.code ? ` ${error.code}` : ""}] ${error.message}`);
    document.body.dataset.error = JSON.stringify({
      kind: error.kind ?? null, code: error.code ?? null, message: error.message,
    });
    document.body.dataset.state = "error";
  } finally {
    $("busy").textContent = "";
    busy = false;
    setEnabled(wallet !== null);
  }
}

function showAddresses(info) {
  const table = $("addresses");
  table.replaceChildren();
  for (const [chain, address] of Object.entries(info.addresses ?? {})) {
    const row = table.insertRow();
    row.insertCell().textContent = chain;
    const cell = row.insertCell();
    cell.textContent = address;
    cell.id = `address-${chain}`;
  }
}

async function connect() {
  const apiKey = $("api-key").value.trim();
  wallet?.close();
  wallet = null;
  const primeWorkers = sessionStorage.getItem("tandem-prime-workers");
  wallet = await Tandem.open({
    apiKey,
    onProgress,
    ...(primeWorkers === null ? {} : { primeWorkers: Number(primeWorkers) }),
  });
  sessionStorage.setItem("tandem-api-key", apiKey);
  const workers = wallet.primeWorkers;
  $("client-id").textContent =
    `client ${wallet.clientId} · ${workers ? `${workers} prime workers` : "primes in one worker"}`;
  return { client_id: wallet.clientId, prime_workers: workers };
}

$("connect").onclick = () => run("connect", connect);
$("create").onclick = () => run("create", async () => {
  const info = await wallet.createWallet();
  showAddresses(info);
  return info;
});
$("status").onclick = () => run("status", async () => {
  const info = await wallet.status();
  showAddresses(info);
  return info;
});
$("presign").onclick = () => run("presign", () => wallet.presign(1));
$("sign-secp").onclick = () => run("sign-secp256k1", async () => {
  const signed = await wallet.signSecp256k1($("digest").value.trim());
  $("secp-signature").textContent = JSON.stringify(signed, null, 1);
  return signed;
});
$("sign-ed").onclick = () => run("sign-ed25519", async () => {
  const signed = await wallet.signEd25519($("message").value, { text: true });
  $("ed-signature").textContent = JSON.stringify(signed, null, 1);
  return signed;
});
$("sign-taproot").onclick = () => run("sign-bip340", async () => {
  const signed = await wallet.signBip340($("sighash").value.trim());
  $("taproot-signature").textContent = JSON.stringify(signed, null, 1);
  return signed;
});
$("backup-password").onclick = () =>
  run("backup-password", () => wallet.backup({ password: $("password").value }));
$("backup-passkey").onclick = () => run("backup-passkey", () => wallet.backup({ passkey: true }));
$("recover-password").onclick = () => run("recover-password", async () => {
  const info = await wallet.recover({ password: $("password").value });
  showAddresses(info);
  return info;
});
$("recover-passkey").onclick = () => run("recover-passkey", async () => {
  const info = await wallet.recover({ passkey: true });
  showAddresses(info);
  return info;
});
// "Losing the device": the site's storage is cleared (the device's sealed shares and its
// key); the API key, which the user would get again by logging in, is kept.
$("lose").onclick = () => run("lose", async () => {
  wallet.close();
  wallet = null;
  await new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase("tandem-device");
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the device store is open in another tab"));
  });
  $("addresses").replaceChildren();
  return connect();
});

const params = new URLSearchParams(location.hash.slice(1));
const fragment = params.get("api-key");
// `#prime-workers=N`: the SDK's prime workers (default: one per core); kept for reloads.
if (params.has("prime-workers")) sessionStorage.setItem("tandem-prime-workers", params.get("prime-workers"));
const remembered = fragment ?? sessionStorage.getItem("tandem-api-key");
if (fragment) history.replaceState(null, "", location.pathname);
if (remembered) {
  $("api-key").value = remembered;
  run("connect", connect);
}
$("digest").value = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
  b.toString(16).padStart(2, "0")).join("");
document.body.dataset.state = document.body.dataset.state ?? "idle";
