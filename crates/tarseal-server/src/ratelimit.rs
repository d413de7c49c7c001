//! The per-client publish rate limit: one token bucket per client address. Pure — the
//! caller passes the time — so it is tested without a socket or a clock.
//!
//! Why per address and only for writes: a publish verifies an OpenPGP signature and commits a
//! durable transaction (milliseconds of CPU and an fsync), reads are cheap and cacheable. A
//! proxy in front makes every client one address; put the limit there instead (`--publish-rate
//! 0` turns this one off).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle (full) ones are dropped: bounds the memory a flood of addresses
/// can take.
const MAX_CLIENTS: usize = 65_536;

/// Publishes allowed per client address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained rate (tokens added per second); `0` = no limit.
    pub per_second: f64,
    /// Bucket size: how many may come at once.
    pub burst: f64,
}

impl Default for RateLimit {
    /// 100 publishes/s sustained, 1,000 at once, per address: far above a release process,
    /// far below what a flood would need.
    fn default() -> Self {
        RateLimit {
            per_second: 100.0,
            burst: 1000.0,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets.
pub struct Limiter {
    cfg: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Limiter {
    /// A limiter with `cfg`.
    pub fn new(cfg: RateLimit) -> Limiter {
        Limiter {
            cfg,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at `now`. `Err(seconds)`: refused, retry after that many
    /// seconds (at least 1).
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let RateLimit { per_second, burst } = self.cfg;
        if per_second <= 0.0 {
            return Ok(());
        }
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_CLIENTS && !map.contains_key(&client) {
            // Drop the buckets that have refilled: they hold no state worth keeping.
            map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let b = map.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn burst_then_refusal_then_refill_per_client() {
        let l = Limiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take(ip(1), t0), Ok(()));
        }
        assert_eq!(l.take(ip(1), t0), Err(1));
        // Another client has its own bucket.
        assert_eq!(l.take(ip(2), t0), Ok(()));
        // Half a second refills one token (2/s), not more.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(l.take(ip(1), t1), Ok(()));
        assert!(l.take(ip(1), t1).is_err());
        // A long pause refills to the burst, never beyond.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(l.take(ip(1), t2), Ok(()));
        }
        assert!(l.take(ip(1), t2).is_err());
        // A clock that goes backwards adds nothing.
        assert!(l.take(ip(1), t0).is_err());
    }

    #[test]
    fn zero_rate_is_no_limit_and_slow_rates_say_when() {
        let off = Limiter::new(RateLimit {
            per_second: 0.0,
            burst: 0.0,
        });
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert_eq!(off.take(ip(1), t0), Ok(()));
        }
        let slow = Limiter::new(RateLimit {
            per_second: 0.1,
            burst: 1.0,
        });
        assert_eq!(slow.take(ip(1), t0), Ok(()));
        assert_eq!(slow.take(ip(1), t0), Err(10));
    }

    #[test]
    fn memory_is_bounded_under_a_flood_of_addresses() {
        let l = Limiter::new(RateLimit {
            per_second: 1.0,
            burst: 2.0,
        });
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 10) {
            let _ = l.take(IpAddr::from(i.to_be_bytes()), t0);
        }
        // Later, every old bucket has refilled: the next new address prunes them.
        let later = t0 + Duration::from_secs(10);
        l.take(ip(200), later).unwrap();
        assert!(l.buckets.lock().unwrap().len() < 10);
    }
}
