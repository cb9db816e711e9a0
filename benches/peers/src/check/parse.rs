//! The two line formats of Porcupine's test data, read by hand (no regex
//! crate): Jepsen's log lines for etcd, and Jepsen's map syntax for the
//! key-value histories.

/// One line of an etcd log:
/// `INFO  jepsen.util - 3\t:ok\t:cas\t[1 4]`.
pub struct EtcdLine<'a> {
    pub process: u64,
    /// `:invoke`, `:ok`, `:fail` or `:info`.
    pub kind: &'a str,
    /// `:read`, `:write` or `:cas`.
    pub f: &'a str,
    /// What follows, split at white space: `nil`, `4`, `[1`, `4]`, `:timed-out`.
    pub args: Vec<&'a str>,
}

pub fn etcd_line(line: &str) -> Result<EtcdLine<'_>, String> {
    let mut words = line.split_whitespace();
    if (words.next(), words.next(), words.next()) != (Some("INFO"), Some("jepsen.util"), Some("-"))
    {
        return Err("not a jepsen.util line".into());
    }
    let process = number(words.next().ok_or("no process")?)?;
    let kind = words.next().ok_or("no type")?;
    let f = words.next().ok_or("no function")?;
    Ok(EtcdLine {
        process: u64::from(process),
        kind,
        f,
        args: words.collect(),
    })
}

pub fn number(word: &str) -> Result<u32, String> {
    word.parse().map_err(|_| format!("not a number: {word:?}"))
}

/// One line of a key-value history:
/// `{:process 3, :type :ok, :f :get, :key "7", :value "x 3 1 y"}`.
pub struct KvLine {
    pub process: u64,
    /// `invoke`, `ok`, `fail` or `info` (without the colon).
    pub kind: String,
    /// `get`, `put` or `append`.
    pub f: String,
    pub key: String,
    /// `None` for `nil`.
    pub value: Option<String>,
}

/// The value of one field of the map.
enum Field {
    Keyword(String),
    Text(String),
    Word(String),
}

/// `:name value` pairs separated by `, `, inside braces; a value is a
/// keyword (`:ok`), a string in double quotes (with `\` escapes), or a bare
/// word (`3`, `nil`).
fn fields(line: &str) -> Result<Vec<(String, Field)>, String> {
    let inner = line
        .trim()
        .strip_prefix('{')
        .and_then(|l| l.strip_suffix('}'))
        .ok_or("not a {...} map")?;
    let mut chars = inner.chars().peekable();
    let mut out = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(c) = chars.next() else {
            return Ok(out);
        };
        if c != ':' {
            return Err(format!("a field name should start with ':', not {c:?}"));
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect();
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = match chars.peek() {
            Some('"') => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => text.push(chars.next().ok_or("a dangling escape")?),
                        Some(c) => text.push(c),
                        None => return Err("an unterminated string".into()),
                    }
                }
                Field::Text(text)
            }
            Some(_) => {
                let word: String = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
                let word = word.trim().to_string();
                match word.strip_prefix(':') {
                    Some(k) => Field::Keyword(k.to_string()),
                    None => Field::Word(word),
                }
            }
            None => return Err(format!("no value for :{name}")),
        };
        out.push((name, value));
    }
}

pub fn kv_line(line: &str) -> Result<KvLine, String> {
    let (mut process, mut kind, mut f, mut key, mut value) = (None, None, None, None, None);
    for (name, field) in fields(line)? {
        match (name.as_str(), field) {
            ("process", Field::Word(w)) => process = Some(u64::from(number(&w)?)),
            ("type", Field::Keyword(k)) => kind = Some(k),
            ("f", Field::Keyword(k)) => f = Some(k),
            ("key", Field::Text(t)) => key = Some(t),
            ("value", Field::Text(t)) => value = Some(Some(t)),
            ("value", Field::Word(w)) if w == "nil" => value = Some(None),
            (other, _) => return Err(format!("unexpected field :{other}")),
        }
    }
    Ok(KvLine {
        process: process.ok_or("no :process")?,
        kind: kind.ok_or("no :type")?,
        f: f.ok_or("no :f")?,
        key: key.ok_or("no :key")?,
        value: value.ok_or("no :value")?,
    })
}
