package validation

import (
	"context"
	"fmt"
	"strings"
)

// sqlValidator is a lightweight structural check of SQL text, not a parser:
// see the package documentation for what it checks.
type sqlValidator struct {
	dialect string // e.g. "postgres", from code_lang sql:postgres
}

func (s sqlValidator) validate(_ context.Context, inputs []any) ([]result, error) {
	results := make([]result, len(inputs))
	for i, in := range inputs {
		src, ok := in.(string)
		if !ok {
			results[i] = invalidCodeValue(in)
			continue
		}
		msgs := checkSQL(src, s.dialect)
		results[i] = result{valid: len(msgs) == 0, messages: msgs}
	}
	return results, nil
}

// sqlKeywords are the words a statement may start with.
var sqlKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`SELECT WITH VALUES TABLE INSERT UPDATE DELETE MERGE UPSERT REPLACE
		CREATE ALTER DROP TRUNCATE RENAME COMMENT GRANT REVOKE
		BEGIN START COMMIT ROLLBACK SAVEPOINT RELEASE END
		SET DECLARE USE SHOW DESCRIBE DESC EXPLAIN ANALYZE VACUUM REINDEX PRAGMA ATTACH DETACH
		CALL EXEC EXECUTE PREPARE DEALLOCATE COPY LOCK UNLOCK LOAD EXPORT IMPORT
		DO REFRESH CLUSTER DISCARD RESET FETCH OPEN CLOSE CHECKPOINT OPTIMIZE FLUSH KILL
		IF WHILE PRINT RETURN GO RAISERROR THROW WAITFOR`) {
		m[k] = true
	}
	return m
}()

// maxSQLMessages caps the messages of one value.
const maxSQLMessages = 5

// checkSQL returns the structural problems of src; none means it passed.
func checkSQL(src, dialect string) []string {
	if strings.TrimSpace(src) == "" {
		return []string{"no code: the value is empty"}
	}
	s := sqlScanner{src: src, line: 1, dialect: dialect, needKeyword: true}
	s.scan()
	if len(s.msgs) == 0 && s.statements == 0 {
		s.msgs = append(s.msgs, "no SQL statement: the value holds only comments and semicolons")
	}
	if len(s.msgs) > maxSQLMessages {
		s.msgs = s.msgs[:maxSQLMessages]
	}
	return s.msgs
}

type sqlScanner struct {
	src     string
	dialect string
	i       int
	line    int
	msgs    []string
	// open brackets: the character and its line
	stack []struct {
		ch   byte
		line int
	}
	needKeyword bool // at the start of a statement
	statements  int
}

