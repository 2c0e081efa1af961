// Which hosts a bulk API action acts on (power, tags): listed ids, or every host a list query
// matches now. One definition, so both routes take the same selection with the same caps.
export const bulkSelectionProperties = {
  ids: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 1000, description: 'the hosts; or `query`' },
  query: {
    type: 'object',
    additionalProperties: false,
    description: 'every host this list query matches (GET /api/v1/hosts parameters), at most 1000',
    properties: { state: { type: 'string' }, q: { type: 'string' }, where: { type: 'string' } },
  },
} as const;
