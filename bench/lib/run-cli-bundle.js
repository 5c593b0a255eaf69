// Runs the bpfkit command from a bundle as the published package's bin/bpfkit.js does:
// node run-cli-bundle.js <the bundle's main.js> <command and its arguments>
import { pathToFileURL } from 'node:url';

const [bundleMain, ...args] = process.argv.slice(2);
const { main } = await import(pathToFileURL(bundleMain).href);
process.exitCode = await main(args);
