// Runs the CLI in-process, collecting what it prints and its exit code.
import { main, type Io } from '../../src/cli.js';

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t), readStdin: () => '' };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
