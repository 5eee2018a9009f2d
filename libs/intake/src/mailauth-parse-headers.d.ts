/** mailauth's own header parser (used by its DKIM and ARC code), which its type declarations leave out. */
declare module 'mailauth/lib/parse-dkim-headers' {
  interface ResultEntry {
    value?: string;
    header?: { d?: string; i?: string; from?: string };
    comment?: string;
  }
  export default function parseDkimHeaders(line: string): {
    parsed: { header: string; value?: string; dkim?: ResultEntry[] };
  };
}
