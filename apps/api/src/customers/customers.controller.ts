import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CUSTOMER_EXAMPLE,
  CreateCustomerDto,
  CreatePrefixDto,
  CustomerDetailView,
  CustomerListView,
  EndPrefixQueryDto,
  ListCustomersQueryDto,
  PrefixAssignmentView,
  UpdateCustomerDto,
} from './customer.dto';
import type { Principal } from '@takedown/domain';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { CustomersService } from './customers.service';
import { Roles } from '../auth/access';

const error = (statusCode: number, code: string, message: string, field?: string) => ({
  schema: { example: { statusCode, code, message, ...(field ? { field } : {}) } },
});

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @Roles('abuse_desk', 'abuse_lead')
  @ApiOperation({ summary: 'Register a customer with its abuse contacts, preventive measures and contract' })
  @ApiBody({ type: CreateCustomerDto, examples: { colocation: { value: CUSTOMER_EXAMPLE } } })
  @ApiCreatedResponse({ type: CustomerDetailView })
  @ApiBadRequestResponse({
    description:
      'A field is invalid (the body names it), parentId is not a customer, or contract.policyProfile is not a stored policy',
    ...error(400, 'REQUEST.INVALID', 'abuseContacts: abuseContacts must contain at least 1 elements'),
  })
  @ApiConflictResponse({
    description: 'The reference is taken',
    ...error(409, 'CUSTOMER.ALREADY_EXISTS', 'a customer with reference C-1001 exists', 'reference'),
  })
  create(@Body() dto: CreateCustomerDto): Promise<CustomerDetailView> {
    return this.customers.create(dto);
  }

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @ApiOperation({
    summary: 'List customers, by reference, optionally filtered by status or a name search',
    description: 'An account manager sees the customers it manages only.',
  })
  @ApiOkResponse({ type: CustomerListView })
  @ApiBadRequestResponse({
    description: 'A filter is invalid',
    ...error(400, 'REQUEST.INVALID', 'limit: limit must not be greater than 500'),
  })
  list(
    @Query() query: ListCustomersQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CustomerListView> {
    return this.customers.list(query, visibilityOf(principal));
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @ApiOperation({
    summary: 'A customer with its prefixes (current and past), contract and open notice count',
  })
  @ApiOkResponse({ type: CustomerDetailView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such customer',
    ...error(404, 'CUSTOMER.NOT_FOUND', 'customer … does not exist'),
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CustomerDetailView> {
    return this.customers.get(id, visibilityOf(principal));
  }

  @Patch(':id')
  @Roles('abuse_desk', 'abuse_lead')
  @ApiOperation({
    summary:
      'Change a customer; lists given replace the stored ones, a contract given replaces the stored one',
  })
  @ApiBody({
    type: UpdateCustomerDto,
    examples: {
      suspend: { value: { status: 'suspended' } },
      contacts: { value: { abuseContacts: [{ email: 'abuse@tenant-a.example', aroundTheClock: true }] } },
    },
  })
  @ApiOkResponse({ type: CustomerDetailView })
  @ApiBadRequestResponse({
    description:
      'A field is invalid, the reference was sent (it never changes), the parent would make a loop, or ' +
      'contract.policyProfile is not a stored policy',
    ...error(
      400,
      'CUSTOMER.PARENT_CYCLE',
      'a customer cannot be placed under itself or under one of its end customers',
      'parentId',
    ),
  })
  @ApiNotFoundResponse({ description: 'No such customer' })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateCustomerDto,
  ): Promise<CustomerDetailView> {
    return this.customers.update(id, dto);
  }

  @Post(':id/prefixes')
  @Roles('abuse_desk', 'abuse_lead', 'noc')
  @ApiOperation({
    summary: 'Assign a prefix to the customer from validFrom (default now)',
    description:
      'Nested prefixes are allowed (an end customer’s /26 inside a reseller’s /24). The same prefix held by anyone ' +
      'at an overlapping time is a 409: end that assignment first; moving a prefix ends one row and starts another.',
  })
  @ApiBody({
    type: CreatePrefixDto,
    examples: {
      ipv4: { value: { cidr: '203.0.113.64/26', validFrom: '2025-09-01T00:00:00Z' } },
      ipv6: { value: { cidr: '2001:db8:4a::/48' } },
    },
  })
  @ApiCreatedResponse({ type: PrefixAssignmentView })
  @ApiBadRequestResponse({
    description: 'Malformed prefix, host bits set, or validTo not after validFrom; the body names the field',
    ...error(400, 'CIDR.HOST_BITS_SET', '"10.0.0.1/8" has host bits set; the network is 10.0.0.0/8', 'cidr'),
  })
  @ApiNotFoundResponse({ description: 'No such customer' })
  @ApiConflictResponse({
    description: 'The prefix is already assigned at an overlapping time',
    ...error(
      409,
      'PREFIX.OVERLAP',
      '203.0.113.64/26 is already assigned by C-1004 from … (still assigned)',
      'cidr',
    ),
  })
  addPrefix(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CreatePrefixDto,
  ): Promise<PrefixAssignmentView> {
    return this.customers.addPrefix(id, dto);
  }

  @Delete(':id/prefixes/:prefixId')
  @Roles('abuse_desk', 'abuse_lead', 'noc')
  @ApiOperation({
    summary:
      'End an assignment at validTo (default now); the row stays, so attribution of the past still finds it',
  })
  @ApiOkResponse({ type: PrefixAssignmentView, description: 'The ended assignment' })
  @ApiBadRequestResponse({
    description: 'An id is not a UUID, or validTo is not after the assignment’s validFrom',
    ...error(400, 'PREFIX.INVALID_PERIOD', 'validTo must be after the assignment’s validFrom (…)', 'validTo'),
  })
  @ApiNotFoundResponse({ description: 'No such customer, or no such assignment of this customer' })
  @ApiConflictResponse({
    description: 'The assignment has already ended',
    ...error(409, 'PREFIX.ALREADY_ENDED', 'assignment … (203.0.113.64/26) ended at …'),
  })
  endPrefix(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('prefixId', new ParseUUIDPipe()) prefixId: string,
    @Query() query: EndPrefixQueryDto,
  ): Promise<PrefixAssignmentView> {
    return this.customers.endPrefix(id, prefixId, query.validTo);
  }
}
