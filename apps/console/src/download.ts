import { ApiError, UNAUTHORIZED_EVENT } from './api/client';
import { session } from './session';

/** Whose token fetches the file, and what a 401 tells the app: the staff console's session or the portal's. */
export interface DownloadSession {
  session: { token(): string | null; signOut(reason: 'expired'): void };
  unauthorizedEvent: string;
}

/**
 * Downloads an API file (a report's PDF or JSON) as the signed-in person. A plain link cannot carry the token (it is
 * not a cookie, and a token in the URL ends up in logs), so the file is fetched with the Authorization header and
 * handed to the browser as a blob.
 */
export async function downloadFile(
  path: string,
  fileName: string,
  as: DownloadSession = { session, unauthorizedEvent: UNAUTHORIZED_EVENT },
): Promise<void> {
  const token = as.session.token();
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    if (response.status === 401 && token) {
      as.session.signOut('expired');
      window.dispatchEvent(new Event(as.unauthorizedEvent));
    }
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(
      response.status,
      body.code ?? `HTTP.${response.status}`,
      body.message ?? response.statusText,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The click has handed the blob to the browser's download by now.
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
