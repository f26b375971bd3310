#!/usr/bin/env node
// The `sessionbench` command: runs the TypeScript CLI through tsx's loader, in this process.
// The only place that exits: main(argv, io) resolves with the exit code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
const { processIo } = await import('../harness/cli/io.ts');
const { killAllAppChildren } = await import('../harness/app/child.ts');

process.on('exit', () => killAllAppChildren());
process.exit(await main(process.argv.slice(2), processIo()));
