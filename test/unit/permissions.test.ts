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
