/**
 * The reference the bench app's instrumentation is measured against (`npm run instrumentation`):
 * a plain Express + express-session app with a MemoryStore, the routes of app.ts in the same
 * order, the same session settings and payload — and nothing else: no store timing, no write
 * counting, no memory sampling, no event-loop watch, no inspection over IPC. Written out by hand
 * on purpose (not built from createApp), so nothing of the bench app leaks into the reference.
 * Runs as a child process (fork): reports `{ type: 'ready', port }` over IPC, exits when the parent goes.
 */
import express from 'express';
import session from 'express-session';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { makePayload } from '../../scenarios/payload.ts';
import { PLAIN_APP_CONFIG_ENV } from './plain-child.ts';
import type { PlainAppConfig } from './plain-child.ts';

type Data = { user?: { id: string }; payload?: unknown; counter?: number; items?: string[]; views?: number; lastSeen?: number };

function main(): void {
  const config = JSON.parse(process.env[PLAIN_APP_CONFIG_ENV] ?? '{}') as PlainAppConfig;
  const payload = makePayload(config.payloadBytes);
  const { settings } = config;
  let logins = 0;
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => void res.json({ ok: true, store: 'plain' }));
  app.use(
    session({
      store: new session.MemoryStore(),
      name: 'sid',
      secret: settings.secret,
      resave: settings.resave,
      saveUninitialized: settings.saveUninitialized,
      rolling: settings.rolling,
      cookie: { maxAge: settings.maxAgeMs, httpOnly: true, sameSite: 'lax' },
    }),
  );
  const data = (req: express.Request) => req.session as unknown as Data;
  const user = (req: express.Request, res: express.Response): Data | undefined => {
    if (data(req).user) return data(req);
    res.status(401).json({ error: 'no session' });
    return undefined;
  };
  app.post('/login', (req, res, next) => {
    const login = ++logins;
    req.session.regenerate((err) => {
      if (err) return next(err);
      Object.assign(req.session, { user: { id: `u${process.pid}-${login}` }, payload, counter: 0, items: [], views: 0 });
      res.json({ user: data(req).user!.id, sessionId: req.sessionID });
    });
  });
  app.get('/session', (req, res) => {
    const s = user(req, res);
    if (s) res.json({ user: s.user!.id, counter: s.counter ?? 0, items: s.items?.length ?? 0, views: s.views ?? 0 });
  });
  app.post('/session', (req, res) => {
    const s = user(req, res);
    if (!s) return;
    s.views = (s.views ?? 0) + 1;
    s.lastSeen = Date.now();
    res.json({ views: s.views });
  });
  app.post('/counter', (req, res) => {
    const s = user(req, res);
    if (!s) return;
    s.counter = (s.counter ?? 0) + 1;
    res.json({ counter: s.counter });
  });
  app.post('/items', (req, res) => {
    const id = typeof req.query.id === 'string' ? req.query.id : '';
    if (!id) return void res.status(400).json({ error: 'id query parameter required' });
    const s = user(req, res);
    if (!s) return;
    s.items = [...(s.items ?? []), id];
    res.json({ items: s.items.length });
  });
  app.post('/slow', async (req, res) => {
    const s = user(req, res);
    if (!s) return;
    await delay(Math.min(Number(req.query.ms) || 0, 10_000));
    s.lastSeen = Date.now();
    res.json({ ok: true });
  });
  app.post('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : void res.json({ ok: true }))));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (!res.headersSent) res.status(500).json({ error: err.message });
    else res.end();
  });
  const server = app.listen(0, '127.0.0.1', (error?: Error) => {
    if (error) throw error;
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  server.keepAliveTimeout = 60_000;
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  // Ctrl-C reaches the whole process group: the parent stops this child.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
}

main();
