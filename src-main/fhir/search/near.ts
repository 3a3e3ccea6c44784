/**
 * `near` on Location (https://hl7.org/fhir/R4/search.html#special, location.html#positional):
 * `near=latitude|longitude|distance|units`, the distance in a UCUM length unit (km when the
 * units are omitted; 10 km when the distance is omitted too, the server's discretion the spec
 * allows). A Location matches when the great-circle distance from its `position` is at most the
 * distance, on a sphere of the mean Earth radius.
 *
 * Rows: `sp_position` holds each position's latitude and longitude (the (pid, lat) index bounds the
 * search to a latitude band, then a longitude range) and its unit vector (x, y, z): the exact test
 * is then arithmetic on the chord between two unit vectors, `|v - v0|² <= (2 sin(distance / 2r))²`,
 * with no SQL function.
 * Rows are clustered by resource like the other index tables (rowid = rid * 2^20 + n).
 */
import type { SqlValue } from 'sql.js';
import { fhirError } from '../outcome-error';
import { splitEscaped } from './conditions';
import { canonicalQuantity } from './ucum';

/** The mean Earth radius (IUGG), in metres. */
export const EARTH_RADIUS_M = 6_371_008.8;
/** The distance taken when a search gives none (search.html#special leaves it to the server). */
export const DEFAULT_NEAR_DISTANCE_M = 10_000;

export const POSITION_TABLE = 'sp_position';

/** Location.position (location.html): a point, as extracted for `near`. */
export interface PositionRow {
  param: string;
  latitude: number;
  longitude: number;
}

/** One `near` value: the centre and the greatest distance in metres. */
export interface NearPoint {
  latitude: number;
  longitude: number;
  distanceM: number;
}

/** search.html#special: matches when a position lies within one of `anyOf`. */
export interface NearFilter {
  kind: 'near';
  param: string;
  anyOf: NearPoint[];
}

export function positionSchema(): string[] {
  return [
    `CREATE TABLE ${POSITION_TABLE} (pid INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, x REAL NOT NULL, y REAL NOT NULL, z REAL NOT NULL)`,
    `CREATE INDEX ${POSITION_TABLE}_key ON ${POSITION_TABLE} (pid, lat)`,
  ];
}

