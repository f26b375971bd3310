import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { installedVersion } from '../../stores/packages.ts';
import { hostPackageVersions } from '../../stores/host-packages.ts';
import type { EnvironmentInfo } from '../../contract/result.ts';
import { VERSION } from './version.ts';

/** sessionbench's own load generator; express and express-session are the app's (the project's copies when it has them). */
const CORE_PACKAGES = ['autocannon', 'hdr-histogram-js'];

function gitSha(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The machine and software of this run; `packages` adds the store packages that took part. */
export function describeEnvironment(packages: Record<string, string> = {}): EnvironmentInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    totalMemoryBytes: os.totalmem(),
    gitSha: gitSha(),
    sessionbench: VERSION,
    packages: { ...hostPackageVersions(), ...Object.fromEntries(CORE_PACKAGES.map((name) => [name, installedVersion(name)])), ...packages },
  };
}
