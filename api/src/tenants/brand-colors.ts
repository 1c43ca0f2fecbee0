import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type DB } from '@switchboard/db';

/**
 * An operator tells clients apart at a glance by the desk banner's colour, so two companies served by
 * the same operators should not look alike. Distance is CIEDE2000 (ΔE00) between the sRGB colours in
 * CIELAB (D65): about 2 is the smallest difference people notice side by side; a banner seen alone,
 * between calls, needs far more.
 *
 * - SHARED_OPERATORS_DELTA_E: below this, a company served by one of the same operators is flagged
 *   (a warning: #c0392b vs #e74c3c, two reds, is about 10).
 * - ANY_COMPANY_DELTA_E: below this, any other active company is mentioned as a softer hint (nearly
 *   the same colour), since operators may be assigned to both later.
 *
 * Both are warnings; nothing is refused.
 */
export const SHARED_OPERATORS_DELTA_E = 12;
export const ANY_COMPANY_DELTA_E = 6;

type Lab = [number, number, number];

function hexToLab(hex: string): Lab {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [channel(0), channel(1), channel(2)];
  // sRGB (D65) to XYZ, normalised by the D65 white.
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** CIEDE2000 colour difference between two CIELAB colours (Sharma, Wu and Dalal, 2005). */
export function ciede2000([l1, a1, b1]: Lab, [l2, a2, b2]: Lab): number {
  const c1 = Math.hypot(a1, b1);
  const c2 = Math.hypot(a2, b2);
  const cBar7 = ((c1 + c2) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cBar7 / (cBar7 + 25 ** 7)));
  const a1p = (1 + g) * a1;
  const a2p = (1 + g) * a2;
  const c1p = Math.hypot(a1p, b1);
  const c2p = Math.hypot(a2p, b2);
  const hue = (b: number, a: number) => (b === 0 && a === 0 ? 0 : (deg(Math.atan2(b, a)) + 360) % 360);
  const h1p = hue(b1, a1p);
  const h2p = hue(b2, a2p);

  const dLp = l2 - l1;
  const dCp = c2p - c1p;
  let dhp = 0;
  if (c1p * c2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(c1p * c2p) * Math.sin(rad(dhp / 2));

  const lBarp = (l1 + l2) / 2;
  const cBarp = (c1p + c2p) / 2;
  let hBarp = h1p + h2p;
  if (c1p * c2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hBarp = (h1p + h2p) / 2;
    else hBarp = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const t =
    1 - 0.17 * Math.cos(rad(hBarp - 30)) + 0.24 * Math.cos(rad(2 * hBarp)) + 0.32 * Math.cos(rad(3 * hBarp + 6)) - 0.2 * Math.cos(rad(4 * hBarp - 63));
  const dTheta = 30 * Math.exp(-(((hBarp - 275) / 25) ** 2));
  const cBarp7 = cBarp ** 7;
  const rc = 2 * Math.sqrt(cBarp7 / (cBarp7 + 25 ** 7));
  const sl = 1 + (0.015 * (lBarp - 50) ** 2) / Math.sqrt(20 + (lBarp - 50) ** 2);
  const sc = 1 + 0.045 * cBarp;
  const sh = 1 + 0.015 * cBarp * t;
  const rt = -Math.sin(rad(2 * dTheta)) * rc;
  return Math.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh));
}

/** ΔE00 between two `#rrggbb` colours. */
export function brandColorDistance(a: string, b: string): number {
  return ciede2000(hexToLab(a), hexToLab(b));
}

export interface SimilarBrandColor {
  slug: string;
  name: string;
  brandColor: string;
  /** ΔE00, one decimal. */
  distance: number;
  /** Some operator serves both companies (or is about to, for the operators being assigned). */
  sharesOperators: boolean;
}

/**
 * The other companies whose colour is close to `color`: those sharing an operator with `tenantId` or
 * with any of `operatorIds` within SHARED_OPERATORS_DELTA_E, any other active company within
 * ANY_COMPANY_DELTA_E. The tenant's own operators are read under its own context; which companies
 * they also serve comes from the named cross-tenant read of assignments.
 */
export async function similarBrandColors(
  db: Kysely<DB>,
  color: string,
  options: { tenantId?: string | undefined; operatorIds?: readonly string[] | undefined },
): Promise<SimilarBrandColor[]> {
  const own = options.tenantId
    ? await withTenant(db, options.tenantId, (tx) => tx.selectFrom('operatorAssignments').select('operatorId').execute())
    : [];
  const operators = [...new Set([...own.map((o) => o.operatorId), ...(options.operatorIds ?? [])])];
  const sharing = new Set((await crossTenant.operatorAssignmentsAcrossTenants(db, operators)).map((a) => a.tenantId));
  const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'brandColor', 'status']).orderBy('name').execute());
  return tenants
    .filter((t) => t.id !== options.tenantId)
    .map((t) => ({ t, distance: brandColorDistance(color, t.brandColor), shares: sharing.has(t.id) }))
    .filter(({ t, distance, shares }) => (shares && distance < SHARED_OPERATORS_DELTA_E) || (t.status === 'active' && distance < ANY_COMPANY_DELTA_E))
    .sort((x, y) => Number(y.shares) - Number(x.shares) || x.distance - y.distance)
    .map(({ t, distance, shares }) => ({ slug: t.slug, name: t.name, brandColor: t.brandColor, distance: Math.round(distance * 10) / 10, sharesOperators: shares }));
}
