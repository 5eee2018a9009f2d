import { z } from 'zod';
import { CATEGORIES, type Category } from './category';
import { durationToMs } from './duration';
import { NOTIFIER_KINDS } from './dsa';
import { NEVER_PROBED, type CategoryPolicy, type NotifierTimers } from './policy';

/** One field of a policy and what is wrong with it; the shape of the API's validation errors (`fields`). */
export interface PolicyProblem {
  /** `categories.csam.reminders[1]` */
  field: string;
  problems: string[];
}

export type PolicyParse =
  { ok: true; categories: Record<Category, CategoryPolicy> } | { ok: false; problems: PolicyProblem[] };

/**
 * The longest timer a policy may set. Nothing in the sector asks for more than a year, and a longer one is far more
 * likely a typo (`P365D` for `PT365H`) than a wish; it also keeps every deadline a valid date.
 */
export const MAX_POLICY_DURATION_MS = 366 * 86_400_000;

/**
 * An ISO 8601 duration of a fixed length (`durationToMs`), in milliseconds. `positive`: zero makes no sense for
 * this timer (a deadline at receipt, a reminder at the moment the customer is first told).
 */
const duration = (positive: boolean) =>
  z
    .string({ error: 'must be an ISO 8601 duration (text such as "PT24H")' })
    // Longer text is no duration, and is not echoed back in the error.
    .max(40, { message: 'is too long for an ISO 8601 duration' })
    .transform((iso, ctx) => {
      let ms: number;
      try {
        ms = durationToMs(iso);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      if (positive && ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${iso}" must be longer than zero` });
      } else if (ms > MAX_POLICY_DURATION_MS) {
        ctx.addIssue({ code: 'custom', message: `"${iso}" is longer than 366 days` });
      }
      return { iso, ms };
    });

type Duration = { iso: string; ms: number };

/** The timers a notifier kind may have of its own in a category (`CategoryPolicy.byNotifier`). */
const notifierTimers = z
  .object({
    reminders: z.array(duration(true), { error: 'must be a list of durations' }).max(20),
    deadline: duration(true),
    lastCall: duration(true).optional(),
  })
  .strict()
  .superRefine((p, ctx) => timersInOrder(p, ctx));

/**
 * One category's timers, as `CategoryPolicy` documents them. Zero is allowed where it means "at once" or "none":
 * a suspension task at the deadline (terrorist content), no grace for a claimed removal, no reopening.
 */
const categoryFields = z
  .object({
    reminders: z.array(duration(true), { error: 'must be a list of durations' }).max(20),
    deadline: duration(true),
    suspendAfter: duration(false).optional(),
    lastCall: duration(true).optional(),
    claimGrace: duration(false).optional(),
    taskDue: duration(true).optional(),
    leadAfter: duration(true).optional(),
    followUp: duration(true).optional(),
    reopenWindow: duration(false).optional(),
    aroundTheClock: z.boolean({ error: 'must be true or false' }).optional(),
    nocAtReceipt: z.boolean({ error: 'must be true or false' }).optional(),
    aggregationWindow: duration(true).optional(),
    repeatWeight: z.number().int().min(0).max(10).optional(),
    probeRemoval: z.boolean({ error: 'must be true or false' }).optional(),
    probeTimeout: duration(true).optional(),
    probeMisses: z.number().int().min(1).max(10).optional(),
    probeInterval: duration(true).optional(),
    byNotifier: z
      .partialRecord(z.enum(NOTIFIER_KINDS), notifierTimers, {
        error: `must be an object whose keys are notifier kinds (${NOTIFIER_KINDS.join(', ')})`,
      })
      .optional(),
  })
  .strict();

/** Every field a category's policy may have (the API documents each). */
export const CATEGORY_POLICY_FIELDS = Object.keys(categoryFields.shape) as (keyof CategoryPolicy)[];

/** A probe waits on a live request: longer than this is a hung connection, not a slow server. */
export const MAX_PROBE_TIMEOUT_MS = 30_000;

function timersInOrder(
  p: { reminders: Duration[]; deadline: Duration; lastCall?: Duration; probeTimeout?: Duration },
  ctx: z.RefinementCtx,
): void {
  // A deadline that is itself wrong is reported once, not again beside every timer measured against it.
  const deadline = (p.deadline as Duration | undefined)?.ms ?? 0;
  const limit = deadline > 0 ? deadline : Infinity;
  p.reminders.forEach((r, i) => {
    if (i > 0 && r.ms <= p.reminders[i - 1].ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminders', i],
        message: `"${r.iso}" must come after the reminder before it ("${p.reminders[i - 1].iso}")`,
      });
    }
    if (r.ms >= limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminders', i],
        message: `"${r.iso}" must be before the deadline ("${p.deadline.iso}")`,
      });
    }
  });
  if (p.lastCall && p.lastCall.ms >= limit) {
    ctx.addIssue({
      code: 'custom',
      path: ['lastCall'],
      message: `"${p.lastCall.iso}" is counted back from the deadline and must be shorter than it ("${p.deadline.iso}")`,
    });
  }
  if (p.probeTimeout && p.probeTimeout.ms > MAX_PROBE_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['probeTimeout'],
      message: `"${p.probeTimeout.iso}" is longer than 30 seconds`,
    });
  }
}

