//! A tenant as a typed value: the profile that names it and the API address it answers on.
//!
//! Journals record it, `resume` and `undo` compare it, the status bar shows it. Two tenants
//! are the same when every part is equal, compared by value; nothing cuts `://` out of a
//! string to find out.

use std::fmt;

use reqwest::Url;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tenant {
    /// The profile the settings were read for (`default` when none was named).
    pub profile: String,
    /// `https`, or `http` on loopback (the sandbox).
    pub scheme: String,
    /// The API /1 host, lower-cased as URLs keep it (an IPv6 address in brackets).
    pub host: String,
    /// The port, the scheme's default when the URL names none.
    pub port: u16,
}

impl Tenant {
    /// The tenant a client on `base_url` talks to, under `profile`.
    pub fn new(profile: &str, base_url: &Url) -> Tenant {
        Tenant {
            profile: profile.to_string(),
            scheme: base_url.scheme().to_string(),
            host: base_url.host_str().unwrap_or_default().to_string(),
            port: base_url.port_or_known_default().unwrap_or_default(),
        }
    }

    /// `api.us.onelogin.com`, or `127.0.0.1:8089` when the port is not the scheme's own:
    /// how screens and journals name the API.
    pub fn address(&self) -> String {
        let default_port = match self.scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => 0,
        };
        if self.port == default_port {
            self.host.clone()
        } else {
            // An IPv6 host keeps its brackets here (`[::1]:8089`), as URLs write it.
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Tenant {
    /// `api.us.onelogin.com (profile `prod`)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (profile `{}`)", self.address(), self.profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(profile: &str, url: &str) -> Tenant {
        Tenant::new(profile, &Url::parse(url).unwrap())
    }

    #[test]
    fn the_same_tenant_however_the_url_is_written() {
        let a = tenant("prod", "https://api.us.onelogin.com");
        assert_eq!(a, tenant("prod", "https://API.us.onelogin.com:443/"));
        assert_eq!(a.address(), "api.us.onelogin.com");
        assert_eq!(a.to_string(), "api.us.onelogin.com (profile `prod`)");
    }

    #[test]
    fn every_part_tells_tenants_apart() {
        let a = tenant("prod", "https://api.us.onelogin.com");
        assert_ne!(a, tenant("test", "https://api.us.onelogin.com"));
        assert_ne!(a, tenant("prod", "https://api.eu.onelogin.com"));
        assert_ne!(a, tenant("prod", "https://api.us.onelogin.com:8443"));
        let sandbox = tenant("sandbox", "http://127.0.0.1:8089");
        assert_ne!(sandbox, tenant("sandbox", "http://127.0.0.1:8090"));
        assert_eq!(sandbox.address(), "127.0.0.1:8089");
        assert_eq!(tenant("v6", "http://[::1]:8089").address(), "[::1]:8089");
    }
}
