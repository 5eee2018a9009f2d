import 'reflect-metadata';
import { loadEnvOrExit } from '@takedown/config';
import { AppConfig } from './app-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    process.stderr.write('The API needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets them).\n');
    process.exit(78);
  }
  const app = await createApp(
    new AppConfig({ ...env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS }),
  );
  await app.listen(env.API_PORT, env.API_HOST);
}

main().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
