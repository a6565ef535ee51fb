// The web page (web/): a static site in dist/web/ that runs the planner's own
// modules (src/guest, src/engine, src/report) in the browser.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// wasm.ts and package-root.ts import these to read build/engine.wasm under
// Node; the page installs the engine itself (installEngine), so in the
// browser they resolve to stubs that say so if anything ever calls them.
const nodeStub = fileURLToPath(new URL('./web/node-stub.ts', import.meta.url));

export default defineConfig({
  root: 'web',
  base: './', // relative asset URLs: the site works from any directory it is served from
  resolve: {
    alias: [{ find: /^node:(fs|path|url)$/, replacement: nodeStub }],
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  preview: { host: '127.0.0.1', port: 4173 },
});
