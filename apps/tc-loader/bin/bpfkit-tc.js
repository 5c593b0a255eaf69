#!/usr/bin/env node
// The bpfkit-tc command. The TypeScript sources are built into dist by `npm ci` (the root
// package's prepare script runs `tsc -b`).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
