//! The Something-Something v2 class table (174 templates and their indices).
//!
//! Actions must use an exact SSv2 template with its official index, so a model trained on our clips
//! has the same outputs as one trained on the real dataset. The table is the official labels file,
//! shipped in `assets/ssv2-labels.json` and compiled in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const LABELS_JSON: &str = include_str!("../../assets/ssv2-labels.json");

/// The SSv2 labels file as shipped: template without brackets -> class index as a string.
pub fn ssv2_labels_json() -> &'static str {
    LABELS_JSON
}

fn table() -> &'static BTreeMap<String, String> {
    static TABLE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| serde_json::from_str(LABELS_JSON).expect("assets/ssv2-labels.json is valid JSON"))
}

/// The labels-file key of a template: its brackets removed.
pub fn template_key(template: &str) -> String {
    template.replace(['[', ']'], "")
}

/// The SSv2 class index of a bracketed template, if it is one of the 174.
pub fn ssv2_class_index(template: &str) -> Option<u32> {
    table().get(&template_key(template)).and_then(|index| index.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_bracketed_templates() {
        assert_eq!(table().len(), 174);
        assert_eq!(ssv2_class_index("Pushing [something] from left to right"), Some(93));
        assert_eq!(ssv2_class_index("[Something] falling like a rock"), Some(135));
        assert_eq!(ssv2_class_index("Pushing [something] from left to rigth"), None);
    }
}
