import { z } from '@hono/zod-openapi';
import { articleKinds, catalogItemKinds } from '@switchboard/db';
import { CurrencySchema, requiredText, typedText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { termKey } from './synonyms.ts';

/**
 * The catalog's fields, shared by the API bodies (objects that drop unknown keys) and the tenant
 * file format (strict objects): the shapes are exported, so `tenants/` builds its sections from the
 * very same rules. Nested structures (option groups, price lines) are strict everywhere.
 */

export const SkuSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'Use 1–40 letters, digits, ".", "_" or "-", starting with a letter or digit.')
  .openapi({ example: 'PIZZA-MARGHERITA' });

const MAX_PRICE_MINOR = 1_000_000_000;

export const PriceMinorSchema = z
  .number({ error: 'Enter the price in minor units (e.g. cents) as a whole number.' })
  .int('Use whole minor units (e.g. cents).')
  .min(0, 'A price cannot be below zero.')
  .max(MAX_PRICE_MINOR, 'That price is too large.')
  .openapi({ description: "Integer minor units of the tenant's currency (cents, kopecks)", example: 1150 });

const text = typedText;
const title = (what: string) => requiredText(200, `Enter ${what}.`);

/** A calendar day (YYYY-MM-DD) in the tenant's time zone. */
export const CalendarDateSchema = z.iso.date({ error: 'Use a date as YYYY-MM-DD.' }).openapi({ example: '2025-01-01' });

function noRepeats<T>(list: T[], key: (item: T) => string, field: string, ctx: z.RefinementCtx, prefix: (string | number)[] = []): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const k = key(item).toLocaleLowerCase();
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [...prefix, index, field], message: `"${key(item)}" is listed twice.`, params: { code: 'listed_twice', value: key(item) } });
    seen.add(k);
  });
}

export const OptionChoiceSchema = z.strictObject({
  name: requiredText(80, 'Name the choice.'),
  priceDeltaMinor: z
    .number()
    .int('Use whole minor units (e.g. cents).')
    .min(0, 'A price delta cannot be below zero.')
    .max(MAX_PRICE_MINOR)
    .default(0),
});

export const OptionGroupSchema = z
  .strictObject({
    name: requiredText(80, 'Name the option.'),
    /** The caller must pick one (or more, when multiple). */
    required: z.boolean().default(false),
    /** Several choices may be taken (toppings), or exactly one (size). */
    multiple: z.boolean().default(false),
    choices: z.array(OptionChoiceSchema).min(1, 'Add at least one choice.').max(50),
  })
  .superRefine((group, ctx) => noRepeats(group.choices, (c) => c.name, 'name', ctx, ['choices']));

export const OptionGroupsSchema = z
  .array(OptionGroupSchema)
  .max(20)
  .superRefine((groups, ctx) => noRepeats(groups, (g) => g.name, 'name', ctx));

export const tariffPeriods = ['once', 'month', 'year', 'minute', 'gb', 'sms', 'use'] as const;

export const PriceLineSchema = z.strictObject({
  label: requiredText(120, 'Name the price line.'),
  priceMinor: PriceMinorSchema,
  per: z.enum(tariffPeriods).default('month').openapi({ description: 'What the price is per: once, month, year, minute, gb, sms or use' }),
});

export const TagsSchema = z
  .array(requiredText(40, 'A tag cannot be empty.'))
  .max(20)
  .transform((tags) => [...new Set(tags)]);

// ---- shapes (fields without the tenant-managed ones: currency, ids, times) ------------------------

export const itemShape = {
  kind: z.enum(catalogItemKinds),
  sku: SkuSchema,
  name: title('a name'),
  description: text(4000).default(''),
  category: text(80).default(''),
  priceMinor: PriceMinorSchema,
  available: z.boolean().default(true),
  options: OptionGroupsSchema.default([]),
};

export const tariffShape = {
  name: title('a name'),
  description: text(4000).default(''),
  priceLines: z.array(PriceLineSchema).max(30).default([]),
};

