/**
 * The commands' usage lines, apart from the commands themselves: `takedown --help` and a usage error print them
 * without loading what the commands need (TypeORM, the intake, the report signer), which main.ts loads for the
 * command run only.
 */
export const HASHES_USAGE = 'import hashes FILE [--list NAME] [--json]';

export const POLICY_USAGE = {
  list: 'policy list [--json]',
  show: 'policy show ID [--version N|current]',
  set: 'policy set ID --file FILE.json [--effective-from ISO]',
};

export const RETENTION_USAGE = 'retention run [--dry-run] [--json]';

export const TOKEN_USAGE = {
  create:
    'token create --role ROLE --name NAME [--expires-in 90d] [--account-manager EMAIL] ' +
    '[--source-kind KIND --source-name NAME [--designation-reference REF --designating-authority DSC]] ' +
    '[--customer CUSTOMER_ID [--customer-admin]]',
  list: 'token list [--json]',
  revoke: 'token revoke ID',
};

export const VERIFY_REPORT_USAGE = 'verify-report FILE [--keys JWKS_FILE_OR_URL] [--api URL [--token TOKEN]]';
