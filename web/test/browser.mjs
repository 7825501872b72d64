// Helpers of the browser tests: headless Chromium (Debian's, through playwright-core), one
// browser context per device, the demo page's buttons, and independent verification of
// every signature with @noble/curves.

import { chromium } from "playwright-core";
import { ed25519 } from "@noble/curves/ed25519";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export function fail(message) {
  throw new Error(message);
}

export function check(condition, message) {
  if (!condition) fail(message);
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A device: a fresh browser context (its own storage) on the demo page. */
export class Device {
  static async open(browser, url, apiKey, { passkeys = false, primeWorkers } = {}) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") console.error(`[console] ${m.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    const device = new Device(context, page, cdp, url, apiKey, primeWorkers);
    if (passkeys) await device.#authenticator();
    await device.load();
    return device;
  }

  constructor(context, page, cdp, url, apiKey, primeWorkers) {
    Object.assign(this, { context, page, cdp, url, apiKey, primeWorkers });
  }

  // Chromium's virtual authenticator (DevTools protocol): a platform authenticator with
  // user verification, resident keys and the PRF extension. It is the browser's, not the
  // site's: clearing the site's storage keeps the passkey, as on a real device.
  async #authenticator() {
    await this.cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await this.cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        ctap2Version: "ctap2_1",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        hasPrf: true,
        automaticPresenceSimulation: true,
      },
    });
    this.authenticatorId = authenticatorId;
  }

  /** The credentials of the virtual authenticator (to carry a passkey to another device). */
  async credentials() {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: this.authenticatorId,
    });
    return credentials;
  }

  async addCredential(credential) {
    await this.cdp.send("WebAuthn.addCredential", {
      authenticatorId: this.authenticatorId,
      credential,
    });
  }

  /** Loads the page with the API key; waits for the SDK to connect. */
  async load() {
    // From another document: a fragment change alone would not reload the page.
    await this.page.goto("about:blank");
    const workers = this.primeWorkers === undefined ? "" : `&prime-workers=${this.primeWorkers}`;
    await this.page.goto(`${this.url}/#api-key=${this.apiKey}${workers}`);
    await this.page.waitForFunction(() => document.body.dataset.action === "connect"
      && ["done", "error"].includes(document.body.dataset.state));
    const state = await this.page.evaluate(() => ({ ...document.body.dataset }));
    check(state.state === "done", `connect failed: ${state.error}`);
    check(await this.page.evaluate(() => crossOriginIsolated), "the page is not isolated");
  }

  /** Clicks `id` and waits for its action to end: `{ok, result, error, ms}`. */
  async click(id, { fill = {}, timeout = 600_000 } = {}) {
    await this.start(id, { fill });
    return this.finish({ timeout });
  }

  /** Clicks `id` without waiting for its action to end (then `finish`). */
  async start(id, { fill = {} } = {}) {
    for (const [field, value] of Object.entries(fill)) await this.page.fill(`#${field}`, value);
    await this.page.evaluate(() => {
      for (const k of ["state", "result", "error", "ms", "timing"]) delete document.body.dataset[k];
    });
    await this.page.click(`#${id}`);
  }

  /** Waits for the action started by `start` to end: `{ok, result, error, ms}`. */
  async finish({ timeout = 600_000 } = {}) {
    await this.page.waitForFunction(
      () => ["done", "error"].includes(document.body.dataset.state),
      null,
      { timeout, polling: 50 },
    );
    const d = await this.page.evaluate(() => ({ ...document.body.dataset }));
    return {
      ok: d.state === "done",
      result: d.result ? JSON.parse(d.result) : undefined,
      error: d.error ? JSON.parse(d.error) : undefined,
      ms: d.ms ? Number(d.ms) : undefined,
      timing: d.timing ? JSON.parse(d.timing) : undefined,
    };
  }

  async ok(id, options) {
    const r = await this.click(id, options);
    check(r.ok, `${id}: ${JSON.stringify(r.error)}`);
    return r;
  }

  async refused(id, kind, options) {
    const r = await this.click(id, options);
    check(!r.ok, `${id} succeeded, expected a ${kind} refusal`);
    check(r.error.kind === kind, `${id}: expected kind ${kind}, got ${JSON.stringify(r.error)}`);
    return r.error;
  }

  /** Clears the site's storage as the browser's "clear site data" does, then reloads. */
  async loseStorage() {
    await this.cdp.send("Storage.clearDataForOrigin", {
      origin: new URL(this.url).origin,
      storageTypes: "all",
    });
    await this.load();
  }

  /**
   * Signs a random digest on secp256k1 (ECDSA, and BIP340 for the Taproot address) and a
   * message on Ed25519; verifies all three.
   */
  async signBoth(wallet, label) {
    const digest = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const secp = await this.ok("sign-secp", { fill: { digest } });
    verifySecp256k1(wallet, digest, secp.result);
    const message = `${label}: transfer 1 SOL`;
    const ed = await this.ok("sign-ed", { fill: { message } });
    verifyEd25519(wallet, new TextEncoder().encode(message), ed.result);
    const sighash = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const taproot = await this.ok("sign-taproot", { fill: { sighash } });
    verifyBip340(wallet, sighash, taproot.result);
    return { secp, ed, taproot };
  }

  async close() {
    await this.context.close();
  }
}

