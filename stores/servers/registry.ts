/** Something sessionbench started and must stop: a local process or a container. */
export interface RunningServer {
  /** Stops it and releases what it holds; idempotent. */
  stop(): Promise<void>;
  /** Last resort on process exit, when nothing async can run. */
  killNow(): void;
}

const running = new Set<RunningServer>();
let exitHookInstalled = false;

/** Tracks `server` until it stops, so `stopAllServers` and the exit hook can reach it. */
export function track(server: RunningServer): () => void {
  if (!exitHookInstalled) {
    process.on('exit', () => running.forEach((entry) => entry.killNow()));
    exitHookInstalled = true;
  }
  running.add(server);
  return () => running.delete(server);
}

/** Stops every server sessionbench started and has not stopped yet (for SIGINT and exit paths). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

/** How many started servers are still running. */
export function runningServerCount(): number {
  return running.size;
}
