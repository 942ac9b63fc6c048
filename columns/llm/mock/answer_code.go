package mock

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
)

// languages maps a fence tag or a language name (lower case) to the
// snippet family that answers it.
var languages = map[string]string{
	"python": "python", "py": "python", "python3": "python",
	"sql": "sql", "postgres": "sql", "postgresql": "sql", "mysql": "sql", "sqlite": "sql", "tsql": "sql",
	"t-sql": "sql", "bigquery": "sql", "plsql": "sql", "ansi": "sql",
	"javascript": "javascript", "js": "javascript", "node": "javascript", "jsx": "javascript",
	"typescript": "typescript", "ts": "typescript",
	"go": "go", "golang": "go",
	"java":   "java",
	"kotlin": "kotlin", "kt": "kotlin",
	"rust": "rust", "rs": "rust",
	"ruby": "ruby", "rb": "ruby",
	"scala": "scala",
	"swift": "swift",
	"bash":  "bash", "sh": "bash", "shell": "bash", "zsh": "bash",
	"c":   "c",
	"cpp": "cpp", "c++": "cpp", "cxx": "cpp",
	"csharp": "csharp", "cs": "csharp", "c#": "csharp",
}

var fenceTag = regexp.MustCompile("```[ \\t]*([A-Za-z0-9_+#:.-]+)")

// requestedFence returns the tag of the last "```<tag>" in text that names
// JSON or a known language ("" if none): the instructions come last.
func requestedFence(text string) (tag, lang string) {
	ms := fenceTag.FindAllStringSubmatch(text, -1)
	for i := len(ms) - 1; i >= 0; i-- {
		t := ms[i][1]
		base, _, _ := strings.Cut(strings.ToLower(t), ":")
		if base == "json" {
			return t, "json"
		}
		if l, ok := languages[base]; ok {
			if base != t && strings.Contains(t, ":") {
				t = base // "sql:postgres" → "sql"
			}
			return t, l
		}
	}
	return "", ""
}

var (
	proseCodeBlock = regexp.MustCompile(`(?i)\b(code[ -]?block|fenced|code fence)`)
	proseLangCI    = regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9_])(python3?|javascript|typescript|golang|java|kotlin|rust|ruby|scala|swift|bash|shell|sql|postgresql|postgres|mysql|sqlite|t-sql|tsql|bigquery|c\+\+|c#|csharp)(?:$|[^A-Za-z0-9_+#])`)
	proseLangCS    = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])(Go|C)(?:$|[^A-Za-z0-9_+#])`)
)

// proseLanguage finds "code block" plus a language name in text, and returns
// the tag to answer with and the language (the last one mentioned).
func proseLanguage(text string) (tag, lang string) {
	if !proseCodeBlock.MatchString(text) {
		return "", ""
	}
	best := -1
	for _, re := range []*regexp.Regexp{proseLangCI, proseLangCS} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			if m[2] > best {
				best = m[2]
				name := strings.ToLower(text[m[2]:m[3]])
				lang = languages[name]
				tag = name
				if lang == "sql" {
					tag = "sql"
				} else if name == "c++" || name == "c#" || name == "shell" || name == "golang" || name == "python3" {
					tag = lang
				}
			}
		}
	}
	return tag, lang
}