export const INSERT_POSITION_SQL = `INSERT INTO ${POSITION_TABLE} (rowid, pid, lat, lon, x, y, z) VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const DELETE_POSITIONS_SQL = `DELETE FROM ${POSITION_TABLE} WHERE rowid BETWEEN ? AND ?`;

const RADIANS = Math.PI / 180;

/** The unit vector of a point on the sphere. */
export function unitVector(latitude: number, longitude: number): [number, number, number] {
  const phi = latitude * RADIANS;
  const lambda = longitude * RADIANS;
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

/** The values of one position row after rowid and pid: lat, lon, x, y, z. */
export function positionValues(row: PositionRow): number[] {
  return [row.latitude, row.longitude, ...unitVector(row.latitude, row.longitude)];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Location.position with a latitude in [-90, 90] and a longitude in [-180, 180]; none otherwise. */
export function positionRows(resource: { resourceType: string }): PositionRow[] {
  if (resource.resourceType !== 'Location') return [];
  const position = (resource as { position?: unknown }).position;
  if (!isObject(position)) return [];
  const { latitude, longitude } = position;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return [];
  if (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180)) return [];
  return [{ param: 'near', latitude, longitude }];
}

function invalid(name: string, why: string): never {
  throw fhirError('invalid', `${name}: ${why}`, 400, [name]);
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** `latitude|longitude[|distance[|units]]` (search.html#special); a comma separates alternatives. */
export function nearFilter(param: string, name: string, modifier: string, value: string): NearFilter {
  if (modifier !== '') invalid(name, `modifier :${modifier} does not apply to near`);
  const anyOf = splitEscaped(value, ',').map((alternative): NearPoint => {
    const parts = splitEscaped(alternative, '|');
    if (parts.length < 2 || parts.length > 4) invalid(name, 'near is latitude|longitude|distance|units');
    const [lat = '', lon = '', distance = '', units = ''] = parts;
    if (!DECIMAL.test(lat) || !DECIMAL.test(lon)) invalid(name, 'latitude and longitude are decimal numbers');
    const latitude = Number(lat);
    const longitude = Number(lon);
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) invalid(name, 'latitude is within ±90 and longitude within ±180');
    if (distance === '') {
      if (units !== '') invalid(name, 'units without a distance');
      return { latitude, longitude, distanceM: DEFAULT_NEAR_DISTANCE_M };
    }
    if (!DECIMAL.test(distance) || Number(distance) < 0) invalid(name, 'the distance is a number of at least 0');
    // search.html#special: "the units are ... UCUM", km when omitted.
    const metres = canonicalQuantity(Number(distance), units === '' ? 'km' : units);
    if (!metres || metres.code !== 'm') invalid(name, `"${units.slice(0, 20)}" is not a UCUM unit of length`);
    return { latitude, longitude, distanceM: metres.value };
  });
  return { kind: 'near', param, anyOf };
}

/**
 * The bounding box of the points within `distanceM` of the centre: a latitude band, and a
 * longitude range (undefined: every longitude, when the band reaches a pole; two ranges when it
 * crosses the antimeridian). It only narrows the exact test, so it may be wider, never narrower.
 */
function boundingBox(point: NearPoint): { latLow: number; latHigh: number; lon?: Array<[number, number]> } {
  const angle = point.distanceM / EARTH_RADIUS_M;
  const degrees = angle / RADIANS;
  const latLow = point.latitude - degrees;
  const latHigh = point.latitude + degrees;
  if (latLow <= -90 || latHigh >= 90 || angle >= Math.PI / 2) return { latLow: Math.max(latLow, -90), latHigh: Math.min(latHigh, 90) };
  // The widest longitude offset at this distance (the tangent point's longitude), with a margin for rounding.
  const spread = Math.asin(Math.min(1, Math.sin(angle) / Math.cos(point.latitude * RADIANS))) / RADIANS + 1e-9;
  const west = point.longitude - spread;
  const east = point.longitude + spread;
  if (west < -180) return { latLow, latHigh, lon: [[west + 360, 180], [-180, east]] };
  if (east > 180) return { latLow, latHigh, lon: [[west, 180], [-180, east - 360]] };
  return { latLow, latHigh, lon: [[west, east]] };
}

/** `SELECT rid` of the resources with a position within one of the filter's points; `pidSql` is the parameter's id. */
export function nearRids(filter: NearFilter, pidSql: string, params: SqlValue[]): string {
  const alternatives = filter.anyOf.map((point) => {
    const box = boundingBox(point);
    const [x, y, z] = unitVector(point.latitude, point.longitude);
    const conditions = ['lat >= ? AND lat <= ?'];
    const values: SqlValue[] = [box.latLow - 1e-9, box.latHigh + 1e-9];
    if (box.lon) {
      conditions.push(`(${box.lon.map(() => '(lon >= ? AND lon <= ?)').join(' OR ')})`);
      for (const [low, high] of box.lon) values.push(low, high);
    }
    // Exact: the chord between the unit vectors is at most that of the angle distance / radius
    // (the chord, not the dot product: it keeps its precision at short distances).
    const chord = 2 * Math.sin(Math.min(Math.PI, point.distanceM / EARTH_RADIUS_M) / 2);
    conditions.push('(x - ?) * (x - ?) + (y - ?) * (y - ?) + (z - ?) * (z - ?) <= ?');
    values.push(x, x, y, y, z, z, chord * chord);
    return { sql: conditions.join(' AND '), values };
  });
  // The parameter id first: it comes first in the statement text.
  const sql = `SELECT rowid >> 20 FROM ${POSITION_TABLE} WHERE pid = ${pidSql} AND (${alternatives.map((a) => `(${a.sql})`).join(' OR ')})`;
  for (const a of alternatives) params.push(...a.values);
  return sql;
}
