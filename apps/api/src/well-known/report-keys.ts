import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { reportJwks, resolveReportKeys, type ReportKey } from '@takedown/reports';
import { AppConfig } from '../app-config';

/**
 * The API's report signing keys, resolved at start-up so that production without REPORT_SIGNING_KEYS stops at
 * once, naming it. The first key signs; all are published.
 */
@Injectable()
export class ReportKeys {
  private readonly keys: ReportKey[];

  constructor(config: AppConfig) {
    this.keys = resolveReportKeys(config.env);
  }

  /** The key new snapshots are signed with. */
  get signingKey(): ReportKey {
    return this.keys[0];
  }

  jwks(): { keys: JWK[] } {
    return reportJwks(this.keys);
  }
}
