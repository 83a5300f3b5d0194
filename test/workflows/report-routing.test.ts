import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeReport } from '../../functions/domain/report-routing.js';
import { reportItem } from '../../functions/domain/report-store.js';
import type { Report } from '../../functions/domain/report-types.js';
import {
  acknowledgeReport,
  reassignReport,
  referReport,
  resolveReport,
} from '../../functions/domain/reports.js';
import type { Staff } from '../../functions/domain/types.js';
import type { Caller } from '../../functions/lib/auth.js';
import { fixedClock } from '../../functions/lib/clock.js';
import type { Deps } from '../../functions/lib/deps.js';
import { keys } from '../../functions/lib/keys.js';
import type { Email } from '../../functions/lib/mailer.js';
import { reportRoutingStates as states } from '../../lib/report-routing.js';
import type { LocalDefinitions } from '../../scripts/local-stack/step-functions.js';
import { aStaff, testConfig, testDeps } from '../support/builders.js';
import {
  startWorkflowTable,
  type WorkflowTable,
} from '../support/workflow-table.js';

// Nothing here may reach AWS: every client has a loopback endpoint.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const tableName = 'records-report-routing';
let definitions: LocalDefinitions;
let documents: DynamoDBDocumentClient;
let workflowTable: WorkflowTable | undefined;

beforeAll(async () => {
  workflowTable = await startWorkflowTable(tableName);
  ({ definitions, documents } = workflowTable);
}, 60_000);

afterAll(async () => {
  await workflowTable?.stop();
});

/** Monday 9 March 2026, 10:00 in London (GMT). */
const reportedAt = '2026-03-09T10:00:00.000Z';
/** The end of Thursday: three school days after the Monday. */
const ackDeadline = '2026-03-13T00:00:00.000Z';

interface World {
  deps: Deps;
  clock: ReturnType<typeof fixedClock>;
  sent: Email[];
  urn: string;
  report: Report;
  voucher: Staff;
  headOfYear: Staff;
  admin: Staff;
  colleague: Staff;
}

const callerOf = (staff: Staff): Caller => ({
  sub: staff.staffId,
  username: staff.email,
  groups: [],
});

/** A centre with a voucher, a head of year, an admin and a report. */
async function world(options: { voucherActive?: boolean } = {}) {
  const urn = String(100_000 + Math.floor(Math.random() * 899_999));
  const yearGroupId = `year-${randomUUID().slice(0, 8)}`;
  const person = (name: string, overrides: Partial<Staff>) =>
    aStaff({
      urn,
      staffId: `${name}-${randomUUID().slice(0, 8)}`,
      email: `${name}@centre.example.org`,
      groupIds: [],
      ...overrides,
    });
  const voucher = person('voucher', { active: options.voucherActive ?? true });
  const headOfYear = person('hoy', {
    roles: ['head-of-year'],
    groupIds: [yearGroupId],
  });
  const admin = person('admin', { roles: ['centre-admin'] });
  const colleague = person('colleague', { roles: ['subject-staff'] });
  for (const staff of [voucher, headOfYear, admin, colleague]) {
    await put({ ...keys.staff(urn, staff.staffId), type: 'staff', ...staff });
  }
  await put({
    ...keys.groupStaff(urn, yearGroupId, headOfYear.staffId),
    type: 'groupMember',
  });
  const reportId = randomUUID().replaceAll('-', '').slice(0, 22);
  const report: Report = {
    reportId,
    urn,
    studentId: `student-${reportId}`,
    chainId: `chain-${reportId}`,
    offerId: `offer-${reportId}`,
    voucherId: voucher.staffId,
    yearGroupId,
    kind: 'wrong-grade',
    qualification: { qan: '601/8411/9', subject: 'Mathematics' },
    details: 'My grade in maths is a 7, not a 5.',
    status: 'open',
    phase: 'acknowledge',
    level: 'assignee',
    routeVersion: 0,
    fingerprint: `fp-${reportId}`,
    history: [{ at: reportedAt, by: 'student', action: 'reported' }],
    createdAt: reportedAt,
    updatedAt: reportedAt,
  };
  await put(reportItem(report));
  const clock = fixedClock(reportedAt);
  const sent: Email[] = [];
  const deps = testDeps({
    config: testConfig({ TABLE_NAME: tableName }),
    db: documents,
    clock,
    mailer: { send: async (email) => void sent.push(email) },
  });
  return {
    deps,
    clock,
    sent,
    urn,
    report,
    voucher,
    headOfYear,
    admin,
    colleague,
  } satisfies World;
}

type Hook = (w: World, wokeAt: Date) => Promise<void>;

/**
 * Runs the synthesized definition with its waits cut to nothing and the
 * clock moved to each wait's end before the routing task runs: time
 * passes as it would, only faster. `during[n]` acts while the n-th wait
 * runs (0 is the first), a day before it ends.
 */
