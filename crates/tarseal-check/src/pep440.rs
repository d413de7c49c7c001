//! PEP 440 version normalisation: the one place where versions from tags, `PKG-INFO`,
//! wheel `METADATA`, file names and version files meet.
//!
//! Build backends write the *normalised* form (`2026.07.22` becomes `2026.7.22`, `1.0-RC1`
//! becomes `1.0rc1`), while tags keep what the maintainer typed. Comparing the two literally
//! rejects clean releases; comparing loosely would let another version through. So both
//! sides are normalised by PEP 440's rules and compared exactly; a string that is not a PEP
//! 440 version is compared lower-cased as it is.

/// The normalised form of `v`, or `None` when it is not a PEP 440 version.
pub fn normalize(v: &str) -> Option<String> {
    let s = v.trim().to_ascii_lowercase();
    let s = s.strip_prefix('v').unwrap_or(&s);
    let (public, local) = match s.split_once('+') {
        Some((p, l)) => (p, Some(l)),
        None => (s, None),
    };
    let mut out = String::new();
    let mut rest = public;
    if let Some((epoch, r)) = rest.split_once('!') {
        let e: u64 = epoch.parse().ok()?;
        if e != 0 {
            out.push_str(&format!("{e}!"));
        }
        rest = r;
    }
    // Release: N(.N)*
    let mut release = Vec::new();
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        release.push(strip_zeros(&rest[..digits]));
        rest = &rest[digits..];
        match rest.strip_prefix('.') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
            _ => break,
        }
    }
    out.push_str(&release.join("."));
    // Pre-release.
    let sep = |r: &str| r.strip_prefix(['.', '-', '_']).unwrap_or(r).to_string();
    let mut r = sep(rest);
    const PRE: &[(&str, &str)] = &[
        ("alpha", "a"),
        ("beta", "b"),
        ("preview", "rc"),
        ("pre", "rc"),
        ("rc", "rc"),
        ("a", "a"),
        ("b", "b"),
        ("c", "rc"),
    ];
    if let Some((word, canon)) = PRE.iter().find(|(w, _)| r.starts_with(w)) {
        let after = sep(&r[word.len()..]);
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(canon);
        out.push_str(&if n == 0 {
            "0".into()
        } else {
            strip_zeros(&after[..n])
        });
        r = after[n..].to_string();
    } else {
        r = rest.to_string();
    }
    // Post-release: `-N`, or `post`/`rev`/`r` with an optional number.
    if let Some(n) = r
        .strip_prefix('-')
        .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
    {
        let d = n.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&format!(".post{}", strip_zeros(&n[..d])));
        r = n[d..].to_string();
    } else {
        let t = sep(&r);
        if let Some(word) = ["post", "rev", "r"].iter().find(|w| t.starts_with(**w)) {
            let after = sep(&t[word.len()..]);
            let d = after.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str(".post");
            out.push_str(&if d == 0 {
                "0".into()
            } else {
                strip_zeros(&after[..d])
            });
            r = after[d..].to_string();
        }
    }
    // Development release.
    let t = sep(&r);
    if let Some(after) = t.strip_prefix("dev") {
        let after = sep(after);
        let d = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(".dev");
        out.push_str(&if d == 0 {
            "0".into()
        } else {
            strip_zeros(&after[..d])
        });
        r = after[d..].to_string();
    }
    if !r.is_empty() {
        return None;
    }
    if let Some(l) = local {
        let parts: Vec<String> = l
            .split(['.', '-', '_'])
            .map(|p| {
                if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                    strip_zeros(p)
                } else {
                    p.to_string()
                }
            })
            .collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return None;
        }
        out.push('+');
        out.push_str(&parts.join("."));
    }
    Some(out)
}

fn strip_zeros(d: &str) -> String {
    let t = d.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

/// Whether two version strings name the same version: equal PEP 440 normal forms, or, for
/// strings that are not PEP 440 versions (npm's `1.0.0-beta.1`, a date), equal ignoring case
/// and a leading `v`.
pub fn same_version(a: &str, b: &str) -> bool {
    match (normalize(a), normalize(b)) {
        (Some(x), Some(y)) => x == y,
        _ => {
            let t = |s: &str| {
                let s = s.trim().to_ascii_lowercase();
                s.strip_prefix('v').map(str::to_string).unwrap_or(s)
            };
            t(a) == t(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_examples() {
        for (raw, want) in [
            ("2026.07.22", "2026.7.22"),
            ("1.0", "1.0"),
            ("v1.2.3", "1.2.3"),
            ("1.0-RC1", "1.0rc1"),
            ("1.0.0.rc1", "1.0.0rc1"),
            ("1.0alpha", "1.0a0"),
            ("1.0c2", "1.0rc2"),
            ("1.0-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0-r4", "1.0.post4"),
            ("1.0.dev", "1.0.dev0"),
            ("1.0b2-post3.dev4", "1.0b2.post3.dev4"),
            ("0!1.0", "1.0"),
            ("2!1.0", "2!1.0"),
            ("1.0+Ubuntu-1", "1.0+ubuntu.1"),
            ("1.0+abc.007", "1.0+abc.7"),
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in ["", "x1", "1.0.x", "1..0", "1.0+", "1.0+a..b", "1.0rc1junk"] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn same_versions() {
        assert!(same_version("2026.07.22", "2026.7.22"));
        assert!(same_version("v1.0.0.rc1", "1.0.0rc1"));
        assert!(!same_version("1.0.1", "1.0.10"));
        assert!(!same_version("1.0", "1.0.post1"));
        assert!(same_version("1.0.0-beta.1", "V1.0.0-BETA.1"));
        assert!(!same_version("1.0.0-beta.1", "1.0.0-beta.2"));
    }
}
