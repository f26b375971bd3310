import type { LossCause, ServerInfo } from '../../contract/vocabulary.ts';
import type { RaceMechanisms } from './observations.ts';

/** What the race scenario asked of the store: the facts that decide which mechanisms can lose its writes. */
export interface RaceShape {
  /** Requests per burst on one session. */
  fanout: number;
  /** Requests per burst that modify the session (and so save it). */
  writesPerBurst: number;
  /** express-session's resave: unmodified requests save (the whole session) instead of touching. */
  resave: boolean;
}

/**
 * The measured mechanisms that explain lost writes in a race of this shape; empty when nothing
 * was lost. Concurrent saves of whole sessions (several writes per burst, or resave) are
 * express-session's last-writer-wins; with resave=false the unmodified requests touch, which
 * loses a write only when the store's touch rewrites the session or the server's partial
 * update is not atomic.
 */
export function lossCausesOf(mechanisms: RaceMechanisms, shape: RaceShape, lost: number): LossCause[] {
  if (lost === 0 || shape.fanout < 2) return [];
  const causes: LossCause[] = [];
  const concurrentSaves = shape.writesPerBurst > 1 || (shape.resave && shape.writesPerBurst < shape.fanout);
  const touches = !shape.resave && shape.writesPerBurst < shape.fanout;
  if (mechanisms.staleFullSave && concurrentSaves) causes.push('stale-full-save');
  if (mechanisms.touchRewritesSession && touches) causes.push('touch-rewrites-session');
  // Not atomic: probed through the store's own client, or (a store with no partial update, e.g. a file rewritten
  // whole) a save sent amid touches was lost although a touch after the save did not revert it.
  const touchRaceLost = mechanisms.touchRacingSet.reverted > 0 && !mechanisms.touchRewritesSession;
  if ((mechanisms.serverUpdatesAtomic === false || touchRaceLost) && touches) causes.push('non-atomic-server-update');
  return causes;
}

/** Where the session lives, for sentences: the server's honest label, else the store's. */
function where(storeLabel: string, server: ServerInfo | undefined): string {
  return server?.label ?? storeLabel;
}

/** One sentence per cause, naming the store or server and the probe figure that showed it. */
export function lossCauseText(cause: LossCause, mechanisms: RaceMechanisms, storeLabel: string, server: ServerInfo | undefined): string {
  switch (cause) {
    case 'stale-full-save':
      return 'express-session saves the whole session each request loaded (probed: a save of a stale copy replaced newer data), so concurrent saves are last-writer-wins; not a store defect';
    case 'touch-rewrites-session':
      return `${storeLabel}: its touch re-sets the whole session it was given (probed: a touch with an older copy after a newer save brought the older data back${mechanisms.touchRacingSet.reverted > 0 ? `; a save amid touches was lost in ${mechanisms.touchRacingSet.reverted} of ${mechanisms.touchRacingSet.rounds} rounds` : ''}), so a parallel read's touch reverts an acknowledged write; a store effect, not express-session's`;
    case 'non-atomic-server-update': {
      const probe = mechanisms.serverUpdateProbe;
      const race = mechanisms.touchRacingSet;
      const measured = probe && probe.reverted > 0 ? ` (probed with ${probe.description}: lost in ${probe.reverted} of ${probe.rounds} rounds)` : race.reverted > 0 ? ` (probed: a save amid touches was lost in ${race.reverted} of ${race.rounds} rounds)` : '';
      const mongoProtocol = server?.kind === 'mongo' && server.product !== 'MongoDB' ? '; not expected on MongoDB, which guarantees document-level atomicity' : '';
      return `${where(storeLabel, server)}: updates to one record are not atomic${measured}, so the touch's update of the expiry, racing a save, writes back the session it read before the save${mongoProtocol}; not an express-session effect`;
    }
  }
}

/**
 * A store's own loss mechanism in one sentence without run figures, for the recommendation;
 * undefined for express-session's stale full save, which every server store shares.
 */
export function lossCauseSummary(cause: LossCause, storeLabel: string, server: ServerInfo | undefined): string | undefined {
  switch (cause) {
    case 'stale-full-save':
      return undefined;
    case 'touch-rewrites-session':
      return `${storeLabel}: its touch re-sets the whole session it loaded, so even with resave=false a parallel read reverts a concurrent write (measured in the race scenarios); a store effect, not express-session's.`;
    case 'non-atomic-server-update': {
      const mongoProtocol = server?.kind === 'mongo' && server.product !== 'MongoDB' ? ' Not expected on MongoDB, which guarantees document-level atomicity.' : '';
      return `${where(storeLabel, server)}: updates to one record are not atomic (probed through its own client), so even with resave=false a read's touch reverts a concurrent session write; not an express-session effect.${mongoProtocol}`;
    }
  }
}
