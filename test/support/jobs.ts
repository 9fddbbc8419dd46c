import type { Companion } from './companion';
import { readEvents } from './sse';

/** Starts an inventory sync through the API and follows its job's events to the end. */
export async function syncAndFollow(companion: Companion, token: string, environmentId: string, body: object = {}) {
	const started = await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/sync`, body);
	if (started.status !== 202) throw new Error(`sync refused: HTTP ${started.status} ${JSON.stringify(started.body)}`);
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${token}`,
	});
	return { job: started.body, events, final: events.at(-1)!.data };
}

/** Every row of an environment's inventory, page after page, as the companion's API lists them. */
export async function inventoryRows(companion: Companion, token: string, environmentId: string): Promise<any[]> {
	const rows: any[] = [];
	for (let cursor: string | null = null; ;) {
		const { body }: { body: any } = await companion.api(
			token,
			'GET',
			`/api/v1/environments/${environmentId}/workflows?limit=250${cursor ? `&cursor=${cursor}` : ''}`,
		);
		rows.push(...body.data);
		if (!(cursor = body.nextCursor)) break;
	}
	return rows;
}
