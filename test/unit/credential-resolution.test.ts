import {
	credentialRefs,
	type KnownCredential,
	resolveCredential,
	type ResolutionContext,
} from '../../service/domain/promotions/credentials';

const credential = (id: string, name: string, type = 'slackApi'): KnownCredential => ({ id, name, type });
const context = (fields: Partial<ResolutionContext>): ResolutionContext => ({
	bindings: new Map(),
	source: [],
	target: [],
	targetListed: true,
	targetName: 'prod',
	...fields,
});
const ref = { type: 'slackApi', id: 'src-1', name: 'Team Slack' };

test('a binding decides, whatever the names say', () => {
	const resolution = resolveCredential(
		ref,
		context({
			bindings: new Map([['src-1', 'tgt-9']]),
			target: [credential('tgt-9', 'Prod Slack'), credential('tgt-2', 'Team Slack')],
		}),
	);
	expect(resolution).toEqual({ resolved: true, by: 'binding', to: credential('tgt-9', 'Prod Slack') });
});

test('without a binding, the one target credential of the same type and name', () => {
	const resolution = resolveCredential(
		ref,
		context({ target: [credential('tgt-2', 'Team Slack'), credential('tgt-3', 'Team Slack', 'httpHeaderAuth')] }),
	);
	expect(resolution).toEqual({ resolved: true, by: 'name', to: credential('tgt-2', 'Team Slack') });
});

test('each way it fails is its own blocker, in words', () => {
	expect(resolveCredential(ref, context({ target: [credential('tgt-3', 'Team Slack', 'httpHeaderAuth')] }))).toEqual({
		resolved: false,
		blocker: 'credential_missing',
		message:
			'"prod" has no slackApi credential named "Team Slack": create it there, or bind the slackApi credential "Team Slack" to one it has',
	});
	const twins = [credential('tgt-4', 'Team Slack'), credential('tgt-5', 'Team Slack')];
	expect(resolveCredential(ref, context({ target: twins }))).toEqual({
		resolved: false,
		blocker: 'credential_ambiguous',
		message:
			'"prod" has 2 slackApi credentials named "Team Slack" (tgt-4, tgt-5): bind the slackApi credential "Team Slack" to one',
		candidates: twins,
	});
	expect(
		resolveCredential(
			ref,
			context({
				bindings: new Map([['src-1', 'tgt-6']]),
				target: [credential('tgt-6', 'Webhook key', 'httpHeaderAuth')],
			}),
		),
	).toEqual({
		resolved: false,
		blocker: 'binding_wrong_type',
		message:
			'the slackApi credential "Team Slack" is bound to "Webhook key" of "prod", whose type is httpHeaderAuth: bind it to a credential of type slackApi',
	});
});

test('a binding whose target credential is gone blocks, and never falls back to a name match', () => {
	const resolution = resolveCredential(
		ref,
		context({ bindings: new Map([['src-1', 'deleted']]), target: [credential('tgt-2', 'Team Slack')] }),
	);
	expect(resolution).toEqual({
		resolved: false,
		blocker: 'binding_stale',
		message:
			'the slackApi credential "Team Slack" is bound to credential deleted of "prod", which it no longer has: bind it again',
	});
});

test('where the target cannot list its credentials (1.x), a binding to one it does not use is taken on trust', () => {
	const resolution = resolveCredential(
		ref,
		context({
			bindings: new Map([['src-1', 'unlisted']]),
			target: [credential('tgt-2', 'Team Slack')],
			targetListed: false,
		}),
	);
	expect(resolution).toEqual({
		resolved: true,
		by: 'binding',
		to: { id: 'unlisted', name: 'Team Slack', type: 'slackApi' },
		unverified: true,
	});
});

test('a use that names only a credential (older exports) finds its binding through the source’s credentials', () => {
	const resolution = resolveCredential(
		{ type: 'slackApi', name: 'Team Slack' },
		context({
			source: [credential('src-1', 'Team Slack')],
			bindings: new Map([['src-1', 'tgt-9']]),
			target: [credential('tgt-9', 'Prod Slack')],
		}),
	);
	expect(resolution).toMatchObject({ resolved: true, by: 'binding', to: { id: 'tgt-9' } });
});

test('credential uses are read per node and type, in both shapes n8n stores', () => {
	expect(
		credentialRefs({
			nodes: [
				{
					name: 'Post',
					type: 'n8n-nodes-base.slack',
					typeVersion: 2,
					position: [0, 0],
					parameters: {},
					credentials: { slackApi: { id: 'src-1', name: 'Team Slack' } },
				},
				{
					name: 'Old',
					type: 'n8n-nodes-base.slack',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
					credentials: { slackApi: 'Team Slack' },
				},
				{ name: 'Plain', type: 'n8n-nodes-base.set', typeVersion: 1, position: [0, 0], parameters: {} },
			],
		}),
	).toEqual([
		{ node: 'Post', type: 'slackApi', id: 'src-1', name: 'Team Slack' },
		{ node: 'Old', type: 'slackApi', name: 'Team Slack' },
	]);
});
