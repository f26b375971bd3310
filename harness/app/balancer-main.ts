/**
 * Entry point of the load-balancer child process: a request-level round-robin
 * HTTP proxy over the app instances (each request picks the next instance, so
 * keep-alive connections never make sessions sticky by accident).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

const targets = JSON.parse(process.env.SESSIONBENCH_BALANCER_TARGETS ?? '[]') as string[];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = createProxyServer({ agent, proxyTimeout: 10_000 });
let next = 0;

proxy.on('error', (_error, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end('bad gateway');
  else res.destroy();
});

const server = http.createServer((req, res) => {
  const target = targets[next]!;
  next = (next + 1) % targets.length;
  proxy.web(req, res, { target });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