func (s *sqlScanner) errorf(line int, format string, args ...any) {
	s.msgs = append(s.msgs, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

func (s *sqlScanner) backslashEscapes() bool {
	return s.dialect == "mysql" || s.dialect == "bigquery"
}

func (s *sqlScanner) bracketIdentifiers() bool {
	return s.dialect == "tsql" || s.dialect == "sqlite"
}

// scan walks src once; it stops at an unterminated literal or comment,
// since the rest of the text is inside it.
func (s *sqlScanner) scan() {
	for s.i < len(s.src) && len(s.msgs) <= maxSQLMessages {
		c := s.src[s.i]
		switch {
		case c == '\n':
			s.line++
			s.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			s.i++
		case c == '-' && s.peek(1) == '-', c == '#' && s.backslashEscapes():
			s.skipLine()
		case c == '/' && s.peek(1) == '*':
			if !s.skipPast(2, "*/", "unclosed block comment") {
				return
			}
		case c == '\'' || c == '"' || c == '`':
			s.statementStarts(string(c))
			if !s.skipQuoted(c) {
				return
			}
		case c == '[' && s.bracketIdentifiers():
			s.statementStarts("[")
			if !s.skipQuoted(']') {
				return
			}
		case c == '$' && s.dialect == "postgres" && s.dollarTag() != "":
			s.statementStarts("$")
			if !s.skipPast(len(s.dollarTag()), s.dollarTag(), "unclosed dollar-quoted string") {
				return
			}
		case c == '(' || c == '[':
			s.stack = append(s.stack, struct {
				ch   byte
				line int
			}{c, s.line})
			s.i++
		case c == ')' || c == ']':
			s.statementStarts(string(c))
			s.closeBracket(c)
			s.i++
		case c == ';' && len(s.stack) == 0:
			s.needKeyword = true
			s.i++
		case isWordStart(c):
			start := s.i
			for s.i < len(s.src) && isWordPart(s.src[s.i]) {
				s.i++
			}
			if s.needKeyword {
				s.needKeyword = false
				s.statements++
				if w := s.src[start:s.i]; !sqlKeywords[strings.ToUpper(w)] {
					s.errorf(s.line, "statement does not start with a SQL keyword (found %q)", w)
				}
			}
		default:
			s.statementStarts(string(c))
			s.i++
		}
	}
	for _, o := range s.stack {
		s.errorf(o.line, "unbalanced brackets: %q is never closed", string(o.ch))
	}
}

// statementStarts handles a token other than a word or '(' where a
// statement should begin.
func (s *sqlScanner) statementStarts(tok string) {
	if s.needKeyword {
		s.needKeyword = false
		s.statements++
		s.errorf(s.line, "statement does not start with a SQL keyword (found %q)", tok)
	}
}

func (s *sqlScanner) closeBracket(c byte) {
	want := byte('(')
	if c == ']' {
		want = '['
	}
	n := len(s.stack)
	if n == 0 {
		s.errorf(s.line, "unbalanced brackets: %q has no matching %q", string(c), string(want))
		return
	}
	if top := s.stack[n-1]; top.ch != want {
		s.errorf(s.line, "unbalanced brackets: %q closes %q opened at line %d", string(c), string(top.ch), top.line)
	}
	s.stack = s.stack[:n-1]
}

func (s *sqlScanner) peek(off int) byte {
	if s.i+off < len(s.src) {
		return s.src[s.i+off]
	}
	return 0
}

func (s *sqlScanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

// skipPast skips the opening (open bytes) and the text up to and including
// end, counting lines; false when end is missing.
func (s *sqlScanner) skipPast(open int, end, what string) bool {
	startLine := s.line
	body := s.src[s.i+open:]
	j := strings.Index(body, end)
	if j < 0 {
		s.errorf(startLine, "%s", what)
		return false
	}
	s.line += strings.Count(body[:j], "\n")
	s.i += open + j + len(end)
	return true
}

// skipQuoted skips a literal or quoted identifier opened at s.i and closed
// by closer; a doubled closer stands for itself, and in MySQL and BigQuery
// a backslash escapes the next character.
func (s *sqlScanner) skipQuoted(closer byte) bool {
	open, startLine := s.src[s.i], s.line
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\\' && s.backslashEscapes() && open != '[' && open != '`':
			if s.peek(1) == '\n' {
				s.line++
			}
			s.i += 2
			continue
		case c == '\n':
			s.line++
		case c == closer:
			if s.peek(1) == closer {
				s.i += 2
				continue
			}
			s.i++
			return true
		}
		s.i++
	}
	kind := "string literal"
	if open != '\'' {
		kind = "quoted identifier"
	}
	s.errorf(startLine, "unclosed %s (%s)", kind, string(open))
	return false
}

// dollarTag returns the PostgreSQL dollar quote ($$ or $tag$) at s.i, or "".
func (s *sqlScanner) dollarTag() string {
	j := s.i + 1
	if j < len(s.src) && isWordStart(s.src[j]) {
		for j < len(s.src) && isWordPart(s.src[j]) {
			j++
		}
	}
	if j < len(s.src) && s.src[j] == '$' {
		return s.src[s.i : j+1]
	}
	return ""
}

func isWordStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || '0' <= c && c <= '9' }
