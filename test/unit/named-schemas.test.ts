// Named schemas in the OpenAPI document (src/modules/docs/named-schemas.ts): titled sub-schemas
// become components referenced by $ref, and one title never names two different schemas.
import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import {
  NamedSchemas,
  withoutJsonSchemaOnlyKeywords,
} from '../../src/modules/docs/named-schemas.ts';

const Item = Type.Object({ id: Type.String() }, { title: 'Item' });
const ItemList = Type.Object({ data: Type.Array(Item) }, { title: 'ItemList' });

describe('NamedSchemas', () => {
  it('when a route schema holds titled sub-schemas, then each becomes a component holding refs to the others', () => {
    const named = new NamedSchemas();
    const route = {
      body: Type.Object({ item: Item }),
      response: { 200: ItemList, 404: Type.Union([Item, Type.Null()]) },
    };
    named.collect(route.body);
    named.collect(route.response);
    expect(Object.keys(named.components).sort()).toEqual(['Item', 'ItemList']);
    expect(named.components.ItemList).toMatchObject({
      title: 'ItemList',
      properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
    });
    const documented = named.referenced(route);
    expect(documented.response[200]).toEqual({ $ref: '#/components/schemas/ItemList' });
    expect(documented.response[404]).toMatchObject({
      anyOf: [{ $ref: '#/components/schemas/Item' }, { type: 'null' }],
    });
    expect(documented.body).toMatchObject({
      properties: { item: { $ref: '#/components/schemas/Item' } },
    });
    // The route's own schemas (what Fastify validates with) are untouched.
    expect(route.response[200].properties.data.items).toBe(Item);
  });

  it('when the same title names the same schema twice, then that is one component', () => {
    const named = new NamedSchemas();
    named.collect(Item);
    named.collect(Type.Object({ id: Type.String() }, { title: 'Item' }));
    expect(Object.keys(named.components)).toEqual(['Item']);
  });

  it('when one title names two different schemas, then collecting fails and says which', () => {
    const named = new NamedSchemas();
    named.collect(Item);
    expect(() => named.collect(Type.Object({ id: Type.Integer() }, { title: 'Item' }))).toThrow(
      /two different schemas are titled "Item"/,
    );
  });

  it('when a title is not a component name, then collecting fails', () => {
    expect(() => new NamedSchemas().collect(Type.String({ title: 'An item' }))).toThrow(
      /not a component name/,
    );
  });

  it('when a title is inside data (an enum or a default), then it names nothing', () => {
    const named = new NamedSchemas();
    named.collect(Type.Object({ x: Type.Unknown({ default: { title: 'NotASchema' } }) }));
    expect(named.components).toEqual({});
  });
});

describe('withoutJsonSchemaOnlyKeywords', () => {
  it('when a schema uses propertyNames, then the document keeps it as x-propertyNames, and a property of that name stays', () => {
    const document = {
      paths: {},
      components: {
        schemas: {
          Meta: {
            type: 'object',
            propertyNames: { maxLength: 40 },
            properties: { propertyNames: { type: 'string' } },
          },
        },
      },
    };
    expect(withoutJsonSchemaOnlyKeywords(document).components.schemas.Meta).toEqual({
      type: 'object',
      'x-propertyNames': { maxLength: 40 },
      properties: { propertyNames: { type: 'string' } },
    });
  });
});
