// The channel between the worker (where the synchronous client half runs) and the page
// (where fetch, IndexedDB and WebCrypto run). The worker posts one I/O request and blocks on
// Atomics.wait; the page does the asynchronous work, writes the answer into shared memory
// and wakes it. Shared memory needs a cross-origin isolated page (COOP same-origin and COEP
// require-corp; `tandem server --web` sends both).
//
// control (Int32Array over a SharedArrayBuffer): [state, kind, length, status]
//   state: 0 while the page works, 1 once the answer is written
//   kind:  0 bytes follow, 1 nothing (a record that is absent, a write done), 2 an error
//          (the UTF-8 message follows)
//   length: bytes written into `data`
//   status: the HTTP status of a request's answer
// data (Uint8Array over a SharedArrayBuffer of DATA_BYTES): the answer's bytes.

export const DATA_BYTES = 8 << 20;
export const STATE = 0;
export const KIND = 1;
export const LENGTH = 2;
export const STATUS = 3;
export const BYTES = 0;
export const NOTHING = 1;
export const ERROR = 2;

export function makeChannel() {
  if (!globalThis.crossOriginIsolated) {
    throw new Error(
      "Tandem needs a cross-origin isolated page (serve it with " +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  return {
    control: new Int32Array(new SharedArrayBuffer(16)),
    data: new Uint8Array(new SharedArrayBuffer(DATA_BYTES)),
  };
}

const encoder = new TextEncoder();

/** Page side: writes an answer and wakes the worker. */
export function answer(channel, kind, bytes, status = 0) {
  let payload = bytes ?? new Uint8Array(0);
  if (payload.length > DATA_BYTES) {
    kind = ERROR;
    payload = encoder.encode(`the answer (${payload.length} bytes) exceeds ${DATA_BYTES} bytes`);
  }
  channel.data.set(payload, 0);
  Atomics.store(channel.control, KIND, kind);
  Atomics.store(channel.control, LENGTH, payload.length);
  Atomics.store(channel.control, STATUS, status);
  Atomics.store(channel.control, STATE, 1);
  Atomics.notify(channel.control, STATE);
}

/** Page side: an error answer. */
export function answerError(channel, error) {
  const message = error instanceof Error ? error.message : String(error);
  answer(channel, ERROR, encoder.encode(message));
}
