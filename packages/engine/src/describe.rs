//! Values as the TypeScript messages print them (`describeValue`, `JSON.stringify`, `String(number)`),
//! so that a record rejected by either engine reads the same.

/// `String(x)` of a JavaScript number (shortest round-trip digits, JS's exponent rules).
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let e = format!("{:e}", x);
    let (mantissa, exponent) = e.split_once('e').unwrap_or((&e, "0"));
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n - 1 >= 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

/// `JSON.stringify` of a string.
pub fn json_string(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text cut to 40 UTF-16 code units as `describeValue` cuts it (37 and "...").
pub fn abbreviate(text: String) -> String {
    let units: usize = text.chars().map(char::len_utf16).sum();
    if units <= 40 {
        return text;
    }
    let mut out = String::new();
    let mut n = 0;
    for c in text.chars() {
        n += c.len_utf16();
        if n > 37 {
            break;
        }
        out.push(c);
    }
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        assert_eq!(js_number(1.5), "1.5");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1e20), "100000000000000000000");
        assert_eq!(js_number(1.25e-7), "1.25e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(123456.789), "123456.789");
        assert_eq!(js_number(-2.5), "-2.5");
    }

    #[test]
    fn strings_print_as_json_stringify() {
        assert_eq!(json_string("a\"b\\\n\u{1}é".as_bytes()), "\"a\\\"b\\\\\\n\\u0001é\"");
        assert_eq!(abbreviate("x".repeat(41)), format!("{}...", "x".repeat(37)));
    }
}
