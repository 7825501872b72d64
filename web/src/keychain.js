// The device's keychain in the browser: the client's records (signing shares, pending
// shares, the presignature pool) in IndexedDB, each sealed with AES-256-GCM under a
// non-extractable WebCrypto key that is made on this device and never leaves it (IndexedDB
// stores the CryptoKey object itself; its bytes cannot be read by any script).
//
// Each record is sealed with a fresh 96-bit IV and the associated data
// "tandem/device-record/v1|<client id>|<name>", so a record cannot be moved to another name
// or another wallet without failing to open. Every write is one IndexedDB transaction with
// durability "strict": the promise resolves only once the record is on disk, which is what
// the client half needs before a request that depends on it leaves.

const DB_NAME = "tandem-device";
const DB_VERSION = 1;
const RECORDS = "records";
const KEYS = "keys";
const DEVICE_KEY = "device-key/v1";
const FORMAT = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(RECORDS)) db.createObjectStore(RECORDS);
      if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the device store is open in an older version"));
  });
}

const encoder = new TextEncoder();

export class Keychain {
  /** Opens (or makes) the keychain of `clientId` on this device. */
  static async open(clientId) {
    const db = await openDb();
    const key = await Keychain.#deviceKey(db);
    return new Keychain(db, key, clientId);
  }

  // The device's sealing key: made once, non-extractable, kept in IndexedDB as a CryptoKey.
  static async #deviceKey(db) {
    const tx = db.transaction(KEYS, "readonly");
    const existing = await request(tx.objectStore(KEYS).get(DEVICE_KEY));
    if (existing) return existing;
    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    // Two tabs may race here: `add` keeps the first key; the loser reads it back.
    const write = db.transaction(KEYS, "readwrite", { durability: "strict" });
    write.objectStore(KEYS).add(key, DEVICE_KEY);
    try {
      await committed(write);
      return key;
    } catch {
      const again = db.transaction(KEYS, "readonly");
      const stored = await request(again.objectStore(KEYS).get(DEVICE_KEY));
      if (!stored) throw new Error("the device key could not be stored");
      return stored;
    }
  }

  constructor(db, key, clientId) {
    this.db = db;
    this.key = key;
    this.clientId = clientId;
  }

  #id(name) {
    return `${this.clientId}/${name}`;
  }

  #aad(name) {
    return encoder.encode(`tandem/device-record/v1|${this.clientId}|${name}`);
  }

  /** The record's bytes, opened, or undefined. */
  async read(name) {
    const tx = this.db.transaction(RECORDS, "readonly");
    const sealed = await request(tx.objectStore(RECORDS).get(this.#id(name)));
    if (sealed === undefined) return undefined;
    if (
      !sealed ||
      sealed.format !== FORMAT ||
      !(sealed.iv instanceof Uint8Array) ||
      sealed.iv.length !== 12 ||
      !(sealed.ciphertext instanceof ArrayBuffer)
    ) {
      throw new Error(`${name}: not a sealed device record of format ${FORMAT}`);
    }
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: sealed.iv, additionalData: this.#aad(name) },
        this.key,
        sealed.ciphertext,
      );
      return new Uint8Array(plain);
    } catch {
      throw new Error(`${name}: the sealed record does not open with this device's key`);
    }
  }

  /** Seals and writes the record; resolves once the transaction has committed. */
  async write(name, bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: this.#aad(name) },
      this.key,
      bytes,
    );
    const tx = this.db.transaction(RECORDS, "readwrite", { durability: "strict" });
    tx.objectStore(RECORDS).put({ format: FORMAT, iv, ciphertext }, this.#id(name));
    await committed(tx);
  }

  /** Removes the record; resolves once committed. */
  async remove(name) {
    const tx = this.db.transaction(RECORDS, "readwrite", { durability: "strict" });
    tx.objectStore(RECORDS).delete(this.#id(name));
    await committed(tx);
  }

  close() {
    this.db.close();
  }
}
