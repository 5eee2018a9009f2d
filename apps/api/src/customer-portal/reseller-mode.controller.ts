import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { ContractEntity, CustomerEntity } from '@takedown/persistence';
import { Roles } from '../auth/access';
import { Audit } from '../audit/audit.decorator';
import { ResellerModeDto, ResellerModeView } from './customer-portal.dto';

/**
 * How a reseller's contract involves it in its end customers' notices (docs/customer-api.md, Resellers). Contract
 * data, not policy: a notice takes the mode in force at its receipt and keeps it.
 */
@ApiTags('customers')
@Controller('v1/customers/:id/reseller-mode')
export class ResellerModeController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'legal')
  @ApiOperation({ summary: 'A reseller’s involvement in its end customers’ notices' })
  @ApiOkResponse({ type: ResellerModeView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such customer, or it has no contract' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ResellerModeView> {
    return view(await this.contract(id));
  }

  @Put()
  @Roles('abuse_desk', 'abuse_lead')
  @Audit('customer.reseller-mode.set', { target: 'customer' })
  @ApiOperation({
    summary: 'Set how a reseller is involved in its end customers’ notices: none, informed or act_first',
    description:
      'For notices received from now on: the end customers are those whose prefixes lie inside the reseller’s at a ' +
      'notice’s receipt (the attribution chain).',
  })
  @ApiOkResponse({ type: ResellerModeView })
  @ApiBadRequestResponse({
    description:
      'mode is unknown or the customer is not a reseller (field `mode`); actFirstMinutes is missing for act_first or out of 1–10080',
  })
  @ApiNotFoundResponse({ description: 'No such customer, or it has no contract' })
  async set(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: ResellerModeDto,
  ): Promise<ResellerModeView> {
    const contract = await this.contract(id);
    const customer = await this.db.getRepository(CustomerEntity).findOneByOrFail({ id });
    if (dto.mode !== 'none' && customer.contractType !== 'reseller') {
      throw new DomainError(
        'REQUEST.INVALID',
        `mode: customer ${customer.reference} has a ${customer.contractType} contract; only a reseller’s involves it in other customers’ notices`,
        'mode',
      );
    }
    contract.resellerMode = dto.mode;
    contract.actFirstMinutes = dto.mode === 'act_first' ? (dto.actFirstMinutes as number) : null;
    return view(await this.db.getRepository(ContractEntity).save(contract));
  }

  private async contract(customerId: string): Promise<ContractEntity> {
    const contract = await this.db.getRepository(ContractEntity).findOneBy({ customerId });
    if (!contract) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${customerId} has no contract`);
    return contract;
  }
}

function view(c: ContractEntity): ResellerModeView {
  return {
    customerId: c.customerId,
    mode: c.resellerMode,
    actFirstMinutes: c.actFirstMinutes,
    updatedAt: c.updatedAt.toISOString(),
  };
}
