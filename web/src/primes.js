// The safe-prime search on several Web Workers (the wasm build has no threads). One 1536-bit
// safe prime is searched one sieve window at a time: the SDK's worker (where the client half
// runs, crates/tandem-web/src/primes.rs) draws the window's random start and hands it to the
// pool; prime worker i of n (prime-worker.js, its own instance of the same wasm) tests the
// window's survivors whose ordinal is i modulo n, and stops above the lowest ordinal any
// worker has found. The lowest ordinal found is the window's first safe prime, the prime the
// native one-thread search finds from the same start, whatever n.
//
// The page creates the workers and the control memory (below, `spawnPrimeWorkers`) and hands
// each worker one end of a MessageChannel whose other end goes to the SDK's worker. The
// secrets (the window's start, the primes found) live in a second shared buffer that the
// SDK's worker creates and sends over those channels: they never pass through the page.
//
// control (Int32Array over a SharedArrayBuffer, made by the page):
//   RUNNING   prime workers still searching the current window (the SDK's worker waits on it)
//   BEST      the lowest ordinal found in the window (NONE: none yet)
//   TESTED    candidates tested in the window (progress)
//   FAILED    0, or 1 once a prime worker failed (the pool is then not used again)
//   FOUND + i the ordinal worker i found, or -1
// secrets (Uint8Array over a SharedArrayBuffer, made by the SDK's worker):
//   [0, 192)                 the window's start (big-endian)
//   [192 (1 + i), 192 (2 + i)) the safe prime worker i found

export const RUNNING = 0;
export const BEST = 1;
export const TESTED = 2;
export const FAILED = 3;
export const FOUND = 4;
export const NONE = 0x7fffffff;
export const PRIME_BYTES = 192;
/// At most this many prime workers (each holds a wasm instance with the sieve's tables).
export const MAX_PRIME_WORKERS = 8;

/// The number of prime workers for this device: one per logical core, none on one core (the
/// SDK's worker then searches alone), at most MAX_PRIME_WORKERS.
export function defaultPrimeWorkers() {
  const cores = Number(globalThis.navigator?.hardwareConcurrency) || 1;
  return cores < 2 ? 0 : Math.min(cores, MAX_PRIME_WORKERS);
}

/// On the page: `count` prime workers sharing `module` (a compiled WebAssembly.Module; each
/// worker instantiates it on its first search). Returns the workers, the control memory and
/// the ports for the SDK's worker. A worker that fails marks the pool failed and wakes the
/// SDK's worker, which then searches alone.
export function spawnPrimeWorkers(count, module, workerUrl) {
  const control = new Int32Array(new SharedArrayBuffer(4 * (FOUND + count)));
  const workers = [];
  const ports = [];
  for (let i = 0; i < count; i++) {
    const worker = new Worker(workerUrl, { type: "module", name: `tandem-primes-${i}` });
    const channel = new MessageChannel();
    worker.onerror = (event) => {
      console.warn(`tandem: prime worker ${i} failed: ${event.message}`);
      fail(control);
    };
    worker.postMessage({ type: "init", module, control, index: i, port: channel.port2 }, [
      channel.port2,
    ]);
    workers.push(worker);
    ports.push(channel.port1);
  }
  return { workers, control, ports };
}

/// Marks the pool failed and wakes whoever waits on it.
export function fail(control) {
  Atomics.store(control, FAILED, 1);
  Atomics.notify(control, RUNNING);
}

/// Whether `start` (192 bytes) has the form of a window start: both top bits set, 3 (mod 4).
export function isWindowStart(start) {
  return (
    start instanceof Uint8Array &&
    start.length === PRIME_BYTES &&
    (start[0] & 0xc0) === 0xc0 &&
    (start[PRIME_BYTES - 1] & 3) === 3
  );
}

/// A pool that shows no progress for this long (no candidate tested, no worker finished) has
/// a worker that went silent without an error event: it is marked failed. A worker's first
/// search instantiates the wasm and builds the sieve's tables (seconds on a slow phone);
/// then each candidate takes milliseconds.
export const SILENT_MS = 60_000;

