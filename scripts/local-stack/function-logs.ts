/**
 * In AWS each function's output goes to its own log group. Locally every
 * handler runs in the stack's one process, so what they print (Powertools
 * JSON log lines and EMF metric lines, one JSON object a line) is taken
 * off stdout and stderr and appended to one file the stack knows; other
 * output, such as the request lines `npm start` prints, passes through.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

type Write = typeof process.stdout.write;

export function captureFunctionLogs(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a', 0o600);
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);

  for (const stream of streams) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (!text.startsWith('{')) {
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }
      // One write a line, in the order the lines came: a reader never
      // sees two requests' lines run together.
      writeSync(fd, text.endsWith('\n') ? text : `${text}\n`);
      const callback = rest.find((r) => typeof r === 'function') as
        | (() => void)
        | undefined;
      callback?.();
      return true;
    }) as Write;
  }

  return () => {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as Write;
    });
    closeSync(fd);
  };
}
