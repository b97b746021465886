//! What a cache file belongs to: the typed tenant identity plus the credential's client
//! id. Hashed into the file name (FNV-1a, stable across builds) and written whole into
//! the file, where opening checks it: a name that collides, or a file copied over, is
//! refused rather than shown as another tenant's users.

use serde::{Deserialize, Serialize};

use crate::tenant::Tenant;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    pub tenant: Tenant,
    /// The API credential's client id (never its secret).
    pub client_id: String,
}

impl CacheKey {
    pub fn new(tenant: Tenant, client_id: &str) -> CacheKey {
        CacheKey {
            tenant,
            client_id: client_id.to_string(),
        }
    }

    /// The key as stored in the file: JSON of every part.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `users-<profile>-<16 hex digits>.sqlite3`: the profile (letters, digits, `-` and
    /// `_` only, at most 32) so `ls` tells files apart, the hash so nothing else can.
    pub fn file_name(&self) -> String {
        let profile: String = self
            .tenant
            .profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(32)
            .collect();
        format!(
            "users-{profile}-{:016x}.sqlite3",
            fnv1a(self.text().as_bytes())
        )
    }
}

/// FNV-1a, 64 bit.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(profile: &str, url: &str) -> Tenant {
        Tenant::new(profile, &reqwest::Url::parse(url).unwrap())
    }

    #[test]
    fn every_part_of_the_key_names_another_file() {
        let a = CacheKey::new(tenant("prod", "https://api.us.onelogin.com"), "id-1");
        let name = a.file_name();
        assert!(
            name.starts_with("users-prod-") && name.ends_with(".sqlite3"),
            "{name}"
        );
        assert_eq!(name, a.clone().file_name(), "stable");
        for other in [
            CacheKey::new(tenant("prod", "https://api.us.onelogin.com"), "id-2"),
            CacheKey::new(tenant("prod", "https://api.eu.onelogin.com"), "id-1"),
            CacheKey::new(tenant("test", "https://api.us.onelogin.com"), "id-1"),
            CacheKey::new(tenant("prod", "http://127.0.0.1:8089"), "id-1"),
        ] {
            assert_ne!(other.file_name(), name, "{other:?}");
        }
        let odd = CacheKey::new(tenant("a/../b c", "https://x.onelogin.com"), "i");
        assert!(
            odd.file_name().starts_with("users-a____b_c-"),
            "{}",
            odd.file_name()
        );
    }
}
