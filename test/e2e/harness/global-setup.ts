import { ensureN8n } from './install';
import { selectedTargets } from './versions';

/** Before any e2e test: install the selected n8n versions (first run only), outside every test's timeout. */
export default function globalSetup(): void {
	for (const target of selectedTargets()) ensureN8n(target, (line) => console.log(`[e2e] ${line}`));
}
