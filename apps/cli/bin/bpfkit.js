#!/usr/bin/env node
// The bpfkit command: the TypeScript sources are compiled into dist (by `npm run build`, and in
// the published package before it is packed).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