/** The wallet object's Ethereum address from its secp256k1 key (keccak of the point). */
export function ethereumAddress(publicKeyHex) {
  const point = secp256k1.ProjectivePoint.fromHex(publicKeyHex).toRawBytes(false);
  return `0x${bytesToHex(keccak_256(point.slice(1)).slice(12))}`;
}

/** A secp256k1 signature: verifies under the wallet's key, low s, and ecrecover finds it. */
export function verifySecp256k1(wallet, digestHex, signed) {
  const key = wallet.secp256k1.public_key;
  const digest = hexToBytes(digestHex);
  check(signed.signature === signed.r + signed.s, "signature is not r‖s");
  check(secp256k1.verify(signed.signature, digest, key, { lowS: true }), "ECDSA does not verify");
  const recovered = secp256k1.Signature.fromCompact(signed.signature)
    .addRecoveryBit(signed.recovery_id)
    .recoverPublicKey(digest)
    .toHex(true);
  check(recovered === key.toLowerCase(), "ecrecover gives another key");
  check(
    ethereumAddress(recovered) === wallet.addresses.ethereum.toLowerCase(),
    "the recovered key is not the wallet's Ethereum address",
  );
}

/**
 * A BIP340 signature verifies (noble's `schnorr`) under its output key, which is BIP86's
 * tweak of the wallet's key (computed here from BIP341's formulas).
 */
export function verifyBip340(wallet, sighashHex, signed) {
  const internal = secp256k1.ProjectivePoint.fromHex(wallet.secp256k1.public_key);
  const even = internal.toAffine().y % 2n === 0n ? internal : internal.negate();
  const x = even.toRawBytes(true).slice(1);
  const tweak = schnorr.utils.taggedHash("TapTweak", x);
  const output = even.add(secp256k1.ProjectivePoint.BASE.multiply(schnorr.utils.bytesToNumberBE(tweak)));
  const outputKey = bytesToHex(output.toRawBytes(true).slice(1));
  check(signed.output_key === outputKey, "the output key is not BIP86's of the wallet's key");
  check(wallet.addresses.bitcoin_taproot.startsWith("bc1p"), "no Taproot address");
  check(schnorr.verify(signed.signature, hexToBytes(sighashHex), outputKey), "BIP340 does not verify");
}

/** An Ed25519 signature verifies under the wallet's key. */
export function verifyEd25519(wallet, message, signed) {
  check(
    ed25519.verify(signed.signature, message, wallet.ed25519.public_key),
    "Ed25519 does not verify",
  );
}

/** The wallet fields every answer must agree on. */
export function sameWallet(a, b) {
  check(a.client_id === b.client_id, "another client");
  check(a.secp256k1.public_key === b.secp256k1.public_key, "another secp256k1 key");
  check(a.ed25519.public_key === b.ed25519.public_key, "another Ed25519 key");
  check(JSON.stringify(a.addresses) === JSON.stringify(b.addresses), "other addresses");
}
