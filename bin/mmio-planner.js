#!/usr/bin/env node
// Runs the built CLI (dist/); `npm run build` makes it.
import { guardOutputStreams, main } from '../dist/src/cli.js';

// a closed pipe ends quietly, a full disk is one line (src/cli/io.ts)
guardOutputStreams();
process.exitCode = await main(process.argv.slice(2));
