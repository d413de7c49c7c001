//! Calendar arithmetic for the few time formats this crate reads (`allowed_signers`
//! `valid-after`/`valid-before`, RFC 3339 in the trust file), without a date library.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Seconds since the epoch for a UTC civil time, validating every field.
pub(crate) fn unix_from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s),
    )
}

/// Converts seconds since the epoch (possibly negative) to a `SystemTime`.
pub(crate) fn system_time(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Seconds since the epoch of a `SystemTime` (negative before 1970).
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Formats a time as RFC 3339 UTC (`2024-05-01T12:00:00Z`), for messages.
pub fn format_utc(t: SystemTime) -> String {
    let secs = unix_secs(t);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses exactly the form [`format_utc`] writes, `YYYY-MM-DDTHH:MM:SSZ` (records' and the
/// log's `signed-at` / `logged_at`); `None` for anything else or an impossible date.
pub fn parse_utc(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let shape = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let secs = unix_from_civil(
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    )?;
    Some(system_time(secs))
}

/// Parses ssh-keygen's `YYYYMMDD[HHMM[SS]][Z]` (`valid-after`, `valid-before`).
///
/// ssh-keygen reads a time without `Z` in the machine's local time zone; tarseal reads
/// every such time as UTC so that a verdict does not depend on the checking machine's
/// `TZ` (documented in the crate docs; write the `Z` to agree with ssh-keygen everywhere).
pub(crate) fn parse_ssh_time(s: &str) -> Option<i64> {
    let digits = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    let (h, mi, sec) = match digits.len() {
        8 => (0, 0, 0),
        12 => (n(8..10)?, n(10..12)?, 0),
        14 => (n(8..10)?, n(10..12)?, n(12..14)?),
        _ => return None,
    };
    unix_from_civil(i64::from(n(0..4)?), n(4..6)?, n(6..8)?, h, mi, sec)
}

/// Converts a TOML offset date-time (RFC 3339) to seconds since the epoch; `None` when a
/// part is missing (a local date-time has no offset and so names no instant).
pub(crate) fn unix_from_toml(dt: &toml::value::Datetime) -> Option<i64> {
    let date = dt.date?;
    let time = dt.time?;
    let offset_min = match dt.offset? {
        toml::value::Offset::Z => 0,
        toml::value::Offset::Custom { minutes } => i64::from(minutes),
    };
    let t = unix_from_civil(
        i64::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second),
    )?;
    Some(t - offset_min * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(unix_from_civil(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(unix_from_civil(2020, 1, 1, 0, 0, 0), Some(1_577_836_800));
        assert_eq!(unix_from_civil(2021, 2, 29, 0, 0, 0), None);
        assert_eq!(
            format_utc(system_time(1_577_836_800)),
            "2020-01-01T00:00:00Z"
        );
        assert_eq!(format_utc(system_time(951_782_400)), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn utc_round_trip() {
        let t = system_time(1_764_022_200);
        assert_eq!(parse_utc(&format_utc(t)), Some(t));
        assert_eq!(
            parse_utc("2020-01-01T00:00:00Z"),
            Some(system_time(1_577_836_800))
        );
        for bad in [
            "2020-01-01T00:00:00",
            "2020-01-01 00:00:00Z",
            "2020-02-30T00:00:00Z",
            "2020-01-01T24:00:00Z",
            "+020-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn ssh_times() {
        assert_eq!(parse_ssh_time("20200101"), Some(1_577_836_800));
        assert_eq!(parse_ssh_time("20200101Z"), Some(1_577_836_800));
        assert_eq!(parse_ssh_time("202001010102"), Some(1_577_836_800 + 3720));
        assert_eq!(
            parse_ssh_time("20200101010203Z"),
            Some(1_577_836_800 + 3723)
        );
        assert_eq!(parse_ssh_time("2020010"), None);
        assert_eq!(parse_ssh_time("20201301"), None);
        assert_eq!(parse_ssh_time("2020-01-01"), None);
    }

    #[test]
    fn toml_times() {
        let dt: toml::value::Datetime = "2020-01-01T02:00:00+02:00".parse().unwrap();
        assert_eq!(unix_from_toml(&dt), Some(1_577_836_800));
        let local: toml::value::Datetime = "2020-01-01T02:00:00".parse().unwrap();
        assert_eq!(unix_from_toml(&local), None);
    }
}
