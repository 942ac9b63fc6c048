package main

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// document is one entry of the bundled knowledge base: the handbook of a
// fictional company, so a model cannot answer from memory and has to call
// the tools.
type document struct {
	ID    string
	Title string
	Text  string
}

// documents is the bundled knowledge base, in a fixed order.
var documents = []document{
	{"hq", "Headquarters", "Orbital Coffee Co. is headquartered in Tallinn, Estonia, at 14 Kalamaja Street. It was founded in 2011 by Mirjam Saar and Daniel Okafor."},
	{"hours", "Store hours", "Orbital Coffee stores open at 07:00 and close at 19:00 on weekdays, and open at 08:00 and close at 17:00 on weekends. All stores are closed on January 1."},
	{"returns", "Return policy", "Unopened coffee beans can be returned within 30 days with a receipt. Opened bags can be exchanged within 7 days. Equipment can be returned within 14 days in its original packaging."},
	{"shipping", "Shipping", "Orders ship within 2 business days. Standard delivery takes 3 to 5 business days and costs 4.90 EUR; orders over 40 EUR ship free. Express delivery takes 1 business day and costs 12 EUR."},
	{"loyalty", "Loyalty program", "Orbit Club members earn 1 star per euro spent. 120 stars buy a free drink and 400 stars a free bag of beans. Stars expire 12 months after they are earned."},
	{"espresso", "House espresso", "The house espresso blend, Apogee, is 60% Brazil Cerrado and 40% Ethiopia Guji, roasted medium-dark. A double shot uses 18 g of coffee for 36 g of espresso in 28 seconds."},
	{"decaf", "Decaf process", "Orbital decaf coffee is decaffeinated with the Swiss Water process, which uses no chemical solvents and removes 99.9% of the caffeine."},
	{"grinder", "Grinder G2", "The Orbital G2 grinder has 40 mm conical steel burrs, 48 grind settings, and a 250 g hopper. It carries a 2-year warranty."},
	{"warranty", "Warranty", "Orbital equipment has a 2-year warranty covering manufacturing defects. Claims need the serial number and proof of purchase; repairs take about 10 business days."},
	{"sustainability", "Sustainability", "Orbital Coffee buys 100% of its green coffee through direct-trade contracts and pays farmers at least 30% above the Fairtrade minimum price. Its cups are compostable."},
}

// lookupDocument returns the document whose id or title is query
// (case-insensitive), else the only one whose title contains it.
func lookupDocument(query string) (document, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	var partial []document
	for _, d := range documents {
		if q == d.ID || q == strings.ToLower(d.Title) {
			return d, nil
		}
		if q != "" && strings.Contains(strings.ToLower(d.Title), q) {
			partial = append(partial, d)
		}
	}
	if len(partial) == 1 {
		return partial[0], nil
	}
	titles := make([]string, len(documents))
	for i, d := range documents {
		titles[i] = d.Title
	}
	return document{}, fmt.Errorf("no entry named %q; entries: %s", query, strings.Join(titles, ", "))
}

// searchDocuments returns up to limit documents ranked by how many distinct
// words of the query they contain (ties keep the bundled order).
func searchDocuments(query string, limit int) []document {
	words := tokens(query)
	type hit struct {
		doc   document
		score int
	}
	var hits []hit
	for _, d := range documents {
		have := map[string]bool{}
		for w := range tokens(d.Title + " " + d.Text) {
			have[w] = true
		}
		score := 0
		for w := range words {
			if have[w] {
				score++
			}
		}
		if score > 0 {
			hits = append(hits, hit{d, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	var out []document
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.doc)
	}
	return out
}

// stopWords are left out of searches.
var stopWords = map[string]bool{"the": true, "and": true, "for": true, "are": true, "what": true, "how": true,
	"does": true, "with": true, "can": true, "many": true, "much": true, "which": true, "who": true, "when": true,
	"long": true, "its": true, "you": true, "your": true, "is": true, "of": true, "a": true, "an": true, "in": true,
	"to": true, "do": true, "on": true, "at": true, "by": true}

// tokens returns the set of lower-case words of s (simple plural folding:
// "stores" also matches "store").
func tokens(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if stopWords[w] {
			continue
		}
		out[w] = true
		if len(w) > 3 && strings.HasSuffix(w, "s") {
			out[strings.TrimSuffix(w, "s")] = true
		}
	}
	return out
}
