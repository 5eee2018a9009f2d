import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { CONTRACT_TYPES, CUSTOMER_STATUSES, type ContractType, type CustomerStatus } from '@takedown/domain';

export class AttributionQueryDto {
  @ApiProperty({
    example: '203.0.113.70',
    description:
      'IPv4 or IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address). Hostnames are refused: ' +
      'Takedown never resolves names.',
  })
  @IsString()
  @MaxLength(100)
  ip: string;

  @ApiPropertyOptional({
    example: '2026-11-20T08:14:00Z',
    description:
      'The moment to attribute at (ISO 8601); default now. An earlier moment gives the owner back then.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class AttributedCustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1004' }) reference: string;
  @ApiProperty({ example: 'Tenant C end customer' }) name: string;
  @ApiProperty({ enum: CUSTOMER_STATUSES }) status: CustomerStatus;
  @ApiProperty({ enum: CONTRACT_TYPES }) contractType: ContractType;
}

export class AttributedPrefixView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '203.0.113.64/26' }) cidr: string;
  @ApiProperty({ example: '2025-09-01T00:00:00.000Z' }) validFrom: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: null }) validTo: string | null;
}

export class ChainLinkView {
  @ApiProperty({ type: AttributedPrefixView }) prefix: AttributedPrefixView;
  @ApiProperty({ type: AttributedCustomerView }) customer: AttributedCustomerView;
}

export class AttributionView {
  @ApiProperty({ enum: ['attributed', 'unattributed'] }) status: 'attributed' | 'unattributed';
  @ApiProperty({ example: '203.0.113.70', description: 'The address as looked up (canonical form)' })
  ip: string;
  @ApiProperty({ example: '2026-11-20T08:14:00.000Z' }) at: string;
  @ApiPropertyOptional({
    type: AttributedCustomerView,
    nullable: true,
    description: 'Holder of the most specific prefix',
  })
  customer: AttributedCustomerView | null;
  @ApiPropertyOptional({ type: AttributedPrefixView, nullable: true }) prefix: AttributedPrefixView | null;
  @ApiProperty({
    type: [ChainLinkView],
    description: 'Every assignment containing the address at that moment, most specific first',
  })
  chain: ChainLinkView[];
}

export const ATTRIBUTION_EXAMPLE = {
  status: 'attributed',
  ip: '203.0.113.70',
  at: '2026-11-20T08:14:00.000Z',
  customer: {
    id: '7d0f5f4e-3a51-4a55-9b7c-0c8e0d7c1a10',
    reference: 'C-1004',
    name: 'Tenant C end customer (sub-allocation)',
    status: 'active',
    contractType: 'unmanaged',
  },
  prefix: {
    id: '0e9b8c3a-5d0f-4b1e-8f7a-2c4d6e8f0a1b',
    cidr: '203.0.113.64/26',
    validFrom: '2025-09-01T00:00:00.000Z',
    validTo: null,
  },
  chain: [
    {
      prefix: {
        id: '0e9b8c3a-5d0f-4b1e-8f7a-2c4d6e8f0a1b',
        cidr: '203.0.113.64/26',
        validFrom: '2025-09-01T00:00:00.000Z',
        validTo: null,
      },
      customer: {
        id: '7d0f5f4e-3a51-4a55-9b7c-0c8e0d7c1a10',
        reference: 'C-1004',
        name: 'Tenant C end customer (sub-allocation)',
        status: 'active',
        contractType: 'unmanaged',
      },
    },
    {
      prefix: {
        id: '5a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b',
        cidr: '203.0.113.0/24',
        validFrom: '2023-06-01T00:00:00.000Z',
        validTo: null,
      },
      customer: {
        id: '1b2c3d4e-5f60-4718-a9b0-c1d2e3f4a5b6',
        reference: 'C-1003',
        name: 'Tenant C Reseller GmbH',
        status: 'active',
        contractType: 'reseller',
      },
    },
  ],
};
