import fs from 'node:fs';
import path from 'node:path';
import { CACHE_ROOT } from './install';

/**
 * Every n8n this machine's harness started and has not stopped, one file per process group, so that
 * `npm run n8n:down` (and an interrupted run's cleanup) can stop them from any process.
 */
const REGISTRY = path.join(CACHE_ROOT, 'running');

export interface RunningInstance {
	pid: number;
	name: string;
	baseUrl: string;
	apiKey: string;
	version: string;
	userFolder: string;
}

export function register(instance: RunningInstance): void {
	fs.mkdirSync(REGISTRY, { recursive: true });
	fs.writeFileSync(path.join(REGISTRY, `${instance.pid}.json`), JSON.stringify(instance, null, 2));
}

export function unregister(pid: number): void {
	fs.rmSync(path.join(REGISTRY, `${pid}.json`), { force: true });
}

export function registered(): RunningInstance[] {
	if (!fs.existsSync(REGISTRY)) return [];
	return fs
		.readdirSync(REGISTRY)
		.map((file) => JSON.parse(fs.readFileSync(path.join(REGISTRY, file), 'utf8')) as RunningInstance);
}

/** Kills a process group now (SIGKILL) and forgets it; safe to call for one already gone. */
export function killGroup(instance: Pick<RunningInstance, 'pid' | 'userFolder'>): void {
	try {
		process.kill(-instance.pid, 'SIGKILL');
	} catch {
		// already gone
	}
	unregister(instance.pid);
	fs.rmSync(instance.userFolder, { recursive: true, force: true });
}

/** Whether any process of the group is still alive. */
export function groupAlive(pid: number): boolean {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}
