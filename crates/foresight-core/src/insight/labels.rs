//! A series' Prometheus-style labels.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::by_name::ByName;

/// Labels (name → value), sorted by name, one value per name; read and written as a JSON
/// object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(ByName<String>);

impl Labels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing its value if it has one.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// (name, value) pairs by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n, v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut labels = Labels::new();
        for (k, v) in pairs {
            labels.insert(k, v);
        }
        labels
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of label names to string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
                let mut labels = Labels::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    labels.insert(k, v);
                }
                Ok(labels)
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::Labels;

    #[test]
    fn sorted_by_name_one_value_per_name() {
        let mut l: Labels = [("job", "api"), ("instance", "a")].into_iter().collect();
        l.insert("job", "web");
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            [("instance", "a"), ("job", "web")]
        );
        assert_eq!(l.get("job"), Some("web"));
        assert_eq!(l.get("zone"), None);
        let read: Labels = serde_json::from_str(r#"{"b":"2","a":"1"}"#).unwrap();
        assert_eq!(
            read,
            Labels::from([("a".into(), "1".into()), ("b".into(), "2".into())])
        );
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"a":"1","b":"2"}"#
        );
        assert!(serde_json::from_str::<Labels>(r#"{"a":1}"#).is_err());
    }
}
