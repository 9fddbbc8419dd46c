import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { route } from '../../shared/router';
import * as decide from './decide.operation';
import * as decideOperation from './decide-operation.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as plan from './plan.operation';
import * as request from './request.operation';
import * as run from './run.operation';
import * as switchActive from './switch.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return route.call(this, {
		plan: plan.execute,
		request: request.execute,
		approve: decide.execute,
		reject: decide.execute,
		cancel: decide.execute,
		approveOperation: decideOperation.execute,
		rejectOperation: decideOperation.execute,
		execute: run.execute,
		rollback: run.execute,
		activate: switchActive.execute,
		deactivate: switchActive.execute,
		get: get.execute,
		list: list.execute,
	});
}
