//! A bounded in-memory cache of encoded tiles, sharded to keep lock contention low under many
//! concurrent readers. Keys carry the layer's content hash, so a re-imported boundary version
//! can never be served from stale entries; old entries age out.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// An encoded tile: raw MVT bytes and their gzip form (None for an empty tile).
#[derive(Debug)]
pub struct Encoded {
    pub raw: Vec<u8>,
    pub gzip: Vec<u8>,
    pub etag: String,
}

/// (layer id, content hash, z, x, y)
pub type Key = (Arc<str>, u64, u8, u32, u32);

struct Shard {
    map: HashMap<Key, Option<Arc<Encoded>>>,
    order: VecDeque<Key>,
    bytes: usize,
}

/// The cache.
pub struct TileCache {
    shards: Vec<Mutex<Shard>>,
    budget_per_shard: usize,
}

const SHARDS: usize = 16;

fn weight(e: &Option<Arc<Encoded>>) -> usize {
    64 + e.as_ref().map_or(0, |t| t.raw.len() + t.gzip.len())
}

impl TileCache {
    /// A cache holding at most about `budget` bytes of tiles.
    pub fn new(budget: usize) -> TileCache {
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(Shard { map: HashMap::new(), order: VecDeque::new(), bytes: 0 }))
            .collect();
        TileCache { shards, budget_per_shard: budget / SHARDS }
    }

    fn shard(&self, k: &Key) -> &Mutex<Shard> {
        let h = (k.1 ^ (u64::from(k.2) << 56) ^ (u64::from(k.3) << 28) ^ u64::from(k.4)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        &self.shards[(h >> 60) as usize % SHARDS]
    }

    /// Forget every tile (the layers changed).
    pub fn clear(&self) {
        for s in &self.shards {
            let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
            s.map.clear();
            s.order.clear();
            s.bytes = 0;
        }
    }

    /// A cached tile: `Some(None)` is a cached empty tile.
    pub fn get(&self, k: &Key) -> Option<Option<Arc<Encoded>>> {
        let s = self.shard(k).lock().unwrap_or_else(|p| p.into_inner());
        s.map.get(k).cloned()
    }

    pub fn put(&self, k: Key, v: Option<Arc<Encoded>>) {
        let mut s = self.shard(&k).lock().unwrap_or_else(|p| p.into_inner());
        let w = weight(&v);
        if let Some(old) = s.map.insert(k.clone(), v) {
            s.bytes -= weight(&old);
        } else {
            s.order.push_back(k);
        }
        s.bytes += w;
        // Evict oldest first (FIFO is close to LRU for tile traffic and needs no write on reads).
        while s.bytes > self.budget_per_shard {
            let Some(old) = s.order.pop_front() else { break };
            if let Some(v) = s.map.remove(&old) {
                s.bytes -= weight(&v);
            }
        }
    }

    /// Entries and bytes held.
    pub fn stats(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(n, b), s| {
            let s = s.lock().unwrap_or_else(|p| p.into_inner());
            (n + s.map.len(), b + s.bytes)
        })
    }
}
