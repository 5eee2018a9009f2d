/** X-ARF is JSON under its own media type: a body of this type is read as an X-ARF report. */
export const XARF_MEDIA_TYPE = 'application/vnd.xarf+json';
/** JSON lines, for batches. */
export const NDJSON_MEDIA_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/jsonlines'];
