// Every consequence this tool reports, by code: what it does to the guest
// (its effect on the case outcome) and how loudly it is said. This table is
// the one place a consequence is weighed; plan, explain, advise(), the matrix
// and the reports all read it, so they cannot tell different stories.

/** A case's outcome, on one ordered scale. */
export type CaseOutcome = 'works' | 'degraded' | 'fails';
export const CASE_OUTCOMES: readonly CaseOutcome[] = ['works', 'degraded', 'fails'];
export const outcomeRank = (o: CaseOutcome): number => CASE_OUTCOMES.indexOf(o);
export const worse = (a: CaseOutcome, b: CaseOutcome): CaseOutcome => (outcomeRank(a) >= outcomeRank(b) ? a : b);

export type Severity = 'fatal' | 'error' | 'warning' | 'note';

// [effect on the case, severity]. `fails`: the guest does not start, crashes,
// or loses a device it cannot boot without. `degraded`: it runs, but a device
// or BAR is missing or needs a driver that copes with 64-bit BARs. `works`:
// worth knowing, nothing breaks.
const RULES = {
  // who refuses to start the guest
  'dm-unavailable': ['fails', 'fatal'],
  'toolstack-refuses': ['fails', 'fatal'],
  'device-model-refuses': ['fails', 'fatal'],
  'hvmloader-stops': ['fails', 'fatal'],
  'pod-with-passthrough': ['fails', 'fatal'],
  'vslot-in-use': ['fails', 'fatal'],
  'rdm-conflict': ['fails', 'fatal'],
  'rdm-conflict-undetermined': ['fails', 'fatal'],
  'rmrr-shared-refused': ['fails', 'fatal'],
  // what breaks after it starts
  'ram-relocated-qemu-xen': ['fails', 'fatal'],
  'ram-relocated-device-model-unknown': ['fails', 'fatal'],
  'critical-device-dropped': ['fails', 'fatal'],
  'shared-page': ['fails', 'fatal'],
  'device-dropped': ['degraded', 'error'],
  'rdm-conflict-ignored': ['degraded', 'error'],
  'stdvga-overlap': ['degraded', 'error'],
  'device-relocated': ['degraded', 'warning'],
  'address-width': ['degraded', 'warning'],
  'rdm-hidden': ['degraded', 'warning'],
  // worth knowing
  'ram-relocated': ['works', 'note'],
  'rmrr-shared': ['works', 'warning'],
  'stdvga-decodes-past': ['works', 'warning'],
  'mtrr-exhausted': ['works', 'warning'],
  'address-width-pae': ['works', 'note'],
  'ignored-option': ['works', 'warning'],
  'unknown-nic': ['works', 'warning'],
  'superpage-misaligned': ['works', 'note'],
  'rdm-lowmem': ['works', 'note'],
  'rmrr-unknown': ['works', 'note'],
  'videoram-unused': ['works', 'note'],
  'not-modelled': ['works', 'note'],
  'usbctrl': ['works', 'note'],
  'dm-old': ['works', 'note'],
  'phys-addr-bits-assumed': ['works', 'note'],
  'not-hvm': ['works', 'note'],
  // the memory budget (src/budget/): what building the guest asks of Xen and the host
  'type-not-read': ['fails', 'fatal'],
  'builder-contradicts-type': ['fails', 'fatal'],
  'maxvcpus-below-vcpus': ['fails', 'fatal'],
  'claim-einval': ['fails', 'fatal'],
  'claim-enomem': ['fails', 'fatal'],
  'rom-slack': ['fails', 'fatal'],
  'pv-512g-tools': ['degraded', 'error'],
  'pv-512g-kernel': ['degraded', 'warning'],
  'pv32-64g': ['degraded', 'warning'],
  'need-memory': ['works', 'warning'],
  'max-pages-clamped': ['works', 'warning'],
  'support-memory-unsupported': ['works', 'warning'],
  'support-memory-unstated': ['works', 'note'],
  'pod': ['works', 'note'],
  'pv-maxmem': ['works', 'note'],
  'no-claims': ['works', 'note'],
  'stubdom-undercounted': ['works', 'note'],
  'pv-paging-counted': ['works', 'note'],
  'iommu-assumed-shared': ['works', 'note'],
  'rom-slack-migration': ['works', 'note'],
  'pv32-address-width': ['works', 'note'],
  'pv32-config': ['works', 'note'],
  // the firmware after hvmloader (src/guest/firmware.ts): the placement does not
  // hold (reassigned), or UEFI sees no PCI device at all (root bridge dropped)
  'ovmf-reassigns-bars': ['fails', 'error'],
  'ovmf-root-bridge-dropped': ['fails', 'fatal'],
  // UEFI drivers cannot use the BAR, or a debug build stops; the OS is unaffected
  'ovmf-fixed-aperture': ['works', 'warning'],
  'ovmf-address-width': ['works', 'warning'],
  'ovmf-overlapping-apertures': ['works', 'warning'],
  'ovmf-origin-unknown': ['works', 'warning'],
  'ovmf-option-rom-not-run': ['works', 'note'],
  firmware: ['works', 'note'],
  'unknown-key': ['works', 'note'],
} as const satisfies Record<string, readonly [CaseOutcome, Severity]>;

export type FindingCode = keyof typeof RULES;
export const FINDING_CODES = Object.keys(RULES) as FindingCode[];

export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  /** What to change, in words a user can act on (an xl.cfg key with its value, a release, a device). */
  fix?: string;
}

/** A finding of `code`, with the severity the table gives it. */
export function finding(code: FindingCode, message: string, fix?: string): Finding {
  return fix === undefined ? { severity: RULES[code][1], code, message } : { severity: RULES[code][1], code, message, fix };
}

export const effectOf = (code: FindingCode): CaseOutcome => RULES[code][0];
export const severityOf = (code: FindingCode): Severity => RULES[code][1];
const SEVERITIES: readonly Severity[] = ['note', 'warning', 'error', 'fatal'];

/**
 * How bad a case is, finer than its outcome: the outcome, then the severity
 * of the worst finding behind it (a dropped device, an error, is worse than a
 * BAR above 4 GiB, a warning, though both leave the guest degraded).
 */
export function badness(outcome: CaseOutcome, worst: FindingCode | null): number {
  return outcomeRank(outcome) * SEVERITIES.length + (worst ? SEVERITIES.indexOf(severityOf(worst)) : 0);
}

/** The findings worst first (fatal, error, warning, note), in their order otherwise: how reports list them. */
export const worstFirst = (findings: readonly Finding[]): Finding[] => [...findings].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));

/** The case outcome the findings add up to, and the codes that made it so. */
export function outcomeOf(findings: readonly Finding[]): { outcome: CaseOutcome; reasons: FindingCode[] } {
  let outcome: CaseOutcome = 'works';
  for (const f of findings) outcome = worse(outcome, effectOf(f.code));
  const hurting = findings.filter((f) => effectOf(f.code) !== 'works');
  // worst first: by effect, then severity, so reasons[0] is the finding that makes the case as bad as it is
  hurting.sort((a, b) => outcomeRank(effectOf(b.code)) - outcomeRank(effectOf(a.code)) || SEVERITIES.indexOf(severityOf(b.code)) - SEVERITIES.indexOf(severityOf(a.code)));
  const reasons = [...new Set(hurting.map((f) => f.code))];
  return { outcome, reasons };
}
