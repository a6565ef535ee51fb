// The command line. main() takes argv and an output sink and returns the exit
// code, so tests run it in-process as well as through bin/mmio-planner.js.
// Exit codes: 0 success, 2 bad input (the message names the field), 1 fault,
// 3 (plan, explain, budget) a case whose outcome reaches --fail-on.
// Each command lives in src/cli/.

import { Command, CommanderError, Option } from 'commander';
import { runBudget, type BudgetFlags } from './cli/budget.js';
import { runExplain, type ExplainFlags } from './cli/explain.js';
import { processIo, type Io } from './cli/io.js';
import { runMatrix, type MatrixFlags } from './cli/matrix.js';
import { runPlace, type PlaceFlags } from './cli/place.js';
import { runPlan, type PlanFlags } from './cli/plan.js';
import { InputError } from './errors.js';
import { outcomeRank, type CaseOutcome } from './verdict/findings.js';
import { LIMITS, clipLine } from './limits.js';
import { VERSION_NAMES } from './versions.js';

export type { Io } from './cli/io.js';
export { guardOutputStreams, parseVersionSet } from './cli/io.js';

const PACKAGE_VERSION = '0.1.0';

// The options that describe a guest's host side, shared by plan and explain.
function guestOptions(command: Command, prefix: string): void {
  const list = (v: string, all: string[]) => [...all, v];
  command
    .option('--pci <BDF=FILE>', `${prefix}describe a passed-through device: lspci -vv text, sysfs resource file or JSON BARs (repeat per device)`, list, [] as string[])
    .option('--xen <releases>', `${prefix}Xen releases, comma-separated (e.g. 4.14.3,4.17.4,4.19)`)
    .option('--device-model <models>', `${prefix}qemu-xen, qemu-xen-traditional, or both comma-separated (default: the config's, else both)`)
    .addOption(new Option('--toolstack <name>', `${prefix}the toolstack that starts the guest`).choices(['libxl', 'xend', 'other']).default('libxl'))
    .option('--rmrr <START-END[@BDF]>', `${prefix}a host RMRR (VT-d reserved memory), END inclusive, with the devices in its scope joined by + (repeat per RMRR)`, list, [] as string[])
    .option('--rmrr-log <file>', `${prefix}read the host's RMRRs from \`xl dmesg\` of a debug Xen booted with iommu=verbose`)
    .option('--phys-addr-bits <bits>', `${prefix}the host CPU's physical address width (\`address sizes\` in /proc/cpuinfo), which hvmloader reads through CPUID; default 36, hvmloader's own fallback`)
    .addOption(new Option('--ovmf <origin>', `${prefix}for bios = "ovmf", where the binary comes from: the release's own build (default), another build with Xen support, or one without`).choices(['xen', 'xen-support', 'no-xen-support']));
}

// Exit status of plan, explain and budget: 3 when a case's outcome reaches the
// --fail-on threshold (default: fails).
export const EXIT_OUTCOME = 3;
const FAIL_ON = ['never', 'degraded', 'fails'] as const;
type FailOn = (typeof FAIL_ON)[number];
function exitFor(outcome: CaseOutcome, failOn: FailOn = 'fails'): number {
  if (failOn === 'never') return 0;
  return outcomeRank(outcome) >= outcomeRank(failOn) ? EXIT_OUTCOME : 0;
}
const failOnOption = () =>
  new Option('--fail-on <outcome>', `exit ${EXIT_OUTCOME} when a case's outcome is this or worse: fails (the guest will not start, crashes, or loses a device it boots from), degraded (a device or BAR missing, or above 4 GiB), never`)
    .choices([...FAIL_ON])
    .default('fails');

