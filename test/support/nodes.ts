import type { INodeType } from 'n8n-workflow';
import { AuditLog } from '../../nodes/AuditLog/AuditLog.node';
import { DriftCheck } from '../../nodes/DriftCheck/DriftCheck.node';
import { Promote } from '../../nodes/Promote/Promote.node';
import { Snapshot } from '../../nodes/Snapshot/Snapshot.node';
import { WorkflowOpsTrigger } from '../../nodes/WorkflowOpsTrigger/WorkflowOpsTrigger.node';

/** Every node of the package, by the folder it lives in. */
export const ALL_NODES: Array<[folder: string, node: INodeType]> = [
	['AuditLog', new AuditLog()],
	['DriftCheck', new DriftCheck()],
	['Promote', new Promote()],
	['Snapshot', new Snapshot()],
	['WorkflowOpsTrigger', new WorkflowOpsTrigger()],
];
