import { DataSource } from 'typeorm';
import { dataSourceOptions } from './options';

/** Brings the schema to the latest migration; returns the names of the migrations it applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = await new DataSource(dataSourceOptions(url, { logging: ['error'] })).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
