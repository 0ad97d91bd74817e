//! Wildcard matching in time linear in the input.
//!
//! A pattern is segments between `*`s. The first segment must match at the start,
//! the last at the end; each middle segment is placed at its leftmost occurrence
//! after the previous one, which is optimal (a later placement never leaves more
//! room). `?`s at a segment's edges only move the search (`*?` is `?*`); a segment
//! with `?`s inside is found with the bit-parallel Shift-And algorithm
//! (Baeza-Yates and Gonnet), one pass over the input. So matching costs
//! O(n · ⌈m/64⌉) for an input of n characters and a segment of m, never the
//! O(n · m) of backtracking to the last star.

use std::collections::HashMap;

use super::Token;

/// Whether `input` matches the tokens (`Var` tokens must be resolved: one that is
/// not matches nothing).
pub(super) fn matches(tokens: &[Token], input: &str) -> bool {
    let mut segments = tokens.split(|t| matches!(t, Token::Star));
    let Some(first) = segments.next() else {
        return input.is_empty();
    };
    let Some(last) = segments.next_back() else {
        return prefix(first, input) == Some(input.len());
    };
    let (Some(mut pos), Some(limit)) = (prefix(first, input), suffix(last, input)) else {
        return false;
    };
    if limit < pos {
        return false;
    }
    for middle in segments {
        match find(middle, input, pos, limit) {
            Some(end) => pos = end,
            None => return false,
        }
    }
    true
}

/// Where a match of `segment` at the start of `input` ends.
fn prefix(segment: &[Token], input: &str) -> Option<usize> {
    let mut i = 0;
    for t in segment {
        i = step(t, input, i, input.len())?;
    }
    Some(i)
}

/// Where a match of `segment` at the end of `input` starts.
fn suffix(segment: &[Token], input: &str) -> Option<usize> {
    let mut i = input.len();
    for t in segment.iter().rev() {
        i = match t {
            Token::Lit(l) => input[..i].ends_with(l.as_str()).then(|| i - l.len())?,
            Token::One => i - input[..i].chars().next_back()?.len_utf8(),
            Token::Star | Token::Var { .. } => return None,
        };
    }
    Some(i)
}

/// Matches one token at `i`, before `limit`: where it ends.
fn step(t: &Token, input: &str, i: usize, limit: usize) -> Option<usize> {
    let end = match t {
        Token::Lit(l) => input[i..].starts_with(l.as_str()).then(|| i + l.len())?,
        Token::One => i + input[i..].chars().next()?.len_utf8(),
        Token::Star | Token::Var { .. } => return None,
    };
    (end <= limit).then_some(end)
}

/// Where the leftmost match of `segment` within `input[pos..limit]` ends.
fn find(segment: &[Token], input: &str, pos: usize, limit: usize) -> Option<usize> {
    let leading = segment.iter().take_while(|t| **t == Token::One).count();
    let trailing = segment[leading..]
        .iter()
        .rev()
        .take_while(|t| **t == Token::One)
        .count();
    let core = &segment[leading..segment.len() - trailing];
    let mut pos = pos;
    for _ in 0..leading {
        pos = step(&Token::One, input, pos, limit)?;
    }
    let mut end = if core.is_empty() {
        pos
    } else if core.iter().all(|t| matches!(t, Token::Lit(_))) {
        let literal: String = core
            .iter()
            .filter_map(|t| match t {
                Token::Lit(l) => Some(l.as_str()),
                _ => None,
            })
            .collect();
        pos + input[pos..limit].find(&literal)? + literal.len()
    } else {
        pos + shift_and(core, &input[pos..limit])?
    };
    for _ in 0..trailing {
        end = step(&Token::One, input, end, limit)?;
    }
    Some(end)
}

