import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** `workflowops <args>` in a process of its own, with only PATH and `env` set; its output is kept. */
export function startCli(args: string[], env: Record<string, string>) {
	const child = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts', ...args], {
		cwd: ROOT,
		env: { PATH: process.env.PATH, WORKFLOWOPS_LOG_LEVEL: 'warn', ...env },
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	return Object.assign(child, { stdout: () => stdout, stderr: () => stderr, output: () => stdout + stderr });
}

/** `workflowops <args>` to its end: its exit code and output. */
export async function runCli(
	args: string[],
	env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = startCli(args, env);
	const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
	return { code, stdout: child.stdout(), stderr: child.stderr() };
}
