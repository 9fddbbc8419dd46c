import type { N8nInstance } from './instance';

/** A header-auth credential, as n8n's public API creates it on this version. */
export async function headerCredential(n8n: N8nInstance, name: string): Promise<{ id: string; name: string }> {
	return createCredential(n8n, { name, type: 'httpHeaderAuth', data: { name: 'X-Key', value: 'secret' } });
}

interface JsonSchema {
	properties?: Record<string, { type?: string; enum?: unknown[] }>;
	required?: string[];
	allOf?: Array<{ if?: { properties?: Record<string, { enum?: unknown[] }> }; then?: { required?: string[] } }>;
}

/**
 * A credential of any type, with made-up data that satisfies the schema n8n's public API gives for it
 * (every required field, and those its conditions require of the values chosen).
 */
export async function credentialOfType(
	n8n: N8nInstance,
	type: string,
	name: string,
): Promise<{ id: string; name: string }> {
	const response = await fetch(`${n8n.baseUrl}/api/v1/credentials/schema/${type}`, {
		headers: { 'X-N8N-API-KEY': n8n.apiKey },
	});
	if (!response.ok) throw new Error(`schema of ${type}: HTTP ${response.status}`);
	const schema = (await response.json()) as JsonSchema;
	const data: Record<string, unknown> = {};
	const fill = (field: string) => {
		if (field in data) return false;
		const property = schema.properties?.[field] ?? {};
		data[field] = property.enum
			? property.enum[0]
			: (({ number: 1, integer: 1, boolean: false, object: {}, array: [] } as Record<string, unknown>)[
					property.type ?? 'string'
				] ?? 'made-up');
		return true;
	};
	const applies = (condition: NonNullable<JsonSchema['allOf']>[number]['if']) =>
		Object.entries(condition?.properties ?? {}).every(([field, { enum: values }]) =>
			values ? values.includes(data[field]) : true,
		);
	for (let changed = true; changed;) {
		changed = (schema.required ?? []).map(fill).some(Boolean);
		for (const rule of schema.allOf ?? [])
			if (applies(rule.if)) changed = (rule.then?.required ?? []).map(fill).some(Boolean) || changed;
	}
	// n8n 1.x asks for fields its conditions leave out of the schema: its refusal names them.
	for (let attempt = 0; ; attempt += 1) {
		try {
			return await createCredential(n8n, { name, type, data });
		} catch (error) {
			const wanted = [...String((error as Error).message).matchAll(/requires property \\?"(\w+)\\?"/g)].map(
				([, field]) => field,
			);
			if (attempt === 10 || !wanted.map(fill).some(Boolean)) throw error;
		}
	}
}

async function createCredential(n8n: N8nInstance, body: object): Promise<{ id: string; name: string }> {
	const response = await fetch(`${n8n.baseUrl}/api/v1/credentials`, {
		method: 'POST',
		headers: { 'X-N8N-API-KEY': n8n.apiKey, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	if (!response.ok) throw new Error(`credential: HTTP ${response.status} ${await response.text()}`);
	return (await response.json()) as { id: string; name: string };
}
