//! URL state: `?scenario=curl&step=5&speed=1&autoplay=0&isn=fixed&theme=dark&embed=1`
//! (and `compare=newreno`, `mode=predict&level=full`, run by the build with modern TCP)
//! (or the same after `#`). Parsing never fails: a bad parameter keeps its
//! default and yields a notice saying which one and why.

use tcpsim::scenario;

/// The speeds offered, as written in URLs and menus. Matched as text, so
/// the page needs no float parser or printer (smaller wasm).
pub const SPEEDS: [(&str, f64); 5] = [("0.25", 0.25), ("0.5", 0.5), ("1", 1.0), ("2", 2.0), ("4", 4.0)];

/// The speed a menu or URL value names.
pub fn speed_named(name: &str) -> Option<f64> {
    SPEEDS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// How a speed is written.
pub fn speed_name(speed: f64) -> &'static str {
    SPEEDS.iter().find(|(_, s)| *s == speed).map_or("1", |(n, _)| n)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    Auto,
    Light,
    Dark,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub scenario: String,
    pub step: usize,
    pub speed: f64,
    pub autoplay: bool,
    pub random_isn: bool,
    pub theme: Theme,
    pub embed: bool,
    /// Run the scenario a second time with this change to both hosts and
    /// show the two side by side (`tcpsim::scenario::compare::Variant`).
    /// Only the build with modern TCP checks the id: another build hands
    /// the page over to that one.
    pub compare: Option<String>,
    /// Predict mode (`mode=predict`): the learner says what each segment
    /// will be before it is shown. Run by the build with modern TCP.
    pub predict: bool,
    /// Predict mode asks for every field (`level=full`), not only what the
    /// step teaches.
    pub full_level: bool,
    /// A capture file next to the page to open and replay
    /// (`capture=captures/x.pcap`), in the build that reads captures.
    pub capture: Option<String>,
    /// Each host's program shown beside the ladder (`code=1`), in the
    /// build that has the socket calls.
    pub code: bool,
    /// The plots unfolded (`plots=1`), in the build that draws them.
    pub plots: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            scenario: "curl".into(),
            step: 0,
            speed: 1.0,
            autoplay: false,
            random_isn: false,
            theme: Theme::Auto,
            embed: false,
            compare: None,
            predict: false,
            full_level: false,
            capture: None,
            code: false,
            plots: false,
        }
    }
}

impl Params {
    /// Parses a query string (with or without its leading `?` or `#`).
    /// Returns the parameters and one notice per ignored parameter.
    pub fn parse(query: &str) -> (Params, Vec<String>) {
        let mut p = Params::default();
        let mut notices = Vec::new();
        let query = query.trim_start_matches(['?', '#']);
        for pair in query.split('&').filter(|s| !s.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(raw_key);
            let value = decode(raw_value);
            if let Err(why) = p.set(&key, &value) {
                notices.push(format!("Ignored “{}”: {why}", shorten(&format!("{key}={value}"))));
            }
        }
        (p, notices)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "scenario" => {
                if scenario::find(value).is_none() {
                    let known: Vec<&str> = scenario::ALL.iter().map(|s| s.id).collect();
                    return Err(format!("no scenario has this id (known: {})", known.join(", ")));
                }
                self.scenario = value.to_string();
            }
            "step" => {
                self.step = value
                    .parse()
                    .map_err(|_| "the step must be a whole number, 0 or more".to_string())?
            }
            "speed" => {
                self.speed =
                    speed_named(value).ok_or_else(|| "the speed must be one of 0.25, 0.5, 1, 2, 4".to_string())?;
            }
            "compare" => self.compare = Some(compare_id(value)?),
            "mode" => {
                self.predict = match value {
                    "watch" => false,
                    "predict" => true,
                    _ => return Err("mode must be watch or predict".into()),
                }
            }
            "level" => {
                self.full_level = match value {
                    "easy" => false,
                    "full" => true,
                    _ => return Err("level must be easy or full".into()),
                }
            }
            "capture" => {
                // A path on this site: no other host, and never sent anywhere.
                if value.is_empty() || value.contains("://") || value.starts_with("//") || value.len() > 300 {
                    return Err("capture must be the path of a file on this site".into());
                }
                self.capture = Some(value.to_string());
            }
            "autoplay" => self.autoplay = flag(value)?,
            "code" => self.code = flag(value)?,
            "plots" => self.plots = flag(value)?,
            "embed" => self.embed = flag(value)?,
            "isn" => {
                self.random_isn = match value {
                    "fixed" => false,
                    "random" => true,
                    _ => return Err("isn must be fixed or random".into()),
                }
            }
            "theme" => {
                self.theme = match value {
                    "light" => Theme::Light,
                    "dark" => Theme::Dark,
                    "auto" => Theme::Auto,
                    _ => return Err("theme must be light, dark or auto".into()),
                }
            }
            _ => return Err("this page has no such parameter".into()),
        }
        Ok(())
    }

    /// The query string that reopens this view (defaults left out, except
    /// the scenario and step, which a shared link should always name).
    pub fn to_query(&self) -> String {
        let mut q = format!("?scenario={}&step={}", self.scenario, self.step);
        if self.speed != 1.0 {
            q.push_str(&format!("&speed={}", speed_name(self.speed)));
        }
        if self.autoplay {
            q.push_str("&autoplay=1");
        }
        if self.random_isn {
            q.push_str("&isn=random");
        }
        match self.theme {
            Theme::Auto => {}
            Theme::Light => q.push_str("&theme=light"),
            Theme::Dark => q.push_str("&theme=dark"),
        }
        if self.embed {
            q.push_str("&embed=1");
        }
        if let Some(id) = &self.compare {
            q.push_str("&compare=");
            q.push_str(id);
        }
        if self.predict {
            q.push_str("&mode=predict");
        }
        if self.full_level {
            q.push_str("&level=full");
        }
        if self.code {
            q.push_str("&code=1");
        }
        if self.plots {
            q.push_str("&plots=1");
        }
        if let Some(path) = &self.capture {
            q.push_str("&capture=");
            q.push_str(&encode(path));
        }
        q
    }
}

