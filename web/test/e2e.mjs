// The browser's end-to-end scenarios, against a real `tandem server --web` (started by
// crates/tandem-cli/tests/browser.rs, which also runs the native CLI's halves of the
// cross-platform checks). Usage: node test/e2e.mjs <scenario> (environment: TANDEM_URL,
// TANDEM_API_KEY, and per scenario TANDEM_PASSWORD, TANDEM_WALLET). Prints one line
// `RESULT <json>` on success; any failed check throws (exit status 1).
//
// Scenarios:
//   password  generate, addresses, sign both curves (verified here with @noble/curves),
//             presign and sign from the pool, back up with a password; a second device
//             recovers and signs; the first device is then refused (stale); its storage is
//             cleared, it recovers again and signs; the second is then refused.
//   passkey   generate, back up with a passkey (virtual authenticator with PRF), a wrong
//             method refused, clear the storage, recover with the passkey, sign; a device
//             without the passkey cannot open the backup.
//   recover   recover with TANDEM_PASSWORD a wallet made and backed up by the native CLI,
//             sign both curves under its keys (TANDEM_WALLET).
//   keychain  the frozen browser keychain fixture (test-vectors/v3/browser-keychain.json)
//             opened by the SDK's keychain; moved, flipped and future records refused.
//   primes    the prime workers: the frozen window of test-vectors/primes/window-1536.json
//             searched by pools of 1, 2 and 3 workers gives the native search's prime and
//             ordinal; a pool whose workers fail to load falls back to the SDK's worker;
//             a lying worker's prime (a safe prime of another window, or a composite of
//             this one) is refused (TANDEM_FIXTURE_PRIME: a safe prime, in hex).
//   generate  one generate, timed, on the default prime pool (TANDEM_PRIME_WORKERS: another
//             count, 0 for none); BENCHMARKS.md's generate medians come from runs of this,
//             one fresh client each.
//   figures   timings in the browser: one safe prime (one worker, and the pool), generate,
//             presign, online ECDSA, Ed25519 (medians), for BENCHMARKS.md.

import { readFileSync } from "node:fs";

import { Device, check, launch, sameWallet } from "./browser.mjs";

// `localhost`, not the loopback address: a WebAuthn relying party id must be a domain.
const url = (process.env.TANDEM_URL ?? fail("TANDEM_URL")).replace("//127.0.0.1:", "//localhost:");
const apiKey = process.env.TANDEM_API_KEY ?? fail("TANDEM_API_KEY");
const scenario = process.argv[2];

function fail(message) {
  throw new Error(`missing ${message}`);
}

function step(text) {
  console.error(`[e2e ${scenario}] ${text}`);
}

