/**
 * The local stack the bench measures, in a process of its own (forked by
 * run.ts with an IPC channel): the same parts `npm start` runs, with a
 * counter on the handlers' DynamoDB client. It answers `snapshot` and
 * `reset` messages and stops on `stop`.
 *
 * Arguments: the data folder, the lifetime divisor.
 */
import type { RouteGroup } from '../../functions/routes.js';
import {
  type HandlerModule,
  loadHandlerModule,
} from '../local-stack/api-server.js';
import { startLocalStack } from '../local-stack/stack.js';
import { Counter } from './counting.js';

const [dataDir = '', divisor = '1'] = process.argv.slice(2);
const counter = new Counter();

// Handlers log with Powertools to stdout: the bytes are counted per
// operation, as CloudWatch Logs would bill them.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  counter.logWritten(
    typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length,
  );
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

/** `POST /token` is two operations: exchanging a code and refreshing. */
function operationOf(event: {
  httpMethod: string;
  resource: string;
  body: string | null;
}): string {
  const key = `${event.httpMethod} ${event.resource}`;
  if (key !== 'POST /token') return key;
  const grant = new URLSearchParams(event.body ?? '').get('grant_type') ?? '';
  return grant === 'refresh_token'
    ? 'POST /token (refresh)'
    : 'POST /token (code)';
}

const loadHandler = async (group: RouteGroup): Promise<HandlerModule> => {
  const module = await loadHandlerModule(group);
  return {
    handler: (event, context) =>
      counter.invocation(operationOf(event), () =>
        module.handler(event, context),
      ),
  };
};

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const stack = await startLocalStack({
  dataDir,
  persist: false,
  lifetimeDivisor: Number(divisor),
  quiet: true,
  loadHandler,
});
// The handlers' dependencies, made now that the settings are in place;
// the handler modules get this same instance.
const { deps } = await import('../../functions/lib/deps.js');
counter.attach(deps().db);

const { stop, ...description } = stack;
process.send?.({ type: 'ready', description, pid: process.pid });

process.on('message', async (message: { type: string; id?: number }) => {
  if (message.type === 'snapshot') {
    process.send?.({
      type: 'snapshot',
      id: message.id,
      counts: counter.snapshot(),
    });
  } else if (message.type === 'faults') {
    const { every } = message as { every?: number };
    counter.faults = every ? { every } : undefined;
    process.send?.({
      type: 'faults',
      id: message.id,
      injected: counter.injected,
    });
  } else if (message.type === 'reset') {
    counter.reset();
    process.send?.({ type: 'reset', id: message.id });
  } else if (message.type === 'stop') {
    await stop();
    process.exit(0);
  }
});
process.on('disconnect', async () => {
  await stop();
  process.exit(0);
});
