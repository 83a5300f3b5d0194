/**
 * Results series (e.g. "June 2026"): the awarding organisations' results
 * of one sitting, with the time they may be seen. Every series of the
 * region lives in one catalogue item, so that issuing a record reads it in
 * the same BatchGetItem as the student's prepared record; a region has a
 * few series a year.
 *
 * Records read the catalogue when they are issued, never a copy made at
 * import, so a release time the operator moves applies at once to every
 * student's record.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import type { Deps } from '../lib/deps.js';
import { conflict, unavailable } from '../lib/errors.js';
import { keys } from '../lib/keys.js';
import { getEntity, isConditionFailure } from '../lib/table.js';
import type { putSeriesBody } from '../schemas.js';

export interface SeriesEntry {
  name: string;
  /** ISO 8601 in UTC, as `toISOString` writes it. */
  releaseAt: string;
  updatedAt: string;
}

/** The catalogue item, without its keys. */
export interface SeriesCatalogue {
  /** By series id. */
  series: Record<string, SeriesEntry>;
  /** Counts writes, so that two operators' changes cannot overwrite. */
  version: number;
  updatedAt: string;
}

/** A series as callers see it. */
export interface SeriesView {
  seriesId: string;
  name: string;
  releaseAt: string;
}

export type SeriesInput = z.infer<typeof putSeriesBody>;

/**
 * The form two series names are compared in: results files and people
 * vary case and spacing, and "June 2026" and "june  2026" are one series.
 */
export const seriesNameKey = (name: string): string =>
  name
    .normalize('NFKC')
    // Characters that show as nothing (zero-width spaces and joiners, soft
    // hyphens, fillers) must not make one series name into two.
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();

/** A series of the catalogue; own entries only, whatever the id. */
export function seriesEntry(
  catalogue: SeriesCatalogue | undefined,
  seriesId: string,
): SeriesEntry | undefined {
  const all = catalogue?.series;
  if (!all || typeof all !== 'object') return undefined;

  return Object.hasOwn(all, seriesId) ? all[seriesId] : undefined;
}

/** Every series, soonest release first. */
export function seriesList(
  catalogue: SeriesCatalogue | undefined,
): SeriesView[] {
  const all = catalogue?.series;
  if (!all || typeof all !== 'object') return [];

  return Object.entries(all)
    .map(([seriesId, entry]) => ({
      seriesId,
      name: entry.name,
      releaseAt: entry.releaseAt,
    }))
    .sort(
      (a, b) =>
        a.releaseAt.localeCompare(b.releaseAt) ||
        a.seriesId.localeCompare(b.seriesId),
    );
}

/**
 * Whether a series' results may be seen at `now`: from its release time
 * on, to the millisecond. A time that cannot be read is never reached.
 */
export function isReleased(
  entry: Pick<SeriesEntry, 'releaseAt'>,
  now: Date,
): boolean {
  const at = Date.parse(entry.releaseAt);

  return Number.isFinite(at) && at <= now.getTime();
}

export interface SeriesChange {
  catalogue: SeriesCatalogue;
  series: SeriesView;
  created: boolean;
  /** False when the series already was exactly so: nothing to write. */
  changed: boolean;
}

/**
 * The catalogue with one series created or updated. A name another series
 * has is refused: results files name their series, so a name must lead
 * to one series only.
 */
export function changeSeries(
  current: SeriesCatalogue | undefined,
  seriesId: string,
  input: SeriesInput,
  now: Date,
): SeriesChange {
  const key = seriesNameKey(input.name);
  const clash = seriesList(current).some(
    (s) => s.seriesId !== seriesId && seriesNameKey(s.name) === key,
  );
  if (clash) {
    throw conflict(
      'SERIES_NAME_TAKEN',
      'Another series already has this name. Results files name their ' +
        'series, so give each series a name of its own.',
      { field: 'name' },
    );
  }

  const series = { seriesId, name: input.name, releaseAt: input.releaseAt };
  const existing = seriesEntry(current, seriesId);
  if (
    current &&
    existing?.name === input.name &&
    existing.releaseAt === input.releaseAt
  ) {
    return { catalogue: current, series, created: false, changed: false };
  }

  const updatedAt = now.toISOString();
  const catalogue: SeriesCatalogue = {
    series: {
      ...(current?.series ?? {}),
      [seriesId]: { name: input.name, releaseAt: input.releaseAt, updatedAt },
    },
    version: (current?.version ?? 0) + 1,
    updatedAt,
  };

  return { catalogue, series, created: !existing, changed: true };
}

export function readCatalogue(
  deps: Deps,
): Promise<SeriesCatalogue | undefined> {
  return getEntity<SeriesCatalogue>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.seriesCatalogue(),
  );
}

/** Rounds of read and conditional write before answering 503. */
const maxWriteAttempts = 5;

/**
 * Creates or updates a series. The write is conditional on the version
 * read, so two changes at once cannot lose one another: the one that
 * loses reads again and tries once more. Moving a release time, even one
 * already passed, is the operator's call.
 */
export async function putSeries(
  deps: Deps,
  seriesId: string,
  input: SeriesInput,
): Promise<{ series: SeriesView; created: boolean }> {
  for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
    const current = await readCatalogue(deps);
    const change = changeSeries(current, seriesId, input, deps.clock.now());
    if (!change.changed) return change;

    try {
      await deps.db.send(
        new PutCommand({
          TableName: deps.config.TABLE_NAME,
          Item: {
            ...keys.seriesCatalogue(),
            type: 'seriesCatalogue',
            ...change.catalogue,
          },
          ...(current
            ? {
                ConditionExpression: '#version = :seen',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':seen': current.version },
              }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        }),
      );

      return change;
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error;
      }
    }
  }
  throw unavailable(1);
}

export async function listSeries(deps: Deps): Promise<SeriesView[]> {
  return seriesList(await readCatalogue(deps));
}
