package aftersale

import "strings"

// ProductKey is what two item names must share to name the same product in
// copy: the name trimmed, its inner white space made single, ignoring case.
// "" for a name that is empty.
func ProductKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// ByProduct returns lines with every line that names the same product as an
// earlier one (ProductKey of name) folded into that earlier one by merge,
// so that copy names each product once: two lines of "IPod Nano - 8GB"
// become one. Lines without a name stay as they are, in order. lines is
// not changed.
func ByProduct[T any](lines []T, name func(T) string, merge func(into *T, dup T)) []T {
	out := make([]T, 0, len(lines))
	at := map[string]int{}
	for _, l := range lines {
		k := ProductKey(name(l))
		if i, ok := at[k]; ok && k != "" {
			merge(&out[i], l)
			continue
		}
		if k != "" {
			at[k] = len(out)
		}
		out = append(out, l)
	}
	return out
}

// OrderLabel is how copy names an order after the word "order": ref (an
// order's Ref, the number the buyer knows or else the shop's id) with a
// "#" in front when it starts with a digit, as shops write their numbers:
// "#1001" for "1001" and for "#1001"; "R-88" stays "R-88"; "" stays "".
func OrderLabel(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref != "" && ref[0] >= '0' && ref[0] <= '9' {
		return "#" + ref
	}
	return ref
}
