import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` from Debian's `postgresql` package,
 * in a temporary directory, on a free loopback port, trusting local connections. PostgreSQL refuses to
 * run as root, so as root the cluster belongs to the package's `postgres` user.
 */
export interface PostgresServer {
	/** postgres://… of the cluster's `postgres` database. */
	url: string;
	dir: string;
	stop(): void;
}

const POSTGRES_USER = 'postgres';

/** The migrated database each test's database is copied from. */
export const TEMPLATE_DATABASE = 'workflowops_template';

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
	const url = new URL(serverUrl);
	url.pathname = `/${database}`;
	return url.toString();
}

/** The directory holding initdb and pg_ctl: on the PATH, or the newest of Debian's versioned ones. */
export function postgresBinDir(): string {
	const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
	if (onPath) return path.dirname(fs.realpathSync(onPath));
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((version) => fs.existsSync(path.join(root, version, 'bin', 'pg_ctl')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (!versions.length)
		throw new Error('PostgreSQL is not installed: apt-get install postgresql (the tests start their own cluster)');
	return path.join(root, versions[0], 'bin');
}

/**
 * Tests run it without syncing to disk (fast, and nothing to keep); `durable` keeps PostgreSQL's own
 * defaults, for benchmarks.
 */
export async function startPostgresServer({ durable = false } = {}): Promise<PostgresServer> {
	const bin = postgresBinDir();
	const asRoot = process.getuid?.() === 0;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-pg-'));
	if (asRoot) {
		const uid = Number(execFileSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' }));
		const gid = Number(execFileSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' }));
		fs.chownSync(dir, uid, gid);
	}
	const run = (command: string, args: string[]) => {
		const [file, argv] = asRoot
			? ['runuser', ['-u', POSTGRES_USER, '--', path.join(bin, command), ...args]]
			: [path.join(bin, command), args];
		execFileSync(file, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
	};
	const data = path.join(dir, 'data');
	const port = await freePort();
	run('initdb', ['-D', data, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '-N']);
	const options = [
		`-p ${port}`,
		"-c listen_addresses='127.0.0.1'",
		`-k ${dir}`,
		...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
		'-c max_connections=400',
	].join(' ');
	run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start']);
	return {
		url: `postgres://${POSTGRES_USER}@127.0.0.1:${port}/postgres`,
		dir,
		stop: () => {
			try {
				run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		},
	};
}
