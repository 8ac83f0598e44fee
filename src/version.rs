//! The one rule for reading the versions of skills and groups (semantic versions, in plugin.json
//! and the marketplace entries; not the MCP protocol version, which `mcp::version` reads).
//!
//! Both readings ignore surrounding whitespace and a leading `v` or `V` (`v1.4.2` is 1.4.2), and
//! both are the `semver` crate's parse underneath. They differ in one thing only:
//!
//! - [`parse`] is strict: the version is major.minor.patch, with an optional pre-release and
//!   build, or it is refused with semver's reason. Everything that *writes* a version uses it
//!   (`bump_version` reads the current version with it, and writes back the canonical form of
//!   the result, without the `v`), so the marketplace keeps valid semver: a version the strict
//!   rule refuses is reported to the editor to fix, never guessed at and rewritten.
//! - [`parse_lenient`] also accepts a missing minor or patch (`1` is 1.0.0, `v1.2` is 1.2.0). It
//!   is for *comparing* only, in `check_updates`, whose installed versions are copied by hand
//!   from installed plugin.json files, where `1.2` is a common way of writing 1.2.0. Nothing read
//!   leniently is written anywhere.

use semver::Version;

/// The text without surrounding whitespace and one leading `v` or `V`.
fn bare(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix(['v', 'V']).unwrap_or(text)
}

/// Reads a version strictly: major.minor.patch with an optional pre-release and build, after an
/// optional leading `v`. For every version that is written back (see the module's rule).
pub fn parse(text: &str) -> Result<Version, semver::Error> {
    Version::parse(bare(text))
}

/// Reads a version for comparison only: as [`parse`], and a missing minor or patch counts as 0
/// (`v1.2` is 1.2.0, `1-beta` is 1.0.0-beta). `None` when it is not a version even so.
pub fn parse_lenient(text: &str) -> Option<Version> {
    let text = bare(text);
    Version::parse(text).ok().or_else(|| {
        let (core, rest) = text.split_at(text.find(['-', '+']).unwrap_or(text.len()));
        let parts = core.split('.').count();
        (1..3).contains(&parts).then(|| Version::parse(&format!("{core}{}{rest}", ".0".repeat(3 - parts))).ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn strict_reads_full_semver_after_an_optional_v() {
        assert_eq!(parse("1.4.2").unwrap(), version("1.4.2"));
        assert_eq!(parse(" v0.9.0 ").unwrap(), version("0.9.0"));
        assert_eq!(parse("V2.0.0-rc.1+build.5").unwrap(), version("2.0.0-rc.1+build.5"));
        for refused in ["latest", "1.2", "1", "v", "", "1.2.3.4", "01.2.3", "vv1.2.3", "1.2.3-"] {
            assert!(parse(refused).is_err(), "{refused:?} is not strict semver");
        }
    }

    #[test]
    fn lenient_fills_a_missing_minor_or_patch_and_nothing_more() {
        assert_eq!(parse_lenient("v1.2"), Some(version("1.2.0")));
        assert_eq!(parse_lenient("1"), Some(version("1.0.0")));
        assert_eq!(parse_lenient("1.2-beta.1"), Some(version("1.2.0-beta.1")));
        assert_eq!(parse_lenient("3+build"), Some(version("3.0.0+build")));
        assert_eq!(parse_lenient(" 1.10.0 "), Some(version("1.10.0")));
        for refused in ["banana", "latest", "", "v", "1.2.3.4", "1..2", "1.x"] {
            assert_eq!(parse_lenient(refused), None, "{refused:?} is not a version even leniently");
        }
    }

    #[test]
    fn whatever_strict_reads_lenient_reads_the_same() {
        for text in ["1.4.2", "v0.9.0", "2.0.0-rc.1", "1.2.3+build.5"] {
            assert_eq!(parse_lenient(text), parse(text).ok(), "{text}");
        }
    }
}
