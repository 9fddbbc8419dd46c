import type { N8nInstance } from './instance';

/** A header-auth credential, as n8n's public API creates it on this version. */
export async function headerCredential(n8n: N8nInstance, name: string): Promise<{ id: string; name: string }> {
	const response = await fetch(`${n8n.baseUrl}/api/v1/credentials`, {
		method: 'POST',
		headers: { 'X-N8N-API-KEY': n8n.apiKey, 'content-type': 'application/json' },
		body: JSON.stringify({ name, type: 'httpHeaderAuth', data: { name: 'X-Key', value: 'secret' } }),
	});
	if (!response.ok) throw new Error(`credential: HTTP ${response.status} ${await response.text()}`);
	return (await response.json()) as { id: string; name: string };
}
