// PROVISIONAL, until the verdict module (issue 10, src/verdict/) lands on
// main: the case outcome shown at the top of each case, read from the worst
// finding. The page must show the verdict's own outcome once PlanCase
// carries it; this is display only and decides nothing the findings do not.

import type { PlanCase } from '../src/guest/plan.js';

export type CaseOutcome = 'works' | 'degraded' | 'fails';

export function provisionalOutcome(c: PlanCase): CaseOutcome {
  if (!c.available || c.findings.some((f) => f.severity === 'fatal')) return 'fails';
  if (c.findings.some((f) => f.severity === 'error')) return 'degraded';
  return 'works';
}
