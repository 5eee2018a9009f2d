import { Controller, Get, Param, ParseUUIDPipe, Query, type StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@takedown/domain';
import { Audit } from '../audit/audit.decorator';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { jsonFile, pdfFile } from '../terminations/snapshot-files';
import { CustomerScopeQuery } from './customer-portal.dto';
import { customerOf } from './customer-scope';
import { CustomerStatementView } from './customer-statements.dto';
import { CustomerStatementsService } from './customer-statements.service';

const notFound = {
  description: 'No such statement of this customer',
  schema: {
    example: {
      statusCode: 404,
      code: 'STATEMENT.NOT_FOUND',
      message: 'statement of reasons … does not exist',
    },
  },
};

/**
 * The statements of reasons (DSA Art. 17) the customer received, for its suspensions and its termination: the same
 * signed snapshots, byte for byte, that were sent and that staff download. Another customer's is 404.
 */
@ApiTags('customer')
@Controller('v1/customer/statements')
export class CustomerStatementsController {
  constructor(private readonly statements: CustomerStatementsService) {}

  @Get()
  @Roles('customer')
  @ApiOperation({ summary: 'The customer’s statements of reasons (DSA Art. 17), newest first' })
  @ApiOkResponse({ type: [CustomerStatementView] })
  @ApiBadRequestResponse({ description: 'An admin did not name the customer' })
  list(@Query() q: CustomerScopeQuery, @CurrentPrincipal() p: Principal): Promise<CustomerStatementView[]> {
    return this.statements.list(customerOf(p, q.customerId));
  }

  @Get(':id/statement.json')
  @Roles('customer')
  @Audit('customer.statement.json', { target: 'statement_of_reasons' })
  @ApiOperation({
    summary: 'One of the customer’s statements of reasons as JSON, byte for byte as stored and sent',
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The signed statement' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse(notFound)
  async json(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: CustomerScopeQuery,
    @CurrentPrincipal() p: Principal,
  ): Promise<StreamableFile> {
    return jsonFile(await this.statements.get(customerOf(p, q.customerId), id), 'statement-of-reasons');
  }

  @Get(':id/statement.pdf')
  @Roles('customer')
  @Audit('customer.statement.pdf', { target: 'statement_of_reasons' })
  @ApiOperation({ summary: 'One of the customer’s statements of reasons as the PDF it received' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The statement as PDF' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse(notFound)
  async pdf(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: CustomerScopeQuery,
    @CurrentPrincipal() p: Principal,
  ): Promise<StreamableFile> {
    return pdfFile(await this.statements.get(customerOf(p, q.customerId), id), 'statement-of-reasons');
  }
}
