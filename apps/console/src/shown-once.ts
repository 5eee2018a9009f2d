import { useEffect, useState } from 'react';

/**
 * A note kept for one showing (why the person was signed out): read while rendering and forgotten only once the
 * screen that shows it is on show. React may render a screen more than once before it shows it (a navigation
 * renders in a transition, which a more urgent update throws away and starts again), so a read that also forgot
 * would leave the second render without the note.
 */
export function useShownOnce<T>(read: () => T, forget: () => void): T {
  const [value] = useState(read);
  // Forgetting is idempotent: a `forget` that changes between renders only forgets again.
  useEffect(() => forget(), [forget]);
  return value;
}