async function password(browser) {
  const secret = "browser horse battery staple";
  const a = await Device.open(browser, url, apiKey);
  const cores = await a.page.evaluate(() => navigator.hardwareConcurrency);
  const pool = await a.page.textContent("#client-id");
  step(`${cores} logical cores: ${pool}`);
  check(
    cores < 2 || pool.includes(`${Math.min(cores, 8)} prime workers`),
    "one prime worker per core by default",
  );
  step("generate (fresh safe primes on the prime workers), the page staying responsive");
  // The page's thread answers while the worker works: a script evaluated on the page once
  // each prime search's progress is on screen returns while the call is still running (with
  // the wasm on the page's thread it could return only after the call). The largest gap of
  // a 20 ms timer is printed, not asserted: on two loaded cores it measures the machine.
  await a.page.evaluate(() => {
    window.__gap = 0;
    let last = performance.now();
    window.__timer = setInterval(() => {
      const now = performance.now();
      window.__gap = Math.max(window.__gap, now - last);
      last = now;
    }, 20);
  });
  await a.start("create");
  for (const prime of [1, 2]) {
    const seen = await a.page.waitForFunction(
      (n) => (document.body.dataset.state !== "busy"
        || document.getElementById("busy").textContent.includes(`safe prime ${n} of 2`))
        ? { state: document.body.dataset.state, busy: document.getElementById("busy").textContent }
        : null,
      prime,
      { timeout: 600_000, polling: 50 },
    );
    const { state, busy } = await seen.jsonValue();
    check(state === "busy", `the page answered only after generate (${state}) at prime ${prime}`);
    step(`  the page answers during the search: "${busy}"`);
  }
  const created = await a.finish();
  check(created.ok, `create: ${JSON.stringify(created.error)}`);
  const gap = await a.page.evaluate(() => {
    clearInterval(window.__timer);
    return window.__gap;
  });
  step(`  generate ${created.ms} ms; the page's timer's largest gap ${gap.toFixed(0)} ms`);
  const log = await a.page.textContent("#log");
  for (const line of [
    "client: searching safe prime 1 of 2",
    "client: searching safe prime 2 of 2",
    "client: Paillier key ready",
    "client: generating share",
    "client: storing share",
    "status STORED_DATABASE",
    "status STORED_CLIENT",
  ]) {
    check(log.includes(line), `progress shown on the page: ${line}`);
  }
  const wallet = created.result;
  const status = await a.ok("status");
  sameWallet(wallet, status.result);
  check(status.result.signing_status === "STORED_CLIENT", "signing status");
  check(Object.keys(wallet.addresses).length === 6, "six addresses (Taproot included)");
  for (const chain of Object.keys(wallet.addresses)) {
    const shown = await a.page.textContent(`#address-${chain}`);
    check(shown === wallet.addresses[chain], `the page shows the ${chain} address`);
  }
  step("sign on both curves (full signing: the pool is empty)");
  const first = await a.signBoth(wallet, "first");
  check(first.secp.result.method === "full_signing", "no presignature was held");
  step("presign, then sign from the pool");
  const held = await a.ok("presign");
  check(held.result === 1, "one presignature held");
  const pooled = await a.signBoth(wallet, "pooled");
  check(pooled.secp.result.method === "presignature", "signed from the pool");
  step("backup with a password");
  const backup = await a.ok("backup-password", { fill: { password: secret } });
  check(
    JSON.stringify(backup.result.statuses) ===
      JSON.stringify(["STORED_CUSTODIAN_BACKUP_SHARE", "STORED_CLIENT_BACKUP_SHARE"]),
    "backup statuses",
  );

  step("a second device: the server's wallet before recovery, a wrong password, recovery");
  const b = await Device.open(browser, url, apiKey);
  const before = await b.ok("status");
  sameWallet(wallet, before.result);
  check(before.result.presignatures === 0, "a new device holds no presignature");
  await b.refused("sign-secp", "no_wallet", { fill: { digest: "11".repeat(32) } });
  await b.refused("recover-password", "backup", { fill: { password: "wrong password" } });
  const recovered = await b.ok("recover-password", { fill: { password: secret } });
  sameWallet(wallet, recovered.result);
  await b.signBoth(wallet, "second device");

  step("the first device's old share is refused");
  const stale = await a.refused("sign-ed", "stale_device", { fill: { message: "old share" } });
  check(/replaced by a recovery or refresh/.test(stale.message), stale.message);
  await a.refused("sign-secp", "stale_device", { fill: { digest: "22".repeat(32) } });

  step("the first device loses its storage, recovers, signs; the second is then stale");
  await a.loseStorage();
  await a.refused("sign-ed", "no_wallet", { fill: { message: "nothing here" } });
  const again = await a.ok("recover-password", { fill: { password: secret } });
  sameWallet(wallet, again.result);
  await a.signBoth(wallet, "after clearing");
  await b.refused("sign-ed", "stale_device", { fill: { message: "old share" } });
  await a.close();
  await b.close();
  return { wallet, password: secret };
}

async function passkey(browser) {
  const a = await Device.open(browser, url, apiKey, { passkeys: true });
  step("generate");
  const wallet = (await a.ok("create")).result;
  step("backup with a passkey (PRF)");
  const backup = await a.ok("backup-passkey");
  check(backup.result.statuses.at(-1) === "STORED_CLIENT_BACKUP_SHARE", "backup statuses");
  const credentials = await a.credentials();
  check(credentials.length === 1 && credentials[0].isResidentCredential, "one discoverable passkey");
  step("clear the storage, recover with the passkey");
  await a.loseStorage();
  const wrong = await a.refused("recover-password", "backup", { fill: { password: "x" } });
  check(/sealed with a passkey, not a password/.test(wrong.message), wrong.message);
  const recovered = await a.ok("recover-passkey");
  sameWallet(wallet, recovered.result);
  await a.signBoth(wallet, "passkey");
  step("a device without the passkey cannot open the backup");
  const c = await Device.open(browser, url, apiKey, { passkeys: true });
  await c.refused("backup-passkey", "no_wallet");
  await c.refused("recover-passkey", "backup");
  await c.close();
  await a.signBoth(wallet, "still current");
  await a.close();
  return { wallet };
}

