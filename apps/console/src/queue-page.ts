/** The queue's first page of the API's `time_left` order, reduced to the open notices it holds. */
export interface OpenPage<T> {
  items: T[];
  /**
   * More open notices exist than the page holds. The order puts every open notice before the closed ones, so a page
   * that ends on an open notice while the API counts more rows may have left open notices out.
   */
  more: boolean;
}

export function openPage<T extends { state: string }>(
  page: { items: T[]; total: number },
  isOpen: (state: string) => boolean,
): OpenPage<T> {
  const items = page.items.filter((n) => isOpen(n.state));
  const last = page.items.at(-1);
  return { items, more: page.total > page.items.length && last !== undefined && isOpen(last.state) };
}
