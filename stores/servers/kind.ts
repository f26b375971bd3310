import type { z } from 'zod';
import type { ProcessSpec } from './process.ts';

/** What answered at a URL, as the server itself reports it. */
export interface ServerIdentity {
  /** "Redis", "memcached", "PostgreSQL", "MongoDB", "FerretDB", "MariaDB" or "MySQL". */
  product: string;
  version: string;
}

/** A URL as parsing leaves it: enough to check the scheme and host, and its normal form. */
export type ParsedUrl = Pick<URL, 'protocol' | 'hostname' | 'href'>;

/** How to run a server kind in a container. */
export interface DockerImage {
  image: string;
  /** The port the server listens on inside the container. */
  port: number;
  env?: Record<string, string>;
  /** The URL adapters connect to, given the mapped host and port. */
  url(host: string, port: number): string;
}

/** How to start a server kind from a binary on this machine, planned before anything starts. */
export interface LocalPlan {
  /** The binary's name, for the log line. */
  binary: string;
  spec: ProcessSpec;
  /** Where the started server answers (readiness asks `identify` here until it does). */
  connectUrl: string;
  /** Storage backend worth naming in the label (FerretDB's SQLite). */
  backend?: string;
  /** Runs once the server answers (e.g. creating a database); returns the URL adapters use. */
  prepare?: (url: string) => Promise<string>;
}

/** Why this machine cannot start a local server of a kind, and the one command that would let it. */
export interface LocalUnavailable {
  reason: string;
  fix: string;
}

/**
 * The command that gets a missing server binary: apt-get on Debian-like Linux, otherwise the
 * machine's package manager; local servers need Linux (setpriv, /proc), so elsewhere it is Docker or a URL.
 */
export function installFix(kind: string, debianPackage: string, hasAptGet: boolean): string {
  if (process.platform !== 'linux') return `start Docker (sessionbench then starts the ${kind} server itself) or pass --${kind}-url`;
  if (!hasAptGet) return `install ${debianPackage} with your package manager, or pass --${kind}-url`;
  return `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y ${debianPackage}`;
}

/**
 * Everything about one kind of server in one place: how a user names an existing one
 * (URL scheme, environment variable, flag), how to run one (Docker image, local binary),
 * and how to ask what answered. Provisioning, the CLI flags and the reports read only this.
 */
export interface ServerKindDefinition {
  /** The product the kind stands for; a server answering with another name (FerretDB for mongo) gets a caveat. */
  product: string;
  /** Help-text noun for `--<kind>-url`, e.g. "Redis server", "MongoDB-protocol server". */
  noun: string;
  url: {
    /** Accepted URL schemes, with the colon ("redis:"). */
    schemes: readonly string[];
    /** The environment variable that names an existing server, e.g. REDIS_URL. */
    envVar: string;
    /** A URL shown in the error for a bad one. */
    example: string;
    /** Parses a trimmed raw URL (default `new URL`); may accept shorthand such as memcached's bare host:port. */
    parse?(raw: string): ParsedUrl;
    /** Whether a URL without a host is valid (a MongoDB seed list has none in URL terms). */
    hostOptional?: boolean;
  };
  docker: DockerImage;
  /**
   * Settings of a server sessionbench starts (`--server-option <kind>.<key>=<value>`), validated
   * before anything runs, e.g. Redis persistence; absent when the kind takes none.
   */
  options?: z.ZodObject<Record<string, z.ZodType<unknown, string | undefined>>>;
  /** A plan to start one from a local binary (with `options`, validated by `options`), or why this machine has none. */
  local(options?: Record<string, string>): Promise<LocalPlan | LocalUnavailable>;
  /**
   * Connects once and asks the server what it is (also the readiness check); rejects when it does not
   * answer. `expired` aborts when the caller's deadline passes: release the client then.
   */
  identify(url: string, timeoutMs: number, expired: AbortSignal): Promise<ServerIdentity>;
}
