//! Typed configuration parts (pub(crate)): the settings of the floors above
//! the driver, carried by [`Builder`](super::Builder) for a whole run and by
//! a node for itself, without the driver knowing their types.
//!
//! A floor defines its settings as a type that implements [`Part`] and adds
//! the builder method that sets it in its own module (an `impl Builder`
//! block there), so that a new floor needs no edit here. At
//! [`Builder::try_build`](super::Builder::try_build) every part is validated
//! in the order it was first set; a floor reads its part back with
//! [`Parts::get`] (through `Core::cfg.parts` or `Core::node_part`).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::error::ConfigError;

/// One floor's settings. `Send + Sync` because a builder is shared by the
/// explorer's worker threads.
pub(crate) trait Part: Any + Send + Sync + fmt::Debug {
    /// Checks the values, naming a bad one.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// The part as `Any`, for [`Parts::get`].
    fn as_any(&self) -> &dyn Any;
}

/// At most one part of each type, in the order they were first set.
#[derive(Clone, Default)]
pub(crate) struct Parts(Vec<Arc<dyn Part>>);

impl Parts {
    /// Sets `part`, replacing a part of the same type in its place.
    pub(crate) fn set<T: Part>(&mut self, part: T) {
        let new: Arc<dyn Part> = Arc::new(part);
        match self.0.iter_mut().find(|p| p.as_any().is::<T>()) {
            Some(old) => *old = new,
            None => self.0.push(new),
        }
    }

    /// The part of type `T`, if one was set.
    pub(crate) fn get<T: Part>(&self) -> Option<&T> {
        self.0.iter().find_map(|p| p.as_any().downcast_ref::<T>())
    }

    /// Validates every part, in order; the first bad value is the error.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.0.iter().try_for_each(|p| p.validate())
    }
}

impl fmt::Debug for Parts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Speed(u32);

    impl Part for Speed {
        fn validate(&self) -> Result<(), ConfigError> {
            if self.0 == 0 {
                return Err(ConfigError::new("speed", "0", "must be positive"));
            }
            Ok(())
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[derive(Debug)]
    struct Name(&'static str);

    impl Part for Name {
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn one_part_per_type_replaced_in_place_and_validated_in_order() {
        let mut parts = Parts::default();
        assert!(parts.get::<Speed>().is_none());
        parts.set(Speed(0));
        parts.set(Name("a"));
        assert_eq!(parts.validate().unwrap_err().setting(), "speed");
        parts.set(Speed(3));
        assert_eq!(parts.get::<Speed>(), Some(&Speed(3)));
        assert_eq!(parts.get::<Name>().map(|n| n.0), Some("a"));
        assert!(parts.validate().is_ok());
        assert_eq!(format!("{parts:?}"), "[Speed(3), Name(\"a\")]");
    }
}
