//! Macros shared by the middleware of this module.

/// The accessors of the wrapped service, for the `impl<S>` block of a middleware
/// service whose inner service is the field `inner` (as tower-http writes them).
macro_rules! define_inner_service_accessors {
    () => {
        /// The wrapped service.
        pub fn get_ref(&self) -> &S {
            &self.inner
        }

        /// The wrapped service, mutably.
        pub fn get_mut(&mut self) -> &mut S {
            &mut self.inner
        }

        /// The wrapped service, unwrapped.
        pub fn into_inner(self) -> S {
            self.inner
        }
    };
}
