import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameterResourceLocator,
	INodeType,
} from 'n8n-workflow';
import { WorkflowOpsApi } from '../../credentials/WorkflowOpsApi.credentials';

export interface NodeRun {
	node: INodeType;
	/** Parameters per input item (n8n resolves expressions per item; here each item gets its own object). */
	parameters: IDataObject[];
	credentials: { baseUrl: string; apiToken: string };
	continueOnFail?: boolean;
	workflowId?: string;
	executionId?: string;
}

/**
 * Runs a node's execute() the way n8n calls it, with n8n's HTTP helper replaced by real HTTP: the
 * credential's own `authenticate` header is applied and the request goes to the real companion.
 */
export async function runNode(run: NodeRun): Promise<INodeExecutionData[][]> {
	return run.node.execute!.call(context(run) as unknown as IExecuteFunctions) as Promise<INodeExecutionData[][]>;
}

/** Calls one of the node's loadOptions methods, as the editor does to fill a dropdown. */
export async function loadOptions(run: Omit<NodeRun, 'parameters'>, method: string) {
	return run.node.methods!.loadOptions![method].call(context({ ...run, parameters: [] }) as any);
}

/** Calls one of the node's listSearch methods, as the editor does to fill a resource locator's list. */
export async function listSearch(
	run: Omit<NodeRun, 'parameters'>,
	method: string,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return run.node.methods!.listSearch![method].call(
		context({ ...run, parameters: [] }) as any,
		filter,
		paginationToken,
	);
}

/**
 * What n8n's getNodeParameter gives with `extractValue`: a resource locator's value, taken out of a
 * URL by its mode's pattern; any other value as it is.
 */
function extractValue(node: INodeType | undefined, name: string, value: unknown): unknown {
	if (!value || typeof value !== 'object' || !('mode' in value)) return value;
	const locator = value as INodeParameterResourceLocator;
	const property = node?.description.properties.find((p) => p.name === name && p.type === 'resourceLocator');
	const extract = property?.modes?.find((mode) => mode.name === locator.mode)?.extractValue;
	if (!extract) return locator.value;
	const match = new RegExp(extract.regex).exec(String(locator.value));
	if (!match) throw new Error(`ERROR: ${property!.displayName} parameter's value is invalid`);
	return match[1];
}

function context(run: NodeRun) {
	const credential = new WorkflowOpsApi();
	return {
		getInputData: () => run.parameters.map((_, index) => ({ json: { index } })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown, options?: { extractValue?: boolean }) => {
			const value = run.parameters[itemIndex]?.[name];
			if (value === undefined && fallback === undefined) throw new Error(`Could not get parameter "${name}"`);
			return options?.extractValue ? extractValue(run.node, name, value ?? fallback) : (value ?? fallback);
		},
		getNode: () => ({
			id: 'node-1',
			name: 'Audit Log',
			type: 'n8n-nodes-workflowops.auditLog',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		}),
		getCredentials: async (type: string) => {
			if (type !== credential.name) throw new Error(`Unknown credential type ${type}`);
			return run.credentials;
		},
		getWorkflow: () => ({ id: run.workflowId ?? 'wf-test', name: 'Test workflow', active: false }),
		getExecutionId: () => run.executionId ?? 'exec-test',
		continueOnFail: () => Boolean(run.continueOnFail),
		helpers: {
			httpRequestWithAuthentication: async (type: string, options: IHttpRequestOptions) => {
				if (type !== credential.name) throw new Error(`Unknown credential type ${type}`);
				const headers = {
					...(options.headers as Record<string, string>),
					...renderHeaders(credential, run.credentials),
				};
				return httpRequest({ ...options, headers });
			},
		},
	};
}

function renderHeaders(credential: WorkflowOpsApi, values: Record<string, string>): Record<string, string> {
	const headers = (credential.authenticate.properties.headers ?? {}) as Record<string, string>;
	return Object.fromEntries(
		Object.entries(headers).map(([name, template]) => [
			name,
			template.replace(/^=/, '').replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) => values[key] ?? ''),
		]),
	);
}

/** The subset of n8n's httpRequest the transport uses: json, qs, returnFullResponse, ignoreHttpStatusErrors. */
async function httpRequest(options: IHttpRequestOptions) {
	const url = new URL(options.url);
	for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
	const response = await fetch(url, {
		method: options.method ?? 'GET',
		headers: {
			...(options.headers as Record<string, string>),
			...(options.body ? { 'Content-Type': 'application/json' } : {}),
		},
		body: options.body ? JSON.stringify(options.body) : undefined,
	});
	const text = await response.text();
	const body = text ? JSON.parse(text) : {};
	if (!options.ignoreHttpStatusErrors && !response.ok) throw new Error(`HTTP ${response.status}`);
	return options.returnFullResponse
		? { body, headers: {}, statusCode: response.status, statusMessage: response.statusText }
		: body;
}

export interface TriggerRun {
	credentials: { baseUrl: string; apiToken: string };
	parameters: IDataObject;
	/** The node's static data, kept by n8n between activation and deactivation. */
	staticData: IDataObject;
	webhookUrl: string;
	/** The delivery n8n received, for webhook(). */
	request?: { headers: Record<string, string>; body: string };
}

/** A trigger node's hook and webhook functions as n8n provides them; `response` records a reply the node wrote. */
export function triggerContext(run: TriggerRun) {
	const base = context({ node: undefined as never, credentials: run.credentials, parameters: [run.parameters] });
	const response: { status?: number; body?: unknown } = {};
	return {
		...base,
		response,
		getNodeParameter: (name: string, fallback?: unknown) => base.getNodeParameter(name, 0, fallback),
		getWorkflowStaticData: () => run.staticData,
		getNodeWebhookUrl: () => run.webhookUrl,
		getRequestObject: () => ({
			rawBody: Buffer.from(run.request?.body ?? ''),
			header: (name: string) => run.request?.headers[name.toLowerCase()],
		}),
		getResponseObject: () => ({
			status: (code: number) => ({ json: (body: unknown) => Object.assign(response, { status: code, body }) }),
		}),
		getBodyData: () => JSON.parse(run.request?.body || '{}') as IDataObject,
		helpers: { ...base.helpers, returnJsonArray: (items: IDataObject[]) => items.map((json) => ({ json })) },
	};
}

/** Every resource and operation a node offers, for each of its versions. */
export function nodeChoices(node: INodeType): Array<{ version: number; values: Record<string, string> }> {
	const { description } = node;
	const versions = Array.isArray(description.version) ? description.version : [description.version];
	const optionsOf = (name: string, version: number, resource?: string) =>
		description.properties
			.filter((property) => property.name === name)
			.filter((property) => {
				const show = property.displayOptions?.show ?? {};
				return (
					(!show['@version'] || show['@version'].includes(version)) &&
					(!show.resource || (resource !== undefined && show.resource.includes(resource)))
				);
			})
			.flatMap((property) => (property.options ?? []).map((option) => String((option as { value: string }).value)));
	return versions.flatMap((version) => {
		const resources = optionsOf('resource', version);
		return (resources.length ? resources : [undefined]).flatMap((resource) => {
			const operations = optionsOf('operation', version, resource);
			return (operations.length ? operations : [undefined]).map((operation) => ({
				version,
				values: { ...(resource && { resource }), ...(operation && { operation }) },
			}));
		});
	});
}
