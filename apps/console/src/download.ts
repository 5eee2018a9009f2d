import { ApiError, UNAUTHORIZED_EVENT } from './api/client';
import { session } from './session';

/**
 * Downloads an API file (a report's PDF or JSON) as the signed-in person. A plain link cannot carry the token (it is
 * not a cookie, and a token in the URL ends up in logs), so the file is fetched with the Authorization header and
 * handed to the browser as a blob.
 */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const token = session.token();
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    if (response.status === 401 && token) {
      session.signOut('expired');
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
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
