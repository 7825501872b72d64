// Made test-vectors/v3/browser-keychain.json once (node test/keychain-fixture.mjs > …): the
// browser keychain's record format, version 1 (web/src/keychain.js), sealed under a fixed,
// published key so that a test can open it. Kept to show how the fixture was made; the
// fixture itself is frozen and read back by the `keychain` scenario of e2e.mjs forever.

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const key = crypto.getRandomValues(new Uint8Array(32));
const clientId = hex(crypto.getRandomValues(new Uint8Array(16)));
const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
const records = {};
for (const name of ["secp256k1.share", "ed25519.share", "secp256k1.presignatures"]) {
  const plain = crypto.getRandomValues(new Uint8Array(48));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aad = new TextEncoder().encode(`tandem/device-record/v1|${clientId}|${name}`);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad },
    cryptoKey,
    plain,
  );
  records[name] = { format: 1, iv: hex(iv), ciphertext: hex(new Uint8Array(ciphertext)), plain: hex(plain) };
}
console.log(
  JSON.stringify(
    {
      about:
        "TEST-ONLY: browser keychain records, format 1 (web/src/keychain.js), sealed under the published key below",
      key: hex(key),
      client_id: clientId,
      records,
    },
    null,
    2,
  ),
);
