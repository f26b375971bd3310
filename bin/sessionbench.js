#!/usr/bin/env node
// The `sessionbench` command: runs the TypeScript CLI through tsx's loader, in this process.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
