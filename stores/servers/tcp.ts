import { once } from 'node:events';
import { connect } from 'node:net';

/**
 * Resolves once a TCP connection to `host:port` opens. The memcached client leaves
 * minutes-long retry timers behind after a refused connection, so it is only used once this succeeds.
 */
export async function tcpReachable(hostPort: string, timeoutMs: number): Promise<void> {
  const { hostname, port } = new URL(`tcp://${hostPort}`);
  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
  try {
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'timeout').then(() => Promise.reject(new Error(`no answer from ${hostPort} within ${timeoutMs} ms`))),
    ]);
  } finally {
    socket.destroy();
  }
}
