import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

export type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

/**
 * Runs the chosen operation once per input item, each output item paired to the item it came from;
 * with Continue On Fail, a failed item becomes an error item.
 */
export async function route(
	this: IExecuteFunctions,
	operations: Record<string, Operation>,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const execute = operations[operation];
			if (!execute)
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`, { itemIndex });
			const results = await execute.call(this, itemIndex);
			returnData.push(...results.map((json) => ({ json, pairedItem: { item: itemIndex } })));
		} catch (error) {
			if (this.continueOnFail()) {
				returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
				continue;
			}
			// Both constructors hand back an error that already is of their kind, unchanged.
			if (error instanceof NodeApiError)
				throw new NodeApiError(this.getNode(), error as unknown as JsonObject, { itemIndex });
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
		}
	}
	return [returnData];
}
