import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports';
import type { N8nInstance } from './instance';

export interface RunData {
	status?: string;
	data: {
		resultData: {
			runData: Record<
				string,
				Array<{ executionStatus?: string; data?: { main: Array<Array<{ json: Record<string, unknown> }>> } }>
			>;
			error?: { message: string };
		};
	};
}

/**
 * Runs a saved workflow inside n8n with `n8n execute --id` (its start node must be a Manual Trigger),
 * on the instance's own data, and returns n8n's run data. Asynchronous, so a companion served from
 * this process keeps answering the nodes while n8n runs.
 */
export async function executeInN8n(n8n: N8nInstance, workflowId: string): Promise<RunData> {
	const env = { ...n8n.env, N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	const { stdout } = await promisify(execFile)(
		n8n.install.node,
		[n8n.install.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'],
		{
			env,
			maxBuffer: 64 * 1024 * 1024,
		},
	).catch((error: { stdout?: string; stderr?: string; message: string }) => {
		throw new Error(`n8n execute failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
	});
	// The run data is the indented JSON document from a line that is just "{" to the next that is just "}";
	// n8n logs before it, and may log after it while it shuts down.
	const document = /^\{$[\s\S]*?^\}$/m.exec(stdout);
	if (!document) throw new Error(`n8n execute printed no run data:\n${stdout}`);
	return JSON.parse(document[0]) as RunData;
}

/** The JSON items a node output in its first run. */
export function nodeOutput(run: RunData, node: string): Array<Record<string, unknown>> {
	const [first] = run.data.resultData.runData[node] ?? [];
	if (!first)
		throw new Error(
			`node "${node}" did not run${run.data.resultData.error ? `: ${run.data.resultData.error.message}` : ''}`,
		);
	return (first.data?.main[0] ?? []).map((item) => item.json);
}
