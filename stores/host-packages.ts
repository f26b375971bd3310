/**
 * express and express-session as the app under test loads them: the copies of the project
 * sessionbench runs in (resolved from the working directory, so a team measures its own versions,
 * Express 4 or 5), else sessionbench's own. The harness and every app child resolve them the same
 * way, since a child inherits the working directory.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type expressFactory from 'express';
import type expressSession from 'express-session';
import { installedVersion } from './packages.ts';

/** Where one of these packages came from, recorded beside its version. */
export interface HostPackage {
  version: string;
  /** The file that was loaded. */
  path: string;
  /** True when it is the working directory's project's copy rather than sessionbench's own. */
  fromProject: boolean;
}

const ownRequire = createRequire(import.meta.url);
const projectRequire = createRequire(join(process.cwd(), 'package.json'));

function resolveHost(name: string): HostPackage {
  const own = ownRequire.resolve(name);
  let path = own;
  try {
    path = projectRequire.resolve(name);
  } catch {
    // Not in the project: sessionbench's own copy.
  }
  return { version: installedVersion(name, path), path, fromProject: path !== own };
}

/** The packages the app under test is built from, by name. */
export const HOST_PACKAGES = {
  express: resolveHost('express'),
  'express-session': resolveHost('express-session'),
} as const satisfies Record<string, HostPackage>;

/** express-session as the app under test uses it (hand it to connect-style store factories). */
export const session = ownRequire(HOST_PACKAGES['express-session'].path) as typeof expressSession;

/** The Express factory the app under test is built with. */
export const express = ownRequire(HOST_PACKAGES.express.path) as typeof expressFactory;

/** Versions keyed by name, for the results' `env.packages`. */
export function hostPackageVersions(): Record<string, string> {
  return Object.fromEntries(Object.entries(HOST_PACKAGES).map(([name, info]) => [name, info.version]));
}
