import { setTimeout as delay } from 'node:timers/promises';
import type { AppChild } from '../app/child.ts';
import { loggedInClient } from '../client/http-client.ts';
import { storedSession } from './session-state.ts';

/** How the probe races a slow request against a logout (expressjs/session#632). */
export interface ResurrectionProbeOptions {
  /** Sessions probed in parallel, each with its own slow request and logout. */
  sessions: number;
  /** How long the slow request holds the session before modifying it. */
  slowMs: number;
  /** Delay between sending the slow request and the logout. */
  logoutAfterMs: number;
}

/** The probe's defaults: the logout lands 250 ms before the slow request writes. */
export const RESURRECTION_PROBE: ResurrectionProbeOptions = { sessions: 10, slowMs: 300, logoutAfterMs: 50 };

/** What the probe counted over its sessions. */
export interface ResurrectionOutcome {
  resurrectionProbes: number;
  /** Logouts that answered 200 (a probe whose logout failed proves nothing). */
  logoutsAcknowledged: number;
  /** Sessions present in the store again once both requests finished (server-side stores only). */
  resurrected?: number;
  /** A cookie captured before the logout still reads the session afterwards. */
  revokedCookieStillValid: number;
  /** The client's own cookies, after both responses were applied, still read the session. */
  resurrectedInClient: number;
}

async function probeOne(app: AppChild, options: ResurrectionProbeOptions) {
  const client = await loggedInClient(app.url, 'resurrection probe');
  const captured = client.clone();
  const slow = client.send('POST', `/slow?ms=${options.slowMs}`);
  await delay(options.logoutAfterMs);
  const logout = await client.send('POST', '/logout');
  await slow;
  return {
    logoutOk: logout.status === 200,
    inStore: app.capabilities.serverSide ? (await storedSession(app, captured)) !== undefined : undefined,
    capturedValid: (await captured.send('GET', '/session')).status === 200,
    clientValid: (await client.send('GET', '/session')).status === 200,
  };
}

/**
 * Sends a slow request that modifies the session, logs out while it runs, and
 * checks afterwards — in the store itself, not through the app — whether the
 * slow request's save brought the destroyed session back.
 */
export async function probeResurrection(app: AppChild, options: ResurrectionProbeOptions = RESURRECTION_PROBE): Promise<ResurrectionOutcome> {
  const probes = await Promise.all(Array.from({ length: options.sessions }, () => probeOne(app, options)));
  const count = (pick: (p: (typeof probes)[number]) => boolean | undefined) => probes.filter(pick).length;
  return {
    resurrectionProbes: probes.length,
    logoutsAcknowledged: count((p) => p.logoutOk),
    ...(app.capabilities.serverSide ? { resurrected: count((p) => p.inStore) } : {}),
    revokedCookieStillValid: count((p) => p.capturedValid),
    resurrectedInClient: count((p) => p.clientValid),
  };
}
