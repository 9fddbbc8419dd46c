import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { route } from '../../shared/router';
import * as query from './query.operation';
import * as verify from './verify.operation';
import * as write from './write.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return route.call(this, { write: write.execute, query: query.execute, verify: verify.execute });
}
