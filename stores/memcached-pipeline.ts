import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** memcached's text-protocol flag the `memcached` client sets on a value it JSON-encodes (its FLAG_JSON). */
export const MEMCACHED_JSON_FLAG = 2;
const SYNC = 'mn\r\n';
const SYNCED = 'MN\r\n';

/**
 * One socket that sends many `noreply` commands of memcached's text protocol at once and waits
 * for a meta no-op (`mn` → `MN`) behind them: memcached answers in order, so `MN` means every
 * command before it was processed, and any error line before it fails the batch. The `memcached`
 * client sends one command at a time per pooled connection, about ten times slower for bulk loads.
 */
export class MemcachedPipeline {
  private socket: Socket | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.once('connect', () => resolve((this.socket = socket)));
      socket.once('error', reject);
    });
  }

  /** Sends `commands` (each ending in CRLF, all with `noreply`) and resolves once memcached has processed them. */
  send(commands: string): Promise<void> {
    const run = async () => {
      const socket = await this.open();
      await new Promise<void>((resolve, reject) => {
        let answer = '';
        const done = (error?: Error) => {
          clearTimeout(timer);
          socket.off('data', onData);
          socket.off('error', done);
          socket.off('close', onClose);
          if (error) {
            socket.destroy();
            reject(error);
          } else resolve();
        };
        const onData = (chunk: Buffer) => {
          answer += chunk.toString('latin1');
          if (!answer.endsWith(SYNCED)) return;
          const problem = answer.split('\r\n').find((line) => line !== '' && line !== 'MN');
          done(problem ? new Error(`memcached refused a pipelined command: ${problem}`) : undefined);
        };
        const onClose = () => done(new Error('memcached closed the connection during a pipelined write'));
        const timer = setTimeout(() => done(new Error(`memcached did not finish a pipelined write within ${this.timeoutMs} ms`)), this.timeoutMs);
        socket.on('data', onData);
        socket.once('error', done);
        socket.once('close', onClose);
        socket.write(commands + SYNC);
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  close(): void {
    this.socket?.destroy();
  }
}
