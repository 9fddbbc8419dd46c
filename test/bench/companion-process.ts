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

/** Where a companion keeps its data: its data directory, and PostgreSQL's URL when not on SQLite. */
function env(dataDir: string, port: number, databaseUrl?: string): NodeJS.ProcessEnv {
	return {
		...process.env,
		WORKFLOWOPS_DATA_DIR: dataDir,
		WORKFLOWOPS_PORT: String(port),
		WORKFLOWOPS_LOG_LEVEL: 'info',
		...(databaseUrl && { WORKFLOWOPS_DATABASE_URL: databaseUrl }),
	};
}

/** Runs `workflowops token create` against the data dir (or database) and returns the printed token. */
export function createTokenWithCli(dataDir: string, role: string, databaseUrl?: string): string {
	const output = execFileSync(process.execPath, [MAIN, 'token', 'create', '--name', `bench ${role}`, '--role', role], {
		env: env(dataDir, 1, databaseUrl),
	}).toString();
	return output.trim().split('\n').pop()!;
}

/** Runs `workflowops user add` against the data dir. */
export function createUserWithCli(dataDir: string, email: string, password: string, role = 'admin'): void {
	execFileSync(process.execPath, [MAIN, 'user', 'add', '--email', email, '--role', role, '--password', password], {
		env: env(dataDir, 1),
	});
}

/** Signs in through the login form as a browser does; returns the Cookie header of the session. */
export async function signInCookie(url: string, email: string, password: string): Promise<string> {
	const cookiesOf = (response: Response) => response.headers.getSetCookie().map((line) => line.split(';')[0]);
	const csrf = cookiesOf(await fetch(`${url}/login`)).find((cookie) => cookie.startsWith('wfo_csrf='))!;
	const response = await fetch(`${url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf },
		body: new URLSearchParams({ email, password, _csrf: csrf.split('=')[1] }).toString(),
	});
	const session = cookiesOf(response).find((cookie) => cookie.startsWith('wfo_session='));
	if (!session) throw new Error(`signing in failed: HTTP ${response.status}`);
	return `${csrf}; ${session}`;
}

export async function startCompanionProcess(
	dataDir: string,
	port: number,
	databaseUrl?: string,
): Promise<CompanionProcess> {
	if (!fs.existsSync(MAIN)) throw new Error('Build first: npm run build');
	const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve'], {
		env: env(dataDir, port, databaseUrl),
		stdio: 'ignore',
	});
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
