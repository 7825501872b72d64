// The passkey backup method: the client backup share is sealed under the output of the
// WebAuthn PRF extension (hmac-secret) of a passkey, which the authenticator computes from a
// secret that never leaves it. The PRF input is fixed per wallet,
// SHA-256("tandem/passkey-prf/v1|" + client id), so recovery on a new device needs nothing
// but the passkey (a discoverable credential, synced by the user's platform or kept on a
// security key). No assertion is verified by anyone: the passkey is used only as a key.

const encoder = new TextEncoder();

async function prfInput(clientId) {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(`tandem/passkey-prf/v1|${clientId}`)),
  );
}

function prfOutput(credential, when) {
  const prf = credential?.getClientExtensionResults?.().prf;
  const first = prf?.results?.first;
  if (!first) return null;
  const key = new Uint8Array(first instanceof ArrayBuffer ? first : first.buffer.slice(0));
  if (key.length !== 32) throw new Error(`the passkey's PRF output ${when} is not 32 bytes`);
  return key;
}

function failure(message) {
  return Object.assign(new Error(message), { kind: "backup" });
}

/** The 32-byte key of the wallet's passkey: `mode` "create" makes a new passkey first. */
export async function passkeyKey(clientId, mode, options = {}) {
  if (!globalThis.PublicKeyCredential || !navigator.credentials) {
    throw failure("this browser has no WebAuthn");
  }
  const rpId = options.rpId ?? location.hostname;
  const salt = await prfInput(clientId);
  let credentialId = null;
  if (mode === "create") {
    const created = await navigator.credentials.create({
      publicKey: {
        rp: { id: rpId, name: options.rpName ?? "Tandem wallet" },
        user: {
          id: encoder.encode(clientId),
          name: options.userName ?? `tandem-${clientId.slice(0, 8)}`,
          displayName: options.displayName ?? "Tandem wallet backup",
        },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [
          { type: "public-key", alg: -7 },
          { type: "public-key", alg: -257 },
        ],
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
        extensions: { prf: { eval: { first: salt } } },
      },
    });
    const prf = created?.getClientExtensionResults?.().prf;
    if (!prf?.enabled) throw failure("the authenticator does not support the PRF extension");
    const key = prfOutput(created, "at creation");
    if (key) return key;
    // Most authenticators evaluate the PRF only on an assertion: ask for one.
    credentialId = created.rawId;
  }
  const assertion = await navigator.credentials.get({
    publicKey: {
      rpId,
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      userVerification: "required",
      allowCredentials: credentialId ? [{ type: "public-key", id: credentialId }] : [],
      extensions: { prf: { eval: { first: salt } } },
    },
  });
  const key = prfOutput(assertion, "on assertion");
  if (!key) throw failure("the passkey gave no PRF output (an authenticator without PRF)");
  return key;
}
