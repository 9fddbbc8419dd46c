import fs from 'node:fs';
import path from 'node:path';

/** The folder holding this package's package.json, from the sources (tests) or from dist/ alike. */
export function packageRoot(from = __dirname): string {
	for (let dir = from; ; dir = path.dirname(dir)) {
		if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
		if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
	}
}

export const PACKAGE_VERSION: string = (
	JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;
