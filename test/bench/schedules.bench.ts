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
		const setSchedule = async (id: string, enabled: boolean) => {
			await companion.api(token, 'PUT', `/api/v1/environments/${id}/schedule`, {
				cron: `*/${EVERY_SECONDS} * * * * *`,
				enabled,
			});
			return Date.now();
		};
		const enabledAt = new Map<string, number>();
		for (const id of ids) enabledAt.set(id, await setSchedule(id, true));
		await sleep(RUN_SECONDS * 1000);
		// The ticks each environment's schedule had while it was on: every multiple of EVERY_SECONDS.
		let expected = 0;
		for (const id of ids) {
			const disabledAt = await setSchedule(id, false);
			const period = EVERY_SECONDS * 1000;
			expected += Math.floor(disabledAt / period) - Math.floor(enabledAt.get(id)! / period);
		}
		const stopped = Date.now();
		// Turning a schedule off cancels its running check; nothing queued may start after the schedules stopped.
		const scheduler = companion.scheduler!;
		while (scheduler.stats.running > 0 && Date.now() - stopped < 60_000) await sleep(50);
		const drained = Date.now() - stopped;
		const { finished, failed, cancelled, skipped, running } = scheduler.stats;
		const checks = await companion.db
			.selectFrom('drift_checks')
			.select(['environment_id', 'status', 'error', 'started_at', 'finished_at'])
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
		console.log(
			`${ENVIRONMENTS} environments × every ${EVERY_SECONDS} s for ${RUN_SECONDS} s on n8n ${target.version} (${WORKFLOWS} workflows each): ` +
				`${expected} ticks while enabled; ${finished + failed} checks ran (${failed} failed), ${cancelled} cancelled by their schedule turned off, ` +
				`${skipped} ticks skipped (previous check still running), ` +
				`${checks.length} recorded (${describeOutcomes(checks)}); ` +
				`overlapping checks of one environment: ${overlaps}; check duration p50 ${durations[Math.floor(durations.length / 2)]} ms, ` +
				`max ${durations.at(-1)} ms; still running ${drained} ms after the schedules stopped: ${running}`,
		);
		if (overlaps || running) process.exitCode = 1;
	} finally {
		await companion.close();
		await n8n.stop();
	}
}

/** How many checks ended each way, e.g. "1150 IN_SYNC, 3 ERROR: n8n did not answer in time". */
function describeOutcomes(checks: Array<{ status: string; error: string | null }>): string {
	const counts = new Map<string, number>();
	for (const { status, error } of checks) {
		const key = error ? `${status}: ${error.replace(/^n8n "[^"]*" \([^)]*\): /, '')}` : status;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return [...counts].map(([key, count]) => `${count} ${key}`).join(', ');
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
