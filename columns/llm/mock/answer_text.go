package mock

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// stopwords are left out of the keywords: common words and the words of the
// instructions synthgen appends to prompts.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq(`about above after again against also among another answer anything around because been
		before being below between block blocks both brief briefly code could describe description does doing down
		during each either else enough even every exactly explain fenced following format from further generate given
		have having here itself just json keep language like make many markdown match matches matching more most much
		must need nothing object only other output please properties property provide rather really required respond
		response return same schema sentence sentences shall short should show since some something such than that
		their them then there these they thing things this those through under until using valid value values very
		want well were what when where whether which while whom whose will with within without would write your
		yours include includes including answer answers reply text string number integer boolean array items type
		enum null true false python javascript typescript golang java rust ruby bash shell kotlin scala swift sql
		into onto upon less least each back just over only own same than too very can will
		exactly field fields contain contains containing one two three four five function functions method
		program script snippet query implement build create line
		heart matter look first points stand depends details vary case connects naturally shapes practical useful
		people usually start deserves closer keeping mind leads better results gist words clearer focuses let's lets take work think
		list grade rate evaluate explain summarize summarise give tell name find compare illustrate illustrates`) {
		m[w] = true
	}
	return m
}()

// The words of the mock's own sentences are stopwords too, so that a chain
// of mock answers keeps to the words of the original prompt.
func init() {
	for _, l := range [][]string{openers, middles, closers} {
		for _, t := range l {
			for w := range strings.FieldsFuncSeq(t, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
				stopwords[strings.ToLower(w)] = true
			}
		}
	}
}

// keywords returns the distinct content words of text in order of first
// appearance, at most n.
func keywords(text string, n int) []string {
	seen := map[string]bool{}
	var out []string
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '\''
	}) {
		w = strings.Trim(w, "-'")
		lw := strings.ToLower(w)
		if utf8.RuneCountInString(w) < 4 || stopwords[lw] || seen[lw] || !unicode.IsLetter([]rune(w)[0]) {
			continue
		}
		seen[lw] = true
		out = append(out, w)
		if len(out) == n {
			break
		}
	}
	return out
}

// pickKeywords chooses k keywords of the first few, keeping their order;
// with none, it returns the fallback.
func pickKeywords(r *rand.Rand, kws []string, k int, fallback string) []string {
	if len(kws) == 0 {
		out := make([]string, k)
		for i := range out {
			out[i] = fallback
		}
		return out
	}
	pool := kws[:min(len(kws), 8)]
	idx := r.Perm(len(pool))
	if len(idx) > k {
		idx = idx[:k]
	}
	// keep prompt order
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]string, 0, k)
	for _, i := range idx {
		out = append(out, pool[i])
	}
	for len(out) < k {
		out = append(out, out[len(out)%len(idx)])
	}
	return out
}

var (
	openers = []string{
		"Here is a short take on %s.",
		"When it comes to %s, a few points stand out.",
		"%s is the heart of the matter here.",
		"Let's look at %s first.",
	}
	middles = []string{
		"It connects naturally to %s, which shapes most of the practical details.",
		"Much depends on %s, and the details vary from case to case.",
		"A useful way to think about it is through %s.",
		"People who work with it usually start from %s.",
	}
	closers = []string{
		"Overall, %s deserves a closer look.",
		"In short, keeping %s in mind leads to better results.",
		"That is the gist of %s in a few words.",
		"With that, %s should be much clearer.",
	}
)

// paragraph is a short plausible paragraph mentioning a few keywords.
func paragraph(r *rand.Rand, kws []string) string {
	k := pickKeywords(r, kws, 3, "the topic")
	s := []string{
		capitalize(fmt.Sprintf(openers[r.IntN(len(openers))], k[0])),
		fmt.Sprintf(middles[r.IntN(len(middles))], k[1]),
		fmt.Sprintf(closers[r.IntN(len(closers))], k[2]),
	}
	return strings.Join(s, " ")
}

// quoteTools is the sentence quoting the tool results.
func quoteTools(results []toolResult) string {
	var parts []string
	for _, t := range results {
		parts = append(parts, fmt.Sprintf("the %s tool returned %q", t.tool, clip(t.text, 500)))
	}
	return capitalize(strings.Join(parts, "; ")) + "."
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// clip cuts s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// identifier makes a lower-case ASCII identifier of a word ("item" when
// nothing is left).
func identifier(w string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case (r >= '0' && r <= '9') && b.Len() > 0:
			b.WriteRune(r)
		case (r == '-' || r == '_' || r == ' ') && b.Len() > 0:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	if s == "" {
		return "item"
	}
	return s
}

// camel turns a snake identifier into CamelCase.
func camel(s string) string {
	var b strings.Builder
	for p := range strings.SplitSeq(s, "_") {
		b.WriteString(capitalize(p))
	}
	return b.String()
}

// asciiKeywords are the keywords usable as identifiers.
func asciiKeywords(kws []string) []string {
	var out []string
	for _, w := range kws {
		ok := true
		for _, r := range w {
			if r > unicode.MaxASCII {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, identifier(w))
		}
	}
	return out
}

// humanize turns a property name into words: "product_name" → "product name".
func humanize(k string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range k {
		switch {
		case r == '_' || r == '-' || r == '.':
			b.WriteByte(' ')
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			b.WriteByte(' ')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		prev = r
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
