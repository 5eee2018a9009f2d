import { Controller, HttpCode, Post, Req, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import {
  INVENTORY_COLUMNS,
  importInventory,
  inventoryCsvRecords,
  type InventoryRecord,
  type InventoryReport,
} from '@takedown/persistence';
import { Roles } from '../auth/access';
import { PerItemInput } from '../common/unstorable-text';
import { Audit } from '../audit/audit.decorator';

class InventoryRejectionView {
  @ApiProperty({ example: 3, description: '1-based data row (the CSV header is not counted)' }) row: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 4,
    description: 'CSV: 1-based line of the file where the row ends (the header is line 1); JSON: null',
  })
  line: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'C-1003' }) reference: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'prefix' }) field: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 7,
    description:
      'CSV: 1-based position of the field in the header; null for JSON or when no column is at fault',
  })
  column: number | null;
  @ApiProperty({ example: 'prefix: host bits are set; the network is 10.0.0.0/8' }) reason: string;
}

class InventoryReportView {
  @ApiProperty({ example: 5 }) rows: number;
  @ApiProperty({ example: 3, description: 'Rows that created a customer or an assignment' }) created: number;
  @ApiProperty({ example: 1, description: 'Rows that changed a customer, added a contact or moved a prefix' })
  updated: number;
  @ApiProperty({ example: 0 }) unchanged: number;
  @ApiProperty({ example: 1 }) rejected: number;
  @ApiProperty({ type: [InventoryRejectionView], description: 'Why each row was rejected (the first 1000)' })
  rejections: InventoryRejectionView[];
}

const CSV_EXAMPLE = [
  'customer_ref,customer_name,contract_type,account_manager_email,abuse_contact_email,language,prefix,assigned_from',
  'C-1003,Tenant C Reseller GmbH,colocation,am.jansen@provider.example,abuse@tenant-c.example,en,203.0.113.0/24,2023-06-01',
  'C-1004,Tenant C end customer,unmanaged,am.jansen@provider.example,ops@end-customer.example,en,203.0.113.64/26,2025-09-01',
].join('\n');

@ApiTags('imports')
@Controller('v1/imports')
export class ImportsController {
  constructor(private readonly db: DataSource) {}

  @Post('inventory')
  @PerItemInput()
  @Roles('abuse_lead')
  @Audit('customer.import', { target: null })
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Import customers and prefixes (CSV or JSON): an idempotent upsert by customer reference and prefix',
    description:
      `CSV columns (header required): ${INVENTORY_COLUMNS.required.join(', ')}; optional: ` +
      `${INVENTORY_COLUMNS.optional.join(', ')}. JSON: an array of objects with the same keys. Each row is its own ` +
      'transaction: bad rows are reported and the good ones kept; importing the same file again changes nothing. ' +
      'CSV is streamed (any size); a JSON body may be up to 20 MiB; use CSV or the CLI for larger inventories.',
  })
  @ApiConsumes('text/csv', 'application/json')
  @ApiBody({
    schema: { type: 'string' },
    examples: {
      csv: { summary: 'text/csv', value: CSV_EXAMPLE },
      json: {
        summary: 'application/json',
        value: [
          {
            customer_ref: 'C-1002',
            customer_name: 'Tenant B Cloud Ltd',
            contract_type: 'dedicated',
            abuse_contact_email: 'noc@tenant-b.example',
            abuse_contact_24_7: true,
            language: 'en',
            prefix: '2001:db8:4a::/48',
            assigned_from: '2025-03-15',
          },
        ],
      },
    },
  })
  @ApiOkResponse({
    type: InventoryReportView,
    description: 'Counts per outcome and a reason per rejected row',
  })
  @ApiBadRequestResponse({
    description:
      'The file as a whole is unusable (no header, a required column missing, unknown column, bad JSON)',
    schema: {
      example: {
        statusCode: 400,
        code: 'INVENTORY.MISSING_COLUMN',
        message: 'the header lacks column(s) prefix',
        field: 'prefix',
      },
    },
  })
  @ApiUnsupportedMediaTypeResponse({ description: 'Neither text/csv nor application/json' })
  async importInventory(@Req() req: FastifyRequest): Promise<InventoryReport> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    // A CSV body is not parsed: it comes as the request's stream (common/body-limits.ts), read row by row.
    if (type === 'text/csv') return importInventory(this.db, inventoryCsvRecords(req.body as Readable));
    if (type === 'application/json') return importInventory(this.db, jsonRecords(req.body));
    throw new UnsupportedMediaTypeException('send the inventory as text/csv or application/json');
  }
}

function jsonRecords(body: unknown): InventoryRecord[] {
  if (!Array.isArray(body) || !body.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new DomainError('INVENTORY.MALFORMED', 'the JSON body must be an array of row objects');
  }
  return body as InventoryRecord[];
}