/// In the SDK's worker: the coordinator. Blocking (Atomics.wait), as the client half is.
export class PrimePool {
  #control;
  #ports;
  #secrets;
  #seen = { tested: -1, running: -1, at: 0 };

  constructor(control, ports) {
    this.#control = control;
    this.#ports = ports;
    this.#secrets = new Uint8Array(new SharedArrayBuffer(PRIME_BYTES * (1 + ports.length)));
    for (const port of ports) port.postMessage({ type: "attach", secrets: this.#secrets });
  }

  get size() {
    return this.#ports.length;
  }

  /// Hands the window at `start` (192 bytes) to every prime worker.
  start(start) {
    const c = this.#control;
    if (Atomics.load(c, FAILED) !== 0) throw new Error("the prime pool has failed");
    if (Atomics.load(c, RUNNING) !== 0) throw new Error("the prime pool is busy");
    // Checked here so that a malformed start is the caller's error, not a failed pool.
    if (!isWindowStart(start)) {
      throw new Error("a window start is 192 bytes, both top bits set, 3 modulo 4");
    }
    this.#secrets.set(start, 0);
    Atomics.store(c, BEST, NONE);
    Atomics.store(c, TESTED, 0);
    for (let i = 0; i < this.#ports.length; i++) Atomics.store(c, FOUND + i, -1);
    this.#seen = { tested: 0, running: this.#ports.length, at: performance.now() };
    // Stored last: a worker reads RUNNING before the start (the start is written before).
    Atomics.store(c, RUNNING, this.#ports.length);
    this.#ports.forEach((port, share) => {
      port.postMessage({ type: "search", share, shares: this.#ports.length });
    });
  }

  /// Waits up to `ms` for the window to be searched: `{done, tested}`.
  wait(ms) {
    const c = this.#control;
    const running = Atomics.load(c, RUNNING);
    if (running !== 0 && Atomics.load(c, FAILED) === 0) Atomics.wait(c, RUNNING, running, ms);
    const tested = Atomics.load(c, TESTED);
    const now = Atomics.load(c, RUNNING);
    if (tested !== this.#seen.tested || now !== this.#seen.running) {
      this.#seen = { tested, running: now, at: performance.now() };
    } else if (now !== 0 && performance.now() - this.#seen.at > SILENT_MS) {
      console.warn(`tandem: the prime workers showed no progress for ${SILENT_MS / 1000} s`);
      fail(c);
    }
    const done = Atomics.load(c, RUNNING) === 0 || Atomics.load(c, FAILED) !== 0;
    return { done, tested };
  }

  /// Once done: the window's first safe prime copied into `out` (192 bytes) and its ordinal,
  /// or -1 if the window holds none. The shared copies of the start and the primes are wiped.
  take(out) {
    const c = this.#control;
    try {
      if (Atomics.load(c, FAILED) !== 0) throw new Error("a prime worker failed");
      if (Atomics.load(c, RUNNING) !== 0) throw new Error("the window is still being searched");
      const best = Atomics.load(c, BEST);
      if (best === NONE) return -1;
      for (let i = 0; i < this.#ports.length; i++) {
        if (Atomics.load(c, FOUND + i) === best) {
          out.set(this.#secrets.subarray(PRIME_BYTES * (1 + i), PRIME_BYTES * (2 + i)));
          return best;
        }
      }
      throw new Error("no prime worker holds the lowest ordinal found");
    } finally {
      this.#secrets.fill(0);
    }
  }

  /// One window searched to its end: `{ordinal, prime, tested}` (prime: 192 bytes, or null).
  /// For the diagnostics (test vectors, benchmarks): the client half drives the same steps.
  searchWindow(start) {
    this.start(start);
    let state;
    do state = this.wait(1000);
    while (!state.done);
    const prime = new Uint8Array(PRIME_BYTES);
    const ordinal = this.take(prime);
    return { ordinal, prime: ordinal < 0 ? null : prime, tested: state.tested };
  }
}
