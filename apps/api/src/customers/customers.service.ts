import { Injectable } from '@nestjs/common';
import { DataSource, In, QueryFailedError, type EntityManager } from 'typeorm';
import { DomainError, normaliseEmail } from '@takedown/domain';
import {
  AbuseContactEntity,
  ContractEntity,
  CustomerEntity,
  PreventiveMeasureEntity,
  PolicyEntity,
  PrefixAssignmentEntity,
  assertParentAllowed,
  assignPrefix,
  endAssignment,
} from '@takedown/persistence';
import { EVERYTHING, type Visibility } from '../auth/principal';
import { onlyVisibleCustomers } from '../auth/visibility';
import type {
  AbuseContactDto,
  ContractDto,
  CreateCustomerDto,
  CreatePrefixDto,
  CustomerDetailView,
  CustomerListView,
  CustomerView,
  ListCustomersQueryDto,
  PreventiveMeasureDto,
  PrefixAssignmentView,
  UpdateCustomerDto,
} from './customer.dto';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class CustomersService {
  constructor(private readonly db: DataSource) {}

  async create(dto: CreateCustomerDto): Promise<CustomerDetailView> {
    const id = await this.db.transaction(async (tx) => {
      if (dto.parentId) await assertParentAllowed(tx, dto.parentId, null, 'parentId');
      let customer: CustomerEntity;
      try {
        customer = await tx.getRepository(CustomerEntity).save({
          reference: dto.reference,
          name: dto.name,
          contractType: dto.contractType,
          status: dto.status ?? 'active',
          language: dto.language ?? 'en',
          timeZone: dto.timeZone ?? 'Europe/Amsterdam',
          accountManagerName: dto.accountManager?.name ?? null,
          accountManagerEmail: dto.accountManager ? normaliseEmail(dto.accountManager.email) : null,
          parentId: dto.parentId ?? null,
        });
      } catch (err) {
        if (
          err instanceof QueryFailedError &&
          (err.driverError as { code?: string }).code === UNIQUE_VIOLATION
        ) {
          throw new DomainError(
            'CUSTOMER.ALREADY_EXISTS',
            `a customer with reference ${dto.reference} exists`,
            'reference',
          );
        }
        throw err;
      }
      await this.replaceContacts(tx, customer.id, dto.abuseContacts);
      await this.replaceMeasures(tx, customer.id, dto.preventiveMeasures ?? []);
      if (dto.contract) await this.saveContract(tx, customer.id, dto.contract);
      return customer.id;
    });
    return this.get(id);
  }

  async update(id: string, dto: UpdateCustomerDto): Promise<CustomerDetailView> {
    await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(CustomerEntity);
      const customer = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!customer) throw notFound(id);
      if (dto.parentId) await assertParentAllowed(tx, dto.parentId, id, 'parentId');
      await repo.update(
        { id },
        {
          ...(dto.name !== undefined && { name: dto.name }),
          ...(dto.contractType !== undefined && { contractType: dto.contractType }),
          ...(dto.status !== undefined && { status: dto.status }),
          ...(dto.language !== undefined && { language: dto.language }),
          ...(dto.timeZone !== undefined && { timeZone: dto.timeZone }),
          ...(dto.accountManager !== undefined && {
            accountManagerName: dto.accountManager.name ?? null,
            accountManagerEmail: normaliseEmail(dto.accountManager.email),
          }),
          ...(dto.parentId !== undefined && { parentId: dto.parentId }),
          updatedAt: new Date(),
        },
      );
      if (dto.abuseContacts) await this.replaceContacts(tx, id, dto.abuseContacts);
      if (dto.preventiveMeasures) await this.replaceMeasures(tx, id, dto.preventiveMeasures);
      if (dto.contract) await this.saveContract(tx, id, dto.contract);
    });
    return this.get(id);
  }

  async list(query: ListCustomersQueryDto, visibility: Visibility = EVERYTHING): Promise<CustomerListView> {
    const qb = onlyVisibleCustomers(
      this.db.getRepository(CustomerEntity).createQueryBuilder('c'),
      visibility,
    );
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.q) {
      qb.andWhere('(c.name ILIKE :q OR c.reference ILIKE :q)', { q: `%${escapeLike(query.q)}%` });
    }
    const [customers, total] = await qb
      .orderBy('c.reference', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items: await this.views(customers), total };
  }

  /** A customer the caller may not see answers as one that does not exist. */
  async get(id: string, visibility: Visibility = EVERYTHING): Promise<CustomerDetailView> {
    const customer = await onlyVisibleCustomers(
      this.db.getRepository(CustomerEntity).createQueryBuilder('c').where('c.id = :id', { id }),
      visibility,
    ).getOne();
    if (!customer) throw notFound(id);
    const [view] = await this.views([customer]);
    const prefixes = await this.db
      .getRepository(PrefixAssignmentEntity)
      .createQueryBuilder('pa')
      .where('pa.customer_id = :id', { id })
      .orderBy('pa.valid_to IS NULL', 'DESC')
      .addOrderBy('pa.valid_from', 'DESC')
      .getMany();
    return { ...view, prefixes: prefixes.map(prefixView), openNotices: await this.openNotices(id) };
  }

  async addPrefix(customerId: string, dto: CreatePrefixDto): Promise<PrefixAssignmentView> {
    const row = await this.db.transaction(async (tx) => {
      if (!(await tx.getRepository(CustomerEntity).existsBy({ id: customerId }))) throw notFound(customerId);
      return assignPrefix(tx, {
        customerId,
        cidr: dto.cidr,
        validFrom: dto.validFrom ? new Date(dto.validFrom) : new Date(),
        validTo: dto.validTo ? new Date(dto.validTo) : null,
      });
    });
    return prefixView(row);
  }

  async endPrefix(customerId: string, assignmentId: string, validTo?: string): Promise<PrefixAssignmentView> {
    const row = await this.db.transaction(async (tx) => {
      if (!(await tx.getRepository(CustomerEntity).existsBy({ id: customerId }))) throw notFound(customerId);
      return endAssignment(tx, {
        customerId,
        assignmentId,
        validTo: validTo ? new Date(validTo) : new Date(),
      });
    });
    return prefixView(row);
  }

  /** Notices not closed that were attributed to this customer (by the workflow, or by hand). */
  private async openNotices(customerId: string): Promise<number> {
    const [row] = (await this.db.query(
      `SELECT count(*)::int AS open FROM notices WHERE customer_id = $1 AND state <> 'closed'`,
      [customerId],
    )) as { open: number }[];
    return row.open;
  }

  private async replaceContacts(
    tx: EntityManager,
    customerId: string,
    contacts: AbuseContactDto[],
  ): Promise<void> {
    const byEmail = new Map(contacts.map((c) => [normaliseEmail(c.email), c.aroundTheClock ?? false]));
    await tx.delete(AbuseContactEntity, { customerId });
    await tx.insert(
      AbuseContactEntity,
      [...byEmail].map(([email, aroundTheClock]) => ({ customerId, email, aroundTheClock })),
    );
  }

  private async replaceMeasures(
    tx: EntityManager,
    customerId: string,
    measures: PreventiveMeasureDto[],
  ): Promise<void> {
    const byKind = new Map(measures.map((m) => [m.kind, m.verifiedAt ? new Date(m.verifiedAt) : null]));
    await tx.query(
      `DELETE FROM customer_preventive_measures WHERE customer_id = $1 AND NOT (kind = ANY($2::text[]))`,
      [customerId, [...byKind.keys()]],
    );
    // Re-declaring a measure keeps the moment it was first declared and its evidence; a verification given here
    // replaces an earlier rejection.
    for (const [kind, verifiedAt] of byKind) {
      await tx.query(
        `INSERT INTO customer_preventive_measures (customer_id, kind, declared_at, verified_at)
         VALUES ($1, $2, now(), $3)
         ON CONFLICT (customer_id, kind) DO UPDATE
            SET verified_at = $3,
                rejected_at = CASE WHEN $3::timestamptz IS NULL THEN customer_preventive_measures.rejected_at END,
                rejected_by = CASE WHEN $3::timestamptz IS NULL THEN customer_preventive_measures.rejected_by END,
                rejection_reason = CASE WHEN $3::timestamptz IS NULL
                                        THEN customer_preventive_measures.rejection_reason END`,
        [customerId, kind, verifiedAt],
      );
    }
  }

  private async saveContract(tx: EntityManager, customerId: string, dto: ContractDto): Promise<void> {
    // Any stored profile, not only the built-in ones: profiles are made with POST /v1/policies.
    if (!(await tx.getRepository(PolicyEntity).existsBy({ id: dto.policyProfile }))) {
      throw new DomainError(
        'CUSTOMER.UNKNOWN_POLICY',
        `there is no policy ${dto.policyProfile} (GET /v1/policies lists them)`,
        'contract.policyProfile',
      );
    }
    await tx
      .createQueryBuilder()
      .insert()
      .into(ContractEntity)
      .values({ customerId, ...dto })
      .orUpdate(
        [
          'starts_on',
          'notice_period_days',
          'immediate_termination_for_illegal_content',
          'policy_profile',
          'updated_at',
        ],
        ['customer_id'],
      )
      .execute();
  }

  private async views(customers: CustomerEntity[]): Promise<CustomerView[]> {
    const ids = customers.map((c) => c.id);
    if (!ids.length) return [];
    const [contacts, measures, contracts] = await Promise.all([
      this.db
        .getRepository(AbuseContactEntity)
        .find({ where: { customerId: In(ids) }, order: { email: 'ASC' } }),
      this.db
        .getRepository(PreventiveMeasureEntity)
        .find({ where: { customerId: In(ids) }, order: { kind: 'ASC' } }),
      this.db.getRepository(ContractEntity).findBy({ customerId: In(ids) }),
    ]);
    return customers.map((c) => {
      const contract = contracts.find((k) => k.customerId === c.id);
      return {
        id: c.id,
        reference: c.reference,
        name: c.name,
        contractType: c.contractType,
        status: c.status,
        language: c.language,
        timeZone: c.timeZone,
        accountManager: { name: c.accountManagerName, email: c.accountManagerEmail },
        abuseContacts: contacts
          .filter((k) => k.customerId === c.id)
          .map((k) => ({ email: k.email, aroundTheClock: k.aroundTheClock })),
        preventiveMeasures: measures
          .filter((m) => m.customerId === c.id)
          .map((m) => ({
            kind: m.kind,
            declaredAt: m.declaredAt.toISOString(),
            verifiedAt: m.verifiedAt?.toISOString() ?? null,
          })),
        parentId: c.parentId,
        contract: contract
          ? {
              startsOn: contract.startsOn,
              noticePeriodDays: contract.noticePeriodDays,
              immediateTerminationForIllegalContent: contract.immediateTerminationForIllegalContent,
              policyProfile: contract.policyProfile,
            }
          : null,
        createdAt: c.createdAt.toISOString(),
        updatedAt: c.updatedAt.toISOString(),
      };
    });
  }
}

function prefixView(row: PrefixAssignmentEntity): PrefixAssignmentView {
  return {
    id: row.id,
    cidr: row.cidr,
    validFrom: row.validFrom.toISOString(),
    validTo: row.validTo?.toISOString() ?? null,
    current: row.validTo === null,
  };
}

function notFound(id: string): DomainError {
  return new DomainError('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
