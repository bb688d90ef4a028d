/**
 * The raw WebSocket ceiling's server, run as a child process like the gateway: a plain `ws`
 * WebSocketServer on loopback that sends every message back as it came (same bytes, same frame
 * type). No engine, no decoding, no JSON-RPC. Prints `echo server: listening on ws://…`.
 * SIGTERM closes it and exits 0.
 */
import { WebSocketServer } from 'ws';

/** The gateway's default maxPayloadBytes, so both servers accept the same frames. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

function main(): void {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD_BYTES,
  });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
    socket.on('error', () => socket.terminate());
  });
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    console.log(`echo server: listening on ws://127.0.0.1:${port}`);
  });
  process.on('SIGTERM', () => {
    for (const client of server.clients) client.terminate();
    server.close(() => process.exit(0));
  });
}

main();
