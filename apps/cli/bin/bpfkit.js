#!/usr/bin/env node
// The bpfkit command. The TypeScript sources are compiled into dist (by `npm run build`, and in the
// published package before it is packed). The published package also holds bundle/: the same code
// and the @bpfkit packages it uses in about twenty chunks (scripts/bundle-cli.mjs), with which a
// command starts in 40-50% less time than from the ~300 modules of dist. It runs only from an
// installed package: a checkout runs dist, which `tsc -b` keeps current and a bundle would not.
// BPFKIT_BUNDLE=0 runs dist there too.
import { existsSync } from 'node:fs';

const bundle = new URL('../bundle/main.js', import.meta.url);
const fromBundle =
  import.meta.url.includes('/node_modules/') && process.env.BPFKIT_BUNDLE !== '0' && existsSync(bundle);
const { main } = await import(fromBundle ? bundle.href : '../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
