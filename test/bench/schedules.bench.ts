/**
 * 100 environments on a short drift schedule (issue 5): every environment checks the same real n8n
 * (50 workflows) every 5 seconds for 60 seconds. Counts the checks started against the ticks expected,
 * the ticks skipped because the environment's last check was still running, and proves from the
 * recorded checks that no environment ever had two at once and that nothing piled up afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { N8nClient } from '../../service/n8n/client';
import { startN8n } from '../e2e/harness/instance';
import { selectedTargets } from '../e2e/harness/versions';
import { startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';

const ENVIRONMENTS = 100;
const WORKFLOWS = 50;
const EVERY_SECONDS = 5;
const RUN_SECONDS = 60;

async function main(): Promise<void> {
	const [target] = selectedTargets(process.env.N8N_VERSIONS ?? '2');
	const n8n = await startN8n({ target, name: 'schedule-bench' });
	const companion = await startCompanion({ scheduler: {} });
	try {
		const client = new N8nClient({ name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const samples = corpusWorkflows().map(({ workflow }) => workflow);
		for (let i = 0, created = 0; created < WORKFLOWS; i++)
			if (await client.createWorkflow(samples[i % samples.length]).catch(() => undefined)) created++;
		const token = await companion.token('admin');
		const ids: string[] = [];
		for (let i = 0; i < ENVIRONMENTS; i++) {
			const environment = await companion.environment(token, {
				name: `env ${i}`,
				baseUrl: n8n.baseUrl,
				apiKey: n8n.apiKey,
				class: 'prod',
			});
			await companion.api(token, 'POST', `/api/v1/environments/${environment.id}/baseline`, {});
			ids.push(environment.id);
		}
		const started = new Date().toISOString();
		for (const id of ids)
			await companion.api(token, 'PUT', `/api/v1/environments/${id}/schedule`, {
				cron: `*/${EVERY_SECONDS} * * * * *`,
				enabled: true,
			});
		await sleep(RUN_SECONDS * 1000);
		for (const id of ids)
			await companion.api(token, 'PUT', `/api/v1/environments/${id}/schedule`, {
				cron: `*/${EVERY_SECONDS} * * * * *`,
				enabled: false,
			});
		const stopped = Date.now();
		const stats = { ...companion.scheduler!.stats };
		// Whatever was running finishes; nothing queued may start after the schedules stopped.
		while (companion.scheduler!.stats.finished + companion.scheduler!.stats.failed < companion.scheduler!.stats.started)
			await sleep(100);
		const drained = Date.now() - stopped;
		const checks = await companion.db
			.selectFrom('drift_checks')
			.select(['environment_id', 'status', 'started_at', 'finished_at'])
			.where('trigger', '=', 'schedule')
			.where('started_at', '>=', started)
			.orderBy('started_at')
			.execute();
		let overlaps = 0;
		const lastEnd = new Map<string, string>();
		for (const check of checks) {
			if ((lastEnd.get(check.environment_id) ?? '') > check.started_at) overlaps++;
			lastEnd.set(check.environment_id, check.finished_at);
		}
		const durations = checks
			.map((check) => Date.parse(check.finished_at) - Date.parse(check.started_at))
			.sort((a, b) => a - b);
		const expected = ENVIRONMENTS * (RUN_SECONDS / EVERY_SECONDS);
		console.log(
			`${ENVIRONMENTS} environments × every ${EVERY_SECONDS} s for ${RUN_SECONDS} s on n8n ${target.version} (${WORKFLOWS} workflows each): ` +
				`${expected} ticks expected; ${stats.started} checks started, ${stats.skipped} ticks skipped (previous check still running), ` +
				`${checks.length} recorded (${checks.filter((check) => check.status !== 'IN_SYNC').length} not IN_SYNC); ` +
				`overlapping checks of one environment: ${overlaps}; check duration p50 ${durations[Math.floor(durations.length / 2)]} ms, ` +
				`max ${durations.at(-1)} ms; drained ${drained} ms after the schedules stopped`,
		);
		if (overlaps) process.exitCode = 1;
	} finally {
		await companion.close();
		await n8n.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