export const promotionShape = {
  title: title('a title'),
  description: text(4000).default(''),
  conditions: text(4000).default(''),
  validFrom: CalendarDateSchema,
  validUntil: CalendarDateSchema.nullable().default(null).openapi({ description: 'Last day included; null: until further notice' }),
  itemSkus: z.array(SkuSchema).max(100).default([]).transform((skus) => [...new Set(skus)]),
};

export const articleShape = {
  kind: z.enum(articleKinds),
  title: title('a title'),
  body: text(20000).default('').openapi({ description: 'Markdown' }),
  tags: TagsSchema.default([]),
};

const currencyField = {
  currency: CurrencySchema.optional().openapi({ description: "Must be the tenant's currency; left out, it is." }),
};

// ---- request bodies -----------------------------------------------------------------------------

export const ItemBodySchema = z.object({ ...itemShape, ...currencyField }).openapi('CatalogItemBody', {
  example: {
    kind: 'product',
    sku: 'PIZZA-MARGHERITA',
    name: 'Margherita',
    description: 'Tomato, mozzarella, basil.',
    category: 'Pizzas',
    priceMinor: 950,
    available: true,
    options: [
      {
        name: 'Size',
        required: true,
        multiple: false,
        choices: [
          { name: 'Medium', priceDeltaMinor: 0 },
          { name: 'Large', priceDeltaMinor: 300 },
        ],
      },
    ],
  },
});

export const TariffBodySchema = z.object({ ...tariffShape, ...currencyField }).openapi('TariffBody', {
  example: {
    name: 'Standard account',
    description: 'Current account with one debit card.',
    priceLines: [
      { label: 'Account fee', priceMinor: 490, per: 'month' },
      { label: 'Replacement card', priceMinor: 1500, per: 'once' },
    ],
  },
});

export const PromotionBodySchema = z.object(promotionShape).openapi('PromotionBody', {
  example: {
    title: 'Third pizza free',
    description: 'Buy two pizzas, get the third one free.',
    conditions: 'The cheapest of the three is free. Delivery and takeaway.',
    validFrom: '2025-01-01',
    validUntil: null,
    itemSkus: [],
  },
});

export const ArticleBodySchema = z.object(articleShape).openapi('KnowledgeArticleBody', {
  example: {
    kind: 'faq',
    title: 'Where do you deliver?',
    body: 'We deliver within 5 km of each restaurant.',
    tags: ['delivery'],
  },
});

export type ItemInput = z.output<typeof ItemBodySchema>;
export type TariffInput = z.output<typeof TariffBodySchema>;
export type PromotionInput = z.output<typeof PromotionBodySchema>;
export type ArticleInput = z.output<typeof ArticleBodySchema>;

// ---- responses ----------------------------------------------------------------------------------

const stamps = { id: z.uuid(), createdAt: z.string(), updatedAt: z.string() };

export const ItemSchema = z
  .object({
    ...stamps,
    kind: z.enum(catalogItemKinds),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    priceMinor: z.number().int(),
    currency: z.string(),
    available: z.boolean(),
    options: z.array(
      z.object({
        name: z.string(),
        required: z.boolean(),
        multiple: z.boolean(),
        choices: z.array(z.object({ name: z.string(), priceDeltaMinor: z.number().int() })),
      }),
    ),
  })
  .openapi('CatalogItem');

export const TariffSchema = z
  .object({
    ...stamps,
    name: z.string(),
    description: z.string(),
    currency: z.string(),
    priceLines: z.array(z.object({ label: z.string(), priceMinor: z.number().int(), per: z.enum(tariffPeriods) })),
  })
  .openapi('Tariff');

export const promotionStatuses = ['active', 'upcoming', 'expired'] as const;
export type PromotionStatus = (typeof promotionStatuses)[number];

export const PromotionSchema = z
  .object({
    ...stamps,
    title: z.string(),
    description: z.string(),
    conditions: z.string(),
    validFrom: z.string(),
    validUntil: z.string().nullable(),
    itemSkus: z.array(z.string()),
    status: z.enum(promotionStatuses).openapi({ description: "Today, in the tenant's time zone" }),
  })
  .openapi('Promotion');