// snippets hold per language a few templates. Placeholders: «k» a snake
// identifier, «K» its CamelCase, «kw» its words, «k2» «k3» more
// identifiers, «n1» «n2» «n3» small integers.
var snippets = map[string][]string{
	"python": {`def summarize_«k»(values):
    """Return the count, total and mean of the «kw» values."""
    total = sum(values)
    mean = total / len(values) if values else 0.0
    return {"count": len(values), "total": total, "mean": mean}


if __name__ == "__main__":
    print(summarize_«k»([«n1», «n2», «n3»]))`,
		`from dataclasses import dataclass, field


@dataclass
class «K»Record:
    """A «kw» record with a name and tags."""

    name: str
    tags: list = field(default_factory=list)

    def add_tag(self, tag: str) -> None:
        if tag not in self.tags:
            self.tags.append(tag)


record = «K»Record(name="«k2»")
record.add_tag("«k3»")
print(record)`,
		`from collections import Counter


def count_«k»(items):
    """Count how often each «kw» item occurs, most common first."""
    return Counter(items).most_common()


print(count_«k»(["«k2»", "«k3»", "«k2»"]))`},
	"sql": {`SELECT t.«k2»_name, COUNT(*) AS «k»_count
FROM «ks» AS t
WHERE t.«k2»_name IS NOT NULL
GROUP BY t.«k2»_name
ORDER BY «k»_count DESC
LIMIT 10;`,
		`SELECT a.id, a.«k2»_name, SUM(b.amount) AS total_amount
FROM «ks» AS a
JOIN «k3s» AS b ON b.«k»_id = a.id
GROUP BY a.id, a.«k2»_name
HAVING SUM(b.amount) > «n1»
ORDER BY total_amount DESC;`},
	"javascript": {`function count«K»(items) {
  const counts = new Map();
  for (const item of items) {
    counts.set(item, (counts.get(item) || 0) + 1);
  }
  return counts;
}

console.log(count«K»(["«k2»", "«k3»", "«k2»"]));`,
		`const «k»Values = [«n1», «n2», «n3»];
const total = «k»Values.reduce((sum, value) => sum + value, 0);
console.log(` + "`total «kw»: ${total}`" + `);`},
	"typescript": {`interface «K»Summary {
  count: number;
  total: number;
}

function summarize«K»(values: number[]): «K»Summary {
  const total = values.reduce((sum, v) => sum + v, 0);
  return { count: values.length, total };
}

console.log(summarize«K»([«n1», «n2», «n3»]));`},
	"go": {`package main

import "fmt"

// sum«K» returns the total of the «kw» values.
func sum«K»(values []int) int {
	total := 0
	for _, v := range values {
		total += v
	}
	return total
}

func main() {
	fmt.Println(sum«K»([]int{«n1», «n2», «n3»}))
}`},
	"java": {`import java.util.List;

public class «K»Summary {
    static int total(List<Integer> values) {
        int sum = 0;
        for (int v : values) {
            sum += v;
        }
        return sum;
    }

    public static void main(String[] args) {
        System.out.println(total(List.of(«n1», «n2», «n3»)));
    }
}`},
	"kotlin": {`fun total«K»(values: List<Int>): Int = values.sum()

fun main() {
    println(total«K»(listOf(«n1», «n2», «n3»)))
}`},
	"rust": {`fn total_«k»(values: &[i64]) -> i64 {
    values.iter().sum()
}

fn main() {
    println!("{}", total_«k»(&[«n1», «n2», «n3»]));
}`},
	"ruby": {`def total_«k»(values)
  values.sum
end

puts total_«k»([«n1», «n2», «n3»])`},
	"scala": {`object «K»Summary {
  def total(values: Seq[Int]): Int = values.sum

  def main(args: Array[String]): Unit = {
    println(total(Seq(«n1», «n2», «n3»)))
  }
}`},
	"swift": {`func total«K»(_ values: [Int]) -> Int {
    return values.reduce(0, +)
}

print(total«K»([«n1», «n2», «n3»]))`},
	"bash": {`#!/usr/bin/env bash
set -euo pipefail

total_«k»() {
  local total=0
  for value in "$@"; do
    total=$((total + value))
  done
  echo "$total"
}

total_«k» «n1» «n2» «n3»`},
	"c": {`#include <stdio.h>

static int total_«k»(const int *values, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
        sum += values[i];
    }
    return sum;
}

int main(void) {
    int values[] = {«n1», «n2», «n3»};
    printf("%d\n", total_«k»(values, 3));
    return 0;
}`},
	"cpp": {`#include <iostream>
#include <numeric>
#include <vector>

int main() {
    std::vector<int> «k»_values{«n1», «n2», «n3»};
    std::cout << std::accumulate(«k»_values.begin(), «k»_values.end(), 0) << std::endl;
    return 0;
}`},
	"csharp": {`using System;
using System.Linq;

public static class «K»Summary
{
    public static void Main()
    {
        int[] values = { «n1», «n2», «n3» };
        Console.WriteLine(values.Sum());
    }
}`},
}

// lineComment is each language's line comment.
var lineComment = map[string]string{
	"python": "#", "ruby": "#", "bash": "#", "sql": "--",
}

// codeSnippet returns syntactically valid code of the language mentioning
// the keywords; results, when any, are quoted in a leading comment.
func codeSnippet(r *rand.Rand, lang string, kws []string, results []toolResult) string {
	ids := asciiKeywords(kws)
	k := pickKeywords(r, ids, 3, "item")
	plural := func(s string) string {
		if strings.HasSuffix(s, "s") {
			return s
		}
		return s + "s"
	}
	camelK := camel(k[0])
	rep := strings.NewReplacer(
		"«ks»", plural(k[0]), "«k3s»", plural(k[2]),
		"«kw»", strings.ReplaceAll(k[0], "_", " "), "«k2»", k[1], "«k3»", k[2], "«k»", k[0], "«K»", camelK,
		"«n1»", fmt.Sprint(1+r.IntN(9)), "«n2»", fmt.Sprint(10+r.IntN(40)), "«n3»", fmt.Sprint(50+r.IntN(50)),
	)
	ts := snippets[lang]
	code := rep.Replace(ts[r.IntN(len(ts))])
	if len(results) > 0 {
		c := lineComment[lang]
		if c == "" {
			c = "//"
		}
		var lines []string
		for _, t := range results {
			lines = append(lines, fmt.Sprintf("%s The %s tool returned: %s", c, t.tool, oneLine(clip(t.text, 200))))
		}
		code = strings.Join(lines, "\n") + "\n" + code
	}
	return code
}

// oneLine makes s safe for a line comment: no line breaks or control
// characters, no trailing backslash (a line continuation in C), no \u
// escapes (Java reads them in comments too).
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, `\u`, `\ u`)
	return strings.TrimRight(s, `\ `)
}
