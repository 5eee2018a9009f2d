import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEmail,
  IsIn,
  IsTimeZone,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  CONTRACT_TYPES,
  CUSTOMER_LANGUAGES,
  CUSTOMER_REFERENCE_PATTERN,
  CUSTOMER_STATUSES,
  MEASURE_KIND_PATTERN,
  type ContractType,
  type CustomerLanguage,
  type CustomerStatus,
} from '@takedown/domain';
import { POLICY_ID_PATTERN } from '@takedown/persistence';
import { MAX_OFFSET } from '../common/page-query';
import { IsCalendarDate } from '../common/calendar-date';

export class AccountManagerDto {
  @ApiPropertyOptional({ example: 'Anne Jansen' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ example: 'am.jansen@provider.example' })
  @IsEmail()
  @MaxLength(320)
  email: string;
}

export class AbuseContactDto {
  @ApiProperty({ example: 'abuse@tenant-a.example' })
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiPropertyOptional({
    example: true,
    default: false,
    description: 'Staffed 24/7 (for one-hour removal orders)',
  })
  @IsOptional()
  @IsBoolean()
  aroundTheClock?: boolean;
}

export class PreventiveMeasureDto {
  @ApiProperty({ example: 'hash_check_uploads', description: 'A preventive instrument the customer uses' })
  @Matches(MEASURE_KIND_PATTERN, { message: 'kind must be lower-case letters, digits and underscores' })
  kind: string;

  @ApiPropertyOptional({
    example: '2026-03-01T10:00:00Z',
    description: 'When the provider checked that it is used',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  verifiedAt?: string;
}

export class ContractDto {
  @ApiProperty({ example: '2024-01-01', format: 'date', description: 'A calendar date' })
  @IsCalendarDate()
  startsOn: string;

  @ApiProperty({ example: 30, minimum: 0, maximum: 3650 })
  @IsInt()
  @Min(0)
  @Max(3650)
  noticePeriodDays: number;

  @ApiProperty({
    example: true,
    description: 'Whether the contract may end at once for illegal content (e.g. CSAM)',
  })
  @IsBoolean()
  immediateTerminationForIllegalContent: boolean;

  @ApiProperty({
    example: 'default',
    description:
      'The timer policy for notices: a profile of GET /v1/policies (`default`, `demo` or one made since)',
  })
  @Matches(POLICY_ID_PATTERN, { message: 'policyProfile must be a policy id such as default' })
  policyProfile: string;
}

export class CreateCustomerDto {
  @ApiProperty({
    example: 'C-1001',
    description: 'The provider’s own id for the customer; unique, never changed',
  })
  @Matches(CUSTOMER_REFERENCE_PATTERN, {
    message: 'reference must be 1-100 letters, digits or ._:/- and start with a letter or digit',
  })
  reference: string;

  @ApiProperty({ example: 'Tenant A Hosting B.V.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: CONTRACT_TYPES, example: 'colocation' })
  @IsIn(CONTRACT_TYPES)
  contractType: ContractType;

  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus;

  @ApiPropertyOptional({
    enum: CUSTOMER_LANGUAGES,
    default: 'en',
    description: 'The language of customer mail',
  })
  @IsOptional()
  @IsIn(CUSTOMER_LANGUAGES)
  language?: CustomerLanguage;

  @ApiPropertyOptional({
    example: 'Europe/Amsterdam',
    default: 'Europe/Amsterdam',
    description: 'IANA time zone in which deadlines are written in this customer’s mail',
  })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ type: AccountManagerDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AccountManagerDto)
  accountManager?: AccountManagerDto;

  @ApiProperty({ type: [AbuseContactDto], minItems: 1 })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AbuseContactDto)
  abuseContacts: AbuseContactDto[];

  @ApiPropertyOptional({ type: [PreventiveMeasureDto] })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => PreventiveMeasureDto)
  preventiveMeasures?: PreventiveMeasureDto[];

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'The reseller whose end customer this is',
  })
  @IsOptional()
  @IsUUID()
  parentId?: string | null;

  @ApiPropertyOptional({ type: ContractDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContractDto)
  contract?: ContractDto;
}

/** Every field but the reference may change; lists given here replace the stored ones; parentId null detaches. */
export class UpdateCustomerDto extends PartialType(OmitType(CreateCustomerDto, ['reference'] as const)) {}

