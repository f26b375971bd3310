#!/usr/bin/env node
// The `sessionbench` command: runs the TypeScript CLI through tsx's loader, in this process.
// The only place that exits: main(argv, io) resolves with the exit code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
const { processIo } = await import('../harness/cli/io.ts');
const { killAllAppChildren } = await import('../harness/app/child.ts');

process.on('exit', () => killAllAppChildren());
const code = await main(process.argv.slice(2), processIo());
// A pipe takes large output (a --json RunResult is hundreds of KB) in chunks: exit only once stdout and stderr
// have handed over everything written, or a reader such as jq gets it cut off.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit(code);
