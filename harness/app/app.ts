import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { setTimeout as delay } from 'node:timers/promises';
import { makePayload } from '../../scenarios/payload.ts';
import type { StoreAdapter } from '../../stores/types.ts';
import { express } from '../../stores/host-packages.ts';
import type { Mitigation } from './mitigations/types.ts';

/** Options of the app under test; identical for every store in a run. */
export interface AppOptions {
  /** Approximate JSON size of the payload stored at login. */
  payloadBytes: number;
  /** Extra latency added to every request (to demonstrate regression detection); 0 in real runs. */
  addedLatencyMs?: number;
  /** Busy-wait per request in µs (a CPU regression injected on purpose); 0 in real runs. */
  addedCpuUs?: number;
  /** Extra Store get calls per request with a session (an injected store round trip); 0 in real runs. */
  addedStoreCalls?: number;
}

/** The session fields the routes use. */
interface BenchSession {
  user?: { id: string };
  payload?: unknown;
  counter?: number;
  items?: string[];
  views?: number;
  lastSeen?: number;
}

type SessionRequest = Request & { session?: (BenchSession & Partial<ExpressSessionMethods>) | null; sessionID?: string };
interface ExpressSessionMethods {
  regenerate(cb: (err: unknown) => void): void;
  destroy(cb: (err: unknown) => void): void;
}

let loginSequence = 0;

/** What a login stores in a fresh session; prefilled sessions hold exactly the same fields. */
export function loginFields(userId: string, payload: unknown): Required<Pick<BenchSession, 'user' | 'payload' | 'counter' | 'items' | 'views'>> {
  return { user: { id: userId }, payload, counter: 0, items: [], views: 0 };
}

function sessionOf(req: SessionRequest): BenchSession | undefined {
  return req.session ?? undefined;
}

async function startFresh(req: SessionRequest): Promise<void> {
  const regenerate = req.session?.regenerate;
  if (regenerate) await new Promise<void>((resolve, reject) => regenerate.call(req.session, (err) => (err ? reject(err) : resolve())));
  else if (req.session) (req as { session: unknown }).session = {};
}

async function endSession(req: SessionRequest): Promise<void> {
  const destroy = req.session?.destroy;
  if (destroy) await new Promise<void>((resolve, reject) => destroy.call(req.session, (err) => (err ? reject(err) : resolve())));
  else (req as { session: unknown }).session = null;
}

function requireUser(req: SessionRequest, res: Response): BenchSession | undefined {
  const session = sessionOf(req);
  if (!session?.user) {
    res.status(401).json({ error: 'no session' });
    return undefined;
  }
  return session;
}

/**
 * An async route whose rejection reaches the error handler: Express 5 does that itself, Express 4
 * (a team's own) would leave it unhandled and the app process would die.
 */
function route(handler: (req: SessionRequest, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => void handler(req, res).catch(next);
}

/**
 * The one app every store is measured with: the same routes by construction.
 * Without session middleware (`none`), session routes answer from request data only.
 */
export function createApp(adapter: StoreAdapter, options: AppOptions, mitigation?: Pick<Mitigation, 'before'>): Express {
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  const payload = makePayload(options.payloadBytes);
  const baseline = adapter.id === 'none';

  if (options.addedLatencyMs) {
    const ms = options.addedLatencyMs;
    app.use((_req, _res, next) => void delay(ms).then(() => next()));
  }
  app.get('/health', (_req, res) => void res.json({ ok: true, store: adapter.id }));

  const middleware = adapter.middleware();
  // A remedy that serialises requests (a lock) must run before the session is loaded.
  if (middleware && mitigation?.before) app.use(mitigation.before);
  if (middleware) app.use(middleware);
  if (options.addedCpuUs) {
    const us = options.addedCpuUs;
    app.use((_req, _res, next) => {
      const until = performance.now() + us / 1000;
      while (performance.now() < until);
      next();
    });
  }
  if (middleware && options.addedStoreCalls) {
    const calls = options.addedStoreCalls;
    // One more round trip to the store per call, through the same (timed and counted) Store.
    app.use((req, _res, next) => {
      const store = (req as unknown as { sessionStore?: { get(id: string, callback: (error: unknown) => void): void } }).sessionStore;
      const id = (req as SessionRequest).sessionID;
      if (!store || !id) return void next();
      let left = calls;
      const again = (): void => (left-- > 0 ? store.get(id, () => again()) : next());
      again();
    });
  }

  app.post('/login', route(async (req, res) => {
    const login = ++loginSequence;
    if (baseline) return void res.json({ user: `u${login}` });
    await startFresh(req);
    Object.assign(req.session!, loginFields(`u${process.pid}-${login}`, payload));
    res.json({ user: req.session!.user!.id, sessionId: req.sessionID });
  }));

  app.get('/session', (req: SessionRequest, res) => {
    if (baseline) return void res.json({ user: 'baseline', counter: 0 });
    const session = requireUser(req, res);
    if (session) res.json({ user: session.user!.id, counter: session.counter ?? 0, items: session.items?.length ?? 0, views: session.views ?? 0 });
  });

  app.post('/session', (req: SessionRequest, res) => {
    if (baseline) return void res.json({ views: 1 });
    const session = requireUser(req, res);
    if (!session) return;
    session.views = (session.views ?? 0) + 1;
    session.lastSeen = Date.now();
    res.json({ views: session.views });
  });

  app.post('/counter', (req: SessionRequest, res) => {
    if (baseline) return void res.json({ counter: 1 });
    const session = requireUser(req, res);
    if (!session) return;
    session.counter = (session.counter ?? 0) + 1;
    res.json({ counter: session.counter });
  });

  app.post('/items', (req: SessionRequest, res) => {
    const id = typeof req.query.id === 'string' ? req.query.id : '';
    if (!id) return void res.status(400).json({ error: 'id query parameter required' });
    if (baseline) return void res.json({ items: 1 });
    const session = requireUser(req, res);
    if (!session) return;
    session.items = [...(session.items ?? []), id];
    res.json({ items: session.items.length });
  });

  app.post('/slow', route(async (req, res) => {
    const ms = Math.min(Number(req.query.ms) || 0, 10_000);
    if (baseline) return void res.json({ ok: true });
    const session = requireUser(req, res);
    if (!session) return;
    await delay(ms);
    session.lastSeen = Date.now();
    res.json({ ok: true });
  }));

  app.post('/logout', route(async (req, res) => {
    if (!baseline) await endSession(req);
    res.json({ ok: true });
  }));

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (!res.headersSent) res.status(500).json({ error: err.message });
    else res.end();
  });
  return app;
}
