//! The wasm edge: the Workers entry point and the adapters that implement the core ports.
