/** Retries a connection with exponential backoff, so the worker waits for a Temporal server that is still starting. */
export async function connectWithBackoff<T>(connect: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1, delay = 250; ; i++, delay = Math.min(delay * 2, 5000)) {
    try {
      return await connect();
    } catch (err) {
      if (i >= attempts) throw err;
      process.stderr.write(`waiting for Temporal (${(err as Error).message}); retry in ${delay} ms\n`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