/// `text` safe in a query value: what is not a letter, digit or one of
/// `-._~/` is %-escaped.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.extend(['%', HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]);
        }
    }
    out
}

/// A `compare=` value: a variant's id, checked where variants exist.
#[cfg(feature = "full")]
fn compare_id(value: &str) -> Result<String, String> {
    use tcpsim::scenario::compare::Variant;
    match Variant::parse(value) {
        Some(v) => Ok(v.id().into()),
        None => {
            let known: Vec<&str> = Variant::ALL.iter().map(|v| v.id()).collect();
            Err(format!("nothing to compare has this id (known: {})", known.join(", ")))
        }
    }
}

/// Kept as written (URL-safe), for the build that checks it.
#[cfg(not(feature = "full"))]
fn compare_id(value: &str) -> Result<String, String> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(value.into())
    } else {
        Err("not an id".into())
    }
}

fn flag(value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err("must be 0 or 1".into()),
    }
}

/// Percent-decoding (and `+` as space), tolerant: a bad escape stays as is,
/// and so does a value whose escapes do not decode to UTF-8.
fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Keeps notices short when someone pastes a very long value.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_path_on_this_site_round_trips_and_other_hosts_are_refused() {
        let (p, notices) = Params::parse("?capture=captures/my%20trace.pcap&step=2");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(p.capture.as_deref(), Some("captures/my trace.pcap"));
        assert!(p.to_query().contains("&capture=captures/my%20trace.pcap"));
        assert_eq!(Params::parse(&p.to_query()).0, p);
        for bad in ["https://evil.example/x.pcap", "//evil.example/x.pcap", ""] {
            let (p, notices) = Params::parse(&format!("capture={bad}"));
            assert_eq!(p.capture, None, "{bad}");
            assert!(
                notices[0].contains("capture must be the path of a file on this site"),
                "{notices:?}"
            );
        }
    }

    #[test]
    fn defaults_and_valid_values() {
        let (p, notices) = Params::parse("?scenario=curl&step=5&speed=0.5&autoplay=1&isn=random&theme=dark&embed=1");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(p.step, 5);
        assert_eq!(p.speed, 0.5);
        assert!(p.autoplay && p.random_isn && p.embed);
        assert_eq!(p.theme, Theme::Dark);
        assert_eq!(Params::parse(&p.to_query()).0, p);
    }

    #[test]
    fn bad_values_keep_defaults_with_a_notice_each() {
        let (p, notices) = Params::parse("step=-3&speed=9&theme=pink&bogus=1&isn=&scenario=nope&%zz=%");
        assert_eq!(p, Params::default());
        assert_eq!(notices.len(), 7, "{notices:?}");
        assert!(notices[0].contains("step=-3"));
    }

    #[test]
    fn escapes_that_are_not_utf8_are_reported_as_written() {
        let (p, notices) = Params::parse("?theme=%ff%fe");
        assert_eq!(p.theme, Params::default().theme);
        assert!(notices[0].contains("theme=%ff%fe"), "{notices:?}");
    }

    #[test]
    fn compare_names_a_variant() {
        let (p, notices) = Params::parse("?scenario=sack&compare=no-sack");
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(p.compare.as_deref(), Some("no-sack"));
        assert_eq!(Params::parse(&p.to_query()).0, p);
        // An id with characters a URL would escape is never kept.
        let (p, notices) = Params::parse("?compare=%3Cb%3E");
        assert_eq!((p.compare, notices.len()), (None, 1));
        #[cfg(feature = "full")]
        assert!(Params::parse("?compare=vegas").1[0].contains("known: newreno"));
    }

    #[test]
    fn hash_form_and_escapes() {
        let (p, notices) = Params::parse("#step=2&theme=%6Cight");
        assert!(notices.is_empty());
        assert_eq!((p.step, p.theme), (2, Theme::Light));
    }
}
