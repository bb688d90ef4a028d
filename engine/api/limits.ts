/** Hard limits on every input. They bound memory per request and are documented in the README. */
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
  /** Counts in one syncMany() call. */
  syncManyMax: 10_000,
  /** Channels one policy may name (fences and caps together). */
  policyChannelsMax: 64,
} as const;
