import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { EU_MEMBER_STATES } from '@takedown/domain/member-states';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, unwrap, type Schemas } from '../api/client';
import { ErrorAlert } from '../components/Feedback';
import { useI18n, type Translate } from '../i18n';
import { currentTimeZone } from '../time';

type CreateOrder = Schemas['CreateOrderDto'];
type Field =
  'authority' | 'memberState' | 'reference' | 'issuedAt' | 'urls' | 'ip' | 'reasons' | 'contactPoint';
type Problems = Partial<Record<Field, string>>;

/** The member states the form offers: Greece once, as EL (the EU's code; the API also takes GR). */
const MEMBER_STATES: readonly CreateOrder['memberState'][] = EU_MEMBER_STATES;

/** The API's length limits (CreateOrderDto). */
const MAX = { authority: 200, reference: 200, reasons: 5000, contactPoint: 320 } as const;
const MAX_URLS = 100;

interface Form {
  authority: string;
  memberState: string;
  reference: string;
  issuedAt: string;
  urls: string;
  ip: string;
  reasons: string;
  contactPoint: string;
  withhold: boolean;
}

const EMPTY: Form = {
  authority: '',
  memberState: '',
  reference: '',
  issuedAt: '',
  urls: '',
  ip: '',
  reasons: '',
  contactPoint: '',
  withhold: false,
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIp(text: string): boolean {
  if (IPV4.test(text)) return true;
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return false;
  // The URL parser knows IPv6 in all its spellings; the characters were checked above.
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isOrderUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return ['http:', 'https:', 'ftp:'].includes(url.protocol) && url.hostname !== '' && !/\s/.test(text);
  } catch {
    return false;
  }
}

