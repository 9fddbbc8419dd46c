import { z } from 'zod';
import { DomainError } from '../../service/domain/errors';
import { validate } from '../../service/http/validate';

const schema = z.object({
	label: z.string().max(3),
	name: z.string().min(1),
	ids: z.array(z.string()).min(1).max(2),
	hours: z.coerce.number().int().min(1),
	role: z.enum(['viewer', 'admin']),
	email: z.email(),
	at: z.iso.datetime(),
	url: z.url(),
	options: z.strictObject({}),
	count: z.number(),
	own: z.string().max(1, 'is too long for a tag'),
});

test('zod’s messages become words that follow the field’s name; a schema’s own message stays', () => {
	let error: unknown;
	try {
		validate(
			schema,
			{
				label: 'abcd',
				name: '',
				ids: ['a', 'b', 'c'],
				hours: '1.5',
				role: 'owner',
				email: 'nope',
				at: 'yesterday',
				url: 'nope',
				options: { colour: 'red' },
				count: 'many',
				own: 'xy',
			},
			'body',
		);
	} catch (caught) {
		error = caught;
	}
	expect(error).toBeInstanceOf(DomainError);
	const messages = Object.fromEntries(
		((error as DomainError).details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message]),
	);
	expect(messages).toEqual({
		label: 'must be at most 3 characters',
		name: 'must not be empty',
		ids: 'must be at most 2 items',
		hours: 'must be a whole number',
		role: 'must be one of viewer, admin',
		email: 'must be an email address',
		at: 'must be an ISO date and time, e.g. 2026-01-31T12:00:00Z',
		url: 'must be a URL',
		options: 'has unknown field colour',
		count: 'must be a number',
		own: 'is too long for a tag',
	});
	expect((error as DomainError).message).toContain('label must be at most 3 characters; name must not be empty');
});

test('a missing field is required, whatever its type', () => {
	expect(() => validate(z.object({ hours: z.number().min(1) }), {}, 'query')).toThrow(
		'Invalid query: hours is required',
	);
	expect(() => validate(z.object({ ids: z.array(z.string()).min(1) }), { ids: [] }, 'body')).toThrow(
		'ids must be at least 1 item',
	);
});
