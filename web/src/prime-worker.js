// A prime worker: searches its share of one sieve window for a 1536-bit safe prime, with its
// own instance of the SDK's wasm (see primes.js for the protocol). Jobs arrive from the SDK's
// worker over a MessagePort; the window's start is read from, and a prime found written to,
// the shared memory that worker sent (never through the page).

import init, { searchSafePrimeWindow } from "../pkg/tandem_web.js";
import { BEST, FAILED, FOUND, PRIME_BYTES, RUNNING, TESTED } from "./primes.js";

let module;
let ready;
let control;
let index;
let secrets;

// Lowers BEST to `ordinal` unless a lower one is there.
function lower(ordinal) {
  let current = Atomics.load(control, BEST);
  while (ordinal < current) {
    const seen = Atomics.compareExchange(control, BEST, current, ordinal);
    if (seen === current) return;
    current = seen;
  }
}

async function search(share, shares) {
  try {
    // The wasm is instantiated on the first search (the SDK's worker is waiting on RUNNING).
    ready ??= init({ module_or_path: module });
    await ready;
    // RUNNING was stored after the start was written: reading it first orders the reads.
    Atomics.load(control, RUNNING);
    const start = secrets.subarray(0, PRIME_BYTES);
    const slot = secrets.subarray(PRIME_BYTES * (1 + index), PRIME_BYTES * (2 + index));
    const ordinal = searchSafePrimeWindow(
      start,
      share,
      shares,
      (ordinal) => {
        // Stop once the pool failed, or past the lowest ordinal another worker found: every
        // survivor below that one has been (or is being) tested by its own worker.
        if (Atomics.load(control, FAILED) !== 0 || ordinal > Atomics.load(control, BEST)) {
          return true;
        }
        Atomics.add(control, TESTED, 1);
        return false;
      },
      slot,
    );
    if (ordinal !== undefined && Atomics.load(control, FAILED) !== 0) {
      // The pool failed meanwhile and its memory was already wiped: wipe this find too.
      slot.fill(0);
    } else if (ordinal !== undefined) {
      // The prime is in the slot before its ordinal is published.
      Atomics.store(control, FOUND + index, ordinal);
      lower(ordinal);
    }
  } catch (error) {
    console.warn(`tandem: prime worker ${index}: ${error?.message ?? error}`);
    secrets?.subarray(PRIME_BYTES * (1 + index), PRIME_BYTES * (2 + index)).fill(0);
    Atomics.store(control, FAILED, 1);
  } finally {
    Atomics.sub(control, RUNNING, 1);
    Atomics.notify(control, RUNNING);
  }
}

onmessage = (event) => {
  const message = event.data;
  if (message.type !== "init") return;
  ({ module, control, index } = message);
  message.port.onmessage = ({ data }) => {
    if (data.type === "attach") secrets = data.secrets;
    else if (data.type === "search") search(data.share, data.shares);
  };
};
