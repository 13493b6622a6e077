//! A bounded in-memory cache of encoded tiles, sharded to keep lock contention low under many
//! concurrent readers. Keys are two integers — the layer's content hash mixed with the viewer's
//! scope key, and z/x/y packed — hashed with Fx, so a lookup allocates nothing and a re-imported
//! boundary version can never be served from stale entries. A cached tile holds everything its
//! answer needs, made once: both encodings as shared [`Bytes`] (an answer shares them, never
//! copies) and each encoding's strong ETag as a ready header value.
//!
//! Eviction is weighted towards keeping low zooms: a low-zoom tile is expensive to render (it
//! touches every unit) and shared by every viewer, a z14 tile is cheap and rarely asked twice.
//! Each shard evicts, among its oldest entries, the one with the least `zoom-weight ÷ age`.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex};

use axum::http::HeaderValue;
use bytes::Bytes;

use crate::hash::FxHasher;

/// An encoded tile: raw MVT bytes and their gzip form, with each one's strong ETag (RFC 9110:
/// different encodings are different representations, so their ETags differ).
#[derive(Debug)]
pub struct Encoded {
    pub raw: Bytes,
    pub gzip: Bytes,
    /// `"…"` of the identity body.
    pub etag: HeaderValue,
    /// `"…-gzip"` of the gzip body.
    pub etag_gzip: HeaderValue,
}

/// (layer content hash ^ scope key, z/x/y packed by [`pack`]).
pub type Key = (u64, u64);

/// z (5 bits), x and y (29 bits each) in one integer.
pub const fn pack(z: u8, x: u32, y: u32) -> u64 {
    ((z as u64) << 58) | ((x as u64) << 29) | (y as u64)
}

/// The zoom of a packed key.
pub const fn zoom_of(packed: u64) -> u8 {
    (packed >> 58) as u8
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

struct Shard {
    map: FxMap<Key, Option<Arc<Encoded>>>,
    order: VecDeque<Key>,
    bytes: usize,
}

/// The cache.
pub struct TileCache {
    shards: Vec<Mutex<Shard>>,
    budget_per_shard: usize,
}

const SHARDS: usize = 16;
/// How many of a shard's oldest entries eviction weighs against each other.
const WINDOW: usize = 8;

fn weight(e: &Option<Arc<Encoded>>) -> usize {
    64 + e.as_ref().map_or(0, |t| t.raw.len() + t.gzip.len())
}

/// How much keeping a tile of zoom `z` is worth: low zooms far more (they cost the most to make
/// and every viewer asks for them).
fn keep_value(z: u8) -> u32 {
    1 << (14u8.saturating_sub(z) / 2)
}

impl TileCache {
    /// A cache holding at most about `budget` bytes of tiles.
    pub fn new(budget: usize) -> TileCache {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard { map: FxMap::default(), order: VecDeque::new(), bytes: 0 })).collect();
        TileCache { shards, budget_per_shard: budget / SHARDS }
    }

    /// The byte budget (0: caching off).
    pub fn budget(&self) -> usize {
        self.budget_per_shard * SHARDS
    }

    fn shard(&self, k: &Key) -> &Mutex<Shard> {
        let h = (k.0 ^ k.1.rotate_left(17)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
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
        if self.budget_per_shard == 0 {
            return;
        }
        let mut s = self.shard(&k).lock().unwrap_or_else(|p| p.into_inner());
        let w = weight(&v);
        if let Some(old) = s.map.insert(k, v) {
            s.bytes -= weight(&old);
        } else {
            s.order.push_back(k);
        }
        s.bytes += w;
        while s.bytes > self.budget_per_shard && !s.order.is_empty() {
            // Among the oldest few, the one least worth keeping (ties: the oldest).
            let n = s.order.len().min(WINDOW);
            let victim = (0..n).min_by_key(|&i| (keep_value(zoom_of(s.order[i].1)), i)).unwrap_or(0);
            let Some(old) = s.order.remove(victim) else { break };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(bytes: usize) -> Option<Arc<Encoded>> {
        let v = Bytes::from(vec![0u8; bytes]);
        Some(Arc::new(Encoded { raw: v.clone(), gzip: v, etag: HeaderValue::from_static("\"a\""), etag_gzip: HeaderValue::from_static("\"a-gzip\"") }))
    }

    #[test]
    fn keys_pack_zoom_x_and_y_without_collisions_at_the_deepest_zoom() {
        let max = (1u32 << 14) - 1;
        assert_ne!(pack(14, max, 0), pack(14, 0, max));
        assert_eq!(zoom_of(pack(14, max, max)), 14);
        assert_eq!(zoom_of(pack(0, 0, 0)), 0);
    }

    #[test]
    fn under_pressure_the_cache_keeps_low_zoom_tiles_and_drops_deep_ones() {
        let c = TileCache::new(SHARDS * 10_000);
        // One z3 tile, then many z14 tiles of one layer: the z3 survives.
        c.put((1, pack(3, 1, 1)), tile(2_000));
        for i in 0..2_000 {
            c.put((1, pack(14, i, i)), tile(2_000));
        }
        assert!(c.get(&(1, pack(3, 1, 1))).is_some(), "the low-zoom tile is kept");
        let (_, bytes) = c.stats();
        assert!(bytes <= SHARDS * 10_000, "within the budget: {bytes}");
    }

    #[test]
    fn a_zero_budget_caches_nothing() {
        let c = TileCache::new(0);
        c.put((1, pack(1, 0, 0)), tile(10));
        assert!(c.get(&(1, pack(1, 0, 0))).is_none());
    }
}
