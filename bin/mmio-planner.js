#!/usr/bin/env node
// Runs the built CLI (dist/); `npm run build` makes it.
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv.slice(2));
