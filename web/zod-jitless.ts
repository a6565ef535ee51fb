// The page forbids eval (its Content-Security-Policy). zod probes for it with
// `new Function` when it builds an object schema, and the browser reports that
// probe as a policy violation even though zod catches it; jitless skips the
// probe (and the compiled fast path, which these small inputs do not need).
// main.ts imports this first, so it runs before src/bus.ts builds its schemas.
import { z } from 'zod';

z.config({ jitless: true });
