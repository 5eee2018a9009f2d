import {
  buildStatementOfReasons,
  newReportKeyEntry,
  parseReportKeys,
  reportJwks,
  sealStatementOfReasons,
  transparencyDbStatement,
  TRANSPARENCY_DB_LIMITS,
  verifySnapshotFile,
  type StatementFacts,
} from '@takedown/reports';
import { pdfText } from '../support/pdf-text';

const FACTS: StatementFacts = {
  snapshotId: 'e0000000-0000-4000-8000-000000000001',
  generatedAt: '2026-12-01T10:00:00.000Z',
  language: 'en',
  case: {
    id: 'c0000000-0000-4000-8000-000000000001',
    openedAt: '2026-11-20T10:00:00.000Z',
    reason: 'two missed CSAM deadlines after a final warning',
  },
  customer: { id: 'x', reference: 'C-1001', name: 'Tenant A B.V.' },
  effectiveAt: '2026-12-31T10:00:00.000Z',
  immediate: false,
  notices: [
    { category: 'spam', sourceKind: 'public', receivedAt: '2026-09-01T10:00:00.000Z', deadlineMissed: false },
    { category: 'csam', sourceKind: 'hotline', receivedAt: '2026-10-01T10:00:00.000Z', deadlineMissed: true },
    { category: 'csam', sourceKind: 'hotline', receivedAt: '2026-11-01T10:00:00.000Z', deadlineMissed: true },
  ],
  legalEmail: 'legal@provider.example',
};

