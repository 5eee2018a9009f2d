import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { Public } from '../auth/access';
import { ReportKeys } from './report-keys';

@ApiTags('system')
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(private readonly keys: ReportKeys) {}

  @Get('takedown-keys')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The public keys that sign report snapshots, as a JWK Set (Ed25519, by key id)',
    description:
      'Every configured key, the retired ones included, so that snapshots signed before a rotation still verify. ' +
      'Check a downloaded report with `npm run takedown -- verify-report FILE --keys URL`.',
  })
  @ApiOkResponse({
    description: 'The key set',
    schema: {
      example: {
        keys: [
          {
            kty: 'OKP',
            crv: 'Ed25519',
            x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
            kid: '2026-12',
            alg: 'EdDSA',
            use: 'sig',
          },
        ],
      },
    },
  })
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
