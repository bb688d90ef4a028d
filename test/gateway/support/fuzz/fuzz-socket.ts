/** A minimal WebSocket client for the fuzz test that hands answers over in order. */
import { unpack } from 'msgpackr';
import WebSocket from 'ws';
import type { Answer, FuzzFrame } from './vocabulary.js';

export class FuzzSocket {
  private readonly queue: Answer[] = [];
  private waiter: ((answer: Answer | 'closed') => void) | null = null;
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      let decoded: unknown;
      try {
        decoded = isBinary ? unpack(buffer) : JSON.parse(buffer.toString('utf8'));
      } catch (error) {
        decoded = { undecodable: (error as Error).message };
      }
      const answer = { binary: isBinary, data: decoded };
      if (this.waiter !== null) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter(answer);
      } else {
        this.queue.push(answer);
      }
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        if (this.waiter !== null) {
          const waiter = this.waiter;
          this.waiter = null;
          waiter('closed');
        }
        resolve(code);
      });
    });
  }

  static open(url: string, token: string): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: 256 * 1024 * 1024 });
      const socket = new FuzzSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: FuzzFrame): void {
    this.ws.send(frame.bytes, { binary: frame.encoding === 'msgpack' });
  }

  /** The next answer, 'closed' if the socket closes first, 'timeout' after timeoutMs. */
  next(timeoutMs: number): Promise<Answer | 'closed' | 'timeout'> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closeCode !== null) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve('timeout');
      }, timeoutMs);
      this.waiter = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}
