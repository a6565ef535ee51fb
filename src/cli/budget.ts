// mmio-planner budget: a guest config -> its memory budget per release and device model.

import { budget, type BudgetOptions, type ClaimModeOption } from '../budget/budget.js';
import { InputError } from '../errors.js';
import type { CaseOutcome } from '../verdict/findings.js';
import { parseDeviceModels, readGuest } from '../guest/config.js';
import { budgetReport } from '../report/budget.js';
import { readInput, type Io } from './io.js';

export interface BudgetFlags {
  xen?: string;
  deviceModel?: string;
  hostFree?: string;
  claims?: string;
  claimMode?: string;
  pv32?: boolean;
  json?: boolean;
}

function mib(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t))) {
    throw new InputError([{ path: flag, message: `${JSON.stringify(value)} is not a whole, non-negative number of MiB, e.g. ${flag} 16384` }]);
  }
  return Number(t);
}

export function budgetOptions(flags: BudgetFlags): BudgetOptions {
  if (flags.claimMode !== undefined && flags.claimMode !== 'on' && flags.claimMode !== 'off') {
    throw new InputError([{ path: '--claim-mode', message: `${JSON.stringify(flags.claimMode)} is not a claim mode; use on or off (xl.conf claim_mode)` }]);
  }
  return {
    xen: flags.xen ? flags.xen.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    deviceModels: flags.deviceModel ? parseDeviceModels(flags.deviceModel) : undefined,
    hostFreeMiB: mib(flags.hostFree, '--host-free'),
    claimsMiB: mib(flags.claims, '--claims'),
    claimMode: flags.claimMode as ClaimModeOption | undefined,
    pv32: flags.pv32,
  };
}

/** Prints the budget; returns its worst case outcome, for the exit status. */
export function runBudget(file: string, flags: BudgetFlags, io: Io): CaseOutcome {
  const source = file === '-' ? 'stdin' : file;
  const options = budgetOptions(flags);
  const result = budget(readGuest(readInput(file, io), source), options);
  io.out(flags.json ? JSON.stringify(result, null, 2) + '\n' : budgetReport(result));
  return result.outcome;
}
