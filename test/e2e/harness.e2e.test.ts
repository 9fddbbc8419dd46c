import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { groupAlive, registered } from './harness/processes';

jest.setTimeout(300_000);

const SCRIPT = path.join(__dirname, 'harness', 'start-then-die.ts');

/** Runs the script in its own process; resolves with the instance it started, once it has. */
function startDoomed(mode: 'interrupt' | 'crash') {
	const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode], { env: process.env });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
	const started = new Promise<{ pid: number; userFolder: string }>((resolve, reject) => {
		child.stdout.on('data', () => {
			const line = output.split('\n').find((text) => text.startsWith('{"pid"'));
			if (line) resolve(JSON.parse(line));
		});
		void exited.then(() => reject(new Error(`the script ended before n8n started:\n${output}`)));
	});
	return { child, started, exited };
}

async function expectGone(instance: { pid: number; userFolder: string }): Promise<void> {
	for (let i = 0; i < 50 && groupAlive(instance.pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
	expect(groupAlive(instance.pid)).toBe(false);
	expect(fs.existsSync(instance.userFolder)).toBe(false);
	expect(registered().map((entry) => entry.pid)).not.toContain(instance.pid);
}

test('an interrupted run (Ctrl-C) leaves no n8n process behind', async () => {
	const run = startDoomed('interrupt');
	const instance = await run.started;
	expect(groupAlive(instance.pid)).toBe(true);
	run.child.kill('SIGINT');
	await run.exited;
	await expectGone(instance);
});

test('a run that crashes leaves no n8n process behind', async () => {
	const run = startDoomed('crash');
	const instance = await run.started;
	expect(await run.exited).toBe(1);
	await expectGone(instance);
});
