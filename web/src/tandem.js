// Tandem's JavaScript SDK: one wallet on secp256k1 (2-of-2 ECDSA, CGGMP) and Ed25519
// (2-of-2 FROST), the device's half running in a Web Worker from the same Rust as the native
// client, talking to `tandem server` with fetch.
//
//   import { Tandem } from "./tandem.js";
//   const wallet = await Tandem.open({ apiKey, onProgress: (e) => console.log(e) });
//   await wallet.createWallet();
//   const { addresses } = await wallet.status();
//   const { signature, recovery_id } = await wallet.signSecp256k1(digest32);
//
// Requirements: a cross-origin isolated page (COOP same-origin, COEP require-corp), module
// workers, IndexedDB, WebCrypto, Web Locks; WebAuthn with the PRF extension for passkeys.

import { Keychain } from "./keychain.js";
import { BYTES, NOTHING, answer, answerError, makeChannel } from "./channel.js";
import { passkeyKey } from "./passkey.js";
import { MAX_PRIME_WORKERS, defaultPrimeWorkers, spawnPrimeWorkers } from "./primes.js";

const encoder = new TextEncoder();

/** The error every SDK call rejects with: `kind`, `code` (the server's), `status`, `message`. */
export class TandemError extends Error {
  constructor({ kind, code, status, message }) {
    super(message);
    this.name = "TandemError";
    this.kind = kind;
    this.code = code ?? null;
    this.status = status ?? null;
  }
}

// The passkey's key, or a TandemError of kind "backup" (WebAuthn's DOMExceptions included:
// a cancelled prompt, an authenticator without PRF, an RP ID that is not a domain).
async function passkeyOrError(clientId, mode, options) {
  try {
    return await passkeyKey(clientId, mode, options === true ? {} : options);
  } catch (error) {
    throw new TandemError({ kind: "backup", message: `passkey: ${error.message}` });
  }
}

function bytesOf(value, what) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string" && /^(0x)?([0-9a-fA-F]{2})*$/.test(value)) {
    const hex = value.startsWith("0x") ? value.slice(2) : value;
    return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
  }
  throw new TandemError({ kind: "input", message: `${what}: a Uint8Array or a hex string` });
}

