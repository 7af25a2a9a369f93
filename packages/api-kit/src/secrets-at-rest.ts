import { Logger, type INestApplicationContext } from '@nestjs/common';
import { inventorySecrets, secretsAtRestNotices, type ColumnInventory, type SecretBox } from '@switchyard/db';
import { DataSource } from 'typeorm';
import { SECRET_BOX } from './endpoint-store.js';

/**
 * Says once, at start-up, how secrets at rest stand: the sealing key's id (never the key), or a
 * warning that secrets are stored in clear; then every stored secret this process will refuse
 * or cannot open, with what to do about it. Counting is one grouped scan per sealed column; if
 * it fails the process still starts.
 */
export async function reportSecretsAtRest(app: INestApplicationContext): Promise<void> {
  const logger = new Logger('SecretsAtRest');
  const box = app.get<SecretBox>(SECRET_BOX);
  let inventory: ColumnInventory[] = [];
  try {
    inventory = await inventorySecrets(app.get(DataSource), box);
  } catch (error) {
    logger.warn(`could not count stored secrets: ${(error as Error).message}`);
  }
  for (const notice of secretsAtRestNotices(box, inventory)) {
    if (notice.level === 'error') logger.error(notice.message);
    else if (notice.level === 'warn') logger.warn(notice.message);
    else logger.log(notice.message);
  }
}
