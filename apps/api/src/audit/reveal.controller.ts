import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { DomainError, seesFullUrls, type Principal } from '@takedown/domain';
import { NoticeEntity, onlyVisibleNotices } from '@takedown/persistence';
import { Roles } from '../auth/access';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { Audit } from './audit.decorator';

export class RevealedUrlsView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'csam' }) category: string;
  @ApiProperty({ type: [String], example: ['https://files.tenant-a.example/gallery/8f1c/a.jpg'] })
  urls: string[];
}

/**
 * A notice's URLs in full, on a person's explicit "reveal": the console shows a CSAM URL as host + hidden path
 * until then. Each reveal is an audit row (`notice.reveal_urls`, the notice as target, never the URLs).
 */
@ApiTags('notices')
@Controller('v1/notices')
export class RevealController {
  constructor(private readonly db: DataSource) {}

  @Get(':id/urls')
  // The roles that may read a CSAM URL in full (libs/domain url-disclosure); the others are refused, and recorded.
  @Roles('abuse_desk', 'abuse_lead')
  @Audit('notice.reveal_urls')
  @ApiOperation({
    summary: 'Reveal a notice’s reported URLs in full (audited)',
    description:
      'For the roles that may read CSAM URLs in full. Every call is recorded in the audit trail as ' +
      '`notice.reveal_urls` with the notice as target; the URLs themselves are not recorded.',
  })
  @ApiOkResponse({ type: RevealedUrlsView })
  @ApiForbiddenResponse({
    description: 'The role may not read the full URLs',
    schema: {
      example: { statusCode: 403, code: 'AUTH.FORBIDDEN', message: 'this role may not call this route' },
    },
  })
  @ApiNotFoundResponse({
    description: 'No such notice',
    schema: { example: { statusCode: 404, code: 'NOTICE.NOT_FOUND', message: 'notice … does not exist' } },
  })
  async reveal(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RevealedUrlsView> {
    const notice = await onlyVisibleNotices(
      this.db.getRepository(NoticeEntity).createQueryBuilder('n').where('n.id = :id', { id }),
      visibilityOf(principal),
    ).getOne();
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
    // The roles above see every category in full today; the rule is asked again so that it stays the one rule.
    if (!seesFullUrls(principal.roles, notice.category)) {
      throw new DomainError('AUTH.FORBIDDEN', 'this role may not read these URLs in full');
    }
    return { id: notice.id, category: notice.category, urls: notice.urls };
  }
}
