//! CPE 2.3 formatted strings (NIST IR 7695 §6.2): `cpe:2.3:part:vendor:product:version:update:
//! edition:language:sw_edition:target_sw:target_hw:other`, with `\` escaping a `:` or other
//! punctuation inside a field. `*` is ANY, `-` is NA (no value).

/// The fields matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub update: String,
}

/// Splits a CPE 2.3 formatted string into its fields; None when it is not one.
pub fn parse(s: &str) -> Option<Cpe> {
    let rest = s.strip_prefix("cpe:2.3:")?;
    let mut fields: Vec<String> = Vec::with_capacity(11);
    let mut current = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next()?),
            ':' => fields.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    fields.push(current);
    if fields.len() != 11 {
        return None;
    }
    let mut f = fields.into_iter();
    let mut next = || f.next().unwrap_or_default().to_ascii_lowercase();
    Some(Cpe { part: next(), vendor: next(), product: next(), version: next(), update: next() })
}

impl Cpe {
    /// The version this CPE names, with its update when that is a release-candidate-like
    /// qualifier (`linux_kernel:6.8:rc1` is 6.8-rc1); None for ANY or NA.
    pub fn exact_version(&self) -> Option<String> {
        if matches!(self.version.as_str(), "*" | "-" | "") {
            return None;
        }
        match self.update.as_str() {
            "*" | "-" | "" => Some(self.version.clone()),
            u => Some(format!("{}-{u}", self.version)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_escapes() {
        let c = parse("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*").unwrap();
        assert_eq!((c.vendor.as_str(), c.product.as_str(), c.version.as_str()), ("openssl", "openssl", "1.0.2k"));
        assert_eq!(c.exact_version().as_deref(), Some("1.0.2k"));
        let k = parse("cpe:2.3:o:linux:linux_kernel:6.8:rc1:*:*:*:*:*:*").unwrap();
        assert_eq!(k.exact_version().as_deref(), Some("6.8-rc1"));
        let e = parse("cpe:2.3:a:vendor:prod\\:uct:1.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!(e.product, "prod:uct");
        assert_eq!(parse("cpe:2.3:a:x:y").map(|c| c.vendor), None);
        assert_eq!(parse("cpe:/a:x:y:1").map(|c| c.vendor), None);
        assert_eq!(parse("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*").unwrap().exact_version(), None);
    }
}
