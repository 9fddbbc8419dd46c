import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Config, ScheduledBackups } from './config';
import { type Db, ensurePrivateDir, migrateToLatest, openDatabase } from './db/database';
import { type VerifyResult, verifyAuditChain } from './domain/audit/audit-log';
import { readKeyFile, SecretBox, storedSecrets } from './domain/secrets';

/**
 * A consistent copy of the database, taken while the companion serves: SQLite's `VACUUM INTO` reads
 * one snapshot (WAL lets writers go on) into a new, compact file, readable by its owner only.
 */
export async function backupDatabase(db: Db, file: string): Promise<{ bytes: number }> {
	if (fs.existsSync(file)) throw new Error(`${file} exists already: name a new file`);
	await sql`VACUUM INTO ${file}`.execute(db);
	fs.chmodSync(file, 0o600);
	return { bytes: fs.statSync(file).size };
}

/** A backup into the backups directory, named by its time; the oldest beyond `keep` are deleted. */
export async function scheduledBackup(db: Db, { dir, keep }: Pick<ScheduledBackups, 'dir' | 'keep'>): Promise<string> {
	ensurePrivateDir(dir);
	const file = path.join(dir, `workflowops-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`);
	await backupDatabase(db, file);
	const backups = fs
		.readdirSync(dir)
		.filter((name) => /^workflowops-.*\.sqlite$/.test(name))
		.sort()
		.reverse();
	for (const old of backups.slice(keep)) fs.rmSync(path.join(dir, old), { force: true });
	return file;
}

export interface RestoreReport {
	/** Migrations applied to bring a backup of an older version up to date. */
	migrated: string[];
	/** Secrets opened with the key: every one stored. */
	secrets: number;
	audit: VerifyResult;
}

/**
 * Puts a backup in place as the data directory's database, which must not exist yet; brings it up to
 * date, opens every stored secret with the key (WORKFLOWOPS_ENCRYPTION_KEY, or the key file already put
 * back in the data directory) and verifies the audit chain. Anything wrong: nothing is left in place.
 */
export async function restoreDatabase(
	config: Pick<Config, 'dataDir' | 'databaseFile' | 'encryptionKey'>,
	file: string,
): Promise<RestoreReport> {
	if (fs.existsSync(config.databaseFile))
		throw new Error(
			`${config.databaseFile} exists: a backup is restored into an empty data directory (set WORKFLOWOPS_DATA_DIR to a new one)`,
		);
	if (!isSqlite(file)) throw new Error(`${file} is not a WorkflowOps backup (not an SQLite database)`);
	ensurePrivateDir(config.dataDir);
	fs.copyFileSync(file, config.databaseFile, fs.constants.COPYFILE_EXCL);
	fs.chmodSync(config.databaseFile, 0o600);
	const db = openDatabase(config.databaseFile, { mustExist: true });
	let report: RestoreReport;
	try {
		const migrated = await migrateToLatest(db);
		const key = config.encryptionKey ?? readKeyFile(config.dataDir);
		const secrets = await openEverySecret(db, key && new SecretBox(key), 'the backup');
		const audit = await verifyAuditChain(db);
		if (!audit.valid)
			throw new Error(`the backup's audit log does not verify at entry ${audit.firstBrokenId}: ${audit.reason}`);
		report = { migrated, secrets, audit };
	} catch (error) {
		await db.destroy();
		for (const suffix of ['', '-wal', '-shm']) fs.rmSync(config.databaseFile + suffix, { force: true });
		throw error;
	}
	await db.destroy();
	return report;
}

function isSqlite(file: string): boolean {
	try {
		const header = Buffer.alloc(16);
		const fd = fs.openSync(file, 'r');
		try {
			fs.readSync(fd, header, 0, 16, 0);
		} finally {
			fs.closeSync(fd);
		}
		return header.toString('latin1') === 'SQLite format 3\0';
	} catch {
		return false;
	}
}

/** Opens every sealed secret in the database (`holder` names it in messages); returns how many there are. */
export async function openEverySecret(db: Db, secrets: SecretBox | undefined, holder: string): Promise<number> {
	const stored = await storedSecrets(db);
	if (!stored.length) return 0;
	if (!secrets)
		throw new Error(
			`${holder} holds sealed secrets but there is no key: put its encryption.key into the data directory, or set WORKFLOWOPS_ENCRYPTION_KEY, then try again`,
		);
	for (const sealed of stored) {
		try {
			secrets.open(sealed);
		} catch {
			throw new Error(
				`the key is not the one the secrets of ${holder} were sealed with: give the key of the installation it comes from`,
			);
		}
	}
	return stored.length;
}
