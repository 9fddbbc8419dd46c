import fs from 'node:fs';
import path from 'node:path';
import { can, PERMISSIONS, type Permission } from '../../service/domain/auth/permissions';

test.each(Object.entries(PERMISSIONS) as Array<[Permission, string]>)('%s needs at least %s', (permission, least) => {
	expect(can('admin', permission)).toBe(true);
	expect(can('developer', permission)).toBe(least !== 'admin');
	expect(can('viewer', permission)).toBe(least === 'viewer');
});

test('viewers cannot read the audit log; developers can write custom entries but not read them', () => {
	expect(can('viewer', 'audit.read')).toBe(false);
	expect(can('developer', 'audit.write')).toBe(true);
	expect(can('developer', 'audit.read')).toBe(false);
});

test('the README’s roles table is the truth: each permission listed under the least role that has it', () => {
	const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
	const section = readme.slice(readme.indexOf('## Roles'), readme.indexOf('\n## ', readme.indexOf('## Roles') + 1));
	const listed: Record<string, string> = {};
	for (const [, role, permissions] of section.matchAll(/^\| (viewer|developer|admin) +\|.*\|(.*)\|$/gm))
		for (const [, permission] of permissions.matchAll(/`([a-z.]+)`/g)) listed[permission] = role;
	expect(listed).toEqual(PERMISSIONS);
});
