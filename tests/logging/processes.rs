//! Panics and configuration errors in real processes (the probe fixture).
