import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  createPolicyVersion,
  effectiveFromText,
  policyNotFound,
  policyProfiles,
  type PolicyEntity,
  type PolicyProfile,
} from '@takedown/persistence';
import { ANONYMOUS, currentAudit } from '@takedown/persistence';
import type {
  CreatePolicyDto,
  StoredPolicyCategoriesView,
  PolicyListView,
  PolicyVersionSummaryView,
  PolicyVersionView,
  PolicyView,
} from './policy.dto';

@Injectable()
export class PoliciesService {
  constructor(private readonly db: DataSource) {}

  async list(now = new Date()): Promise<PolicyListView> {
    const profiles = await policyProfiles(this.db, now);
    return {
      items: profiles.map((p) => ({
        id: p.id,
        inForce: p.inForce?.version ?? null,
        versions: p.versions.map((v) => summary(v, p)),
      })),
    };
  }

  /** The profile with every version, or only `version` (a number, or `current`: the one in force now). */
  async get(id: string, version?: string, now = new Date()): Promise<PolicyView> {
    const [profile] = await policyProfiles(this.db, now, id);
    if (!profile) throw policyNotFound(id);
    let versions = profile.versions;
    if (version === 'current') {
      if (!profile.inForce) throw policyNotFound(id, 'current');
      versions = [profile.inForce];
    } else if (version !== undefined) {
      versions = versions.filter((v) => v.version === Number(version));
      if (!versions.length) throw policyNotFound(id, Number(version));
    }
    return { id, inForce: profile.inForce?.version ?? null, versions: versions.map((v) => view(v, profile)) };
  }

  /**
   * The principal of the request writes (the audit context the interceptor set): `created_by` and the audit row,
   * appended in the transaction of the insert. The interceptor is told, so that it adds no row of its own.
   */
  async create(dto: CreatePolicyDto): Promise<PolicyVersionView> {
    const ctx = currentAudit();
    const row = await createPolicyVersion(
      this.db,
      {
        id: dto.id,
        categories: dto.categories,
        effectiveFrom: dto.effectiveFrom ? new Date(dto.effectiveFrom) : null,
      },
      {
        actor: ctx?.actor ?? ANONYMOUS,
        role: ctx?.role,
        requestId: ctx?.requestId,
        sourceIp: ctx?.sourceIp,
      },
    );
    if (ctx) ctx.recorded += 1;
    const [profile] = await policyProfiles(this.db, new Date(), row.id);
    return view(row, profile);
  }
}

function summary(v: PolicyEntity, profile: PolicyProfile): PolicyVersionSummaryView {
  return {
    version: v.version,
    effectiveFrom: effectiveFromText(v),
    createdAt: v.createdAt.toISOString(),
    createdBy: v.createdBy,
    inForce: profile.inForce?.version === v.version,
  };
}

function view(v: PolicyEntity, profile: PolicyProfile): PolicyVersionView {
  return { id: v.id, ...summary(v, profile), categories: v.categories as StoredPolicyCategoriesView };
}
