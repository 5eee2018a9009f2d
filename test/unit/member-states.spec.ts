import { EU_MEMBER_STATES, MEMBER_STATE_CODES } from '@takedown/domain';

describe('EU member states (the order form and the API share one list)', () => {
  it('names each of the 27 member states once, Greece as EL', () => {
    expect(new Set(EU_MEMBER_STATES).size).toBe(27);
    expect(EU_MEMBER_STATES).toContain('EL');
    expect(EU_MEMBER_STATES).not.toContain('GR');
  });

  it('takes ISO’s GR for Greece as well, in order, and nothing else beside the 27', () => {
    expect(MEMBER_STATE_CODES).toEqual([...EU_MEMBER_STATES, 'GR'].sort());
    expect(MEMBER_STATE_CODES.slice(11, 14)).toEqual(['FR', 'GR', 'HR']);
    expect(MEMBER_STATE_CODES).not.toContain('GB');
  });
});
