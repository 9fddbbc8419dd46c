import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** Builds the nodes-only package (dist-nodes/) and packs it as npm would publish it; returns the .tgz path. */
export function packThisPackage(): string {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-pack-'));
	const output = execFileSync('npm', ['pack', './dist-nodes', '--json', '--pack-destination', dir], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	const [{ filename }] = JSON.parse(output.toString()) as Array<{ filename: string }>;
	return path.join(dir, filename);
}
