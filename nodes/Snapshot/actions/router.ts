import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { route } from '../../shared/router';
import * as compare from './compare.operation';
import * as create from './create.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as pushToGit from './push-to-git.operation';
import * as restore from './restore.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return route.call(this, {
		create: create.execute,
		list: list.execute,
		get: get.execute,
		compare: compare.execute,
		restore: restore.execute,
		pushToGit: pushToGit.execute,
	});
}
