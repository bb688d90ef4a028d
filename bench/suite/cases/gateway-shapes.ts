import { batchedShape, singleShape } from '../../gateway/servers.js';

/** bench:gateway's shapes: 256-op frames, 8 in flight on one connection; 64 connections of single-op frames, 8 in flight each. */
export const GATEWAY_BATCHED_SHAPE = batchedShape(256, 8);
export const GATEWAY_SINGLE_SHAPE = singleShape(64, 8);