export class Tandem {
  /**
   * Opens the wallet of `apiKey` on this device. `server` is the server's origin (default:
   * the page's); `onProgress` receives every progress report of every call; `primeWorkers`
   * is the number of Web Workers that search safe primes together (default: one per logical
   * core, at most 8; 0 searches in the SDK's worker alone).
   */
  static async open({
    apiKey,
    server = location.origin,
    onProgress,
    workerUrl,
    primeWorkerUrl,
    wasmUrl,
    primeWorkers = defaultPrimeWorkers(),
  } = {}) {
    if (typeof apiKey !== "string") {
      throw new TandemError({ kind: "input", message: "apiKey is required" });
    }
    if (!Number.isInteger(primeWorkers) || primeWorkers < 0 || primeWorkers > MAX_PRIME_WORKERS) {
      throw new TandemError({
        kind: "input",
        message: `primeWorkers: an integer from 0 to ${MAX_PRIME_WORKERS}`,
      });
    }
    const channel = makeChannel();
    // Compiled once, instantiated by the SDK's worker and by each prime worker.
    const url = wasmUrl ?? new URL("../pkg/tandem_web_bg.wasm", import.meta.url);
    let module;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      module = await WebAssembly.compile(await response.arrayBuffer());
    } catch (error) {
      throw new TandemError({ kind: "internal", message: `the wasm module ${url}: ${error.message}` });
    }
    const primes =
      primeWorkers > 0
        ? spawnPrimeWorkers(
            primeWorkers,
            module,
            primeWorkerUrl ?? new URL("./prime-worker.js", import.meta.url),
          )
        : null;
    const worker = new Worker(workerUrl ?? new URL("./worker.js", import.meta.url), {
      type: "module",
      name: "tandem",
    });
    const sdk = new Tandem(worker, channel, apiKey, server.replace(/\/$/, ""), onProgress);
    sdk.#primeWorkers = primes?.workers ?? [];
    const clientId = await new Promise((resolve, reject) => {
      sdk.#pending.set(0, { resolve, reject });
      worker.postMessage(
        {
          type: "init",
          channel,
          apiKey,
          module,
          primes: primes && { control: primes.control, ports: primes.ports },
        },
        primes?.ports ?? [],
      );
    }).catch((error) => {
      sdk.close();
      throw error;
    });
    sdk.clientId = clientId;
    try {
      sdk.#keychain = await Keychain.open(clientId);
    } catch (error) {
      sdk.close();
      throw error;
    }
    return sdk;
  }

  #worker;
  #primeWorkers = [];
  #channel;
  #apiKey;
  #server;
  #onProgress;
  #keychain;
  #pending = new Map();
  #next = 1;
  #queue = Promise.resolve();
  #progress = null;
  /** Timing of the last call that succeeded, measured in the worker: `{ms, io_ms,
   * io_requests}` (`io_ms`: waiting for the server and IndexedDB; the rest is the wasm's). */
  lastCall = null;

  constructor(worker, channel, apiKey, server, onProgress) {
    this.#worker = worker;
    this.#channel = channel;
    this.#apiKey = apiKey;
    this.#server = server;
    this.#onProgress = onProgress;
    worker.onmessage = (event) => this.#message(event.data);
    worker.onerror = (event) => {
      for (const { reject } of this.#pending.values()) {
        reject(new TandemError({ kind: "internal", message: `worker: ${event.message}` }));
      }
      this.#pending.clear();
    };
  }

  #message(message) {
    switch (message.type) {
      case "ready":
        this.#settle(0, true, message.clientId);
        break;
      case "result":
        this.lastCall = message.timing ?? null;
        this.#settle(message.id, true, message.value);
        break;
      case "error":
        this.#settle(message.id, false, new TandemError(message.error));
        break;
      case "progress":
        this.#progress?.(message.event);
        this.#onProgress?.(message.event);
        break;
      case "io":
        this.#io(message.op, message.args).catch((error) => answerError(this.#channel, error));
        break;
    }
  }

  #settle(id, ok, value) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (ok) pending.resolve(value);
    else pending.reject(value);
  }

  // The worker's I/O, done here: fetch to the server, the keychain.
  async #io(op, args) {
    switch (op) {
      case "send": {
        const headers = { authorization: `Bearer ${this.#apiKey}` };
        if (args.kind === 1) headers["content-type"] = "application/json";
        if (args.kind === 2) headers["content-type"] = "application/octet-stream";
        if (args.idempotencyKey != null) headers["idempotency-key"] = args.idempotencyKey;
        if (args.step != null) headers["x-tandem-step"] = String(args.step);
        let response;
        try {
          response = await fetch(this.#server + args.path, {
            method: args.method,
            headers,
            body: args.kind === 0 ? undefined : args.body,
            cache: "no-store",
            credentials: "omit",
            // As the native client: no answer within two minutes is no answer.
            signal: AbortSignal.timeout(120_000),
          });
        } catch (error) {
          throw new Error(`no answer from ${this.#server}: ${error.message}`);
        }
        const body = new Uint8Array(await response.arrayBuffer());
        answer(this.#channel, BYTES, body, response.status);
        return;
      }
      case "read": {
        const bytes = await this.#keychain.read(args.name);
        if (bytes === undefined) answer(this.#channel, NOTHING);
        else {
          answer(this.#channel, BYTES, bytes);
          bytes.fill(0);
        }
        return;
      }
      case "write":
        await this.#keychain.write(args.name, args.bytes);
        args.bytes.fill(0);
        answer(this.#channel, NOTHING);
        return;
      case "remove":
        await this.#keychain.remove(args.name);
        answer(this.#channel, NOTHING);
        return;
      default:
        throw new Error(`unknown I/O ${op}`);
    }
  }

  // One call into the worker at a time (the worker is blocked while a call runs).
  #call(method, args = [], onProgress) {
    const run = () =>
      new Promise((resolve, reject) => {
        const id = this.#next++;
        this.#pending.set(id, { resolve, reject });
        this.#progress = onProgress ?? null;
        this.#worker.postMessage({ type: "call", id, method, args });
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #json(method, args, options) {
    return JSON.parse(await this.#call(method, args, options?.onProgress));
  }

  // A backup or recovery with `method`: the key bytes (a password's UTF-8, a passkey's PRF
  // output) go to the worker, which wipes its copy; the page's copy is wiped here after.
  async #withKey(operation, method, options) {
    let name;
    let key;
    if (typeof method?.password === "string") {
      name = `${operation}Password`;
      key = encoder.encode(method.password);
    } else if (method?.passkey) {
      name = `${operation}Passkey`;
      const mode = operation === "backup" ? "create" : "get";
      key = await passkeyOrError(this.clientId, mode, method.passkey);
    } else {
      throw new TandemError({ kind: "input", message: `${operation}: {password} or {passkey: true}` });
    }
    try {
      return await this.#json(name, [key], options);
    } finally {
      key.fill(0);
    }
  }

  /** Creates the wallet on both curves with the server (fresh safe primes, in the worker). */
  createWallet(options) {
    return this.#json("generate", [], options);
  }

  /** The wallet: keys, addresses, statuses, presignatures held by this device. */
  status(options) {
    return this.#json("status", [], options);
  }

  /** The five addresses (ethereum, bitcoin, tron, solana, stellar). */
  async addresses(options) {
    return (await this.status(options)).addresses;
  }

  /** Makes `count` presignatures with the server; the number this device then holds. */
  presign(count, options) {
    if (!Number.isInteger(count) || count < 1) {
      return Promise.reject(new TandemError({ kind: "input", message: "count: a positive integer" }));
    }
    return this.#call("presign", [count], options?.onProgress);
  }

  /** ECDSA over a 32-byte digest: `{signature, r, s, recovery_id, method}` (hex, low s). */
  signSecp256k1(digest, options) {
    return this.#json("signSecp256k1", [bytesOf(digest, "digest").slice()], options);
  }

  /** Ed25519 over `message` (bytes, hex, or text with `{text: true}`): `{signature}`. */
  signEd25519(message, options) {
    const bytes = options?.text ? encoder.encode(message) : bytesOf(message, "message").slice();
    return this.#json("signEd25519", [bytes], options);
  }

  /**
   * BIP340 (Taproot key path) over a 32-byte BIP341 signature hash: `{signature,
   * output_key}` (hex), valid under the output key of the `bitcoin_taproot` address.
   */
  signBip340(sighash, options) {
    return this.#json("signBip340", [bytesOf(sighash, "sighash").slice()], options);
  }

  /**
   * Backs the wallet up: `{password}` (Argon2id, the native envelope) or `{passkey: true}`
   * (a key from the WebAuthn PRF extension of a new passkey). The statuses reached.
   */
  backup(method, options) {
    return this.#withKey("backup", method, options);
  }

  /** Recovers the wallet on this device from its backup (`{password}` or `{passkey: true}`). */
  recover(method, options) {
    return this.#withKey("recover", method, options);
  }

  /** New shares of the same keys for both parties; old shares and presignatures stop working. */
  refresh(options) {
    return this.#json("refresh", [], options);
  }

  /**
   * One 1536-bit safe prime as `createWallet` searches it (on the prime workers, or in the
   * SDK's worker without them), for benchmarks; the candidates tested. Nothing is kept.
   */
  benchSafePrime() {
    return this.#call("benchSafePrime");
  }

  /**
   * Diagnostics: the prime workers search the one window of 1536-bit candidates at `start`
   * (192 bytes, hex or Uint8Array; a public start, such as test-vectors/primes/window-1536.json's)
   * to its end: `{ordinal, prime, tested}` (prime in hex, or null). Not for keys.
   */
  searchPrimeWindow(start) {
    return this.#call("searchPrimeWindow", [bytesOf(start, "start").slice()]);
  }

  /** The number of prime workers (0: the SDK's worker searches alone). */
  get primeWorkers() {
    return this.#primeWorkers.length;
  }

  /** Stops the workers and closes the keychain. */
  close() {
    this.#worker.terminate();
    for (const worker of this.#primeWorkers) worker.terminate();
    this.#keychain?.close();
  }
}