async function recover(browser) {
  const wallet = JSON.parse(process.env.TANDEM_WALLET ?? fail("TANDEM_WALLET"));
  const secret = process.env.TANDEM_PASSWORD ?? fail("TANDEM_PASSWORD");
  const a = await Device.open(browser, url, apiKey);
  step("recover a backup made by the native CLI");
  const recovered = await a.ok("recover-password", { fill: { password: secret } });
  sameWallet(wallet, recovered.result);
  await a.signBoth(wallet, "from the CLI's backup");
  await a.close();
  return { wallet };
}

// The frozen keychain fixture (test-vectors/v3/browser-keychain.json) read by the SDK's
// keychain in the browser: each record opens to its plaintext under the fixture's key; a
// record moved to another name, or another wallet, or with a flipped bit, does not; a record
// written now reads back.
async function keychain(browser) {
  const fixture = JSON.parse(
    readFileSync(new URL("../../test-vectors/v3/browser-keychain.json", import.meta.url)),
  );
  const a = await Device.open(browser, url, apiKey);
  const outcome = await a.page.evaluate(async (fixture) => {
    const { Keychain, openDb } = await import("/src/keychain.js");
    const bytes = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
    const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
    const db = await openDb();
    const key = await crypto.subtle.importKey("raw", bytes(fixture.key), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    const put = (id, value) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction("records", "readwrite");
        tx.objectStore("records").put(value, id);
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    const stored = (r) => ({ format: r.format, iv: bytes(r.iv), ciphertext: bytes(r.ciphertext).buffer });
    const results = {};
    const kc = new Keychain(db, key, fixture.client_id);
    for (const [name, record] of Object.entries(fixture.records)) {
      await put(`${fixture.client_id}/${name}`, stored(record));
      results[name] = hex(await kc.read(name)) === record.plain;
    }
    const refused = async (f) => {
      try {
        await f();
        return false;
      } catch {
        return true;
      }
    };
    const [first, second] = Object.entries(fixture.records);
    await put(`${fixture.client_id}/${second[0]}`, stored(first[1]));
    results.moved_name = await refused(() => kc.read(second[0]));
    const other = new Keychain(db, key, "0".repeat(32));
    await put(`${"0".repeat(32)}/${first[0]}`, stored(first[1]));
    results.moved_wallet = await refused(() => other.read(first[0]));
    const flipped = stored(first[1]);
    new Uint8Array(flipped.ciphertext)[0] ^= 1;
    await put(`${fixture.client_id}/${first[0]}`, flipped);
    results.flipped = await refused(() => kc.read(first[0]));
    await put(`${fixture.client_id}/${first[0]}`, { ...stored(first[1]), format: 2 });
    results.future_format = await refused(() => kc.read(first[0]));
    await kc.write("ed25519.share.pending", bytes("00ff"));
    results.written = hex(await kc.read("ed25519.share.pending")) === "00ff";
    await kc.remove("ed25519.share.pending");
    results.removed = (await kc.read("ed25519.share.pending")) === undefined;
    return results;
  }, fixture);
  for (const [what, ok] of Object.entries(outcome)) check(ok === true, `keychain fixture: ${what}`);
  await a.close();
  return outcome;
}

// The prime workers against the native search: the frozen window (its start drawn from a
// seeded ChaCha20 stream as generate_safe_prime draws it; its first safe prime and ordinal
// computed natively, and checked natively by tandem-paillier/tests/prime_windows.rs).
async function primes(browser) {
  const vector = JSON.parse(
    readFileSync(new URL("../../test-vectors/primes/window-1536.json", import.meta.url)),
  );
  check(vector.version === 1, "window vector version 1");
  const a = await Device.open(browser, url, apiKey);
  const warnings = [];
  a.page.on("console", (m) => {
    if (m.type() === "warning") warnings.push(m.text());
  });
  const runs = [];
  for (const workers of [1, 2, 3]) {
    const run = await a.page.evaluate(
      async ({ workers, start }) => {
        const { Tandem } = await import("/src/tandem.js");
        const apiKey = sessionStorage.getItem("tandem-api-key");
        const t = await Tandem.open({ apiKey, primeWorkers: workers });
        // A malformed start is the caller's error and leaves the pool usable.
        const malformed = "3f" + start.slice(2);
        const refused = await t.searchPrimeWindow(malformed).then(() => null, (e) => e.kind);
        const started = performance.now();
        const found = await t.searchPrimeWindow(start);
        const ms = performance.now() - started;
        const pool = t.primeWorkers;
        t.close();
        return { workers, pool, ms, refused, ...found };
      },
      { workers, start: vector.start },
    );
    step(`  ${workers} prime workers: ordinal ${run.ordinal}, ${run.tested} tested, ${run.ms.toFixed(0)} ms`);
    check(run.pool === workers, `${workers} prime workers started`);
    check(run.refused === "input", `a malformed start: ${run.refused}`);
    check(run.ordinal === vector.ordinal, `${workers} workers: ordinal ${run.ordinal}`);
    check(run.prime === vector.prime, `${workers} workers: the native search's prime`);
    // Every survivor up to the winner is tested (one worker: exactly those).
    check(
      workers === 1 ? run.tested === vector.ordinal + 1 : run.tested >= vector.ordinal + 1,
      `${workers} workers: ${run.tested} candidates tested`,
    );
    runs.push(run);
  }
  step("a prime worker's job refused: malformed start, share or slot (CHECKS.md WEB-2)");
  const job = await a.page.evaluate(async (start) => {
    const wasm = await import("/pkg/tandem_web.js");
    await wasm.default({ module_or_path: "/pkg/tandem_web_bg.wasm" });
    const good = Uint8Array.from(start.match(/../g), (b) => parseInt(b, 16));
    const slot = new Uint8Array(192);
    const stop = () => true;
    const outcome = (f) => {
      try {
        return { value: f() ?? null };
      } catch (error) {
        return { kind: error.kind ?? null, message: error.message };
      }
    };
    const topClear = good.slice();
    topClear[0] &= 0x7f;
    const oneModFour = good.slice();
    oneModFour[191] &= 0xfd;
    const search = (s, share, shares, f, out) => wasm.searchSafePrimeWindow(s, share, shares, f, out);
    return {
      short_start: outcome(() => search(good.subarray(0, 191), 0, 1, stop, slot)),
      top_bit_clear: outcome(() => search(topClear, 0, 1, stop, slot)),
      one_mod_four: outcome(() => search(oneModFour, 0, 1, stop, slot)),
      share_too_large: outcome(() => search(good, 2, 2, stop, slot)),
      no_shares: outcome(() => search(good, 0, 0, stop, slot)),
      short_slot: outcome(() => search(good, 0, 1, stop, new Uint8Array(100))),
      stop_throws: outcome(() => search(good, 0, 1, () => { throw new Error("stop threw"); }, slot)),
      stopped_at_once: outcome(() => search(good, 0, 1, stop, slot)),
    };
  }, vector.start);
  step(`  ${JSON.stringify(job)}`);
  for (const what of ["short_start", "top_bit_clear", "one_mod_four", "share_too_large", "no_shares", "short_slot"]) {
    check(job[what].kind === "input", `${what} refused as input: ${JSON.stringify(job[what])}`);
  }
  check(job.stop_throws.message === "stop threw", "what stop throws is thrown");
  check(job.stopped_at_once.value === null, "stopped before any test: no prime");
  step("a pool whose workers fail to load: the SDK's worker searches alone");
  const fallback = await a.page.evaluate(async () => {
    const { Tandem } = await import("/src/tandem.js");
    const apiKey = sessionStorage.getItem("tandem-api-key");
    const t = await Tandem.open({
      apiKey,
      primeWorkers: 2,
      primeWorkerUrl: "/test/broken-prime-worker.js",
    });
    const tested = await t.benchSafePrime();
    t.close();
    return tested;
  });
  check(fallback > 0, `the fallback search tested ${fallback} candidates`);
  step("a lying prime worker: its answer is refused, never used");
  const lies = {};
  for (const lie of ["outside", "composite"]) {
    const query = lie === "outside" ? `lie=outside&prime=${process.env.TANDEM_FIXTURE_PRIME}` : `lie=${lie}`;
    lies[lie] = await a.page.evaluate(async (query) => {
      const { Tandem } = await import("/src/tandem.js");
      const apiKey = sessionStorage.getItem("tandem-api-key");
      const t = await Tandem.open({
        apiKey,
        primeWorkers: 1,
        primeWorkerUrl: `/test/lying-prime-worker.js?${query}`,
      });
      try {
        await t.benchSafePrime();
        return { refused: false };
      } catch (error) {
        return { refused: true, kind: error.kind, message: error.message };
      } finally {
        t.close();
      }
    }, query);
    step(`  ${lie}: ${JSON.stringify(lies[lie])}`);
    check(lies[lie].refused && lies[lie].kind === "primes", `the ${lie} lie is refused`);
    check(/not a safe prime of the window/.test(lies[lie].message), lies[lie].message);
  }
  check(
    warnings.some((w) => w.includes("the prime workers failed")),
    `the fallback is reported on the console: ${JSON.stringify(warnings)}`,
  );
  await a.close();
  return { runs, job, fallback_tested: fallback, lies };
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

async function figures(browser) {
  const runs = Number(process.env.TANDEM_RUNS ?? 5);
  const a = await Device.open(browser, url, apiKey);
  // One safe prime as generate searches it: in the SDK's worker alone (primeWorkers 0), and
  // on the default pool; alternated run by run (the machine's load drifts).
  const prime = async (primeWorkers) =>
    a.page.evaluate(async (primeWorkers) => {
      const { Tandem } = await import("/src/tandem.js");
      const key = sessionStorage.getItem("tandem-api-key");
      const t = await Tandem.open({ apiKey: key, ...(primeWorkers === null ? {} : { primeWorkers }) });
      const started = performance.now();
      const tested = await t.benchSafePrime();
      const ms = performance.now() - started;
      const workers = t.primeWorkers;
      t.close();
      return { ms, tested, workers };
    }, primeWorkers);
  const alone = [];
  const pooled = [];
  for (let i = 0; i < runs; i++) {
    alone.push(await prime(0));
    pooled.push(await prime(null));
  }
  const generated = await a.ok("create");
  const calls = { presign: [], online_ecdsa: [], ed25519: [] };
  for (let i = 0; i < runs; i++) {
    calls.presign.push(await a.ok("presign"));
    const secp = await a.ok("sign-secp", { fill: { digest: "ab".repeat(32) } });
    check(secp.result.method === "presignature", "online signature from the pool");
    calls.online_ecdsa.push(secp);
    calls.ed25519.push(await a.ok("sign-ed", { fill: { message: `m${i}` } }));
  }
  await a.close();
  // Per call: the page's wall time, and in the worker the wasm's own time (the call's time
  // less its waits for the server and IndexedDB).
  const summary = (list) => ({
    wall_ms: median(list.map((r) => r.ms)),
    wasm_ms: median(list.map((r) => r.timing.ms - r.timing.io_ms)),
    io_ms: median(list.map((r) => r.timing.io_ms)),
    io_requests: median(list.map((r) => r.timing.io_requests)),
  });
  return {
    safe_prime_one_worker: {
      ms: median(alone.map((r) => r.ms)),
      ms_per_candidate: median(alone.map((r) => r.ms / r.tested)),
      runs: alone,
    },
    safe_prime_pool: {
      workers: pooled[0]?.workers,
      ms: median(pooled.map((r) => r.ms)),
      ms_per_candidate: median(pooled.map((r) => r.ms / r.tested)),
      runs: pooled,
    },
    generate: summary([generated]),
    presign: summary(calls.presign),
    online_ecdsa: summary(calls.online_ecdsa),
    ed25519: summary(calls.ed25519),
  };
}

async function generate(browser) {
  const workers = process.env.TANDEM_PRIME_WORKERS;
  const a = await Device.open(browser, url, apiKey, {
    primeWorkers: workers === undefined ? undefined : Number(workers),
  });
  const created = await a.ok("create");
  const pool = await a.page.evaluate(() => document.getElementById("client-id").textContent);
  await a.close();
  return { wall_ms: created.ms, io_ms: created.timing?.io_ms, pool };
}

const scenarios = { password, passkey, recover, primes, figures, generate, keychain };
if (!scenarios[scenario]) throw new Error(`unknown scenario ${scenario}`);
const browser = await launch();
try {
  const result = await scenarios[scenario](browser);
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await browser.close();
}
