import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

const failed = (message: string): INodeCredentialTestResult => ({ status: 'Error', message });

/** Why a request reached nothing, in words: Node's fetch puts the system error in `cause`. */
function unreachable(baseUrl: string, error: unknown): string {
	const cause = (error as { cause?: { code?: string } }).cause;
	const code = cause?.code ?? (error as { name?: string }).name;
	if (code === 'ECONNREFUSED')
		return `Nothing listens at ${baseUrl}: start the companion ("npm start") or fix the address and port`;
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
		return `The host of ${baseUrl} is not known here: check the name, as this n8n sees it`;
	if (code === 'TimeoutError') return `${baseUrl} did not answer within 10 seconds`;
	return `${baseUrl} could not be reached (${code ?? (error as Error).message})`;
}

/**
 * Tests a WorkflowOps API credential by asking the companion who the token is, and says what to fix
 * when that fails: the URL (nothing there, an n8n instead, a path after the root) or the token.
 */
export async function testCompanionCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const baseUrl = String(data.baseUrl ?? '')
		.trim()
		.replace(/\/+$/, '');
	if (!/^https?:\/\/[^/]/.test(baseUrl))
		return failed('The Companion URL must start with http:// or https://, such as http://localhost:5690');
	if (/\/api(\/v1)?$/.test(baseUrl))
		return failed(`Use the companion's root URL, without /api/v1: ${baseUrl.replace(/\/api(\/v1)?$/, '')}`);
	let response: Response;
	try {
		response = await fetch(`${baseUrl}/api/v1/me`, {
			headers: { Authorization: `Bearer ${String(data.apiToken ?? '')}`, Accept: 'application/json' },
			signal: AbortSignal.timeout(10_000),
		});
	} catch (error) {
		return failed(unreachable(baseUrl, error));
	}
	const body = (await response.json().catch(() => undefined)) as IDataObject | undefined;
	const error = body?.error as IDataObject | undefined;
	if (response.ok && typeof body?.role === 'string' && typeof body.name === 'string')
		return { status: 'OK', message: `Connected as ${body.name} (${body.role})` };
	if (response.status === 401 && error?.code === 'unauthenticated')
		return failed(
			'The companion does not know this API token (mistyped, or revoked): create one in the companion under Users → API tokens, or with "workflowops token create", and paste it here',
		);
	return failed(
		`${baseUrl} does not answer as the WorkflowOps companion (HTTP ${response.status}): the Companion URL is the companion's own root, such as http://localhost:5690, not an n8n URL`,
	);
}
