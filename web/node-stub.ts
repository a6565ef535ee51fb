// What node:fs, node:path and node:url resolve to in the page (vite.config.ts).
// Only the Node way of loading the engine uses them, and the page installs the
// engine before it plans, so reaching one of these is a bug in the page.

function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser; the page must call installEngine() before planning`);
}

export const existsSync = (): never => unavailable('fs.existsSync');
export const readFileSync = (): never => unavailable('fs.readFileSync');
export const join = (): never => unavailable('path.join');
export const dirname = (): never => unavailable('path.dirname');
export const fileURLToPath = (): never => unavailable('url.fileURLToPath');
