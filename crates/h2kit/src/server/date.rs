//! The `Date` response field (RFC 9110 §6.6.1: an origin server with a clock
//! MUST send it in 2xx, 3xx and 4xx responses), formatted at most once a
//! second per thread.

use crate::httpdate::{IMF_FIXDATE_LEN, imf_fixdate};
use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static CACHE: Cell<(u64, [u8; IMF_FIXDATE_LEN])> = const { Cell::new((u64::MAX, [0; IMF_FIXDATE_LEN])) };
}

/// The current time as an IMF-fixdate.
pub(crate) fn now() -> [u8; IMF_FIXDATE_LEN] {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    CACHE.with(|cache| {
        let (cached_secs, date) = cache.get();
        if cached_secs == secs {
            return date;
        }
        let date = imf_fixdate(secs);
        cache.set((secs, date));
        date
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc9110_6_6_1_the_date_is_the_current_second() {
        let before = crate::httpdate::format(std::time::SystemTime::now());
        let date = super::now();
        let after = crate::httpdate::format(std::time::SystemTime::now());
        let date = std::str::from_utf8(&date).unwrap();
        assert!(
            date == before || date == after,
            "{date} not in [{before}, {after}]"
        );
    }
}
