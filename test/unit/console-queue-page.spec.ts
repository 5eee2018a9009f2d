import { openPage } from '../../apps/console/src/queue-page';

const isOpen = (state: string) => state !== 'closed';
const rows = (...states: string[]) => states.map((state, i) => ({ id: `n${i}`, state }));

/** The queue's count says so when its first page may have left open notices out (a busy desk's 200 rows). */
describe("the console queue's first page", () => {
  it('holds every open notice when the page ends on a closed one', () => {
    const page = openPage({ items: rows('received', 'customer_notified', 'closed'), total: 900 }, isOpen);
    expect(page).toEqual({ items: rows('received', 'customer_notified'), more: false });
  });

  it('may leave open notices out when the page is full of open ones and the API counts more', () => {
    expect(openPage({ items: rows('received', 'unattributed'), total: 3 }, isOpen).more).toBe(true);
  });

  it('holds them all when the API counts no more than the page', () => {
    expect(openPage({ items: rows('received', 'unattributed'), total: 2 }, isOpen).more).toBe(false);
    expect(openPage({ items: [], total: 0 }, isOpen)).toEqual({ items: [], more: false });
  });
});
