import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

interface JestResult {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

/** The fixture's tests, run by a jest of their own with the integration project's test environment. */
async function runFixture(): Promise<Map<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failure-notes-'));
  try {
    const output = path.join(dir, 'result.json');
    const config = {
      rootDir: ROOT,
      testEnvironment: '<rootDir>/test/support/test-environment.js',
      transform: { '^.+\\.ts$': 'ts-jest' },
      testMatch: ['<rootDir>/test/unit/fixtures/failure-notes.fixture.ts'],
    };
    await promisify(execFile)(
      process.execPath,
      [
        require.resolve('jest/bin/jest'),
        '--config',
        JSON.stringify(config),
        '--json',
        '--outputFile',
        output,
      ],
      { cwd: ROOT },
    ).catch((err: { code?: number }) => {
      // jest exits 1 when a test fails, as three of the fixture's do.
      if (err.code !== 1) throw err;
    });
    const result = JSON.parse(fs.readFileSync(output, 'utf8')) as JestResult;
    return new Map(
      result.testResults[0].assertionResults.map((t) => [
        t.title,
        `${t.status}: ${t.failureMessages.join('\n')}`,
      ]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('a failing test says what its support code noted (test/support/test-environment.js)', () => {
  let results: Map<string, string>;
  beforeAll(async () => {
    results = await runFixture();
  }, 60_000);

  it('adds the running test’s notes to its error, once', () => {
    const failure = results.get('fails with a note');
    expect(failure).toMatch(
      /^failed: Error: waited in vain\n\na tab at \/console\/customers\/1, its text: Forbidden\n/,
    );
    expect(failure?.split('its text: Forbidden')).toHaveLength(2);
  });

  it('forgets a test’s notes when the next one starts', () => {
    expect(results.get('passes, and leaves a note behind')).toBe('passed: ');
    expect(results.get('fails without a note of its own')).toMatch(/^failed: Error: a plain failure\n/);
    expect(results.get('fails without a note of its own')).not.toContain('a note of the test before');
  });

  it('says which step a test was in, and how long the steps before it took', () => {
    expect(results.get('fails in a step')).toMatch(
      /^failed: Error: ran out of time\n\nin the step "every deadline passes" for \d+\.\d s\n {2}the steps before: notices come in \(\d+\.\d s\)\n/,
    );
  });

  it('says so when jest stops a test that ran out of its time (jest throws a string then)', () => {
    expect(results.get('runs out of time in a step')).toMatch(
      /^failed: Error: thrown: "Exceeded timeout of 300 ms for a test\.[^]*\n\nin the step "waits for ever" for \d+\.\d s\n/,
    );
  });

  it('says which note could not be read, and keeps the others and the matcher’s message', () => {
    const failure = results.get('fails with a note that fails');
    expect(failure).toContain('Expected: 2');
    expect(failure).toContain('a note that is read\n(unreadable: Error: the tab is gone)');
  });
});
