//! A small JSON writer for the view's data (pub(crate)): objects and
//! arrays written straight into one `String`, strings escaped so that the
//! text can sit inside an HTML `<script>` element (`<` is `\u003c`, so no
//! `</script>` can end it early).

use std::fmt::Write;

/// JSON text under construction.
pub(crate) struct Json {
    out: String,
    /// Whether the container being written needs a comma before its next item.
    comma: Vec<bool>,
}

impl Json {
    pub(crate) fn new() -> Json {
        Json {
            out: String::new(),
            comma: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> String {
        debug_assert!(self.comma.is_empty(), "a JSON container left open");
        self.out
    }

    fn item(&mut self) {
        if let Some(c) = self.comma.last_mut() {
            if *c {
                self.out.push(',');
            }
            *c = true;
        }
    }

    pub(crate) fn open_object(&mut self) -> &mut Json {
        self.item();
        self.out.push('{');
        self.comma.push(false);
        self
    }

    pub(crate) fn close_object(&mut self) -> &mut Json {
        self.comma.pop();
        self.out.push('}');
        self
    }

    pub(crate) fn open_array(&mut self) -> &mut Json {
        self.item();
        self.out.push('[');
        self.comma.push(false);
        self
    }

    pub(crate) fn close_array(&mut self) -> &mut Json {
        self.comma.pop();
        self.out.push(']');
        self
    }

    /// A key of the object being written; its value comes next.
    pub(crate) fn key(&mut self, key: &str) -> &mut Json {
        self.item();
        escape(&mut self.out, key);
        self.out.push(':');
        // The value follows the key without a comma.
        if let Some(c) = self.comma.last_mut() {
            *c = false;
        }
        self
    }

    pub(crate) fn str(&mut self, s: &str) -> &mut Json {
        self.item();
        escape(&mut self.out, s);
        self
    }

    pub(crate) fn num(&mut self, n: u64) -> &mut Json {
        self.item();
        // Past 2^53 a JavaScript number loses digits: virtual times that
        // large are clamped (they are centuries).
        let _ = write!(self.out, "{}", n.min(1 << 53));
        self
    }

    /// A signed number (`-1` for "none" in the events' rows).
    pub(crate) fn int(&mut self, n: i64) -> &mut Json {
        self.item();
        let _ = write!(self.out, "{n}");
        self
    }

    pub(crate) fn bool(&mut self, b: bool) -> &mut Json {
        self.item();
        self.out.push_str(if b { "true" } else { "false" });
        self
    }

    pub(crate) fn null(&mut self) -> &mut Json {
        self.item();
        self.out.push_str("null");
        self
    }

    pub(crate) fn opt_num(&mut self, n: Option<u64>) -> &mut Json {
        match n {
            Some(n) => self.num(n),
            None => self.null(),
        }
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) -> &mut Json {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }
}

/// `s` as a JSON string, safe inside an HTML script element.
fn escape(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line and paragraph separators end a line in older JavaScript.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_values_with_commas() {
        let mut j = Json::new();
        j.open_object();
        j.key("a").num(1);
        j.key("b")
            .open_array()
            .num(2)
            .str("x")
            .null()
            .bool(true)
            .close_array();
        j.key("c").open_object().key("d").int(-1).close_object();
        j.close_object();
        assert_eq!(j.finish(), r#"{"a":1,"b":[2,"x",null,true],"c":{"d":-1}}"#);
    }

    #[test]
    fn strings_cannot_end_the_script_element() {
        let mut j = Json::new();
        j.str("</script><!-- \"q\" \\ \n \u{1} \u{2028}");
        let s = j.finish();
        assert!(!s.contains('<') && !s.contains('>'));
        assert_eq!(
            s,
            r#""\u003c/script\u003e\u003c!-- \"q\" \\ \n \u0001 \u2028""#
        );
    }
}
