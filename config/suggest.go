package config

// Suggest returns the candidate closest to name by edit distance when that
// distance is at most 2 (and less than the name's length), else "".
func Suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == name {
			return c
		}
		d := editDistance(name, c)
		if d < bestD && d < len(name) {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean formats a suggestion suffix, or "".
func didYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" && s != name {
		return "; did you mean \"" + s + "\"?"
	}
	return ""
}

// DidYouMean is the exported form of the suggestion suffix, for packages that
// report unknown names (columns, seed columns).
func DidYouMean(name string, candidates []string) string { return didYouMean(name, candidates) }

// editDistance is the optimal-string-alignment distance (Levenshtein plus
// adjacent transpositions), so "promt"→"prompt" is 1 and "smapler"→"sampler" is 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
