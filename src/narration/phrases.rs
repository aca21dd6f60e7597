//! The sentences of every lesson's narration but the default story's,
//! read from `lessons/narration.txt`. They are fetched when such a lesson
//! opens, so the default page's wasm does not carry them.

/// Sentence templates by key; each `{}` is filled in order.
#[derive(Debug, Default, PartialEq)]
pub struct Phrases(Vec<(String, String)>);

impl Phrases {
    /// Reads `key = sentence` lines; `#` comments and blank lines are skipped.
    pub fn parse(text: &str) -> Result<Phrases, String> {
        let mut phrases = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, sentence) = line
                .split_once(" = ")
                .ok_or_else(|| format!("line {}: expected “key = sentence”", n + 1))?;
            phrases.push((key.trim().to_string(), sentence.to_string()));
        }
        Ok(Phrases(phrases))
    }

    /// The sentence `key` with its `{}` filled from `args`. A missing key
    /// shows as `⟨key⟩`, which the tests look for.
    pub fn say(&self, key: &str, args: &[&str]) -> String {
        let Some((_, template)) = self.0.iter().find(|(k, _)| k == key) else {
            return format!("⟨{key}⟩");
        };
        let mut out = String::new();
        let mut pieces = template.split("{}");
        out.push_str(pieces.next().unwrap_or_default());
        for (k, piece) in pieces.enumerate() {
            out.push_str(args.get(k).copied().unwrap_or_default());
            out.push_str(piece);
        }
        out
    }
}

/// The phrasebook as the page would fetch it, read once per test run.
#[cfg(test)]
pub(crate) fn from_disk() -> &'static Phrases {
    static PHRASES: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/engine/src/scenario/lessons/narration.txt");
        Phrases::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_each_placeholder_in_order() {
        let p = Phrases::parse("# c\n\na = The {} sends {} bytes.\nb =  lead").unwrap();
        assert_eq!(p.say("a", &["client", "72"]), "The client sends 72 bytes.");
        assert_eq!(p.say("b", &[]), " lead");
        assert_eq!(p.say("c", &[]), "⟨c⟩");
        assert!(Phrases::parse("no equals sign").is_err());
    }
}
