import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	IHttpRequestMethods,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

export const CREDENTIAL_TYPE = 'workflowOpsApi';

interface CompanionRequest {
	method: IHttpRequestMethods;
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	itemIndex: number;
}

/** The companion's root URL, as the credential holds it, without a trailing slash. */
export async function companionBaseUrl(
	this: IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions,
	itemIndex: number,
): Promise<string> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE, itemIndex);
	return String(credentials.baseUrl).replace(/\/+$/, '');
}

/**
 * The one way nodes talk to the companion: `/api/v1` + path with the credential's token, the running
 * workflow and execution ids attached for the audit log, and the companion's error body turned into a
 * NodeApiError carrying its message.
 */
export async function companionRequest(
	this: IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions,
	request: CompanionRequest,
): Promise<IDataObject> {
	const baseUrl = await companionBaseUrl.call(this, request.itemIndex);
	const response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, {
		method: request.method,
		url: `${baseUrl}/api/v1${request.path}`,
		body: request.body,
		qs: request.qs,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		headers: {
			'X-WorkflowOps-N8n-Workflow-Id': String(this.getWorkflow().id ?? ''),
			'X-WorkflowOps-N8n-Execution-Id': 'getExecutionId' in this ? String(this.getExecutionId() ?? '') : '',
		},
	})) as IN8nHttpFullResponse;
	const body = (response.body ?? {}) as IDataObject;
	if (response.statusCode >= 400) {
		const error = (body.error ?? { message: `The companion answered HTTP ${response.statusCode}` }) as JsonObject;
		throw new NodeApiError(this.getNode(), error, {
			message: String(error.message),
			description: detailsInWords(error.details),
			httpCode: String(response.statusCode),
			itemIndex: request.itemIndex,
		});
	}
	return body;
}

/**
 * The companion's error details as lines a person reads: `field: value` for an object. A list of
 * invalid fields is left out, since the message already names each.
 */
function detailsInWords(details: unknown): string | undefined {
	if (!details || typeof details !== 'object' || Array.isArray(details)) return undefined;
	const words = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
	const lines = Object.entries(details as IDataObject).map(
		([key, value]) => `${words(key)}: ${Array.isArray(value) ? value.join(', ') : String(value)}`,
	);
	return lines.join('\n') || undefined;
}

/** Follows `nextCursor` until `limit` items are read (or all of them when limit is undefined). */
export async function companionList(
	this: IExecuteFunctions,
	request: Omit<CompanionRequest, 'method'>,
	limit?: number,
): Promise<IDataObject[]> {
	const items: IDataObject[] = [];
	let cursor: string | undefined;
	do {
		const pageSize = Math.min(250, limit === undefined ? 250 : limit - items.length);
		const page = await companionRequest.call(this, {
			...request,
			method: 'GET',
			qs: { ...request.qs, limit: pageSize, ...(cursor && { cursor }) },
		});
		items.push(...((page.data ?? []) as IDataObject[]));
		cursor = (page.nextCursor as string | null) ?? undefined;
	} while (cursor && (limit === undefined || items.length < limit));
	return limit === undefined ? items : items.slice(0, limit);
}

/**
 * Follows a companion job (a sync, a restore) to its end through long polls, and returns its result;
 * a failed job throws its error.
 */
export async function companionJob(this: IExecuteFunctions, jobId: string, itemIndex: number): Promise<IDataObject> {
	for (;;) {
		const job = await companionRequest.call(this, {
			method: 'GET',
			path: `/jobs/${encodeURIComponent(jobId)}`,
			qs: { wait: 30 },
			itemIndex,
		});
		if (job.status === 'succeeded') return (job.result ?? {}) as IDataObject;
		if (job.status === 'failed')
			throw new NodeApiError(this.getNode(), job as JsonObject, { message: String(job.error), itemIndex });
	}
}
