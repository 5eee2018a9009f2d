import { SegmentedControl } from '@mantine/core';
import type { Language } from '../i18n';

/** The EN/NL switch of the console's and the portal's headers and sign-in pages; `label` names it for screen readers. */
export function LanguageSwitch({
  label,
  value,
  onChange,
}: {
  label: string;
  value: Language;
  onChange: (language: Language) => void;
}) {
  return (
    <SegmentedControl
      style={{ flexShrink: 0 }}
      size="xs"
      aria-label={label}
      value={value}
      onChange={(next) => onChange(next as Language)}
      data={[
        { value: 'en', label: 'EN' },
        { value: 'nl', label: 'NL' },
      ]}
    />
  );
}