async function route(w: World, during: Record<number, Hook> = {}) {
  const definition = definitions.reportRouting
    .definition as StateMachineDefinition;
  const machine = new StateMachine(definition, {
    validationOptions: { checkArn: false },
  });
  let waits = 0;
  let wakeAt: string | undefined;
  const steps: unknown[] = [];
  const execution = machine.run(
    { urn: w.urn, reportId: w.report.reportId },
    {
      overrides: {
        taskResourceLocalHandlers: {
          [states.route]: async (input) => {
            if (wakeAt) {
              const hook = during[waits - 1];
              const wake = new Date(wakeAt);
              if (hook) {
                w.clock.set(new Date(wake.getTime() - 86_400_000));
                await hook(w, wake);
              }
              w.clock.set(wake);
            }
            const step = await routeReport(
              w.deps,
              input as { urn: string; reportId: string },
            );
            steps.push(step);
            wakeAt = step.done ? undefined : step.waitUntil;
            if (!step.done) waits++;
            return step;
          },
        },
        waitTimeOverrides: { [states.wait]: 0 },
      },
    },
  );
  const entered: string[] = [];
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') entered.push(event.state.name);
  }
  await execution.result;
  const stored = await get(keys.report(w.urn, w.report.reportId));

  return {
    entered,
    steps,
    report: stored as unknown as Report,
    actions: ((stored?.history ?? []) as Report['history']).map(
      (h) => h.action,
    ),
    recipients: w.sent.map((m) => m.to.join(',')),
  };
}

const cycle = [states.route, states.settled, states.wait];
const ending = [states.route, states.settled, states.ended];

