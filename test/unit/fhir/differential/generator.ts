/**
 * The seeded query generator: parameters and values are drawn FROM the corpus (through the
 * oracle's FHIRPath values), so most queries match something. Each query carries what it
 * exercises (parameter type, modifier, prefix, features) for the counts in
 * docs/search-differential.md, and who judges it: Medplum's MemoryRepository where it implements
 * the feature, the FHIRPath oracle where it does not (number, quantity, :exact, :text, :[type],
 * :above/:below, _has, chains over two levels).
 */
import { type Extracted, type OracleParam, type ParamType, SearchOracle } from './oracle';
import { pick, type Random, shuffle } from './random';
import { compositeElements, textWords, valueSetsIncluding } from './oracle-features';

export type Judge = 'medplum' | 'oracle';

export interface DiffQuery {
  resourceType: string;
  pairs: Array<[string, string]>;
  /** The main parameter's type (`_has`/chains: the innermost one); `_text`/`_content` are special. */
  paramType: ParamType | 'composite' | 'special';
  modifier: string;
  prefix: string;
  features: string[];
  judge: Judge;
  /** Sorted queries: the parameter to check the order on (search.html#sort). */
  sort?: { param: OracleParam; descending: boolean };
}

export function queryString(query: DiffQuery): string {
  return new URLSearchParams(query.pairs).toString();
}

/** search.html#escaping: `,` `|` `$` and `\` inside a value. */
function escape(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

interface Draw {
  type: string;
  param: OracleParam;
  id: string;
  item: Extracted;
}

const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
const NUMBER_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'ap'];

export class QueryGenerator {
  private readonly types: string[];

  constructor(
    private readonly oracle: SearchOracle,
    private readonly random: Random,
  ) {
    this.types = [...oracle.byType.keys()].sort();
  }

  /** A parameter of `kind` with a value in some resource, and that value (undefined: none in the corpus). */
  private draw(kind: ParamType, onType?: string, except?: string): Draw | undefined {
    const types = onType ? [onType] : shuffle(this.types, this.random);
    for (const type of types) {
      const params = shuffle(
        this.oracle.paramsOf(type).filter((p) => p.type === kind && p.code !== except),
        this.random,
      );
      for (const param of params) {
        const values = this.oracle.values(type, param);
        const ids = [...values.keys()].filter((id) => this.drawable(type, param, id).length > 0);
        if (ids.length === 0) continue;
        const id = pick(this.random, ids);
        return { type, param, id, item: pick(this.random, this.drawable(type, param, id)) };
      }
    }
    return undefined;
  }

  /**
   * The values a query may be drawn from: all but local references to contained resources
   * (`#id`), which search.html#reference gives no search form for.
   */
  private drawable(type: string, param: OracleParam, id: string): Extracted[] {
    return this.oracle.extractedValues(type, param, id).filter((v) => v.kind !== 'reference' || !v.url.startsWith('#'));
  }

