import type { Request, Response } from 'express';
import type { Job, Jobs } from '../domain/jobs/jobs';

/**
 * Streams a job as server-sent events: its state now, then at each change, until it ends or the
 * client leaves. `message` turns a state into the event text (JSON for the API, HTML for the UI).
 */
export async function streamJob(
	jobs: Jobs,
	id: string,
	req: Request,
	res: Response,
	message: (job: Job) => string,
): Promise<void> {
	const pending: Job[] = [];
	let ready = false;
	const stop = jobs.follow(id, (job) => {
		if (!ready) return void pending.push(job);
		res.write(message(job));
		if (job.status !== 'running') finish();
	});
	const finish = () => {
		stop();
		res.end();
	};
	let current: Job;
	try {
		current = await jobs.get(id);
	} catch (error) {
		stop();
		throw error;
	}
	res.writeHead(200, {
		'Content-Type': 'text/event-stream',
		'Cache-Control': 'no-cache',
		Connection: 'keep-alive',
		'X-Accel-Buffering': 'no',
	});
	// Browsers reconnect after this many ms if the stream drops, and then get the state afresh.
	res.write('retry: 2000\n\n');
	const latest = pending.at(-1) ?? current;
	res.write(message(latest));
	ready = true;
	if (latest.status !== 'running') return finish();
	req.on('close', stop);
}

/** One SSE message; multi-line data goes out as one `data:` line each. */
export const sseMessage = (event: string, data: string) =>
	`event: ${event}\n${data
		.split('\n')
		.map((line) => `data: ${line}`)
		.join('\n')}\n\n`;
