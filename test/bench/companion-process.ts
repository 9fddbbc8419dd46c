import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../dist/service/main.js');

/** The built companion (`workflowops serve`) in its own process, as a user runs it. */
export interface CompanionProcess {
	url: string;
	dataDir: string;
	stop(): Promise<void>;
}

export function newDataDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-bench-'));
}

function env(dataDir: string, port: number): NodeJS.ProcessEnv {
	return {
		...process.env,
		WORKFLOWOPS_DATA_DIR: dataDir,
		WORKFLOWOPS_PORT: String(port),
		WORKFLOWOPS_LOG_LEVEL: 'info',
	};
}

/** Runs `workflowops token create` against the data dir and returns the printed token. */
export function createTokenWithCli(dataDir: string, role: string): string {
	const output = execFileSync(process.execPath, [MAIN, 'token', 'create', '--name', `bench ${role}`, '--role', role], {
		env: env(dataDir, 1),
	}).toString();
	return output.trim().split('\n').pop()!;
}

export async function startCompanionProcess(dataDir: string, port: number): Promise<CompanionProcess> {
	if (!fs.existsSync(MAIN)) throw new Error('Build first: npm run build');
	const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve'], { env: env(dataDir, port), stdio: 'ignore' });
	const url = `http://127.0.0.1:${port}`;
	for (let attempt = 0; ; attempt++) {
		try {
			if ((await fetch(`${url}/healthz/readiness`)).ok) break;
		} catch {
			if (attempt > 200) throw new Error('the companion did not start');
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
	return {
		url,
		dataDir,
		stop: async () => {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			fs.rmSync(dataDir, { recursive: true, force: true });
		},
	};
}
