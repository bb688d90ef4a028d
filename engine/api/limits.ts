/** Hard limits on every input. They bound memory per request and are documented in docs/api.md (Input limits). */
export const LIMITS = {
  idLengthMax: 128,
  skuLengthMax: 64,
  locationLengthMax: 64,
  channelLengthMax: 32,
  reasonLengthMax: 256,
  linesPerHoldMax: 100,
  /** Largest quantity in one line, receive or adjustment. */
  quantityMax: 1_000_000_000,
  /** Largest onHand a position may reach (keeps every sum a safe integer). */
  onHandMax: 1_000_000_000_000,
  ttlMsMin: 1,
  ttlMsMax: 30 * 24 * 3600 * 1000,
  skusPerSubscriptionMax: 10_000,
  /** Operations in one batch() call. */
  batchOpsMax: 10_000,
  /** Requests (or ids) in one reserveMany, commitMany, releaseMany or fulfilMany call. */
  manyOpsMax: 100_000,
  /** Counts in one syncMany() call. */
  syncManyMax: 10_000,
  /** Channels one policy may name (fences and caps together). */
  policyChannelsMax: 64,
  /**
   * Engine operations one gateway frame may carry: each request counts one, except a `batch` or
   * `syncMany` request, which counts its ops (or counts) — so one frame can never expand into more
   * work than one full `batch` call. Equal to batchOpsMax: a frame of one full `batch` call is at the limit.
   * A many-call counts its entries too, so through the gateway one carries at most frameOpsMax of them
   * (manyOpsMax is the embedded engine's bound).
   */
  frameOpsMax: 10_000,
  /**
   * Decoded values one gateway frame may carry: every array, map, map key and scalar at any depth
   * (for msgpack, the number of encoded items). Each value takes at least one byte in msgpack and
   * in JSON, so at the default maxPayloadBytes (1 MiB) no frame can pass it; a gateway configured
   * for bigger frames is still held to it.
   */
  valuesPerFrameMax: 1_048_576,
  /** Decoded values one request of a frame may carry (half a frame's worth). */
  valuesPerRequestMax: 524_288,
} as const;
