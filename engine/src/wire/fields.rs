//! Named byte ranges of every header field, for the header inspector.
