// Types of Tandem's JavaScript SDK (src/tandem.js).

/** A progress report: a step of the seeds (with its curve and party), a lifecycle status, a
 * safe-prime search tick, or a Paillier key ready. */
export type Progress =
  | { step: "reading share" | "generating share" | "parsing share" | "encrypting share"
      | "storing share" | "presigning" | "signing";
      curve: "secp256k1" | "ed25519" | null; party: "client" | "server" }
  | { status: "STORED_DATABASE" | "STORED_CLIENT" | "STORED_CUSTODIAN_BACKUP_SHARE"
      | "STORED_CLIENT_BACKUP_SHARE" }
  | { prime: 0 | 1; candidates: number; party: "client" | "server" }
  | { paillier_key_ready: true; party: "client" | "server" };

export interface Addresses {
  ethereum: string;
  bitcoin: string;
  /** BIP86 Taproot (bc1p…); absent only for a key with no Taproot output (about 2^-128). */
  bitcoin_taproot?: string;
  tron: string;
  solana: string;
  stellar: string;
}

/** The wallet: the client id, both public keys (hex; secp256k1 compressed SEC1), addresses. */
export interface WalletInfo {
  client_id: string;
  secp256k1: { public_key: string };
  ed25519: { public_key: string };
  addresses: Addresses;
}

/** The wallet with its statuses and the presignatures this device holds. */
export interface WalletStatus extends WalletInfo {
  signing_status: "STORED_DATABASE" | "STORED_CLIENT";
  backup_status: "STORED_CUSTODIAN_BACKUP_SHARE" | "STORED_CLIENT_BACKUP_SHARE" | null;
  presignatures: number;
}

/** An ECDSA signature (hex): `signature` is r‖s with low s; `recovery_id` is 0 or 1. */
export interface Secp256k1Signature {
  signature: string;
  r: string;
  s: string;
  recovery_id: 0 | 1;
  /** From a presignature of the device's pool (one round), or full signing. */
  method: "presignature" | "full_signing";
}

export interface Bip340Signature {
  /** x(R)‖s (hex), BIP340. */
  signature: string;
  /** The 32-byte x-only Taproot output key it is valid under (hex). */
  output_key: string;
}

export interface Ed25519Signature {
  /** R‖s (hex), RFC 8032. */
  signature: string;
}

/** WebAuthn options of the passkey method (the defaults suit a page served by the RP). */
export interface PasskeyOptions {
  rpId?: string;
  rpName?: string;
  userName?: string;
  displayName?: string;
}

export type BackupMethod = { password: string } | { passkey: true | PasskeyOptions };

export interface CallOptions {
  onProgress?: (event: Progress) => void;
}

export type ErrorKind =
  | "transport" | "server" | "bad_answer" | "protocol" | "device" | "no_wallet"
  | "device_has_wallet" | "stale_device" | "backup" | "limit" | "primes" | "internal"
  | "input";

/** Every SDK call rejects with this. `code` is the server's stable error code (kind
 * "server"), `status` its HTTP status. */
export declare class TandemError extends Error {
  readonly name: "TandemError";
  readonly kind: ErrorKind;
  readonly code: string | null;
  readonly status: number | null;
}

export interface OpenOptions {
  /** The client's API key (`tdk_…`), from the provider's admin API. */
  apiKey: string;
  /** The server's origin; the page's by default. */
  server?: string;
  /** Receives every progress report of every call. */
  onProgress?: (event: Progress) => void;
  /** Web Workers that search safe primes together (default: one per logical core, at most
   * 8; 0: the SDK's worker searches alone). */
  primeWorkers?: number;
  /** Where worker.js, prime-worker.js and the wasm file are, if not next to tandem.js / in
   * ../pkg. */
  workerUrl?: string | URL;
  primeWorkerUrl?: string | URL;
  wasmUrl?: string | URL;
}

export declare class Tandem {
  /** Opens the wallet of `apiKey` on this device (needs a cross-origin isolated page). */
  static open(options: OpenOptions): Promise<Tandem>;
  readonly clientId: string;
  /** Timing of the last call that succeeded, measured in the worker (`io_ms`: waiting for
   * the server's answers and IndexedDB commits; the rest is the wasm's own work). */
  readonly lastCall: { ms: number; io_ms: number; io_requests: number } | null;
  createWallet(options?: CallOptions): Promise<WalletInfo>;
  status(options?: CallOptions): Promise<WalletStatus>;
  addresses(options?: CallOptions): Promise<Addresses>;
  presign(count: number, options?: CallOptions): Promise<number>;
  signSecp256k1(digest: Uint8Array | string, options?: CallOptions): Promise<Secp256k1Signature>;
  signEd25519(
    message: Uint8Array | string,
    options?: CallOptions & { text?: boolean },
  ): Promise<Ed25519Signature>;
  /** BIP340 over a 32-byte BIP341 signature hash (bytes or hex), for a Taproot key-path spend. */
  signBip340(sighash: Uint8Array | string, options?: CallOptions): Promise<Bip340Signature>;
  backup(method: BackupMethod, options?: CallOptions): Promise<{ statuses: string[] }>;
  recover(method: BackupMethod, options?: CallOptions): Promise<WalletStatus>;
  refresh(options?: CallOptions): Promise<WalletStatus>;
  /** One safe prime as createWallet searches it (benchmarks); the candidates tested. */
  benchSafePrime(): Promise<number>;
  /** Diagnostics: the prime workers search one given (public) window to its end. */
  searchPrimeWindow(
    start: Uint8Array | string,
  ): Promise<{ ordinal: number; prime: string | null; tested: number }>;
  /** The number of prime workers (0: the SDK's worker searches alone). */
  readonly primeWorkers: number;
  close(): void;
}
