import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

const files = [...sourceFiles(path.join(root, 'nodes')), ...sourceFiles(path.join(root, 'credentials'))];

test('there are node and credential sources to check', () => {
	expect(files.some((file) => file.endsWith('.node.ts'))).toBe(true);
	expect(files.some((file) => file.endsWith('.credentials.ts'))).toBe(true);
});

test.each(files.map((file) => [path.relative(root, file), file]))(
	'%s imports only n8n-workflow and relative files',
	(_name, file) => {
		const source = fs.readFileSync(file, 'utf8');
		const specifiers = [
			...source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g),
		].map((match) => match[1]);
		const foreign = specifiers.filter((specifier) => specifier !== 'n8n-workflow' && !specifier.startsWith('.'));
		expect(foreign).toEqual([]);
		const relativeOutside = specifiers
			.filter((specifier) => specifier.startsWith('.'))
			.map((specifier) => path.resolve(path.dirname(file), specifier))
			.filter(
				(target) => !target.startsWith(path.join(root, 'nodes')) && !target.startsWith(path.join(root, 'credentials')),
			);
		expect(relativeOutside).toEqual([]);
		expect(source).not.toMatch(/\bprocess\.|\bsetTimeout\(|\bsetInterval\(/);
	},
);
