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
    for segment in path.split('/') {
        match segment {
            "" => return refuse("it has an empty segment (// or a trailing /)"),
            "." => return refuse("it has a `.` segment"),
            ".." => return refuse("it has a `..` segment, which would leave the skill folder"),
            s if s.eq_ignore_ascii_case(".git") => return refuse("it names a .git folder"),
            _ => {}
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths_pass() {
        for path in ["SKILL.md", "scripts/run.py", "references/a b/ü.md", ".gitignore", "x..y"] {
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
}
