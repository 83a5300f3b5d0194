import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, sampleFile } from '../support/api.js';
import { useLocalStack } from '../support/local-stack.js';
import {
  newCentre,
  newStaff,
  type StaffMember,
  type TestCentre,
} from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

describe('groups', () => {
  let centre: TestCentre;
  let hoy: StaffMember;
  let teacher: StaffMember;
  let students: { studentId: string; upn: string }[];

  beforeAll(async () => {
    centre = await newCentre(stack);
    await call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'roster.csv'),
    });
    hoy = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['head-of-year'],
    });
    teacher = await newStaff(stack, call, centre.urn, centre.admin.token, {
      roles: ['subject-staff'],
      dataIssuer: true,
    });
    students = (
      await call('GET', `/centres/${centre.urn}/students?limit=10`, {
        token: centre.admin.token,
      })
    ).body.items;
  });

  const listFor = async (token: string, groupId: string) =>
    (
      await call(
        'GET',
        `/centres/${centre.urn}/students?group=${groupId}&limit=200`,
        {
          token,
        },
      )
    ).body.items.map((s: { studentId: string }) => s.studentId);

  it('lets a head of year make a subject group, once', async () => {
    const made = await call('POST', `/centres/${centre.urn}/groups`, {
      token: hoy.token,
      json: { name: 'Art Set 1', kind: 'subject' },
    });
    const again = await call('POST', `/centres/${centre.urn}/groups`, {
      token: hoy.token,
      json: { name: ' art set 1 ', kind: 'subject' },
    });

    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'Art Set 1', kind: 'subject' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('GROUP_EXISTS');
  });

  it('refuses groups to staff who are not admins or heads of year', async () => {
    const make = await call('POST', `/centres/${centre.urn}/groups`, {
      token: teacher.token,
      json: { name: 'Mine', kind: 'subject' },
    });
    const list = await call('GET', `/centres/${centre.urn}/groups`, {
      token: teacher.token,
    });

    expect(make.status).toBe(403);
    expect(list.status).toBe(403);
  });

  it('assigns staff and students, and takes them off again', async () => {
    const group = (
      await call('POST', `/centres/${centre.urn}/groups`, {
        token: hoy.token,
        json: { name: 'Music Set 2', kind: 'subject' },
      })
    ).body.groupId;
    const student = students[0]?.studentId ?? '';
    const base = `/centres/${centre.urn}/groups/${group}`;

    const assign = await call('PUT', `${base}/staff/${teacher.staffId}`, {
      token: hoy.token,
    });
    const add = await call('PUT', `${base}/students/${student}`, {
      token: hoy.token,
    });
    const seen = await listFor(teacher.token, group);
    const remove = await call('DELETE', `${base}/students/${student}`, {
      token: hoy.token,
    });
    const after = await listFor(teacher.token, group);
    const unassign = await call('DELETE', `${base}/staff/${teacher.staffId}`, {
      token: hoy.token,
    });
    const denied = await call(
      'GET',
      `/centres/${centre.urn}/students?group=${group}`,
      {
        token: teacher.token,
      },
    );

    expect([assign.status, add.status, remove.status, unassign.status]).toEqual(
      [200, 200, 204, 204],
    );
    expect(seen).toEqual([student]);
    expect(after).toEqual([]);
    expect(denied.status).toBe(403);
  });

  it('adds many students at once by UPN, saying which were not found', async () => {
    const group = (
      await call('POST', `/centres/${centre.urn}/groups`, {
        token: hoy.token,
        json: { name: 'Drama', kind: 'subject' },
      })
    ).body.groupId;
    const upns = [students[1]?.upn, students[2]?.upn, 'N330432119999'];

    const out = await call(
      'POST',
      `/centres/${centre.urn}/groups/${group}/students`,
      {
        token: hoy.token,
        json: { upns },
      },
    );

    expect(out.status).toBe(200);
    expect(out.body.added).toHaveLength(2);
    expect(out.body.notFound).toEqual([{ index: 2 }]);
    expect(JSON.stringify(out.body)).not.toContain('N330432119999');
  });

  it('adds many students at once by id', async () => {
    const group = (
      await call('POST', `/centres/${centre.urn}/groups`, {
        token: hoy.token,
        json: { name: 'Dance', kind: 'subject' },
      })
    ).body.groupId;
    const ids = students.slice(3, 6).map((s) => s.studentId);

    const out = await call(
      'POST',
      `/centres/${centre.urn}/groups/${group}/students`,
      {
        token: hoy.token,
        json: { studentIds: ids },
      },
    );

    expect(out.body.added).toEqual(ids);
    expect(await listFor(centre.admin.token, group)).toHaveLength(3);
  });

  it('answers 404 for a group or member outside the centre', async () => {
    const other = await newCentre(stack);
    const base = `/centres/${centre.urn}/groups`;
    const latinGroup = async () =>
      (
        await call('POST', base, {
          token: hoy.token,
          json: { name: 'Latin', kind: 'subject' },
        })
      ).body.groupId;

    const noGroup = await call(
      'PUT',
      `${base}/AAAAAAAAAAAAAAAA/staff/${teacher.staffId}`,
      {
        token: hoy.token,
      },
    );
    const foreignStaff = await call(
      'PUT',
      `${base}/${await latinGroup()}/staff/${other.admin.staffId}`,
      { token: hoy.token },
    );
    const bulk = await call('POST', `${base}/AAAAAAAAAAAAAAAA/students`, {
      token: hoy.token,
      json: { studentIds: ['x'] },
    });

    expect(noGroup.status).toBe(404);
    expect(foreignStaff.status).toBe(404);
    expect(bulk.status).toBe(404);
  });

  it('imports subject sets, and a second run adds nothing twice', async () => {
    const first = await call('POST', `/centres/${centre.urn}/groups/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'subject-sets.csv'),
    });
    const again = await call('POST', `/centres/${centre.urn}/groups/import`, {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'subject-sets.csv'),
    });

    expect(first.status).toBe(200);
    expect(first.body.added).toBeGreaterThan(50);
    expect(first.body.groupsCreated).toBeGreaterThan(0);
    expect(again.body).toMatchObject({ added: 0, groupsCreated: 0 });
    expect(again.body.unchanged).toBe(first.body.added);
  });

  it('refuses an unknown kind and a body with both ids and UPNs', async () => {
    const kind = await call('POST', `/centres/${centre.urn}/groups`, {
      token: hoy.token,
      json: { name: 'x', kind: 'club' },
    });
    const both = await call(
      'POST',
      `/centres/${centre.urn}/groups/AAAAAAAAAAAAAAAA/students`,
      {
        token: hoy.token,
        json: { studentIds: ['a'], upns: ['N330432113001'] },
      },
    );

    expect(kind.status).toBe(400);
    expect(kind.body.error.field).toBe('kind');
    expect(both.status).toBe(400);
  });
});

describe('the OpenAPI document', () => {
  it("describes every route of the route table but the console's pages", async () => {
    const { isConsoleRoute, routes } = await import(
      '../../functions/routes.js'
    );

    const doc = await call('GET', '/openapi.json');

    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const route of routes) {
      const described =
        doc.body.paths[route.path]?.[route.method.toLowerCase()];
      if (isConsoleRoute(route)) expect(described).toBeUndefined();
      else expect(described).toBeDefined();
    }
    const createCentre = doc.body.paths['/centres'].post;
    expect(
      createCentre.requestBody.content['application/json'].schema.required,
    ).toEqual(expect.arrayContaining(['urn', 'centreNumber', 'name']));
  });
});
