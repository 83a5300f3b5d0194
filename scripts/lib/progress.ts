/**
 * Progress of an import on stderr: a bar on a terminal, and plain lines
 * anywhere else (a log file, CI), where a redrawn bar would be noise.
 */
import cliProgress from 'cli-progress';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Progress in bytes sent, one step a request answered. */
export interface Progress {
  start(totalBytes: number, requests: number): void;
  answered(request: number, bytesSent: number): void;
  stop(): void;
}

/** `950 B`, `18.3 kB`, `4.2 MB`: decimal units, as file managers show. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;

  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

const requestsText = (n: number) => `${n} ${n === 1 ? 'request' : 'requests'}`;

export function createProgress(stream: OutputStream, label: string): Progress {
  return stream.isTTY
    ? barProgress(stream, label)
    : lineProgress(stream, label);
}

function lineProgress(stream: OutputStream, label: string): Progress {
  let total = 0;
  let requests = 0;

  return {
    start(totalBytes, count) {
      total = totalBytes;
      requests = count;
      stream.write(
        `${label}: sending ${formatBytes(total)} in ${requestsText(count)}\n`,
      );
    },
    answered(request, bytesSent) {
      stream.write(
        `${label}: ${request} of ${requestsText(requests)} answered ` +
          `(${formatBytes(bytesSent)} of ${formatBytes(total)})\n`,
      );
    },
    stop() {},
  };
}

function barProgress(stream: OutputStream, label: string): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {sent} of {size} | {step}`,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let requests = 0;
  let running = false;

  return {
    start(totalBytes, count) {
      total = totalBytes;
      requests = count;
      running = true;
      bar.start(total, 0, {
        sent: formatBytes(0),
        size: formatBytes(total),
        step: `0 of ${requestsText(count)} answered`,
      });
    },
    answered(request, bytesSent) {
      bar.update(bytesSent, {
        sent: formatBytes(bytesSent),
        step: `${request} of ${requestsText(requests)} answered`,
      });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