export const ArticleSchema = z
  .object({
    ...stamps,
    kind: z.enum(articleKinds),
    title: z.string(),
    body: z.string(),
    tags: z.array(z.string()),
  })
  .openapi('KnowledgeArticle');

export const searchKinds = ['product', 'service', 'tariff', 'promotion', 'faq', 'procedure'] as const;
export const searchResources = ['items', 'tariffs', 'promotions', 'articles'] as const;
export const searchMatches = ['exact', 'close', 'fuzzy'] as const;

export const SearchResultSchema = z
  .object({
    kind: z.enum(searchKinds),
    resource: z.enum(searchResources).openapi({ description: 'Where the object lives: /catalog/{resource}/{id}' }),
    id: z.uuid(),
    title: z.string(),
    titleSegments: z
      .array(z.object({ text: z.string(), match: z.boolean() }))
      .openapi({ description: 'The title cut into plain-text segments; `match` marks the words found' }),
    snippet: z
      .array(z.object({ text: z.string(), match: z.boolean() }))
      .openapi({ description: 'The best passage, cut into plain-text segments; `match` marks the words found' }),
    match: z.enum(searchMatches).openapi({
      description:
        'How the row was found: `exact`, the words as typed (by their stem); `close`, through accents, a completion of the last word or a synonym; `fuzzy`, only through a spelling correction. Results come in this order.',
    }),
    rank: z.number().openapi({ description: 'Relevance within the same `match`, between 0 and 1' }),
  })
  .openapi('CatalogSearchResult');

// ---- parameters ---------------------------------------------------------------------------------

const idParam = (name: string) => TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name, in: 'path' } }) });
export const IdParamSchema = idParam('id');

const paging = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
};

export const ItemQuerySchema = z.object({
  ...paging,
  kind: z.enum(catalogItemKinds).optional(),
  category: z.string().max(80).optional(),
  available: z.enum(['true', 'false']).optional(),
});
export const TariffQuerySchema = z.object(paging);
export const PromotionQuerySchema = z.object({ ...paging, status: z.enum(promotionStatuses).optional() });
export const ArticleQuerySchema = z.object({ ...paging, kind: z.enum(articleKinds).optional(), tag: z.string().max(40).optional() });
export const SearchQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'Type what to look for.')
    .max(200)
    .refine((v) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFD]/.test(v), 'Use words without control characters.')
    .openapi({ example: 'pizza' }),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

// ---- synonyms -----------------------------------------------------------------------------------

/** A synonym: a word or a short phrase of letters and digits (with spaces, hyphens, apostrophes, dots between). */
export const SynonymTermSchema = z
  .string()
  .trim()
  .min(1, 'Enter a word.')
  .max(60, 'Use at most 60 characters.')
  .regex(/^[\p{L}\p{N}]+(?:[ '’.-]+[\p{L}\p{N}]+)*$/u, 'Use letters and digits (words may be separated by spaces, hyphens or apostrophes).')
  .refine((v) => (v.match(/[\p{L}\p{N}]+/gu) ?? []).length <= 4, 'Use at most four words.')
  .refine((v) => !/\d(?:[ .-]?\d){11}/.test(v), 'Leave card and account numbers out of synonyms.')
  .openapi({ example: 'gestohlen' });

export const SynonymTermsSchema = z
  .array(SynonymTermSchema)
  .min(2, 'A group needs at least two words.')
  .max(20, 'Use at most 20 words in a group.')
  .superRefine((terms, ctx) => {
    // Accents and case aside: "Sperren" and "sperren" are one word to the search.
    const seen = new Set<string>();
    terms.forEach((term, index) => {
      const key = termKey(term);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `"${term}" is listed twice.`, params: { code: 'listed_twice', value: term } });
      seen.add(key);
    });
  });

export const SynonymGroupBodySchema = z
  .object({ terms: SynonymTermsSchema })
  .openapi('SynonymGroupInput', { example: { terms: ['gestohlen', 'verloren', 'Karte sperren'] } });

export const SynonymGroupSchema = z
  .object({ id: z.uuid(), terms: z.array(z.string()), createdAt: z.string() })
  .openapi('SynonymGroup');
