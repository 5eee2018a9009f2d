import { auditAction, auditCanonical, auditHash, auditSummary } from '@takedown/persistence';

/**
 * The canonical text of an audit row is a format: the chain trigger in PostgreSQL and `audit verify` must build
 * the same bytes, and rows written years ago must still verify. A change here is a new version, not an edit.
 */
describe('audit row canonical form', () => {
  const row = {
    id: '42',
    at: new Date('2026-01-15T09:30:12.345Z'),
    actorKind: 'link' as const,
    actorId: 'am@provider.example',
    actorName: 'Ánna',
    role: null,
    action: 'task.complete',
    targetType: 'task',
    targetId: '7',
    requestId: null,
    sourceIp: '192.0.2.10/32',
    summaryText: '{"after": {"status": "completed"}}',
    prevHash: '0'.repeat(64),
  };

  it('is a version line, then each field as `<UTF-8 byte length>:<text>` or `-` for NULL, in a fixed order', () => {
    expect(auditCanonical(row)).toBe(
      [
        'takedown-audit-v1',
        '2:42',
        '24:2026-01-15T09:30:12.345Z',
        '4:link',
        '19:am@provider.example',
        '5:Ánna',
        '-',
        '13:task.complete',
        '4:task',
        '1:7',
        '-',
        '13:192.0.2.10/32',
        '34:{"after": {"status": "completed"}}',
        `64:${'0'.repeat(64)}`,
      ].join('\n'),
    );
    expect(auditHash(row)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot be fooled by moving text from one field into the next', () => {
    expect(auditHash({ ...row, actorId: 'am@provider.example\n5:Ánna', actorName: '' })).not.toBe(
      auditHash(row),
    );
    expect(auditHash({ ...row, targetType: 'task:7', targetId: '' })).not.toBe(auditHash(row));
    expect(auditHash({ ...row, role: '' })).not.toBe(auditHash(row));
  });

  it('makes actions dotted lower-case words', () => {
    expect(auditAction('notice.confirm-removal')).toBe('notice.confirm_removal');
    expect(auditAction('Workflow.Notice.escalated')).toBe('workflow.notice.escalated');
  });

  it('keeps scheme and host of any URL in a summary, drops secrets, and cuts long text', () => {
    expect(
      auditSummary({
        reason: 'see https://cdn.example/gallery/8f1c2e?x=1 and ftp://files.example/a',
        nested: { list: ['http://a.example/p'], apiKey: 'k', password: 'p', authorization: 'Bearer x' },
        long: 'x'.repeat(600),
        skipped: undefined,
      }),
    ).toEqual({
      reason: 'see https://cdn.example/[redacted] and ftp://files.example/[redacted]',
      nested: {
        list: ['http://a.example/[redacted]'],
        apiKey: '[redacted]',
        password: '[redacted]',
        authorization: '[redacted]',
      },
      long: `${'x'.repeat(499)}…`,
    });
  });
});
