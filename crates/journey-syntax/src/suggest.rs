//! "Did you mean ...?": the closest known name to a misspelt one.

/// Edit distance between `a` and `b` in characters (insertions, deletions,
/// substitutions and transpositions of neighbours, as in "optimal string alignment"),
/// with costs doubled so that a difference of ASCII case alone costs half an edit:
/// `initialReminder` is closer to `InitialReminder` than any real typo.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i * 2;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j * 2;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = if a[i - 1] == b[j - 1] {
                0
            } else if a[i - 1].eq_ignore_ascii_case(&b[j - 1]) {
                1
            } else {
                2
            };
            let mut best = (d[(i - 1) * width + j] + 2)
                .min(d[i * width + j - 1] + 2)
                .min(d[(i - 1) * width + j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 2);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The candidate closest to `word`, if one is close enough to be a likely typo:
/// at most a third of the word's length in edits (at least one edit), ties broken
/// by the candidate that comes first in alphabetical order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count().max(3) / 3) * 2;
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(closest("sned", ["send", "wait", "split"]), Some("send"));
        assert_eq!(closest("jouney", ["journey", "trigger"]), Some("journey"));
        assert_eq!(closest("Subscriber", ["Subscribers", "Unsubscribed"]), Some("Subscribers"));
        assert_eq!(closest("InitialRemider", ["InitialReminder", "SecondReminder"]), Some("InitialReminder"));
        assert_eq!(closest("initialreminder", ["InitialReminder"]), Some("InitialReminder"));
        assert_eq!(closest("xyz", ["send", "wait"]), None);
        assert_eq!(closest("send", ["send"]), None);
    }
}
