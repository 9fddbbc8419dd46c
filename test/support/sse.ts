/** Reads a server-sent event stream to its end; returns each event's name and parsed data. */
export async function readEvents(
	url: string,
	headers: Record<string, string>,
): Promise<Array<{ event: string; data: any }>> {
	const response = await fetch(url, { headers });
	if (response.headers.get('content-type') !== 'text/event-stream')
		throw new Error(`not an event stream: HTTP ${response.status}`);
	const text = await response.text();
	return text
		.split('\n\n')
		.filter((block) => block.includes('data: '))
		.map((block) => ({
			event: block.match(/^event: (.*)$/m)?.[1] ?? 'message',
			data: JSON.parse(block.match(/^data: (.*)$/m)![1]),
		}));
}
