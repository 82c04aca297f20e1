//! A stable merge sort for the engine's few sorts (each `slice::sort_by` instantiation costs
//! kilobytes of wasm).

/// Sorts `v` stably by `le` ("a goes before or ties with b"): a bottom-up merge sort. A few
/// hundred bytes of code where each `slice::sort_by` instantiation costs kilobytes in the
/// wasm module; input already in order costs one pass.
pub fn merge_sort_by<T: Copy>(v: &mut [T], mut le: impl FnMut(&T, &T) -> bool) {
    let n = v.len();
    if v.windows(2).all(|w| le(&w[0], &w[1])) {
        return;
    }
    let mut buf = v.to_vec();
    let mut in_v = true;
    let mut width = 1;
    while width < n {
        let (src, dst) = if in_v {
            (&v[..], &mut buf[..])
        } else {
            (&buf[..], &mut v[..])
        };
        for lo in (0..n).step_by(2 * width) {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut dst[lo..hi] {
                if i < mid && (j >= hi || le(&src[i], &src[j])) {
                    *slot = src[i];
                    i += 1;
                } else {
                    *slot = src[j];
                    j += 1;
                }
            }
        }
        in_v = !in_v;
        width *= 2;
    }
    if !in_v {
        v.copy_from_slice(&buf);
    }
}

/// Sorts a vector of any element type stably by `le`, through [`merge_sort_by`] on indices
/// (so that sorting records costs no `slice::sort_by` instantiation either).
pub fn merge_sort_vec_by<T>(v: &mut Vec<T>, mut le: impl FnMut(&T, &T) -> bool) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    merge_sort_by(&mut order, |&a, &b| le(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    // `order` is a permutation, so every slot is taken exactly once.
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::{merge_sort_by, merge_sort_vec_by};

    #[test]
    fn merge_sort_is_a_stable_sort() {
        let mut seed = 7u64;
        for n in [0, 1, 2, 3, 7, 8, 9, 100, 1000] {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((seed >> 60) as u8, i)
                })
                .collect();
            let mut ours = v.clone();
            merge_sort_by(&mut ours, |a, b| a.0 <= b.0);
            let mut std = v;
            std.sort_by_key(|e| e.0);
            assert_eq!(ours, std, "n = {n}");
        }
    }

    #[test]
    fn vector_sort_moves_records_stably() {
        let mut v: Vec<(String, u8)> = [("c", 2), ("a", 1), ("b", 2), ("d", 1), ("e", 0)]
            .iter()
            .map(|(s, k)| (s.to_string(), *k))
            .collect();
        merge_sort_vec_by(&mut v, |a, b| a.1 <= b.1);
        let names: Vec<&str> = v.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["e", "a", "d", "c", "b"]);
    }
}
