//! Values by name, sorted by name: what the engine's small maps need (a model's few regressors
//! and conditions, a series' labels) without a map type's code in the wasm module for each
//! value type (docs/benchmarks.md, "Maps cost kilobytes each").

/// Values by name, sorted by name, one value per name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ByName<V>(Vec<(String, V)>);

impl<V> Default for ByName<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> ByName<V> {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    /// Sets `name` to `value`, replacing its value if it has one.
    pub(crate) fn insert(&mut self, name: String, value: V) {
        match self.position(&name) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&V> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// (name, value) pairs by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[cfg(feature = "prophet")]
    pub(crate) fn into_pairs(self) -> impl Iterator<Item = (String, V)> {
        self.0.into_iter()
    }
}
