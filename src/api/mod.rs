//! The OneLogin client: HTTP and JSON/XML, nothing of screens.
