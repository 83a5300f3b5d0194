import { centreAccess, requireStaffRole } from '../domain/access.js';
import {
  addMember,
  createGroup,
  groupExists,
  listGroups,
  removeMember,
} from '../domain/groups.js';
import { importGroups, studentIdsByUpn } from '../domain/groups-import.js';
import type { Caller } from '../lib/auth.js';
import { notFound as notFoundError } from '../lib/errors.js';
import { createApiHandler, ok, type Request } from '../lib/http.js';
import { centrePath, csvText, idPath, parseFile } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import {
  bulkGroupStudentsBody,
  createGroupBody,
  listQuery,
} from '../schemas.js';

const maxGroupsFileBytes = 2_097_152;

/** Groups are kept by centre admins and heads of year. */
async function groupKeeper(request: Request) {
  const { urn } = centrePath(request);
  const access = await centreAccess(
    request.deps,
    urn,
    request.caller as Caller,
  );
  requireStaffRole(access, 'centre-admin', 'head-of-year');
  return urn;
}

export const handler = createApiHandler('groups', {
  'POST /centres/{urn}/groups': async (request) => {
    const input = validate(createGroupBody, request.body);
    const urn = await groupKeeper(request);
    return ok(await createGroup(request.deps, urn, input), 201);
  },

  'GET /centres/{urn}/groups': async (request) => {
    const query = validate(listQuery, request.query, 'query');
    const urn = await groupKeeper(request);
    return ok(await listGroups(request.deps, urn, query));
  },

  'PUT /centres/{urn}/groups/{groupId}/staff/{staffId}': async (request) => {
    const groupId = idPath(request, 'groupId');
    const staffId = idPath(request, 'staffId');
    const urn = await groupKeeper(request);
    await addMember(request.deps, 'staff', urn, groupId, staffId);
    return ok({ groupId, staffId });
  },

  'DELETE /centres/{urn}/groups/{groupId}/staff/{staffId}': async (request) => {
    const groupId = idPath(request, 'groupId');
    const staffId = idPath(request, 'staffId');
    const urn = await groupKeeper(request);
    await removeMember(request.deps, 'staff', urn, groupId, staffId);
    return { status: 204 };
  },

  'PUT /centres/{urn}/groups/{groupId}/students/{studentId}': async (
    request,
  ) => {
    const groupId = idPath(request, 'groupId');
    const studentId = idPath(request, 'studentId');
    const urn = await groupKeeper(request);
    await addMember(request.deps, 'student', urn, groupId, studentId);
    return ok({ groupId, studentId });
  },

  'DELETE /centres/{urn}/groups/{groupId}/students/{studentId}': async (
    request,
  ) => {
    const groupId = idPath(request, 'groupId');
    const studentId = idPath(request, 'studentId');
    const urn = await groupKeeper(request);
    await removeMember(request.deps, 'student', urn, groupId, studentId);
    return { status: 204 };
  },

  'POST /centres/{urn}/groups/{groupId}/students': async (request) => {
    const groupId = idPath(request, 'groupId');
    const input = validate(bulkGroupStudentsBody, request.body);
    const urn = await groupKeeper(request);
    const deps = request.deps;
    if (!(await groupExists(deps, urn, groupId))) throw notFoundError();

    let studentIds: (string | undefined)[];
    if ('upns' in input) {
      const ids = await studentIdsByUpn(deps, urn, input.upns);
      studentIds = input.upns.map((upn) => ids.get(upn));
    } else studentIds = input.studentIds;

    const added: string[] = [];
    const notFound: { index: number }[] = [];
    for (const [index, studentId] of studentIds.entries()) {
      if (!studentId) {
        notFound.push({ index });
        continue;
      }
      try {
        await addMember(deps, 'student', urn, groupId, studentId);
        added.push(studentId);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
        notFound.push({ index });
      }
    }
    return ok({ added, notFound });
  },

  'POST /centres/{urn}/groups/import': async (request) => {
    const text = csvText(request, maxGroupsFileBytes);
    const urn = await groupKeeper(request);
    return ok(await parseFile(() => importGroups(request.deps, urn, text)));
  },
});
