// TEST-ONLY (web/test/e2e.mjs, scenario `primes`): a prime worker that fails as it loads, as a
// worker would on a device out of memory. The SDK must go on searching in its own worker.
throw new Error("this prime worker fails on load (a test of the SDK's fallback)");
