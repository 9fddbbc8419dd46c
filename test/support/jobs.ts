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