const categoryPolicy = categoryFields.superRefine(timersInOrder);

/** CSAM and terrorist content are never probed: the field itself is refused, whatever else is wrong beside it. */
const neverProbedPolicy = categoryFields
  .extend({
    probeRemoval: z
      .boolean({ error: 'must be true or false' })
      .refine((probe) => !probe, {
        message: 'must not be true: this material is never fetched, the hotline’s own check is the proof',
      })
      .optional(),
  })
  .superRefine(timersInOrder);

const categories = z
  .object(
    Object.fromEntries(
      CATEGORIES.map((c) => [c, NEVER_PROBED.includes(c) ? neverProbedPolicy : categoryPolicy]),
    ) as Record<Category, typeof categoryPolicy>,
    { error: `must be an object with a policy for each of ${CATEGORIES.join(', ')}` },
  )
  .strict();

/**
 * Reads a policy's `categories` as an API client or an operator's file gives it: every category of the domain
 * covered, no unknown category or field, every duration ISO 8601 of a fixed length, reminders ascending and before
 * the deadline, a last call shorter than the deadline, no probe of CSAM or terrorist content. Every problem is named by its path (`root` first), all in one
 * answer, so that a whole file can be fixed in one go. What it returns holds the durations as they were written.
 */
export function parsePolicyCategories(input: unknown, root = 'categories'): PolicyParse {
  // reportInput: a missing field (its input undefined) is told from a wrong one; no input is put in a problem.
  const result = categories.safeParse(input, { reportInput: true });
  if (result.success) {
    const out = {} as Record<Category, CategoryPolicy>;
    for (const category of CATEGORIES) out[category] = asWritten(result.data[category]);
    return { ok: true, categories: out };
  }
  const byField = new Map<string, string[]>();
  const add = (field: string, message: string) =>
    byField.set(field, [...(byField.get(field) ?? []), message]);
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? `a category is one of ${CATEGORIES.join(', ')}` : 'not a timer';
      for (const key of issue.keys) add(fieldPath(root, [...issue.path, key]), `unknown field (${known})`);
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      add(fieldPath(root, issue.path), 'is required');
    } else {
      add(fieldPath(root, issue.path), issue.message);
    }
  }
  return { ok: false, problems: [...byField].map(([field, problems]) => ({ field, problems })) };
}

/** `['csam', 'reminders', 1]` under `categories` → `categories.csam.reminders[1]`. */
function fieldPath(root: string, path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
    root,
  );
}

type Parsed = z.output<typeof categoryPolicy>;

function asWritten(p: Parsed): CategoryPolicy {
  const out: CategoryPolicy = { reminders: p.reminders.map((r) => r.iso), deadline: p.deadline.iso };
  for (const key of [
    'suspendAfter',
    'lastCall',
    'claimGrace',
    'taskDue',
    'leadAfter',
    'followUp',
    'reopenWindow',
    'aggregationWindow',
    'probeTimeout',
    'probeInterval',
  ] as const) {
    const value = p[key];
    if (value) out[key] = value.iso;
  }
  if (p.aroundTheClock !== undefined) out.aroundTheClock = p.aroundTheClock;
  if (p.nocAtReceipt !== undefined) out.nocAtReceipt = p.nocAtReceipt;
  if (p.repeatWeight !== undefined) out.repeatWeight = p.repeatWeight;
  if (p.probeRemoval !== undefined) out.probeRemoval = p.probeRemoval;
  if (p.probeMisses !== undefined) out.probeMisses = p.probeMisses;
  if (p.byNotifier) {
    out.byNotifier = {};
    for (const [kind, t] of Object.entries(p.byNotifier)) {
      if (!t) continue;
      const own: NotifierTimers = { reminders: t.reminders.map((r) => r.iso), deadline: t.deadline.iso };
      if (t.lastCall) own.lastCall = t.lastCall.iso;
      out.byNotifier[kind as keyof typeof out.byNotifier] = own;
    }
  }
  return out;
}
