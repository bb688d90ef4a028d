import { runTransportCeiling } from './ceiling/transport-ceiling.js';
import { formatTable, formatNotes } from './report.js';
const skus = Array.from({ length: 10_000 }, (_, i) => `SKU-${i}`);
const windowOps = Number(process.env.W ?? 4096), lanes = Number(process.env.L ?? 4), every = Number(process.env.E ?? 1), conc = Number(process.env.C ?? 1), batch = Number(process.env.B ?? 4096);
const r = await runTransportCeiling({ shards: 2, skus, maxBatchOps: batch, concurrentTasksPerWorker: conc, windowOps, lanes, warmupMs: 500, durationMs: 3000, latencySampleEvery: every });
console.log(formatTable([r])); console.log(formatNotes([r]));
