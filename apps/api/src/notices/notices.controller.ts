import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ConfirmRemovalDto, CreateNoticeDto, NoticeView } from './notice.dto';
import { NoticesService } from './notices.service';

@ApiTags('notices')
@Controller('v1/notices')
export class NoticesController {
  constructor(private readonly notices: NoticesService) {}

  @Post()
  @ApiOperation({
    summary: 'Submit a notice; the same source and source reference always give the same notice',
  })
  @ApiCreatedResponse({ type: NoticeView, description: 'A new notice; its workflow has started' })
  @ApiOkResponse({ type: NoticeView, description: 'The notice with this source reference already existed' })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; nothing was stored, retry' })
  async submit(@Body() dto: CreateNoticeDto, @Res({ passthrough: true }) res: Response): Promise<NoticeView> {
    const { notice, created } = await this.notices.submit(dto);
    res.status(created ? 201 : 200);
    return notice;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A notice with its full timeline' })
  @ApiOkResponse({ type: NoticeView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<NoticeView> {
    return this.notices.get(id);
  }

  @Post(':id/actions/confirm-removal')
  @HttpCode(202)
  @ApiOperation({ summary: 'Confirm that the reported material is gone (abuse desk or source)' })
  @ApiAcceptedResponse({ type: NoticeView, description: 'Accepted; the workflow records the outcome' })
  @ApiBadRequestResponse({ description: 'A field is invalid' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  @ApiConflictResponse({ description: 'The notice is already closed' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  confirmRemoval(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: ConfirmRemovalDto,
  ): Promise<NoticeView> {
    return this.notices.confirmRemoval(id, dto);
  }
}
