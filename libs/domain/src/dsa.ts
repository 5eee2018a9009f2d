import type { Category, SourceKind } from './category';

/**
 * Who sent a notice, as the DSA's transparency reports count notifiers (Art. 15(1)(a)-(c), Art. 22): removal orders
 * of an authority (Art. 9, Regulation (EU) 2021/784) apart from the authorities' other notices, trusted flaggers
 * apart from hotlines, the provider's own detection apart from every Art. 16 notice.
 */
export const NOTIFIER_KINDS = [
  'authority_order',
  'authority',
  'trusted_flagger',
  'hotline',
  'other',
  'own_initiative',
] as const;
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

/** The notifier kind of each source kind (a removal order aside): the one mapping, in code and in SQL. */
export const NOTIFIER_OF_SOURCE: Record<SourceKind, NotifierKind> = {
  police: 'authority',
  trusted_flagger: 'trusted_flagger',
  hotline: 'hotline',
  provider: 'other',
  public: 'other',
  internal: 'own_initiative',
};

/** The notifier kind of a notice's source; a notice that carries a removal order is the authority's order. */
export function notifierKind(sourceKind: SourceKind, removalOrder: boolean): NotifierKind {
  return removalOrder ? 'authority_order' : NOTIFIER_OF_SOURCE[sourceKind];
}

/** The categories whose actions rest on the law itself (see `actionBasis`). */
export const LAW_CATEGORIES = ['csam', 'terrorist_content'] as const satisfies readonly Category[];

/**
 * What an action on a notice of this category rests on: the law (content illegal as such, with a legal ground a
 * statement of reasons names) or the provider's terms and conditions (everything else, even where it is also illegal).
 */
export function actionBasis(category: Category | string): 'law' | 'terms' {
  return (LAW_CATEGORIES as readonly string[]).includes(category) ? 'law' : 'terms';
}

/** The notice outcomes that restricted the content or the service: a removal or a suspension. */
export const ACTIONED_OUTCOMES = ['removed_in_time', 'removed_late', 'suspended'] as const;
