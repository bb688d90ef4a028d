/**
 * The shard that owns a SKU: FNV-1a (32-bit) over the SKU's UTF-16 code units, modulo the
 * shard count. Stable across processes and releases: changing it moves SKUs between shards.
 */
export function shardOfSku(sku: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sku.length; i++) {
    hash ^= sku.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