export class ListCustomersQueryDto {
  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus;

  @ApiPropertyOptional({ example: 'tenant', description: 'Part of the name or reference (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_OFFSET })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET)
  offset?: number;
}

export class CreatePrefixDto {
  @ApiProperty({
    example: '203.0.113.64/26',
    description:
      'IPv4 or IPv6 prefix with its host bits zero (10.0.0.1/8 is refused); a bare address is /32 or /128',
  })
  @IsString()
  @MaxLength(100)
  cidr: string;

  @ApiPropertyOptional({ example: '2025-09-01T00:00:00Z', description: 'Default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  validFrom?: string;

  @ApiPropertyOptional({
    example: null,
    description: 'To record a past assignment; default: open (still held)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  validTo?: string;
}

export class EndPrefixQueryDto {
  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'When the assignment ends; default: now',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  validTo?: string;
}

export class AccountManagerView {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'Anne Jansen' }) name: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'am.jansen@provider.example' }) email:
    string | null;
}

export class AbuseContactView {
  @ApiProperty({ example: 'abuse@tenant-a.example' }) email: string;
  @ApiProperty({ example: false }) aroundTheClock: boolean;
}

export class PreventiveMeasureView {
  @ApiProperty({ example: 'hash_check_uploads' }) kind: string;
  @ApiProperty({ example: '2026-01-10T09:00:00.000Z' }) declaredAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2026-03-01T10:00:00.000Z' }) verifiedAt:
    string | null;
}

export class ContractView {
  @ApiProperty({ example: '2024-01-01' }) startsOn: string;
  @ApiProperty({ example: 30 }) noticePeriodDays: number;
  @ApiProperty({ example: true }) immediateTerminationForIllegalContent: boolean;
  @ApiProperty({ example: 'default' }) policyProfile: string;
}

export class PrefixAssignmentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '198.51.100.0/24' }) cidr: string;
  @ApiProperty({ example: '2024-01-01T00:00:00.000Z' }) validFrom: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: null }) validTo: string | null;
  @ApiProperty({ example: true, description: 'Still assigned (validTo is null)' }) current: boolean;
}

export class CustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1001' }) reference: string;
  @ApiProperty({ example: 'Tenant A Hosting B.V.' }) name: string;
  @ApiProperty({ enum: CONTRACT_TYPES }) contractType: ContractType;
  @ApiProperty({ enum: CUSTOMER_STATUSES }) status: CustomerStatus;
  @ApiProperty({ enum: CUSTOMER_LANGUAGES }) language: CustomerLanguage;
  @ApiProperty({ example: 'Europe/Amsterdam' }) timeZone: string;
  @ApiProperty({ type: AccountManagerView }) accountManager: AccountManagerView;
  @ApiProperty({ type: [AbuseContactView] }) abuseContacts: AbuseContactView[];
  @ApiProperty({ type: [PreventiveMeasureView] }) preventiveMeasures: PreventiveMeasureView[];
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) parentId: string | null;
  @ApiPropertyOptional({ type: ContractView, nullable: true }) contract: ContractView | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CustomerDetailView extends CustomerView {
  @ApiProperty({ type: [PrefixAssignmentView], description: 'Current assignments first, then history' })
  prefixes: PrefixAssignmentView[];

  @ApiProperty({
    example: 2,
    description: 'Notices not yet closed whose IP was this customer’s when received',
  })
  openNotices: number;
}

export class CustomerListView {
  @ApiProperty({ type: [CustomerView] }) items: CustomerView[];
  @ApiProperty({ example: 1 }) total: number;
}

export const CUSTOMER_EXAMPLE = {
  reference: 'C-1001',
  name: 'Tenant A Hosting B.V.',
  contractType: 'colocation',
  language: 'nl',
  accountManager: { name: 'Anne Jansen', email: 'am.jansen@provider.example' },
  abuseContacts: [
    { email: 'abuse@tenant-a.example', aroundTheClock: true },
    { email: 'noc@tenant-a.example', aroundTheClock: false },
  ],
  preventiveMeasures: [{ kind: 'hash_check_uploads', verifiedAt: '2026-03-01T10:00:00Z' }],
  contract: {
    startsOn: '2024-01-01',
    noticePeriodDays: 30,
    immediateTerminationForIllegalContent: true,
    policyProfile: 'default',
  },
};
