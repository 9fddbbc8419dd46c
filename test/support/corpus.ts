import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowInput } from '../../service/n8n/workflow-body';

const CORPUS = path.resolve(__dirname, '../fixtures/corpus');

/** The 300 real-world workflow exports (test/fixtures/corpus), with the folder each came from. */
export function corpusWorkflows(): Array<{ file: string; folder: string; workflow: WorkflowInput }> {
	return fs
		.readdirSync(CORPUS)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => ({
			file,
			folder: file.split('__')[0],
			workflow: JSON.parse(fs.readFileSync(path.join(CORPUS, file), 'utf8')) as WorkflowInput,
		}));
}
