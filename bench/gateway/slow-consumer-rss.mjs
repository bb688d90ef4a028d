// What a slow consumer costs a `holdfast serve` child (issue 12, finding 5): its RSS before and at
// peak while N clients pipeline 200-request frames (each answered by ~600 KB: a SKU at 40
// locations) and never read. A script, not a test (RSS is not a stable figure); run after
// `npm run build`:
//   node bench/gateway/slow-consumer-rss.mjs [cli.js] [connections] [maxBufferedBytes] [maxPending]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = resolve(process.argv[2] ?? fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
const CONNECTIONS = Number(process.argv[3] ?? 4);
const MAX_BUFFERED = process.argv[4] ?? String(8 * 1024 * 1024);
const MAX_PENDING = process.argv[5] ?? '4096';
const WebSocket = createRequire(CLI)('ws');
const TOKEN = 'slow-consumer-rss-token-0123456789abcdef';
const child = spawn(
  process.execPath,
  [
    CLI,
    'serve',
    '--port',
    '0',
    '--shards',
    '1',
    '--memory',
    '--max-buffered-bytes',
    MAX_BUFFERED,
    '--max-pending',
    MAX_PENDING,
  ],
  {
    env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let out = '';
const port = await new Promise((done) =>
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /:(\d+) \(/.exec(out);
    if (match) done(Number(match[1]));
  }),
);
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const open = () =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
const admin = await open();
const receives = Array.from({ length: 40 }, (_, i) => ({
  jsonrpc: '2.0',
  id: i,
  method: 'receive',
  params: { sku: 'S', location: `LOCATION-${String(i).padStart(3, '0')}`, qty: 1 + i },
}));
await new Promise((resolve) => {
  admin.once('message', resolve);
  admin.send(JSON.stringify(receives));
});
await sleep(500);
const before = rssMiB();
let peak = before;
const slow = [];
for (let c = 0; c < CONNECTIONS; c++) {
  const ws = await open();
  ws._socket.pause(); // never reads
  slow.push(ws);
}
const startedAt = Date.now();
const frame = JSON.stringify(
  Array.from({ length: 200 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'get', params: { sku: 'S' } })),
);
for (let round = 0; round < 400 && slow.some((ws) => ws.readyState === 1); round++) {
  for (const ws of slow) if (ws.readyState === 1 && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(frame);
  peak = Math.max(peak, rssMiB());
  await sleep(20);
}
for (let i = 0; i < 20; i++) {
  peak = Math.max(peak, rssMiB());
  await sleep(50);
}
console.log(
  JSON.stringify({
    cli: CLI,
    connections: CONNECTIONS,
    maxBufferedBytes: Number(MAX_BUFFERED),
    maxPending: Number(MAX_PENDING),
    rssBeforeMiB: +before.toFixed(1),
    rssPeakMiB: +peak.toFixed(1),
    perConnectionMiB: +((peak - before) / CONNECTIONS).toFixed(1),
    dropped: slow.filter((ws) => ws.readyState !== 1).length,
    seconds: (Date.now() - startedAt) / 1000,
  }),
);
for (const ws of slow) ws.terminate();
admin.terminate();
child.kill('SIGKILL');
