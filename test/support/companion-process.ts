import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The companion as users run it (`workflowops serve`), in its own process, so a test can kill it
 * (SIGKILL) and start it again on the same data directory (and PostgreSQL database, given one).
 */
export async function startCompanionProcess(dataDir: string, databaseUrl?: string) {
	const port = await freePort();
	let child: ChildProcessWithoutNullStreams;
	let output = '';
	const env = {
		PATH: process.env.PATH,
		HOME: dataDir,
		WORKFLOWOPS_DATA_DIR: dataDir,
		WORKFLOWOPS_PORT: String(port),
		WORKFLOWOPS_LOG_LEVEL: 'warn',
		...(databaseUrl && { WORKFLOWOPS_DATABASE_URL: databaseUrl }),
	};
	const start = async () => {
		output = '';
		child = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts', 'serve'], { cwd: ROOT, env });
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		for (let waited = 0; !output.includes('is running on'); waited += 100) {
			if (waited > 60_000 || child.exitCode !== null) throw new Error(`the companion did not start:\n${output}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	};
	await start();
	const url = `http://127.0.0.1:${port}`;
	return {
		url,
		/** Calls its API with a bearer token; the answer's status and JSON body. */
		api: async (token: string, method: string, apiPath: string, body?: unknown) => {
			const response = await fetch(`${url}/api/v1${apiPath}`, {
				method,
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return { status: response.status, body: (await response.json()) as any };
		},
		output: () => output,
		/** Kills it the hard way (SIGKILL), as a crash or an OOM kill would. */
		kill: async () => {
			child.kill('SIGKILL');
			if (child.exitCode === null && child.signalCode === null)
				await new Promise((resolve) => child.once('exit', resolve));
		},
		restart: start,
		/** An API token made by the CLI (`workflowops token create`). */
		token: (role: 'viewer' | 'developer' | 'admin') =>
			execFileSync(
				process.execPath,
				['--import', 'tsx', 'service/main.ts', 'token', 'create', '--name', `e2e ${role}`, '--role', role],
				{ cwd: ROOT, env, encoding: 'utf8' },
			)
				.trim()
				.split('\n')
				.at(-1)!,
	};
}
