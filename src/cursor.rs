//! Page cursors, the same for every paged list (`list_skills` and the Skills extension's
//! `skills/list` and `resources/list`): an offset into the list, opaque to clients.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The cursor of the page that starts at `offset`.
pub fn encode(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// The offset `cursor` stands for; `None` for a cursor this server did not issue.
pub fn decode(cursor: &str) -> Option<usize> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    text.strip_prefix("offset:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cursor_comes_back_as_its_offset_and_others_are_refused() {
        assert_eq!(super::decode(&super::encode(300)), Some(300));
        for foreign in ["", "not-ours", "b2Zmc2V0Oi0x", "b2Zmc2V0OmFiYw"] {
            assert_eq!(super::decode(foreign), None, "{foreign}");
        }
    }
}