/** How far `zone`'s wall clock is ahead of UTC at the instant `utcMs`. */
function zoneOffsetMs(utcMs: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(utcMs)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A date and time as the order prints it (`2026-12-05T10:12` from the input), read in the person's time zone, the
 * one the console shows every time in, as an instant; null when it is not a date and time.
 */
export function wallTimeToIso(local: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  // Twice: the offset at the guessed instant may differ from the offset at the real one around a DST change.
  const guess = wall - zoneOffsetMs(wall, zone);
  const utc = wall - zoneOffsetMs(guess, zone);
  return Number.isNaN(utc) ? null : new Date(utc).toISOString();
}

const urlLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** The checks CreateOrderDto makes, before the order is sent; the API still decides (issuedAt in the future). */
function validate(form: Form, t: Translate): Problems {
  const problems: Problems = {};
  for (const field of ['authority', 'reference', 'reasons', 'contactPoint'] as const) {
    const value = form[field].trim();
    if (value === '') problems[field] = t('order.required');
    else if (value.length > MAX[field]) problems[field] = t('order.tooLong', { max: MAX[field] });
  }
  if (!(MEMBER_STATES as readonly string[]).includes(form.memberState)) {
    problems.memberState = t('order.invalidState');
  }
  if (!wallTimeToIso(form.issuedAt, currentTimeZone())) problems.issuedAt = t('order.invalidDate');
  const urls = urlLines(form.urls);
  const bad = urls.findIndex((u) => !isOrderUrl(u));
  if (urls.length === 0) problems.urls = t('order.urlsMissing');
  else if (urls.length > MAX_URLS) problems.urls = t('order.urlsTooMany');
  else if (bad >= 0) problems.urls = t('order.invalidUrl', { line: bad + 1 });
  if (form.ip.trim() !== '' && !isIp(form.ip.trim())) problems.ip = t('order.invalidIp');
  return problems;
}

/** The fields a 400 names (`urls.3` is the URLs box), with the API's own words. */
function apiProblems(error: unknown, t: Translate): Problems {
  if (!(error instanceof ApiError) || error.status !== 400) return {};
  const named = error.fields.length
    ? error.fields
    : error.field
      ? [{ field: error.field, problems: [error.message] }]
      : [];
  const problems: Problems = {};
  for (const { field, problems: said } of named) {
    const input = field.split('.')[0] as Field;
    if (input in EMPTY) problems[input] = t('order.apiField', { problems: said.join(', ') });
  }
  return problems;
}

/**
 * The desk's intake of a removal order (TCO Regulation 2021/784, POST /v1/orders): the order's fields as the API
 * checks them, each problem under its field. Once taken in, the order's notice opens with its one-hour clock.
 */
export default function OrderIntakePage() {
  const { t, language } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(EMPTY);
  const [checked, setChecked] = useState<Problems | null>(null);
  const [attempt, setAttempt] = useState(0);
  const zone = currentTimeZone();
  const states = useMemo(() => {
    const names = new Intl.DisplayNames([language === 'nl' ? 'nl' : 'en'], { type: 'region' });
    return MEMBER_STATES.map((code) => ({
      value: code,
      label: `${names.of(code === 'EL' ? 'GR' : code)} (${code})`,
    })).sort((a, b) => a.label.localeCompare(b.label, language));
  }, [language]);

  const take = useMutation({
    mutationFn: async (body: CreateOrder) => unwrap(await api.POST('/v1/orders', { body })),
    onSuccess: (order) => {
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      navigate(`/notices/${order.noticeId}`);
    },
  });

  const formRef = useRef<HTMLFormElement>(null);
  // After a refused submit the keyboard lands on the first field at fault, not on a message at the bottom.
  useEffect(() => {
    if (attempt > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt, take.error]);

  const fromApi = apiProblems(take.error, t);
  const problems: Problems = { ...(checked ?? {}), ...fromApi };
  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
    // A field the person changed is judged again on the next submit; its old message goes.
    if (checked && key in checked) setChecked((current) => ({ ...current, [key]: undefined }));
    if (take.error) take.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(form, t);
    setChecked(found);
    setAttempt((n) => n + 1);
    if (Object.values(found).some(Boolean)) return;
    const ip = form.ip.trim();
    take.mutate({
      authority: form.authority.trim(),
      memberState: form.memberState as CreateOrder['memberState'],
      reference: form.reference.trim(),
      issuedAt: wallTimeToIso(form.issuedAt, zone) as string,
      urls: urlLines(form.urls),
      ...(ip ? { ip } : {}),
      reasons: form.reasons.trim(),
      contactPoint: form.contactPoint.trim(),
      informProvider: !form.withhold,
    });
  };

  const shown = Object.values(problems).some(Boolean);
  const otherError = take.error && Object.keys(fromApi).length === 0 ? take.error : null;
  return (
    <Stack gap="md" maw={820}>
      <div>
        <Title order={1} size="h2">
          {t('order.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('order.subtitle')}
        </Text>
      </div>
      <Card withBorder padding="md">
        <form ref={formRef} onSubmit={submit} noValidate className="form-contrast" data-testid="order-form">
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label={t('order.authority')}
                withAsterisk
                value={form.authority}
                onChange={(e) => set('authority', e.currentTarget.value)}
                error={problems.authority}
                maxLength={MAX.authority}
              />
              <NativeSelect
                label={t('order.memberState')}
                withAsterisk
                value={form.memberState}
                onChange={(e) => set('memberState', e.currentTarget.value)}
                error={problems.memberState}
                data={[{ value: '', label: t('order.memberState.pick') }, ...states]}
              />
              <TextInput
                label={t('order.reference')}
                withAsterisk
                value={form.reference}
                onChange={(e) => set('reference', e.currentTarget.value)}
                error={problems.reference}
                maxLength={MAX.reference}
              />
              <TextInput
                type="datetime-local"
                label={t('order.issuedAt')}
                description={t('order.issuedAt.hint', { zone })}
                withAsterisk
                value={form.issuedAt}
                onChange={(e) => set('issuedAt', e.currentTarget.value)}
                error={problems.issuedAt}
              />
            </SimpleGrid>
            <Textarea
              label={t('order.urls')}
              description={t('order.urls.hint')}
              withAsterisk
              autosize
              minRows={3}
              maxRows={10}
              spellCheck={false}
              value={form.urls}
              onChange={(e) => set('urls', e.currentTarget.value)}
              error={problems.urls}
              styles={{
                input: { overflowWrap: 'anywhere', fontFamily: 'var(--mantine-font-family-monospace)' },
              }}
            />
            <TextInput
              label={t('order.ip')}
              description={t('order.ip.hint')}
              value={form.ip}
              onChange={(e) => set('ip', e.currentTarget.value)}
              error={problems.ip}
              maw={360}
            />
            <Textarea
              label={t('order.reasons')}
              withAsterisk
              autosize
              minRows={3}
              maxRows={12}
              value={form.reasons}
              onChange={(e) => set('reasons', e.currentTarget.value)}
              error={problems.reasons}
              maxLength={MAX.reasons}
            />
            <TextInput
              label={t('order.contactPoint')}
              withAsterisk
              value={form.contactPoint}
              onChange={(e) => set('contactPoint', e.currentTarget.value)}
              error={problems.contactPoint}
              maxLength={MAX.contactPoint}
            />
            <Checkbox
              label={t('order.withhold')}
              checked={form.withhold}
              onChange={(e) => set('withhold', e.currentTarget.checked)}
            />
            {shown && (
              <Alert color="red" role="alert" data-testid="order-problems">
                {t('order.fixFields')}
              </Alert>
            )}
            {otherError && <ErrorAlert error={otherError} />}
            <Group>
              <Button type="submit" loading={take.isPending} data-testid="take-order">
                {t('order.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
