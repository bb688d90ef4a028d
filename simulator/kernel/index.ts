export { Kernel } from './kernel.js';
export { Random } from './random.js';
export { latencySchema, NO_LATENCY, sampleLatencyUs, type LatencyModel } from './latency.js';
