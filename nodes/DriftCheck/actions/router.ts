import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { route } from '../../shared/router';
import * as acknowledge from './acknowledge.operation';
import * as approve from './approve.operation';
import * as check from './check.operation';
import * as getStatus from './get-status.operation';
import * as list from './list-incidents.operation';
import * as resolve from './resolve.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return route.call(this, {
		check: check.execute,
		getStatus: getStatus.execute,
		approve: approve.execute,
		list: list.execute,
		acknowledge: acknowledge.execute,
		resolve: resolve.execute,
	});
}
