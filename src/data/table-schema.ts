/**
 * The single-table design's physical shape: one table, two generic GSIs and a TTL attribute.
 * The local stack provisions from this, sst.config.ts declares the same, and docs/data-model.md
 * explains each access pattern that uses it.
 */
export const tableSchema = {
  partitionKey: 'PK',
  sortKey: 'SK',
  globalIndexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
  ttlAttribute: 'ttl',
} as const;
