/**
 * Everything this process writes to stdout and stderr between start() and stop(), still passed
 * through: for tests that search the logs for a secret.
 */
export function captureOutput() {
  const chunks: string[] = [];
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const tee =
    (write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: never[]) => {
      chunks.push(String(chunk));
      return write(chunk as string, ...rest);
    };
  return {
    start() {
      process.stdout.write = tee(writes.out) as typeof process.stdout.write;
      process.stderr.write = tee(writes.err) as typeof process.stderr.write;
    },
    stop() {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
    },
    /** All of it so far, as one text. */
    text: () => chunks.join(''),
  };
}