describe('the report routing state machine', () => {
  it('is the definition cdk synth produces, with the task resolved', () => {
    const definition = definitions.reportRouting
      .definition as StateMachineDefinition;

    expect(definition.StartAt).toBe(states.route);
    expect(Object.keys(definition.States).sort()).toEqual(
      Object.values(states).sort(),
    );
    expect(definition.States[states.route]).toMatchObject({
      Type: 'Task',
      Resource: expect.stringMatching(/:function:ReportRouting$/),
    });
    expect(definition.States[states.wait]).toMatchObject({
      TimestampPath: '$.step.waitUntil',
    });
  });

  it('scenario "acknowledged in time": nine transitions, no escalation', async () => {
    const w = await world();

    const run = await route(w, {
      0: (w) =>
        acknowledgeReport(
          w.deps,
          callerOf(w.voucher),
          w.urn,
          w.report.reportId,
        ).then(() => undefined),
      1: (w) =>
        resolveReport(w.deps, callerOf(w.voucher), w.urn, w.report.reportId, {
          outcome: 'corrected',
          note: 'Your grade is corrected.',
        }).then(() => undefined),
    });

    expect(run.actions).toEqual([
      'reported',
      'assigned',
      'acknowledged',
      'resolved',
    ]);
    expect(run.report.status).toBe('resolved');
    expect(run.recipients).toEqual([w.voucher.email]);
    expect(run.entered).toEqual([...cycle, ...cycle, ...ending]);
    expect(run.entered).toHaveLength(9);
  });

  it('scenario "not acknowledged": heads of year, admins, then an enquiry', async () => {
    const w = await world();

    const run = await route(w);

    expect(run.actions).toEqual([
      'reported',
      'assigned',
      'escalated',
      'escalated',
      'escalated-to-helpdesk',
    ]);
    expect(run.report.history[2]?.detail).toMatchObject({
      level: 'heads-of-year',
      phase: 'acknowledge',
    });
    expect(run.report.history[3]?.detail).toMatchObject({
      level: 'centre-admins',
    });
    expect(run.recipients).toEqual([
      w.voucher.email,
      w.headOfYear.email,
      w.admin.email,
    ]);
    expect(run.steps[0]).toEqual({ done: false, waitUntil: ackDeadline });
    expect(run.report.status).toBe('referred');
    const enquiry = await get(keys.enquiry(run.report.enquiryId ?? ''));
    expect(enquiry).toMatchObject({
      type: 'enquiry',
      status: 'open',
      openedBy: 'system',
      reportId: w.report.reportId,
      GSI2PK: keys.enquiriesPartition('open'),
    });
    expect(run.entered).toEqual([...cycle, ...cycle, ...cycle, ...ending]);
  });

  it('scenario "inactive voucher": straight to the heads of year', async () => {
    const w = await world({ voucherActive: false });

    const run = await route(w, {
      0: (w) =>
        acknowledgeReport(
          w.deps,
          callerOf(w.headOfYear),
          w.urn,
          w.report.reportId,
        ).then(() => undefined),
      1: (w) =>
        resolveReport(
          w.deps,
          callerOf(w.headOfYear),
          w.urn,
          w.report.reportId,
          { outcome: 'no-error-found', note: 'The grade is right.' },
        ).then(() => undefined),
    });

    expect(run.actions.slice(0, 2)).toEqual(['reported', 'escalated']);
    expect(run.report.history[1]?.detail).toMatchObject({
      level: 'heads-of-year',
      reason: 'voucher-inactive',
    });
    expect(run.recipients[0]).toBe(w.headOfYear.email);
    expect(run.recipients).not.toContain(w.voucher.email);
    expect(run.report.status).toBe('resolved');
  });

  it('scenario "acknowledged, not resolved": escalates the same way', async () => {
    const w = await world();

    const run = await route(w, {
      0: (w) =>
        acknowledgeReport(
          w.deps,
          callerOf(w.voucher),
          w.urn,
          w.report.reportId,
        ).then(() => undefined),
    });

    expect(run.actions).toEqual([
      'reported',
      'assigned',
      'acknowledged',
      'escalated',
      'escalated',
      'escalated-to-helpdesk',
    ]);
    expect(run.report.history[3]?.detail).toMatchObject({
      level: 'heads-of-year',
      phase: 'resolve',
    });
    // Acknowledged on Thursday 12 March: ten school days to the end of
    // Thursday 26 March.
    expect(run.steps[1]).toEqual({
      done: false,
      waitUntil: '2026-03-27T00:00:00.000Z',
    });
    expect(run.report.status).toBe('referred');
  });

  it('scenario "resolved": the route ends at the next wake', async () => {
    const w = await world();

    const run = await route(w, {
      0: (w) =>
        resolveReport(w.deps, callerOf(w.admin), w.urn, w.report.reportId, {
          outcome: 'no-error-found',
          note: 'The record is right.',
        }).then(() => undefined),
    });

    expect(run.actions).toEqual(['reported', 'assigned', 'resolved']);
    expect(run.entered).toEqual([...cycle, ...ending]);
    expect(run.steps.at(-1)).toEqual({ done: true, outcome: 'resolved' });
  });

  it('scenario "referred": ends with a helpdesk enquiry', async () => {
    const w = await world();

    const run = await route(w, {
      0: (w) =>
        referReport(w.deps, callerOf(w.voucher), w.urn, w.report.reportId, {
          summary: 'The awarding body must check this grade.',
        }).then(() => undefined),
    });

    expect(run.actions).toEqual(['reported', 'assigned', 'referred']);
    expect(run.steps.at(-1)).toEqual({ done: true, outcome: 'referred' });
    const enquiry = await get(keys.enquiry(run.report.enquiryId ?? ''));
    expect(enquiry).toMatchObject({
      status: 'open',
      openedBy: w.voucher.staffId,
      contactStaffIds: [w.voucher.staffId],
    });
    expect(run.recipients).toEqual([w.voucher.email]);
  });

  it('scenario "reassigned": the wait restarts for the new assignee', async () => {
    const w = await world();

    const run = await route(w, {
      0: (w) =>
        reassignReport(
          w.deps,
          callerOf(w.headOfYear),
          w.urn,
          w.report.reportId,
          { staffId: w.colleague.staffId },
        ).then(() => undefined),
      1: (w) =>
        acknowledgeReport(
          w.deps,
          callerOf(w.colleague),
          w.urn,
          w.report.reportId,
        ).then(() => undefined),
      2: (w) =>
        resolveReport(w.deps, callerOf(w.colleague), w.urn, w.report.reportId, {
          outcome: 'corrected',
          note: 'Corrected.',
        }).then(() => undefined),
    });

    // Reassigned on Thursday 12 March: three school days to the end of
    // Tuesday 17 March. The old wait ended first and waited again.
    expect(run.steps[1]).toEqual({
      done: false,
      waitUntil: '2026-03-18T00:00:00.000Z',
    });
    expect(run.actions).toEqual([
      'reported',
      'assigned',
      'reassigned',
      'acknowledged',
      'resolved',
    ]);
    expect(run.recipients).toEqual([w.voucher.email, w.colleague.email]);
    expect(run.report.assigneeId).toBe(w.colleague.staffId);
  });

  it('waits on the deadline staff set before the first call', async () => {
    const w = await world();
    await acknowledgeReport(
      w.deps,
      callerOf(w.admin),
      w.urn,
      w.report.reportId,
    );

    const step = await routeReport(w.deps, {
      urn: w.urn,
      reportId: w.report.reportId,
    });
    const stored = await get(keys.report(w.urn, w.report.reportId));

    expect(step).toEqual({ done: false, waitUntil: stored?.deadline });
    expect(stored?.assigneeId).toBe(w.admin.staffId);
    expect(w.sent).toEqual([]);
  });

  it('skips the closure dates a centre set when counting the wait', async () => {
    const w = await world();
    await put({
      ...keys.closures(w.urn),
      type: 'closures',
      urn: w.urn,
      dates: ['2026-03-11'],
    });

    const step = await routeReport(w.deps, {
      urn: w.urn,
      reportId: w.report.reportId,
    });

    expect(step).toEqual({
      done: false,
      waitUntil: '2026-03-14T00:00:00.000Z',
    });
  });
});

async function put(item: Record<string, unknown>) {
  await documents.send(new PutCommand({ TableName: tableName, Item: item }));
}

async function get(key: { PK: string; SK: string }) {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}
