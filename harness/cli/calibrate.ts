/**
 * `npm run calibrate`: is autocannon (in this harness, with its cookie jars and
 * µs histogram) fast enough not to be the bottleneck? Runs the no-session app
 * with our driver and with wrk (a native C load generator) on the same route,
 * connections and duration, and prints both throughputs and their ratio.
 */
import { Command } from 'commander';
import { startAppChild } from '../app/child.ts';
import { runClosedPhase } from '../load/autocannon.ts';
import type { VirtualUser } from '../load/autocannon.ts';
import { runWrk, wrkThroughput } from '../load/wrk.ts';
import { parseCount, parseDuration, parseUsers, sessionSettings, usersAt } from '../plan/plan.ts';
import { createUserPool } from '../load/user-pool.ts';
import { UsageError } from '../errors.ts';
import { spreadOf } from '../../reports/figures/spread.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';

const program = new Command('calibrate')
  .description('compare this harness\'s load generator with wrk on the no-session app')
  .option('--duration <time>', 'time per generator per round', '5s')
  .option('--connections <n>', 'connections', '10')
  .option('--rounds <n>', 'alternating rounds (medians are reported)', '3')
  .option('--users <n>', 'every request picks one of this many users and sends its signed cookie, as bench --users does (the no-session app ignores it): the cost of choosing')
  .option('--distribution <name>', 'with --users: zipfian, uniform or latest', 'zipfian')
  .action(async (flags: { duration: string; connections: string; rounds: string; users?: string; distribution: string }) => {
    const seconds = parseDuration('--duration', flags.duration, { min: 1, max: 600 });
    const connections = parseCount('--connections', flags.connections, { min: 1, max: 1000 });
    const rounds = parseCount('--rounds', flags.rounds, { min: 1, max: 20 });
    const userLoad = usersAt(parseUsers({ users: flags.users, distribution: flags.distribution, prefill: undefined }), 0);
    // Users "prefilled" under ids the app never stored: every request still draws a user and signs (or looks up) its cookie.
    const pool = userLoad ? createUserPool({ ...userLoad, prefilled: { range: { idPrefix: 'calibrate-', from: 0, count: userLoad.users }, secret: sessionSettings().secret } }) : undefined;
    const app = await startAppChild({
      store: 'none',
      settings: sessionSettings(),
      app: { payloadBytes: 1024 },
    });
    try {
      const scenario = SCENARIOS['read-heavy'] as LoadScenario;
      const onlyReads: LoadScenario = { ...scenario, mix: [{ route: 'GET /session', weight: 1 }] };
      const users: VirtualUser[] = [];
      await runClosedPhase({ url: app.url, scenario: onlyReads, connections, durationSeconds: 2, users, ...(pool ? { pool } : {}) });
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 1; round <= rounds; round++) {
        const phase = await runClosedPhase({ url: app.url, scenario: onlyReads, connections, durationSeconds: seconds, users, ...(pool ? { pool } : {}) });
        const wrk = await runWrk({ url: `${app.url}/session`, connections, seconds });
        const failures = phase.errors + phase.timeouts + phase.non2xx;
        if (failures > 0 || wrk.errors + wrk.badStatus > 0) throw new Error(`round ${round} had failed requests (autocannon ${failures}, wrk ${wrk.errors + wrk.badStatus}): no comparison`);
        ours.push(phase.throughput);
        theirs.push(wrkThroughput(wrk));
        console.log(`round ${round}: autocannon ${Math.round(phase.throughput)} req/s (p50 ${phase.latencyUs.p50} µs), wrk ${Math.round(theirs.at(-1)!)} req/s (p50 ${wrk.p50} µs)`);
      }
      const ratio = spreadOf(ours)!.median / spreadOf(theirs)!.median;
      console.log(`GET /session on the no-session app, ${connections} connections, ${rounds} × ${seconds}s each, alternating${userLoad ? `; autocannon picks one of ${userLoad.users} users per request (${userLoad.distribution}) and sends its signed cookie` : ''}`);
      console.log(`median: autocannon (sessionbench driver) ${Math.round(spreadOf(ours)!.median)} req/s, wrk -t1 ${Math.round(spreadOf(theirs)!.median)} req/s`);
      console.log(`ratio: ${(ratio * 100).toFixed(1)}% of wrk (${ratio >= 0.9 ? 'within' : 'NOT within'} 10%; ${ratio >= 0.95 ? 'at least' : 'below'} 95%)`);
      process.exitCode = ratio >= 0.9 ? 0 : 1;
    } finally {
      await app.stop();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`calibrate: ${error.message}`);
  process.exitCode = 2;
}
