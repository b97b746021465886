//! A OneLogin tenant on loopback, following ONELOGIN_API.md.
