/**
 * For the harness's own test: starts one n8n, prints its process id, then either waits to be
 * interrupted (`interrupt`) or throws (`crash`). Its instance must not outlive it either way.
 */
import { startN8n } from './instance';
import { selectedTargets } from './versions';

async function main(): Promise<void> {
	const [target] = selectedTargets();
	const instance = await startN8n({ target, name: 'doomed' });
	console.log(JSON.stringify({ pid: instance.pid, userFolder: instance.userFolder }));
	if (process.argv[2] === 'crash') throw new Error('crashed on purpose');
	setInterval(() => {}, 1000);
}

void main();
