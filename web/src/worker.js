// The SDK's Web Worker: runs the client half (tandem-web, compiled from the same Rust as the
// native client) off the page's thread. The protocols and Argon2id run here; the safe-prime
// search runs on the pool of prime workers (primes.js), coordinated from here, or here alone
// when there is no pool. The page stays responsive.
//
// The client half is synchronous. Its host functions (globalThis.tandemHost, see
// crates/tandem-web/src/host.rs) post an I/O request to the page and block on Atomics.wait
// until the page has answered through shared memory (channel.js).

import init, * as tandem from "../pkg/tandem_web.js";
import { BYTES, ERROR, KIND, LENGTH, NOTHING, STATE, STATUS } from "./channel.js";
import { PrimePool, isWindowStart } from "./primes.js";

let channel;
let pool;
let wallet;
let clientId;
let callId = 0;
// Time this call spent waiting for the page's I/O (the server's answers, IndexedDB commits),
// and how many I/O requests it made: the rest of a call's time is the wasm's own work.
let ioMs = 0;
let ioCount = 0;
let ioByOp = {};
const decoder = new TextDecoder();

// One I/O request to the page; blocks until it answers. The answer's bytes are copied out of
// shared memory and the shared copy wiped (a record's bytes are a share).
function io(op, args) {
  const started = performance.now();
  Atomics.store(channel.control, STATE, 0);
  postMessage({ type: "io", op, args });
  Atomics.wait(channel.control, STATE, 0);
  const spent = performance.now() - started;
  ioMs += spent;
  ioCount += 1;
  const slot = (ioByOp[op] ??= { n: 0, ms: 0 });
  slot.n += 1;
  slot.ms += spent;
  const kind = Atomics.load(channel.control, KIND);
  const length = Atomics.load(channel.control, LENGTH);
  const bytes = channel.data.slice(0, length);
  channel.data.fill(0, 0, length);
  if (kind === ERROR) throw new Error(decoder.decode(bytes));
  return { kind, bytes, status: Atomics.load(channel.control, STATUS) };
}

globalThis.tandemHost = {
  // `body` and `bytes` are views into the wasm memory: copied before posting, or the
  // structured clone would copy the whole memory (tens of MB, ~40 ms a request).
  send(method, path, kind, body, idempotencyKey, step) {
    const answer = io("send", { method, path, kind, body: body.slice(), idempotencyKey, step });
    return { status: answer.status, body: answer.bytes };
  },
  read(name) {
    const answer = io("read", { name });
    return answer.kind === NOTHING ? undefined : answer.bytes;
  },
  write(name, bytes) {
    // The copy posted is the page's to wipe; this one is wiped here once the write is done.
    const copy = bytes.slice();
    try {
      io("write", { name, bytes: copy });
    } finally {
      copy.fill(0);
    }
  },
  remove(name) {
    io("remove", { name });
  },
  progress(json) {
    postMessage({ type: "progress", id: callId, event: JSON.parse(json) });
  },
  // The prime pool (crates/tandem-web/src/primes.rs). `start` is a view into the wasm
  // memory, copied into the pool's shared memory; `out` too, written in place.
  primeSearchStart(start) {
    if (!pool) throw new Error("no prime workers");
    pool.start(start);
  },
  primeSearchWait(ms) {
    return pool.wait(ms);
  },
  primeSearchTake(out) {
    return pool.take(out);
  },
};

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function describe(error) {
  return {
    name: error?.name ?? "Error",
    kind: error?.kind ?? "internal",
    code: error?.code ?? null,
    status: error?.status ?? null,
    message: error?.message ?? String(error),
  };
}

// Each call runs under the device's Web Lock (exclusive across the origin's tabs and
// workers): two operations reading the presignature pool at once would take the same one.
async function call(method, args) {
  // Diagnostics (benchmarks, the test vector of the prime pool); no wallet state.
  if (method === "benchSafePrime") {
    return pool ? tandem.benchSafePrimePool() : tandem.benchSafePrime();
  }
  if (method === "searchPrimeWindow") {
    if (!pool) throw Object.assign(new Error("no prime workers"), { kind: "input" });
    if (!isWindowStart(args[0])) {
      const message = "start: 192 bytes, both top bits set, 3 modulo 4";
      throw Object.assign(new Error(message), { kind: "input" });
    }
    const found = pool.searchWindow(args[0]);
    return { ordinal: found.ordinal, prime: found.prime && hex(found.prime), tested: found.tested };
  }
  if (!wallet) throw Object.assign(new Error("the worker is not initialised"), { kind: "internal" });
  return navigator.locks.request(`tandem-device/${clientId}`, { mode: "exclusive" }, () => {
    switch (method) {
      case "generate":
      case "status":
      case "refresh":
        return wallet[method]();
      case "presign":
        return wallet.presign(args[0]);
      case "signSecp256k1":
      case "signEd25519":
      case "signBip340":
      case "backupPassword":
      case "recoverPassword":
      case "backupPasskey":
      case "recoverPasskey": {
        const bytes = args[0];
        try {
          return wallet[method](bytes);
        } finally {
          // A password or a passkey's PRF output is wiped once used.
          if (!method.startsWith("sign")) bytes.fill(0);
        }
      }
      default:
        throw Object.assign(new Error(`unknown operation ${method}`), { kind: "input" });
    }
  });
}

onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      channel = message.channel;
      await init({ module_or_path: message.module });
      if (message.primes) pool = new PrimePool(message.primes.control, message.primes.ports);
      clientId = tandem.clientIdOfKey(message.apiKey);
      wallet = new tandem.Wallet(clientId, pool?.size ?? 0);
      postMessage({ type: "ready", clientId });
    } catch (error) {
      postMessage({ type: "error", id: 0, error: describe(error) });
    }
    return;
  }
  if (message.type === "call") {
    callId = message.id;
    ioMs = 0;
    ioCount = 0;
    ioByOp = {};
    const started = performance.now();
    try {
      const value = await call(message.method, message.args);
      const timing = {
        ms: performance.now() - started,
        io_ms: ioMs,
        io_requests: ioCount,
        io_by_kind: ioByOp,
      };
      postMessage({ type: "result", id: message.id, value, timing });
    } catch (error) {
      postMessage({ type: "error", id: message.id, error: describe(error) });
    }
  }
};
