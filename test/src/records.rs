//! The sign-in ledger's records in memory.

use skillport_connector::oauth::ledger::Records;
use skillport_connector::ports::HostError;

/// [`Records`] in memory: the native tests' stand-in for a Durable Object's table.
#[derive(Debug, Default)]
pub struct MemoryRecords {
    rows: std::cell::RefCell<std::collections::BTreeMap<String, (String, u64)>>,
    /// Rows written (puts and deletes), to report storage costs.
    pub writes: std::cell::Cell<u64>,
}

impl MemoryRecords {
    /// Every stored value, for tests that check nothing secret is kept.
    pub fn dump(&self) -> Vec<(String, String)> {
        self.rows.borrow().iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect()
    }
}

impl Records for MemoryRecords {
    fn get(&self, key: &str, now_ms: u64) -> Result<Option<String>, HostError> {
        Ok(self.rows.borrow().get(key).filter(|(_, expires)| *expires > now_ms).map(|(v, _)| v.clone()))
    }
    fn put(&self, key: &str, value: &str, expires_at_ms: u64) -> Result<(), HostError> {
        self.writes.set(self.writes.get() + 1);
        self.rows.borrow_mut().insert(key.to_string(), (value.to_string(), expires_at_ms));
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), HostError> {
        if self.rows.borrow_mut().remove(key).is_some() {
            self.writes.set(self.writes.get() + 1);
        }
        Ok(())
    }
    fn delete_prefix(&self, prefix: &str) -> Result<u64, HostError> {
        let mut rows = self.rows.borrow_mut();
        let before = rows.len();
        rows.retain(|k, _| !k.starts_with(prefix));
        let removed = (before - rows.len()) as u64;
        self.writes.set(self.writes.get() + removed);
        Ok(removed)
    }
    fn purge_expired(&self, now_ms: u64) -> Result<(), HostError> {
        self.rows.borrow_mut().retain(|_, (_, expires)| *expires > now_ms);
        Ok(())
    }
}
