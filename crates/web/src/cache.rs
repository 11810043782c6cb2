//! Answers to API reads, kept until the data changes. Every committed
//! change bumps the database's generation; a cached answer is served only
//! while the generation it was computed under is still current, so a cached
//! figure is never stale (the first answer under a new generation drops all
//! the others). The cache holds at most a given number of bytes (64 MiB by
//! default), answers and keys counted, and drops the least recently used
//! answers first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use lru::LruCache;
use phuxanh_domain::Day;

/// The default bound on what the cache holds.
pub const DEFAULT_BYTES: usize = 64 << 20;

/// What an answer depends on: the route, its unit, its checked query in
/// canonical order (`contract::Query::canonical`, so that the order and
/// spelling of the parameters do not matter and unknown ones never get
/// here), today's date (a read without a day means today), and the caller's
/// role and subtree ([`Caller::view`](crate::auth::Caller::view)): an answer
/// is never served to a caller of another view.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Key {
    pub route: &'static str,
    pub unit: String,
    pub query: String,
    pub today: Day,
    pub view: String,
}

impl Key {
    /// What an entry costs: its answer, its key and the bookkeeping.
    fn weight(&self, body: &Bytes) -> usize {
        const OVERHEAD: usize = 64;
        body.len()
            + self.unit.len()
            + self.query.len()
            + self.view.len()
            + size_of::<Key>()
            + OVERHEAD
    }
}

pub struct Cache {
    inner: Mutex<Inner>,
    capacity: usize,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

struct Inner {
    /// The generation every entry was computed under.
    generation: u64,
    entries: LruCache<Key, Bytes>,
    /// The weight of the entries.
    bytes: usize,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache::new(DEFAULT_BYTES)
    }
}

impl Cache {
    /// A cache holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Cache {
        Cache {
            inner: Mutex::new(Inner {
                generation: 0,
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
            capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer to `key` computed under `generation`, if kept.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Bytes> {
        let mut inner = self.lock();
        let found = if inner.generation == generation {
            inner.entries.get(key).cloned()
        } else {
            None
        };
        drop(inner);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps the answer to `key` computed under `generation`, making room
    /// for it by dropping the least recently used.
    pub fn put(&self, key: Key, generation: u64, body: Bytes) {
        let weight = key.weight(&body);
        if weight > self.capacity {
            return;
        }
        let mut inner = self.lock();
        if generation < inner.generation {
            return; // computed before a change another answer has seen
        }
        if generation > inner.generation {
            inner.entries.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        if let Some(old) = inner.entries.pop(&key) {
            inner.bytes -= key.weight(&old);
        }
        while inner.bytes + weight > self.capacity {
            let Some((k, b)) = inner.entries.pop_lru() else {
                break;
            };
            inner.bytes -= k.weight(&b);
        }
        inner.bytes += weight;
        inner.entries.put(key, body);
    }

    /// What the entries weigh, in bytes.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str) -> Key {
        Key {
            route: "progress",
            unit: "83".into(),
            query: query.into(),
            today: "2023-11-14".parse().unwrap(),
            view: "admin".into(),
        }
    }

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn it_holds_at_most_its_bytes_dropping_the_least_recently_used() {
        let one = key("as_of=2023-11-01").weight(&body(1000));
        let cache = Cache::new(3 * one);
        for day in 1..=3 {
            cache.put(key(&format!("as_of=2023-11-0{day}")), 1, body(1000));
        }
        assert_eq!((cache.len(), cache.bytes()), (3, 3 * one));
        // The first is used again, so the second is the one to go.
        assert!(cache.get(&key("as_of=2023-11-01"), 1).is_some());
        cache.put(key("as_of=2023-11-04"), 1, body(1000));
        assert_eq!((cache.len(), cache.bytes()), (3, 3 * one));
        assert!(cache.get(&key("as_of=2023-11-02"), 1).is_none());
        assert!(cache.get(&key("as_of=2023-11-01"), 1).is_some());
        // A big answer pushes out as many as it needs; one bigger than the
        // whole cache is not kept.
        cache.put(key("as_of=2023-11-05"), 1, body(2500));
        assert_eq!(cache.len(), 1);
        assert!(cache.bytes() <= 3 * one);
        cache.put(key("as_of=2023-11-06"), 1, body(4 * one));
        assert!(cache.get(&key("as_of=2023-11-06"), 1).is_none());
        // The same key again replaces its answer.
        cache.put(key("as_of=2023-11-05"), 1, body(10));
        assert_eq!(cache.bytes(), key("as_of=2023-11-05").weight(&body(10)));
    }

    #[test]
    fn a_new_generation_drops_every_answer() {
        let cache = Cache::new(DEFAULT_BYTES);
        cache.put(key("a=1"), 1, body(10));
        assert!(cache.get(&key("a=1"), 2).is_none());
        cache.put(key("b=1"), 2, body(10));
        assert_eq!(cache.len(), 1);
        // An answer computed under an older generation is not kept.
        cache.put(key("a=1"), 1, body(10));
        assert!(cache.get(&key("a=1"), 1).is_none());
        assert_eq!(cache.hits.load(Ordering::Relaxed), 0);
        assert!(cache.get(&key("b=1"), 2).is_some());
        assert_eq!(cache.hits.load(Ordering::Relaxed), 1);
    }
}