function program(io: Io, status: { code: number }): Command {
  const cmd = new Command('mmio-planner')
    .description("Predicts where Xen's hvmloader places every PCI BAR of an HVM guest.")
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nExit status: 0 done; ${EXIT_OUTCOME} (plan, explain, budget) a case's outcome reached --fail-on (default: fails);\n2 bad input, named on stderr with nothing on stdout; 1 an internal fault.\nAdd --debug to any command to see the stack of an internal error.`,
    );

  cmd
    .command('place')
    .description('place the BARs of a bus description (the JSON contract; - reads stdin)')
    .argument('<bus>', 'bus description file, or - for stdin')
    .option('--json', "print the contract's placement result as JSON")
    .addOption(new Option('--hvmloader <version>', "place under this version instead of the bus's own").choices([...VERSION_NAMES]))
    .option('--version-set <versions>', `place under several versions or Xen releases and show where they differ: a list like 4.3-rc,4.3 or 4.17.3,4.17.4, or "all"`)
    .option('--xen <releases>', 'place under the hvmloader of these Xen releases (e.g. 4.14.1 or 4.17.3,4.17.4) and show where they differ')
    .option('--log', 'also print the lines hvmloader logs')
    .option('--svg <file>', "draw the guest's physical address map (the first version's) to an SVG file")
    .exitOverride()
    .action((file: string, flags: PlaceFlags) => runPlace(file, flags, io));

  const explain = cmd
    .command('explain')
    .description('why BARs are not placed, the smallest fix, hazards, and what other firmware would do')
    .argument('<bus-or-guest>', 'bus description (JSON), or a guest xl.cfg/JSON/YAML; - reads stdin')
    .option('--json', 'print the advice as JSON')
    .addOption(new Option('--hvmloader <version>', "explain under this version instead of the bus's own").choices([...VERSION_NAMES]))
    .exitOverride()
    .addOption(failOnOption())
    .action((file: string, flags: ExplainFlags & { failOn: FailOn }) => {
      status.code = exitFor(runExplain(file, flags, io), flags.failOn);
    });
  guestOptions(explain, 'for a guest: ');

  const plan = cmd
    .command('plan')
    .description("plan a guest from its xl.cfg (or JSON/YAML): the bus each device model presents, where every BAR goes, what breaks and how to fix it")
    .argument('<guest>', 'xl.cfg, guest.json or guest.yaml (- reads stdin)');
  guestOptions(plan, '');
  plan
    .option('--json', 'print the plan as JSON')
    .option('--svg <file>', "draw the first case's guest physical address map to an SVG file")
    .option('--no-log', "leave out the lines hvmloader will print")
    .exitOverride()
    .addOption(failOnOption())
    .action((file: string, flags: PlanFlags & { failOn: FailOn }) => {
      status.code = exitFor(runPlan(file, flags, io), flags.failOn);
    });

  cmd
    .command('budget')
    .description('the memory budget of a guest: max_pages, the claim, PoD and balloon targets, paging pool, IOMMU, stub domain, xl\'s free-memory check and the room for option ROMs, per release')
    .argument('<guest>', 'xl.cfg, guest.json or guest.yaml (- reads stdin)')
    .option('--xen <releases>', 'Xen releases, comma-separated (default 4.19)')
    .option('--device-model <models>', 'qemu-xen, qemu-xen-traditional, or both comma-separated (default: the config\'s, else both)')
    .option('--host-free <MiB>', "the host's free memory as libxl reads it (xl info: free_memory + outstanding_claims)")
    .option('--claims <MiB>', "memory other domains have claimed and not yet populated (xl info: outstanding_claims)")
    .option('--claim-mode <on|off>', "xl.conf claim_mode (default: the release's xl default, on from 4.4)")
    .option('--pv32', 'the PV guest runs a 32-bit kernel')
    .option('--json', 'print the budget as JSON')
    .addOption(failOnOption())
    .exitOverride()
    .action((file: string, flags: BudgetFlags & { failOn: FailOn }) => {
      status.code = exitFor(runBudget(file, flags, io), flags.failOn);
    });

  cmd
    .command('matrix')
    .description('risk matrix: every configuration of a space placed under two versions, with a verdict for each')
    .requiredOption('--from <version>', `the version (${VERSION_NAMES.join(', ')}) or Xen release (4.17.3) before`)
    .requiredOption('--to <version>', 'the version or Xen release after')
    .option('--space <file>', 'YAML or JSON narrowing or widening the dimensions')
    .option('--set <dim=values>', 'narrow or widen one dimension, e.g. ramMiB=2048,4096 (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--devices <set>', 'sweep a real device set instead of synthetic MMIO: bundled names from scenarios/devices or paths of your own lspci -vv files, joined by +, e.g. a100-80gb+x710-sriov (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'json', 'html']).default('md'))
    .option('--out <path>', 'write the report here and print the summary')
    .option('--max-configs <n>', `refuse a space of more configurations than this (default ${LIMITS.matrixConfigs.toLocaleString('en-US')})`)
    .exitOverride()
    .action((flags: MatrixFlags) => runMatrix(flags, io));
  return cmd;
}

/**
 * Runs one command. Bad input ends in exit 2 with one message naming the
 * place and the fix; anything else is an internal fault: exit 1 and one
 * line, with the stack only under --debug (accepted anywhere on the line).
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const status = { code: 0 };
    await program(io, status).parseAsync(argv.filter((a) => a !== '--debug'), { from: 'user' });
    return status.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.exitCode === 0) return 0;
      return 2; // commander already printed what was wrong
    }
    if (e instanceof InputError) {
      io.err(`mmio-planner: ${e.message}\n`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    if (debug) io.err(`mmio-planner: internal error: ${err.stack ?? err.message}\n`);
    else io.err(`mmio-planner: internal error: ${clipLine(err.message.split('\n')[0])} (run again with --debug for the stack)\n`);
    return 1;
  }
}
