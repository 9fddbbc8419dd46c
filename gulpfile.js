const fs = require('node:fs');
const { dest, series, src } = require('gulp');

/** Copies node and credential icons (and codex files) next to the compiled code in dist/. */
function copyAssets() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
}

/**
 * The package n8n users install from the Community Nodes screen, built into dist-nodes/ from the same
 * sources: the compiled nodes and credential alone, and a package.json with no runtime dependency
 * (n8n-workflow is n8n's own). `npm pack ./dist-nodes` makes the tarball to publish.
 */
function nodesPackageFiles() {
	fs.rmSync('dist-nodes', { recursive: true, force: true });
	return src(['dist/nodes/**/*', 'dist/credentials/**/*', '!**/*.d.ts', '!**/*.map'], {
		base: 'dist',
		encoding: false,
	}).pipe(dest('dist-nodes/dist'));
}

async function nodesPackageManifest() {
	const root = JSON.parse(fs.readFileSync('package.json', 'utf8'));
	const manifest = {
		name: root.name,
		version: root.version,
		description:
			'n8n community nodes for WorkflowOps: promotions, snapshots, drift checks, audit log and its events, inside n8n',
		license: root.license,
		author: root.author,
		homepage: root.homepage,
		repository: root.repository,
		keywords: root.keywords,
		files: ['dist'],
		n8n: root.n8n,
		peerDependencies: root.peerDependencies,
	};
	fs.writeFileSync('dist-nodes/package.json', `${JSON.stringify(manifest, null, '\t')}\n`);
	for (const file of ['README.md', 'LICENSE']) fs.copyFileSync(file, `dist-nodes/${file}`);
}

exports.default = series(copyAssets, nodesPackageFiles, nodesPackageManifest);
