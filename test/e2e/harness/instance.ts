import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/ports';
import { ensureN8n, type N8nInstall } from './install';
import { killGroup, register, unregister } from './processes';
import type { N8nTarget } from './versions';

export const OWNER = {
	email: 'owner@workflowops.test',
	firstName: 'Work',
	lastName: 'Flowops',
	password: 'WorkflowOps-e2e-1',
};

export interface N8nInstance {
	name: string;
	/** The n8n process, leader of a process group that holds its task runners too. */
	pid: number;
	target: N8nTarget;
	install: N8nInstall;
	baseUrl: string;
	/** An API key with every scope the owner may grant. */
	apiKey: string;
	/** The owner's session cookie, for n8n's internal REST API (e.g. the node types list). */
	cookie: string;
	userFolder: string;
	/** Environment to run more n8n commands (`n8n execute`) on this instance's data. */
	env: NodeJS.ProcessEnv;
	logs(): string;
	stop(): Promise<void>;
}

/** The name our nodes-only package is published and installed under. */
export const PACKAGE_NAME = 'n8n-nodes-workflowops';

export interface StartOptions {
	target: N8nTarget;
	name: string;
	/** An `npm pack` tarball installed as a community package before n8n starts. */
	packageTarball?: string;
	/** Keep running after this process exits (npm run n8n:up); stop with npm run n8n:down. */
	detached?: boolean;
}

const live = new Map<number, N8nInstance>();
let exitHooksInstalled = false;

/** Starts one n8n on 127.0.0.1 with its own folder and ports, owner set up and an API key made. */
export async function startN8n(options: StartOptions): Promise<N8nInstance> {
	const install = ensureN8n(options.target);
	const [port, brokerPort] = [await freePort(), await freePort()];
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `wfo-n8n-${options.name}-`));
	if (options.packageTarball) installCommunityPackage(userFolder, options.packageTarball);
	const baseUrl = `http://127.0.0.1:${port}`;
	const env: NodeJS.ProcessEnv = {
		PATH: `${path.dirname(install.node)}${path.delimiter}${process.env.PATH}`,
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'warn',
		...options.target.env,
	};
	const child = spawn(install.node, [install.n8nBin, 'start'], {
		env,
		detached: true,
		stdio: options.detached ? 'ignore' : ['ignore', 'pipe', 'pipe'],
	});
	const output: string[] = [];
	for (const stream of [child.stdout, child.stderr])
		stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
	if (options.detached) child.unref();
	const pid = child.pid!;
	const entry = { pid, name: options.name, baseUrl, apiKey: '', version: options.target.version, userFolder };
	register(entry);
	installExitHooks();

	const instance: N8nInstance = {
		name: options.name,
		pid,
		target: options.target,
		install,
		baseUrl,
		apiKey: '',
		cookie: '',
		userFolder,
		env,
		logs: () => output.join('').split('\n').slice(-80).join('\n'),
		stop: () => stopInstance(child, entry),
	};
	if (!options.detached) live.set(pid, instance);
	try {
		await waitUntilReady(baseUrl, child, instance.logs);
		instance.cookie = await setUpOwner(baseUrl);
		instance.apiKey = await createApiKey(baseUrl, instance.cookie);
	} catch (error) {
		await instance.stop();
		throw error;
	}
	register({ ...entry, apiKey: instance.apiKey });
	return instance;
}

/**
 * As n8n 2.x installs a community package from its Community Nodes screen: the tarball unpacked into
 * <user folder>/.n8n/nodes/node_modules/<name>, its peer, dev and optional dependencies dropped from
 * its package.json, then `npm install` there (scripts off) for its runtime dependencies.
 */
function installCommunityPackage(userFolder: string, tarball: string): void {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	const manifestFile = path.join(packageDir, 'package.json');
	const {
		devDependencies: _dev,
		peerDependencies: _peer,
		optionalDependencies: _optional,
		...manifest
	} = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	execFileSync(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			'--loglevel=error',
		],
		{ cwd: packageDir, stdio: ['ignore', 'ignore', 'pipe'] },
	);
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [manifest.name]: manifest.version } }),
	);
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, logs: () => string): Promise<void> {
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) throw new Error(`n8n exited while starting:\n${logs()}`);
		try {
			if ((await fetch(`${baseUrl}/healthz/readiness`)).ok) return;
		} catch {
			// not listening yet
		}
		await sleep(500);
	}
	throw new Error(`n8n did not become ready within 180 s:\n${logs()}`);
}

/** POST /rest/owner/setup; 1.x may answer 404 for a moment after readiness, so it is retried. */
async function setUpOwner(baseUrl: string): Promise<string> {
	for (let attempt = 0; attempt < 40; attempt++) {
		const response = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		if (response.ok) {
			const cookie = response.headers.getSetCookie().find((line) => line.startsWith('n8n-auth='));
			if (!cookie) throw new Error('n8n set up the owner but sent no n8n-auth cookie');
			return cookie.split(';')[0];
		}
		if (response.status !== 404)
			throw new Error(`owner set-up failed: HTTP ${response.status} ${await response.text()}`);
		await sleep(500);
	}
	throw new Error('owner set-up kept answering 404');
}

async function createApiKey(baseUrl: string, cookie: string): Promise<string> {
	const scopes = await fetch(`${baseUrl}/rest/api-keys/scopes`, { headers: { cookie } });
	if (!scopes.ok) throw new Error(`listing API key scopes failed: HTTP ${scopes.status}`);
	const { data } = (await scopes.json()) as { data: string[] };
	const response = await fetch(`${baseUrl}/rest/api-keys`, {
		method: 'POST',
		headers: { cookie, 'content-type': 'application/json' },
		body: JSON.stringify({ label: 'workflowops-e2e', scopes: data, expiresAt: null }),
	});
	if (!response.ok) throw new Error(`creating an API key failed: HTTP ${response.status} ${await response.text()}`);
	return ((await response.json()) as { data: { rawApiKey: string } }).data.rawApiKey;
}

/** SIGTERM to the whole process group (n8n and its task runners), SIGKILL after 15 s. */
async function stopInstance(child: ChildProcess, entry: { pid: number; userFolder: string }): Promise<void> {
	live.delete(entry.pid);
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		try {
			process.kill(-entry.pid, 'SIGTERM');
		} catch {
			// already gone
		}
		const timer = setTimeout(() => killGroup(entry), 15_000);
		await exited;
		clearTimeout(timer);
	}
	killGroup(entry);
	unregister(entry.pid);
}

/** Whatever ends this process (a failed test, Ctrl-C, the end of the run) takes its n8n instances with it. */
function installExitHooks(): void {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.once('exit', () => {
		for (const [pid, instance] of live) killGroup({ pid, userFolder: instance.userFolder });
	});
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => process.exit(130));
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