describe('statement of reasons (DSA Art. 17)', () => {
  it('states the restriction, its scope and duration, facts, source, automation, ground and redress', () => {
    const s = buildStatementOfReasons(FACTS);
    expect(s.restriction).toMatchObject({ type: 'termination', scope: 'total', duration: null });
    expect(s.restriction.territorialScope).toEqual(expect.arrayContaining(['NL', 'DE', 'NO']));
    expect(s.ground).toMatchObject({
      type: 'illegal_content',
      reference: expect.stringContaining('2011/93/EU'),
    });
    expect(s.ground.explanation).toContain('3 notice(s) (csam, spam); 2 of them were not acted on');
    expect(s.facts).toContain('two missed CSAM deadlines');
    expect(s.source).toEqual({ type: 'notice', notifierKinds: ['hotline', 'public'] });
    expect(s.automated).toEqual({ detection: false, decision: false });
    expect(s.redress.internalComplaint).toContain('legal@provider.example');
    expect(s.redress.outOfCourt).toContain('Art. 21');
    expect(s.text.paragraphs.join('\n')).toMatch(/at the end of the notice period \(2026-12-31\)/);
  });

  it('speaks Dutch to a Dutch customer; a terms-and-conditions ground when no notice was of illegal content', () => {
    const s = buildStatementOfReasons({
      ...FACTS,
      language: 'nl',
      immediate: true,
      notices: [
        { category: 'spam', sourceKind: 'internal', receivedAt: FACTS.generatedAt, deadlineMissed: true },
      ],
    });
    expect(s.text.title).toBe('Motivering van de beslissing (art. 17 Digital Services Act)');
    expect(s.text.paragraphs[0]).toContain('met onmiddellijke ingang');
    expect(s.ground).toMatchObject({ type: 'incompatible_content', alsoIllegal: false });
    expect(s.source).toEqual({ type: 'own_initiative', notifierKinds: [] });
  });

  it('exports in the Transparency Database shape, within its field limits, without names or URLs', () => {
    const long = buildStatementOfReasons({
      ...FACTS,
      case: { ...FACTS.case, reason: 'x'.repeat(6000) },
      notices: [
        ...FACTS.notices,
        {
          category: 'phishing',
          sourceKind: 'trusted_flagger',
          receivedAt: FACTS.generatedAt,
          deadlineMissed: false,
        },
      ],
    });
    const line = transparencyDbStatement(long);
    expect(line).toMatchObject({
      decision_provision: 'DECISION_PROVISION_TOTAL_TERMINATION',
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      content_type: ['CONTENT_TYPE_OTHER'],
      category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
      category_specification: ['KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL', 'KEYWORD_PHISHING', 'KEYWORD_OTHER'],
      source_type: 'SOURCE_TRUSTED_FLAGGER',
      automated_detection: 'No',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      content_date: '2026-09-01',
      application_date: '2026-12-31',
      puid: 'takedown-sor-e0000000-0000-4000-8000-000000000001',
    });
    expect((line.decision_facts as string).length).toBe(TRANSPARENCY_DB_LIMITS.decision_facts);
    expect(line.decision_facts as string).toMatch(/…$/);
    expect((line.illegal_content_legal_ground as string).length).toBeLessThanOrEqual(500);
    expect((line.illegal_content_explanation as string).length).toBeLessThanOrEqual(2000);
    expect(JSON.stringify(line)).not.toContain('Tenant A');

    const terms = transparencyDbStatement(
      buildStatementOfReasons({
        ...FACTS,
        notices: [
          { category: 'spam', sourceKind: 'public', receivedAt: FACTS.generatedAt, deadlineMissed: true },
        ],
      }),
    );
    expect(terms).toMatchObject({
      decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
      incompatible_content_illegal: 'No',
      source_type: 'SOURCE_ARTICLE_16',
      category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC',
    });
    expect(terms).not.toHaveProperty('illegal_content_legal_ground');
  });

  it('names the Digital Services Coordinator that designated a trusted flagger, in the source and the facts', () => {
    const notice = { category: 'phishing', receivedAt: FACTS.generatedAt, deadlineMissed: true };
    const statement = (language: 'en' | 'nl') =>
      buildStatementOfReasons({
        ...FACTS,
        language,
        case: { ...FACTS.case, reason: 'x'.repeat(6000) },
        notices: [
          { ...notice, sourceKind: 'trusted_flagger', designatingAuthority: 'ACM (NL)' },
          { ...notice, sourceKind: 'trusted_flagger', designatingAuthority: 'Coimisiún na Meán (IE)' },
          { ...notice, sourceKind: 'hotline' },
        ],
      });
    const en = statement('en');
    expect(en.source).toEqual({
      type: 'notice',
      notifierKinds: ['hotline', 'trusted_flagger'],
      designatingAuthorities: ['ACM (NL)', 'Coimisiún na Meán (IE)'],
    });
    const designated =
      'trusted_flagger (designated under Art. 22 of the Digital Services Act by ACM (NL), Coimisiún na Meán (IE))';
    expect(en.text.paragraphs).toContain(
      `The decision follows notices from third parties (hotline, ${designated}) about content on your service.`,
    );
    const line = transparencyDbStatement(en);
    expect(line.source_type).toBe('SOURCE_TRUSTED_FLAGGER');
    // Cut to the database's limit, the facts still name them: they come first.
    expect(line.decision_facts as string).toContain(designated);
    expect(statement('nl').text.paragraphs.join(' ')).toContain(
      'aangewezen volgens art. 22 van de Digital Services Act door ACM (NL), Coimisiún na Meán (IE)',
    );
    // A trusted flagger whose designation was not recorded (before it was) is named by its kind alone.
    const unrecorded = buildStatementOfReasons({
      ...FACTS,
      notices: [{ ...notice, sourceKind: 'trusted_flagger' }],
    });
    expect(unrecorded.source).toEqual({ type: 'notice', notifierKinds: ['trusted_flagger'] });
    expect(unrecorded.facts).not.toContain('Art. 22');
  });

  it('is sealed like a report: JSON and PDF signed together, the PDF printing the JSON’s digest', async () => {
    const key = parseReportKeys(newReportKeyEntry('2026-12'));
    const sealed = await sealStatementOfReasons(buildStatementOfReasons(FACTS), key[0], 'Provider B.V.');
    const jwks = reportJwks(key);
    expect(await verifySnapshotFile(Buffer.from(sealed.json), jwks)).toMatchObject({
      ok: true,
      payload: { kind: 'statement_of_reasons', subjectId: FACTS.case.id },
    });
    expect(await verifySnapshotFile(sealed.pdf, jwks)).toMatchObject({ ok: true });
    expect(pdfText(sealed.pdf)).toContain(sealed.jsonSha256);
  });
});
