/**
 * npm run n8n:up   — starts two n8n instances, "dev" and "prod" (the first of N8N_VERSIONS, 2.x by
 *                    default), on 127.0.0.1 and prints their URLs and API keys; they keep running.
 * npm run n8n:down — stops every instance the harness started on this machine.
 * check            — exits 1 if one of them is still running.
 */
import { OWNER, startN8n } from './instance';
import { groupAlive, killGroup, registered } from './processes';
import { selectedTargets } from './versions';

async function up(): Promise<void> {
	const [target] = selectedTargets(process.env.N8N_VERSIONS ?? '2');
	console.log(`Starting n8n ${target.version} (dev and prod)…`);
	const instances = await Promise.all(['dev', 'prod'].map((name) => startN8n({ target, name, detached: true })));
	for (const instance of instances) {
		console.log(
			`\n${instance.name}: ${instance.baseUrl}\n  owner:   ${OWNER.email} / ${OWNER.password}\n  API key: ${instance.apiKey}`,
		);
	}
	console.log('\nStop them with: npm run n8n:down');
	process.exit(0);
}

function down(): void {
	const running = registered();
	for (const instance of running) {
		killGroup(instance);
		console.log(`stopped ${instance.name} (n8n ${instance.version}, ${instance.baseUrl})`);
	}
	if (!running.length) console.log('no n8n instance is running');
}

/** Fails when an instance the harness started is still running (the end of CI checks this). */
function check(): void {
	const alive = registered().filter((instance) => groupAlive(instance.pid));
	for (const instance of alive)
		console.error(`still running: ${instance.name} (pid ${instance.pid}, ${instance.baseUrl})`);
	if (alive.length) process.exit(1);
	console.log('no n8n instance left running');
}

const command = process.argv[2];
if (command === 'up') {
	up().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
} else if (command === 'down') {
	down();
} else if (command === 'check') {
	check();
} else {
	console.error('usage: tsx test/e2e/harness/cli.ts up|down|check');
	process.exit(2);
}
