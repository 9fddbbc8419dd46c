import http from 'node:http';
import { Replica } from '../../service/jobs/replicas';
import type { AddressInfo } from 'node:net';
import { takeOverWork } from '../../service/jobs/takeover';
import { type Companion, startCompanion } from '../support/companion';
import { onPostgres } from '../support/test-database';

let companion: Companion;
let admin: string;
const received: string[] = [];
let receiver: http.Server;

beforeAll(async () => {
	receiver = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push(body);
			res.end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	companion = await startCompanion();
	admin = await companion.token('admin');
});
afterAll(async () => {
	await companion.close();
	await new Promise((resolve) => receiver.close(resolve));
});

const now = () => new Date().toISOString();

/** A replica recorded as serving the database whose process is gone (its lock is free). */
async function goneReplica(id: string, lockKey: number) {
	await companion.db
		.insertInto('replicas')
		.values({ id, lock_key: lockKey, host: 'elsewhere', pid: 1, started_at: now() })
		.execute();
}

/** A job recorded as running on `replicaId`, its progress as given. */
async function runningJob(id: string, replicaId: string, progress: object = {}) {
	await companion.db
		.insertInto('jobs')
		.values({
			id,
			kind: 'snapshot.restore',
			environment_id: null,
			subject: null,
			status: 'running',
			progress: JSON.stringify(progress),
			result: null,
			error: null,
			created_by: null,
			created_at: now(),
			finished_at: null,
			replica_id: replicaId,
		})
		.execute();
}

/** A workflow the sync `jobId` has read. */
async function readBy(jobId: string, n8nId: string) {
	await companion.db
		.insertInto('inventory_sync_rows')
		.values({
			job_id: jobId,
			n8n_id: n8nId,
			canonical_id: n8nId,
			name: n8nId,
			active: 0,
			tags: '[]',
			node_types: '[]',
			node_count: 0,
			content_hash: 'c',
			raw_hash: 'r',
			n8n_updated_at: null,
		})
		.execute();
}

test('the work of a replica gone is taken over once: its jobs fail saying what they left, what its syncs read goes, its deliveries are sent, its drift check ends', async () => {
	await goneReplica('gone', 101);
	const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
	const subscription = (
		await companion.api(admin, 'POST', '/api/v1/webhooks', { url: receiverUrl, events: ['snapshot.created'] })
	).body;
	const environment = await companion.environment(admin, { name: 'dev', baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });
	await runningJob('job-of-gone', 'gone', { ifInterrupted: 'one workflow was written' });
	await runningJob('job-here', companion.replica.id);
	await readBy('job-of-gone', 'wf-1');
	await readBy('job-here', 'wf-2');
	await companion.db
		.insertInto('webhook_deliveries')
		.values({
			id: 'delivery-of-gone',
			subscription_id: subscription.id,
			event_id: 'event-1',
			event_type: 'snapshot.created',
			payload: '{"type":"snapshot.created"}',
			status: 'pending',
			attempts: 0,
			response_status: null,
			error: null,
			next_attempt_at: now(),
			created_at: now(),
			delivered_at: null,
			replica_id: 'gone',
		})
		.execute();
	await companion.db
		.insertInto('running_drift_checks')
		.values({ environment_id: environment.id, replica_id: 'gone', started_at: now() })
		.execute();

	await (
		await takeOverWork(companion.deps, companion.replica)
	).undoing;
	expect((await companion.api(admin, 'GET', '/api/v1/jobs/job-of-gone')).body).toMatchObject({
		status: 'failed',
		error: 'interrupted: the companion stopped while it ran. one workflow was written',
	});
	for (let waited = 0; !received.length && waited < 5000; waited += 50)
		await new Promise((resolve) => setTimeout(resolve, 50));
	expect(received).toEqual(['{"type":"snapshot.created"}']);
	expect(await companion.db.selectFrom('running_drift_checks').selectAll().execute()).toEqual([]);
	expect(await companion.db.selectFrom('inventory_sync_rows').select(['job_id', 'n8n_id']).execute()).toEqual([
		{ job_id: 'job-here', n8n_id: 'wf-2' },
	]);
	expect(await companion.db.selectFrom('replicas').select('id').execute()).toEqual([{ id: companion.replica.id }]);

	// Nothing is taken twice: the delivery is this replica's now, and sent.
	await (
		await takeOverWork(companion.deps, companion.replica)
	).undoing;
	await new Promise((resolve) => setTimeout(resolve, 300));
	expect(received).toHaveLength(1);
	const delivery = await companion.db
		.selectFrom('webhook_deliveries')
		.select(['status', 'replica_id'])
		.where('id', '=', 'delivery-of-gone')
		.executeTakeFirstOrThrow();
	expect(delivery).toEqual({ status: 'succeeded', replica_id: companion.replica.id });
});

test('a delivery another replica has taken over is not sent by the one that recorded it', async () => {
	await goneReplica('other', 102);
	const { id } = (
		await companion.api(admin, 'POST', '/api/v1/webhooks', {
			url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/late`,
			events: ['snapshot.created'],
		})
	).body;
	const [deliveryId] = await companion.webhooks.record(companion.db, 'snapshot.created', { late: true });
	await companion.db
		.updateTable('webhook_deliveries')
		.set({ replica_id: 'other' })
		.where('id', '=', deliveryId)
		.execute();
	received.length = 0;
	companion.webhooks.dispatch([deliveryId]);
	await new Promise((resolve) => setTimeout(resolve, 500));
	expect(received).toEqual([]);
	await companion.db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
	await companion.db.deleteFrom('replicas').where('id', '=', 'other').execute();
});

(onPostgres() ? test : test.skip)(
	'on PostgreSQL a replica lives while its session holds its lock: its work is left alone until it closes',
	async () => {
		const other = await Replica.register(companion.db, { databaseUrl: companion.databaseUrl });
		await runningJob('job-of-other', other.id);
		expect(await companion.replica.findDead()).toEqual([]);
		await takeOverWork(companion.deps, companion.replica);
		expect((await companion.api(admin, 'GET', '/api/v1/jobs/job-of-other')).body.status).toBe('running');

		await other.close();
		expect(await companion.replica.findDead()).toEqual([other.id]);
		await takeOverWork(companion.deps, companion.replica);
		expect((await companion.api(admin, 'GET', '/api/v1/jobs/job-of-other')).body.status).toBe('failed');
	},
);
