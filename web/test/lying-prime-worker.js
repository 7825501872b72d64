// TEST-ONLY (web/test/e2e.mjs, scenario `primes`): a prime worker that follows the pool's
// protocol but answers at once with a number the SDK must refuse.
//   ?lie=outside&prime=<hex>  a genuine 1536-bit safe prime (a fixture prime, checked
//                             natively by the test), but not of the window it was given;
//   ?lie=composite            the window's start itself: a candidate of the window, and not a
//                             safe prime (but for a chance of about 2^-20).

import { BEST, FOUND, PRIME_BYTES, RUNNING } from "/src/primes.js";

const params = new URL(import.meta.url).searchParams;
const lie = params.get("lie");
const prime = Uint8Array.from(params.get("prime")?.match(/../g) ?? [], (b) => parseInt(b, 16));

onmessage = (event) => {
  const message = event.data;
  if (message.type !== "init") return;
  const { control, index } = message;
  let secrets;
  message.port.onmessage = ({ data }) => {
    if (data.type === "attach") {
      secrets = data.secrets;
      return;
    }
    const slot = secrets.subarray(PRIME_BYTES * (1 + index), PRIME_BYTES * (2 + index));
    slot.set(lie === "outside" ? prime : secrets.subarray(0, PRIME_BYTES));
    Atomics.store(control, FOUND + index, 0);
    Atomics.store(control, BEST, 0);
    Atomics.sub(control, RUNNING, 1);
    Atomics.notify(control, RUNNING);
  };
};
