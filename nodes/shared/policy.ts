import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/** Go ahead where the environment's class policy warns about the operation (the companion records it). */
export const confirmParameter = (displayOptions: IDisplayOptions): INodeProperties => ({
	displayName: 'Confirm Where the Policy Warns',
	name: 'confirm',
	type: 'boolean',
	default: false,
	description:
		'Whether to go ahead where the environment’s class policy warns about this operation (recorded in the audit log). Where the policy asks for approval, the output is the request waiting for another admin.',
	displayOptions,
});
