import { DataSource } from 'typeorm';
import { dataSourceOptions } from './options';

/** For the TypeORM CLI (`npm run migration:generate`); the applications build their own from validated config. */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set to run the TypeORM CLI');
export default new DataSource(dataSourceOptions(url));