  private drawFrom(type: string, id: string, kind: ParamType, except?: string): Draw | undefined {
    const params = shuffle(this.oracle.paramsOf(type).filter((p) => p.type === kind && p.code !== except), this.random);
    for (const param of params) {
      const items = this.drawable(type, param, id);
      if (items.length > 0) return { type, param, id, item: pick(this.random, items) };
    }
    return undefined;
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  /** A value of the drawn item for `modifier`/`prefix`. */
  private valueFor(draw: Draw, modifier: string, prefix: string): string {
    const item = draw.item;
    switch (item.kind) {
      case 'string': {
        const v = item.value;
        if (modifier === 'exact') return escape(this.random() < 0.25 ? v.toUpperCase() : v);
        if (modifier === 'contains') {
          const start = this.int(Math.max(1, v.length - 1));
          return escape(v.slice(start, start + 1 + this.int(Math.min(6, v.length - start))));
        }
        const prefixText = v.slice(0, 1 + this.int(Math.min(v.length, 8)));
        return escape(this.random() < 0.3 ? prefixText.toUpperCase() : prefixText);
      }
      case 'token': {
        const t = item.token;
        if (modifier === 'text') {
          const words = (t.texts[0] ?? t.code ?? 'x').split(/\s+/).filter((w) => w.length > 0);
          const word = pick(this.random, words.length > 0 ? words : ['x']);
          return escape(word.slice(0, Math.max(2, this.int(word.length + 1))));
        }
        const code = escape(t.code ?? '');
        const system = t.system === undefined ? undefined : escape(t.system);
        const form = this.int(4);
        if (form === 1 && system !== undefined && code !== '') return `${system}|${code}`;
        if (form === 2 && system !== undefined) return `${system}|`;
        if (form === 3 && system === undefined && code !== '') return `|${code}`;
        return code !== '' ? code : `${system ?? ''}|`;
      }
      case 'reference': {
        if (item.id === undefined || item.type === undefined) return escape(item.url);
        if (modifier !== '') return item.id;
        return this.random() < 0.6 ? `${item.type}/${item.id}` : item.id;
      }
      case 'date': {
        const cut = pick(this.random, [4, 7, 10, item.text.length]);
        const text = item.text.length <= 10 || cut >= item.text.length ? item.text.slice(0, Math.min(cut, item.text.length)) : item.text.slice(0, cut);
        return `${prefix === 'eq' && this.random() < 0.5 ? '' : prefix}${text}`;
      }
      case 'number': {
        const v = item.value;
        const text = this.random() < 0.5 ? String(v) : String(Math.round(v));
        return `${prefix}${text}`;
      }
      case 'quantity': {
        const q = item.quantity;
        const number = this.random() < 0.5 ? String(q.value) : q.value.toFixed(Math.max(0, this.int(3)));
        const form = this.int(3);
        const unit =
          form === 1 && q.system !== undefined && q.code !== undefined
            ? `|${escape(q.system)}|${escape(q.code)}`
            : form === 2 && (q.code ?? q.unit) !== undefined
              ? `||${escape(q.code ?? q.unit ?? '')}`
              : '';
        return `${prefix}${number}${unit}`;
      }
      case 'uri': {
        if (modifier === 'below') return escape(item.value.slice(0, Math.max(1, item.value.length - this.int(8))));
        if (modifier === 'above') return escape(`${item.value}/x`);
        return escape(item.value);
      }
    }
  }

  private simple(kind: ParamType, modifier: string, prefix: string, judge: Judge, features: string[] = []): DiffQuery | undefined {
    const draw = this.draw(kind);
    if (!draw) return undefined;
    let value: string;
    let name = draw.param.code;
    if (modifier === 'missing') value = this.random() < 0.5 ? 'true' : 'false';
    else value = this.valueFor(draw, modifier, prefix);
    if (modifier === 'type' && draw.item.kind === 'reference' && draw.item.type) name = `${name}:${draw.item.type}`;
    else if (modifier !== '') name = `${name}:${modifier}`;
    return {
      resourceType: draw.type,
      pairs: [[name, value]],
      paramType: kind,
      modifier,
      prefix,
      features,
      judge,
    };
  }

  /** OR by comma: two values of one parameter from two resources (search.html#combining). */
  private orQuery(kind: ParamType, modifier: string, prefix: string, judge: Judge): DiffQuery | undefined {
    const first = this.draw(kind);
    if (!first) return undefined;
    const otherIds = [...this.oracle.values(first.type, first.param).keys()].filter((id) => this.drawable(first.type, first.param, id).length > 0);
    const otherId = pick(this.random, otherIds);
    const second: Draw = { ...first, id: otherId, item: pick(this.random, this.drawable(first.type, first.param, otherId)) };
    const name = modifier === '' ? first.param.code : `${first.param.code}:${modifier}`;
    return {
      resourceType: first.type,
      pairs: [[name, `${this.valueFor(first, modifier, prefix)},${this.valueFor(second, modifier, prefix)}`]],
      paramType: kind,
      modifier,
      prefix,
      features: ['or'],
      judge,
    };
  }

  /** AND by repetition: two parameters with values from one resource, or one date parameter twice as a range. */
  private andQuery(): DiffQuery | undefined {
    const first = this.draw(pick(this.random, ['token', 'reference', 'string'] as const));
    if (!first) return undefined;
    if (this.random() < 0.4) {
      const date = this.drawFrom(first.type, first.id, 'date');
      if (date && date.item.kind === 'date') {
        const year = Number(date.item.text.slice(0, 4));
        return {
          resourceType: first.type,
          pairs: [
            [date.param.code, `ge${year - this.int(3)}`],
            [date.param.code, `lt${year + 1 + this.int(3)}`],
            [first.param.code, this.valueFor(first, '', 'eq')],
          ],
          paramType: 'date',
          modifier: '',
          prefix: 'ge+lt',
          features: ['and'],
          judge: 'medplum',
        };
      }
    }
    const kind = pick(this.random, ['token', 'reference', 'date'] as const);
    const second = this.drawFrom(first.type, first.id, kind, first.param.code);
    if (!second) return undefined;
    const prefix = kind === 'date' ? pick(this.random, ['eq', 'ge', 'le']) : 'eq';
    return {
      resourceType: first.type,
      pairs: [
        [first.param.code, this.valueFor(first, '', 'eq')],
        [second.param.code, this.valueFor(second, '', prefix)],
      ],
      paramType: kind,
      modifier: '',
      prefix: kind === 'date' ? prefix : '',
      features: ['and'],
      judge: 'medplum',
    };
  }

  /** A reference from some resource to a stored resource: `p`, its target type and id. */
  private drawLink(onType?: string): { type: string; id: string; param: OracleParam; targetType: string; targetId: string } | undefined {
    for (let attempt = 0; attempt < 20; attempt++) {
      const draw = this.draw('reference', onType);
      if (!draw || draw.item.kind !== 'reference' || !draw.item.type || !draw.item.id) continue;
      if (!this.oracle.resource(draw.item.type, draw.item.id)) continue;
      return { type: draw.type, id: draw.id, param: draw.param, targetType: draw.item.type, targetId: draw.item.id };
    }
    return undefined;
  }

  /** search.html#chaining, one level (`p:Type.q` or `p.q`) or two (`p:T1.q:T2.r`). */
  private chainQuery(levels: 1 | 2, typed: boolean): DiffQuery | undefined {
    const link = this.drawLink();
    if (!link) return undefined;
    // Untyped over a parameter with several targets: Hearth chains into each target that has the
    // next parameter (search.html#chaining); Medplum refuses it, so the oracle judges.
    let name = typed ? `${link.param.code}:${link.targetType}` : link.param.code;
    let targetType = link.targetType;
    let targetId = link.targetId;
    if (levels === 2) {
      const next = this.drawFromLinks(targetType, targetId);
      if (!next) return undefined;
      name += `.${next.param.code}:${next.targetType}`;
      targetType = next.targetType;
      targetId = next.targetId;
    }
    const kind = pick(this.random, ['string', 'token', 'date'] as const);
    const inner = this.drawFrom(targetType, targetId, kind);
    if (!inner) return undefined;
    const prefix = kind === 'date' ? pick(this.random, ['eq', 'ge', 'le', 'gt', 'lt']) : 'eq';
    return {
      resourceType: link.type,
      pairs: [[`${name}.${inner.param.code}`, this.valueFor(inner, '', prefix)]],
      paramType: kind,
      modifier: '',
      prefix: kind === 'date' ? prefix : '',
      features: [levels === 1 ? (name.includes(':') ? 'chain' : 'chain (untyped)') : 'chain (2 levels)'],
      judge: levels === 1 ? 'medplum' : 'oracle',
    };
  }

  private drawFromLinks(type: string, id: string): { param: OracleParam; targetType: string; targetId: string } | undefined {
    for (const param of shuffle(this.oracle.paramsOf(type).filter((p) => p.type === 'reference'), this.random)) {
      for (const item of this.oracle.extractedValues(type, param, id)) {
        if (item.kind === 'reference' && item.type && item.id && this.oracle.resource(item.type, item.id)) {
          return { param, targetType: item.type, targetId: item.id };
        }
      }
    }
    return undefined;
  }

  /** search.html#has: `_has:Source:param:inner=value` on the referenced type. */
  private hasQuery(): DiffQuery | undefined {
    const link = this.drawLink();
    if (!link) return undefined;
    const kind = pick(this.random, ['token', 'date', 'string'] as const);
    const inner = this.drawFrom(link.type, link.id, kind);
    if (!inner) return undefined;
    const prefix = kind === 'date' ? pick(this.random, ['eq', 'ge', 'le']) : 'eq';
    return {
      resourceType: link.targetType,
      pairs: [[`_has:${link.type}:${link.param.code}:${inner.param.code}`, this.valueFor(inner, '', prefix)]],
      paramType: kind,
      modifier: '',
      prefix: kind === 'date' ? prefix : '',
      features: ['_has'],
      judge: 'oracle',
    };
  }

  private idQuery(): DiffQuery | undefined {
    const type = pick(this.random, this.types);
    const resources = this.oracle.byType.get(type) ?? [];
    const ids = [pick(this.random, resources).id ?? '', pick(this.random, resources).id ?? ''];
    return { resourceType: type, pairs: [['_id', this.random() < 0.5 ? ids[0] ?? '' : ids.join(',')]], paramType: 'token', modifier: '', prefix: '', features: ['_id'], judge: 'medplum' };
  }

  /**
   * `_id` as a token and `_lastUpdated` as a date in their general forms (search.html#all):
   * `:not`, `:missing`, `|id`, OR by comma and `ap`, and as the last parameter of a chain or `_has`.
   */
  private builtinQuery(form: 'id-not' | 'id-system' | 'missing' | 'lastupdated-or' | 'lastupdated-ap' | 'chain-id' | 'chain-lastupdated' | 'has-id'): DiffQuery | undefined {
    const type = pick(this.random, this.types);
    const resources = this.oracle.byType.get(type) ?? [];
    const some = () => pick(this.random, resources);
    const instant = (r: { meta?: { lastUpdated?: string } }) => r.meta?.lastUpdated ?? '';
    const base = { modifier: '', prefix: '', judge: 'oracle' as const };
    switch (form) {
      case 'id-not':
        return { ...base, resourceType: type, pairs: [['_id:not', `${some().id ?? ''},${some().id ?? ''}`]], paramType: 'token', modifier: 'not', features: ['_id'] };
      case 'id-system':
        return { ...base, resourceType: type, pairs: [['_id', `|${some().id ?? ''}`]], paramType: 'token', features: ['_id'] };
      case 'missing': {
        const onId = this.random() < 0.5;
        const pairs: Array<[string, string]> = [[onId ? '_id:missing' : '_lastUpdated:missing', this.random() < 0.5 ? 'true' : 'false']];
        return { ...base, resourceType: type, pairs, paramType: onId ? 'token' : 'date', modifier: 'missing', features: [onId ? '_id' : '_lastUpdated'] };
      }
      case 'lastupdated-or': {
        const [a, b] = [instant(some()), instant(some())];
        return { ...base, resourceType: type, pairs: [['_lastUpdated', `${pick(this.random, ['lt', 'le', 'eq'])}${a},${pick(this.random, ['gt', 'ge', 'eq'])}${b}`]], paramType: 'date', prefix: 'eq', features: ['_lastUpdated', 'or'] };
      }
      case 'lastupdated-ap':
        return { ...base, resourceType: type, pairs: [['_lastUpdated', `ap${instant(some()).slice(0, pick(this.random, [10, 19]))}`]], paramType: 'date', prefix: 'ap', features: ['_lastUpdated'] };
      case 'chain-id':
      case 'chain-lastupdated': {
        const link = this.drawLink();
        if (!link) return undefined;
        const target = this.oracle.resource(link.targetType, link.targetId);
        const [name, value] = form === 'chain-id' ? ['_id', link.targetId] : ['_lastUpdated', `${pick(this.random, ['ge', 'le', 'eq'])}${instant(target ?? {})}`];
        return {
          ...base,
          resourceType: link.type,
          pairs: [[`${link.param.code}:${link.targetType}.${name}`, value]],
          paramType: form === 'chain-id' ? 'token' : 'date',
          features: ['chain', form === 'chain-id' ? '_id' : '_lastUpdated'],
        };
      }
      case 'has-id': {
        const link = this.drawLink();
        if (!link) return undefined;
        return { ...base, resourceType: link.targetType, pairs: [[`_has:${link.type}:${link.param.code}:_id`, link.id]], paramType: 'token', features: ['_has', '_id'] };
      }
    }
  }

  /** A token value drawn where `accept` holds (undefined: none in the corpus). */
  private drawWhere(kind: ParamType, accept: (item: Extracted) => boolean): Draw | undefined {
    for (const type of shuffle(this.types, this.random)) {
      for (const param of shuffle(this.oracle.paramsOf(type).filter((p) => p.type === kind), this.random)) {
        const values = this.oracle.extractedAll(type, param);
        const ids = [...values.keys()].filter((id) => (values.get(id) ?? []).some(accept));
        if (ids.length === 0) continue;
        const id = pick(this.random, ids);
        return { type, param, id, item: pick(this.random, (values.get(id) ?? []).filter(accept)) };
      }
    }
    return undefined;
  }

  /** search.html#modifiers `:of-type` on an Identifier: `type-system|type-code|value`. */
  private ofTypeQuery(): DiffQuery | undefined {
    const draw = this.drawWhere('token', (item) => item.kind === 'token' && item.token.code !== undefined && (item.token.typeCodings ?? []).some((c) => c.system !== undefined && c.code !== undefined));
    if (!draw || draw.item.kind !== 'token') return undefined;
    const coding = pick(this.random, (draw.item.token.typeCodings ?? []).filter((c) => c.system !== undefined && c.code !== undefined));
    const value = [coding.system ?? '', coding.code ?? '', draw.item.token.code ?? ''].map(escape).join('|');
    return { resourceType: draw.type, pairs: [[`${draw.param.code}:of-type`, value]], paramType: 'token', modifier: 'of-type', prefix: '', features: [], judge: 'oracle' };
  }

  /** search.html#modifiers `:identifier` on a reference: `[system|]value` of Reference.identifier. */
  private identifierQuery(): DiffQuery | undefined {
    for (const type of shuffle(this.types, this.random)) {
      for (const param of shuffle(this.oracle.paramsOf(type).filter((p) => p.type === 'reference'), this.random)) {
        const identifiers = [...this.oracle.values(type, param).values()]
          .flat()
          .flatMap((v) => (typeof v === 'object' && v !== null && 'identifier' in v ? [(v as { identifier: { system?: string; value?: string } }).identifier] : []))
          .filter((i) => i.value !== undefined);
        if (identifiers.length === 0) continue;
        const identifier = pick(this.random, identifiers);
        const value = identifier.system !== undefined && this.random() < 0.6 ? `${escape(identifier.system)}|${escape(identifier.value ?? '')}` : escape(identifier.value ?? '');
        return { resourceType: type, pairs: [[`${param.code}:identifier`, value]], paramType: 'reference', modifier: 'identifier', prefix: '', features: [], judge: 'oracle' };
      }
    }
    return undefined;
  }

  /** search.html#modifiers `:in` / `:not-in`: a spec ValueSet (plain compose) holding a drawn code's system. */
  private valueSetQuery(modifier: 'in' | 'not-in'): DiffQuery | undefined {
    const draw = this.drawWhere('token', (item) => item.kind === 'token' && item.token.system !== undefined && valueSetsIncluding(item.token.system).length > 0);
    if (!draw || draw.item.kind !== 'token') return undefined;
    const url = pick(this.random, valueSetsIncluding(draw.item.token.system ?? ''));
    return { resourceType: draw.type, pairs: [[`${draw.param.code}:${modifier}`, url]], paramType: 'token', modifier, prefix: '', features: [], judge: 'oracle' };
  }

  /** search.html#composite: one element's component values, `c1$c2`; a prefix on a date, number or quantity component. */
  private compositeQuery(): DiffQuery | undefined {
    for (const type of shuffle(this.types, this.random)) {
      for (const composite of shuffle(this.oracle.compositesOf(type), this.random)) {
        const candidates = (this.oracle.byType.get(type) ?? []).flatMap((resource) =>
          compositeElements(composite, resource).flatMap((element) => {
            const items = composite.components.map((component, i) =>
              this.oracle.extractedFrom(component.type, element[i] ?? []).filter((v) => v.kind !== 'reference' || !v.url.startsWith('#')),
            );
            return items.every((list) => list.length > 0) ? [{ resource, items }] : [];
          }),
        );
        if (candidates.length === 0) continue;
        const { resource, items } = pick(this.random, candidates);
        const prefix = pick(this.random, ['eq', 'eq', 'gt', 'lt', 'ge', 'le', 'ne']);
        const parts = items.map((list) => {
          const item = pick(this.random, list);
          const numeric = item.kind === 'date' || item.kind === 'number' || item.kind === 'quantity';
          const draw: Draw = { type, param: { code: composite.code, type: item.kind, expression: '', targets: [] }, id: resource.id ?? '', item };
          // A `$` inside a component value is escaped (search.html#escaping); valueFor escapes `\ , | $` within parts.
          return this.valueFor(draw, '', numeric ? prefix : 'eq');
        });
        return { resourceType: type, pairs: [[composite.code, parts.join('$')]], paramType: 'composite', modifier: '', prefix: '', features: ['composite'], judge: 'oracle' };
      }
    }
    return undefined;
  }

  /** search.html#_text, #_content: a word (or a word's prefix*) of one resource's narrative or content. */
  private textQuery(name: '_text' | '_content'): DiffQuery | undefined {
    for (let attempt = 0; attempt < 20; attempt++) {
      const type = pick(this.random, this.types);
      const resource = pick(this.random, this.oracle.byType.get(type) ?? []);
      if (!resource) continue;
      const words = this.oracle.words(resource)[name === '_text' ? 'narrative' : 'content'].filter((w) => w.length >= 3 && /[a-z]/.test(w));
      if (words.length === 0) continue;
      const word = pick(this.random, words);
      const form = this.int(3);
      const value = form === 0 ? `${word.slice(0, Math.max(3, word.length - 2))}*` : form === 1 ? `${word} ${pick(this.random, words)}` : word;
      return { resourceType: type, pairs: [[name, value]], paramType: 'special', modifier: '', prefix: '', features: [name], judge: 'oracle' };
    }
    return undefined;
  }

  private sortQuery(): DiffQuery | undefined {
    const draw = this.draw('date');
    if (!draw || draw.item.kind !== 'date') return undefined;
    const descending = this.random() < 0.5;
    const year = draw.item.text.slice(0, 4);
    return {
      resourceType: draw.type,
      pairs: [
        [draw.param.code, `ge${year}`],
        ['_sort', `${descending ? '-' : ''}${draw.param.code}`],
      ],
      paramType: 'date',
      modifier: '',
      prefix: 'ge',
      features: ['_sort'],
      judge: 'medplum',
      sort: { param: draw.param, descending },
    };
  }

  /** One query of each template, in a fixed order; the caller repeats it to reach the count. */
  round(): DiffQuery[] {
    const templates: Array<() => DiffQuery | undefined> = [
      () => this.simple('string', '', 'eq', 'medplum'),
      () => this.simple('string', 'contains', 'eq', 'medplum'),
      () => this.simple('string', 'exact', 'eq', 'oracle'),
      () => this.simple('string', 'missing', '', 'medplum'),
      () => this.simple('token', '', '', 'medplum'),
      () => this.simple('token', '', '', 'medplum'),
      () => this.simple('token', 'not', '', 'medplum'),
      () => this.simple('token', 'text', '', 'oracle'),
      () => this.simple('token', 'missing', '', 'medplum'),
      () => this.simple('reference', '', '', 'medplum'),
      () => this.simple('reference', 'type', '', 'oracle'),
      () => this.simple('reference', 'missing', '', 'medplum'),
      ...DATE_PREFIXES.map((p) => () => this.simple('date', '', p, 'medplum')),
      () => this.simple('date', 'missing', '', 'medplum'),
      ...NUMBER_PREFIXES.map((p) => () => this.simple('number', '', p, 'oracle')),
      () => this.simple('number', 'missing', '', 'medplum'),
      ...NUMBER_PREFIXES.map((p) => () => this.simple('quantity', '', p, 'oracle')),
      () => this.simple('quantity', 'missing', '', 'medplum'),
      () => this.simple('uri', '', '', 'medplum'),
      () => this.simple('uri', 'below', '', 'oracle'),
      () => this.simple('uri', 'above', '', 'oracle'),
      () => this.simple('uri', 'missing', '', 'medplum'),
      () => this.orQuery('token', '', '', 'medplum'),
      () => this.orQuery('reference', '', '', 'medplum'),
      () => this.orQuery('string', '', 'eq', 'medplum'),
      () => this.orQuery('date', '', 'eq', 'medplum'),
      () => this.orQuery('quantity', '', 'eq', 'oracle'),
      () => this.andQuery(),
      () => this.andQuery(),
      () => this.chainQuery(1, true),
      () => this.chainQuery(1, false),
      () => this.chainQuery(2, true),
      () => this.hasQuery(),
      () => this.idQuery(),
      () => this.sortQuery(),
      () => this.builtinQuery(pick(this.random, ['id-not', 'id-system', 'missing'] as const)),
      () => this.builtinQuery(pick(this.random, ['lastupdated-or', 'lastupdated-ap'] as const)),
      () => this.builtinQuery(pick(this.random, ['chain-id', 'chain-lastupdated', 'has-id'] as const)),
      () => this.ofTypeQuery(),
      () => this.identifierQuery(),
      () => this.valueSetQuery(this.random() < 0.5 ? 'in' : 'not-in'),
      () => this.compositeQuery(),
      () => this.compositeQuery(),
      () => this.textQuery('_text'),
      () => this.textQuery('_content'),
    ];
    const out: DiffQuery[] = [];
    for (const template of templates) {
      // A draw can miss (no second link, no value of that kind): a few more tries keep every template represented.
      for (let attempt = 0; attempt < 8; attempt++) {
        const query = template();
        if (query) {
          out.push(query);
          break;
        }
      }
    }
    return out;
  }

  generate(count: number): DiffQuery[] {
    const out: DiffQuery[] = [];
    while (out.length < count) {
      const round = this.round();
      if (round.length === 0) throw new Error('the corpus offers nothing to query');
      out.push(...round);
    }
    return out;
  }
}
