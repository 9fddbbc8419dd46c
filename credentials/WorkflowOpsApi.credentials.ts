import type { IAuthenticateGeneric, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

export class WorkflowOpsApi implements ICredentialType {
	name = 'workflowOpsApi';

	displayName = 'WorkflowOps API';

	icon: Icon = { light: 'file:workflowOps.svg', dark: 'file:workflowOps.dark.svg' };

	documentationUrl = 'https://github.com/workflowops/n8n-nodes-workflowops#connect-n8n-to-the-companion';

	properties: INodeProperties[] = [
		{
			displayName: 'Companion URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:5690',
			placeholder: 'http://localhost:5690',
			description: 'Where the WorkflowOps companion runs, as seen from this n8n',
			required: true,
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'A token created in the companion under Tokens (or with "workflowops token create")',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiToken}}',
			},
		},
	};
}
