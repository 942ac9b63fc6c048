package parse

import "strings"

// fence is one fenced block of a reply, Markdown style: a line of at least
// three backticks (or tildes) with an optional info string, the code lines,
// and a closing line of the same character at least as long.
type fence struct {
	tag    string // the first word of the info string, as written; "" when untagged
	code   string // the lines between the fences, the opening fence's indentation removed
	closed bool   // false when the reply ends inside the block
}

// fences returns the fenced blocks of reply in order. Only the last one can
// be unclosed. It follows CommonMark except that fences may be indented by
// any amount (models indent them inside lists), and that an unclosed final
// block whose last line ends with the fence marker (`}````) loses that
// marker.
func fences(reply string) []fence {
	var out []fence
	var (
		open   bool
		char   byte
		length int
		indent int
		tag    string
		lines  []string
	)
	for rest := reply; len(rest) > 0; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line = strings.TrimSuffix(line, "\r")
		if !open {
			c, n, ind, info, ok := openingFence(line)
			if ok {
				open, char, length, indent, lines = true, c, n, ind, nil
				tag, _, _ = strings.Cut(info, " ")
				tag, _, _ = strings.Cut(tag, "\t")
			}
			continue
		}
		if isClosingFence(line, char, length) {
			out = append(out, fence{tag: tag, code: strings.Join(lines, "\n"), closed: true})
			open = false
			continue
		}
		lines = append(lines, dedent(line, indent))
	}
	if open {
		code := strings.Join(lines, "\n")
		trimmed := strings.TrimRight(code, " \t\r\n")
		if marker := strings.Repeat(string(char), length); strings.HasSuffix(trimmed, marker) {
			code = trimmed[:len(trimmed)-len(marker)]
		}
		out = append(out, fence{tag: tag, code: code})
	}
	return out
}

// openingFence reports whether line opens a fenced block, with the fence
// character, its length, the indentation and the trimmed info string.
func openingFence(line string) (char byte, length, indent int, info string, ok bool) {
	body := strings.TrimLeft(line, " \t")
	indent = len(line) - len(body)
	if len(body) < 3 || (body[0] != '`' && body[0] != '~') {
		return 0, 0, 0, "", false
	}
	char = body[0]
	for length < len(body) && body[length] == char {
		length++
	}
	if length < 3 {
		return 0, 0, 0, "", false
	}
	info = strings.TrimSpace(body[length:])
	if char == '`' && strings.ContainsRune(info, '`') {
		return 0, 0, 0, "", false // inline code such as ```x```, as in CommonMark
	}
	return char, length, indent, info, true
}

func isClosingFence(line string, char byte, length int) bool {
	body := strings.TrimSpace(line)
	if len(body) < length {
		return false
	}
	for i := 0; i < len(body); i++ {
		if body[i] != char {
			return false
		}
	}
	return true
}

// dedent removes up to n leading spaces or tabs.
func dedent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return line[i:]
}