/// Where the leftmost match of `core` (literals and `?`s) in `text` ends, in one
/// pass: bit `j` of the state is set when the last characters read match the first
/// `j + 1` units of `core`.
fn shift_and(core: &[Token], text: &str) -> Option<usize> {
    let mut units: Vec<Option<char>> = Vec::new();
    for t in core {
        match t {
            Token::Lit(l) => units.extend(l.chars().map(Some)),
            Token::One => units.push(None),
            Token::Star | Token::Var { .. } => return None,
        }
    }
    let m = units.len();
    let words = m.div_ceil(64);
    let mut any = vec![0u64; words];
    for (j, u) in units.iter().enumerate() {
        if u.is_none() {
            any[j / 64] |= 1 << (j % 64);
        }
    }
    // A character's mask: the units it matches (its own, and every `?`).
    let mut masks: HashMap<char, Vec<u64>> = HashMap::new();
    for (j, u) in units.iter().enumerate() {
        if let Some(c) = u {
            masks.entry(*c).or_insert_with(|| any.clone())[j / 64] |= 1 << (j % 64);
        }
    }
    let (last_word, last_bit) = ((m - 1) / 64, 1u64 << ((m - 1) % 64));
    let mut state = vec![0u64; words];
    for (i, c) in text.char_indices() {
        let mask = masks.get(&c).unwrap_or(&any);
        let mut carry = 1u64;
        for (w, word) in state.iter_mut().enumerate() {
            let next_carry = *word >> 63;
            *word = ((*word << 1) | carry) & mask[w];
            carry = next_carry;
        }
        if state[last_word] & last_bit != 0 {
            return Some(i + c.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tokens(pattern: &str) -> Vec<Token> {
        let mut out: Vec<Token> = Vec::new();
        for c in pattern.chars() {
            match c {
                '*' => {
                    if out.last() != Some(&Token::Star) {
                        out.push(Token::Star)
                    }
                }
                '?' => out.push(Token::One),
                c => match out.last_mut() {
                    Some(Token::Lit(l)) => l.push(c),
                    _ => out.push(Token::Lit(c.to_string())),
                },
            }
        }
        out
    }

    /// The textbook dynamic program over characters: obviously right, quadratic.
    fn reference(pattern: &str, input: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = input.chars().collect();
        let mut row = vec![false; s.len() + 1];
        row[0] = true;
        for pc in &p {
            let mut next = vec![false; s.len() + 1];
            for j in 0..=s.len() {
                next[j] = match pc {
                    '*' => row[j] || (j > 0 && next[j - 1]),
                    '?' => j > 0 && row[j - 1],
                    c => j > 0 && row[j - 1] && s[j - 1] == *c,
                };
            }
            row = next;
        }
        row[s.len()]
    }

    #[test]
    fn examples() {
        for (p, s, expected) in [
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("*?", "", false),
            ("*??????", "abcdef", true),
            ("*??????", "abcde", false),
            ("*a?c*", "xxabcxx", true),
            ("*a?c*", "xxacxx", false),
            ("ab*ba", "aba", false),
            ("ab*ba", "abba", true),
            ("*é?é*", "xéxéy", true),
            ("?é", "xé", true),
        ] {
            assert_eq!(matches(&tokens(p), s), expected, "{p:?} ~ {s:?}");
            assert_eq!(reference(p, s), expected, "reference: {p:?} ~ {s:?}");
        }
    }

    #[test]
    fn segments_longer_than_a_word() {
        let core = format!("a{}b", "?".repeat(100));
        let text = format!("{}a{}b", "a".repeat(500), "x".repeat(100));
        assert!(matches(&tokens(&format!("*{core}")), &text));
        assert!(matches(&tokens(&format!("*{core}*")), &text));
        assert!(!matches(
            &tokens(&format!("*{core}*")),
            &text[..text.len() - 1]
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_the_dynamic_program(
            pattern in "[ab*?é]{0,12}",
            input in "[abé]{0,16}",
        ) {
            prop_assert_eq!(matches(&tokens(&pattern), &input), reference(&pattern, &input));
        }
    }
}
