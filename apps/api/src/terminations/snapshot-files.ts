import { StreamableFile } from '@nestjs/common';
import type { StoredSnapshot } from '@takedown/persistence';

/**
 * A snapshot's JSON or PDF as stored (re-serialising the JSON could change its bytes). Returned, not written to the
 * response, so that the audit row of the download is appended before the file goes out.
 */
export function jsonFile(snapshot: StoredSnapshot, name = 'termination'): StreamableFile {
  return new StreamableFile(Buffer.from(snapshot.json, 'utf8'), {
    type: 'application/json; charset=utf-8',
    disposition: `attachment; filename="${name}-${snapshot.subjectId}-${snapshot.id}.json"`,
  });
}

export function pdfFile(snapshot: StoredSnapshot, name = 'termination'): StreamableFile {
  return new StreamableFile(snapshot.pdf, {
    type: 'application/pdf',
    disposition: `attachment; filename="${name}-${snapshot.subjectId}-${snapshot.id}.pdf"`,
  });
}
