//! Which paths a caller may write inside a skill folder. A path comes from a model's tool call,
//! so everything that could land outside the folder, or somewhere git treats specially, is
//! refused with the path and the reason.

/// Why a path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("path `{path}` is refused: {reason}")]
pub struct PathError {
    /// The path as given.
    pub path: String,
    /// Why.
    pub reason: &'static str,
}

/// The longest relative path accepted.
pub const MAX_PATH_LENGTH: usize = 512;

/// Checks a path relative to a skill folder and returns it unchanged when acceptable.
pub fn check_relative_path(path: &str) -> Result<&str, PathError> {
    let refuse = |reason| Err(PathError { path: path.to_string(), reason });
    if path.is_empty() {
        return refuse("it is empty");
    }
    if path.len() > MAX_PATH_LENGTH {
        return refuse("it is longer than 512 bytes");
    }
    if path.chars().any(char::is_control) {
        return refuse("it contains control characters");
    }
    if path.contains('\\') {
        return refuse("it contains a backslash; separate folders with /");
    }
    if path.starts_with('/') {
        return refuse("it is absolute; give it relative to the skill folder");
    }
    if path.len() >= 2 && path.as_bytes()[1] == b':' {
        return refuse("it looks like a drive path; give it relative to the skill folder");
    }
    if path.contains(WINDOWS_FORBIDDEN) {
        return refuse("it contains one of < > : \" | ? *, which Windows cannot store in a file name");
    }
    for segment in path.split('/') {
        match segment {
            "" => return refuse("it has an empty segment (// or a trailing /)"),
            "." => return refuse("it has a `.` segment"),
            ".." => return refuse("it has a `..` segment, which would leave the skill folder"),
            s if names_git_folder(s) => {
                return refuse("it names a .git folder (as git itself reads names on macOS and Windows)")
            }
            s if s.ends_with(['.', ' ']) => {
                return refuse(
                    "a name in it ends with a dot or a space, which Windows drops (so it would become another name)",
                )
            }
            s if is_windows_device(s) => {
                return refuse("a name in it is reserved by Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9)")
            }
            _ => {}
        }
    }
    Ok(path)
}

/// Characters Windows refuses in file names (`:` also opens an NTFS alternate data stream).
const WINDOWS_FORBIDDEN: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// Whether a path segment is `.git` as git's own `verify_path` sees it on checkout: ASCII case
/// ignored, code points that macOS's HFS+ ignores removed, trailing dots and spaces dropped as
/// NTFS drops them, and NTFS's short name `git~1`. Written here because git's rules live in C
/// (read-cache.c, utf8.c `is_hfs_dotgit`, path.c `is_ntfs_dotgit`) and no crate carries them.
fn names_git_folder(segment: &str) -> bool {
    let visible: String = segment.chars().filter(|c| !is_hfs_ignorable(*c)).collect();
    let trimmed = visible.trim_end_matches(['.', ' ']);
    trimmed.eq_ignore_ascii_case(".git") || trimmed.eq_ignore_ascii_case("git~1")
}

/// The code points HFS+ leaves out when it compares names (git's `next_hfs_char`).
fn is_hfs_ignorable(c: char) -> bool {
    matches!(c, '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}')
}

/// Whether a segment names a Windows device whatever its extension (`CON`, `nul.txt`,
/// `COM1.md`), which a Windows checkout or unzip cannot create.
fn is_windows_device(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or(segment).trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let bytes = upper.as_bytes();
            bytes.len() == 4
                && (upper.starts_with("COM") || upper.starts_with("LPT"))
                && (b'1'..=b'9').contains(&bytes[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths_pass() {
        for path in [
            "SKILL.md",
            "scripts/run.py",
            "references/a b/ü.md",
            ".gitignore",
            "x..y",
            "console.md",
            "com10.txt",
            "git~2",
        ] {
            assert_eq!(check_relative_path(path), Ok(path));
        }
    }

    #[test]
    fn unsafe_paths_are_refused_with_a_reason() {
        for (path, reason) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("../x", "`..`"),
            ("a/../../x", "`..`"),
            ("a//b", "empty segment"),
            ("a/", "empty segment"),
            ("./a", "`.` segment"),
            ("a\\b", "backslash"),
            (".git/config", ".git"),
            ("a/.GIT/hooks", ".git"),
            ("a\u{0}b", "control"),
            ("C:/x", "drive"),
        ] {
            let error = check_relative_path(path).unwrap_err();
            assert!(error.to_string().contains(reason), "{path:?}: {error}");
        }
    }

    /// Security review finding 14: names git itself refuses on checkout (or that Windows turns
    /// into other names) were accepted.
    #[test]
    fn security_14_paths_git_and_windows_refuse_are_refused() {
        for (path, reason) in [
            (".git./config", ".git folder"),
            (".git /config", ".git folder"),
            ("a/GIT~1/hooks", ".git folder"),
            (".g\u{200c}it/config", ".git folder"),
            ("\u{feff}.git/x", ".git folder"),
            ("CON", "reserved by Windows"),
            ("docs/nul.txt", "reserved by Windows"),
            ("Lpt3.md", "reserved by Windows"),
            ("a:b", "drive path"),
            ("notes/a:b", "Windows cannot store"),
            ("what?.md", "Windows cannot store"),
            ("notes.", "ends with a dot or a space"),
            ("dir /x", "ends with a dot or a space"),
        ] {
            let error = check_relative_path(path).expect_err(path).to_string();
            assert!(error.contains(reason), "{path:?}: {error}");
        }
    }
}
