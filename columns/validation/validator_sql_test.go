package validation

import (
	"slices"
	"testing"
)

func TestCheckSQL(t *testing.T) {
	tests := []struct {
		name    string
		dialect string
		give    string
		want    []string // nil: passes
	}{
		{"select", "ansi", "SELECT id, name FROM users WHERE id = 1;", nil},
		{"lower case and comments", "postgres", "-- top customers\nselect * /* all */ from t;\n", nil},
		{"with cte", "ansi", "WITH a AS (SELECT 1 AS x) SELECT x FROM a", nil},
		{"several statements", "sqlite", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);\nDROP TABLE t;", nil},
		{"parenthesized first", "ansi", "(SELECT 1) UNION (SELECT 2)", nil},
		{"brackets in strings and comments", "ansi", "SELECT ')', '(' -- )\nFROM t /* ( */", nil},
		{"doubled quote", "ansi", "SELECT 'it''s' FROM t", nil},
		{"mysql backslash escape", "mysql", `SELECT 'it\'s (' FROM t # comment (`, nil},
		{"postgres dollar quote", "postgres", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; ) $body$ LANGUAGE sql;", nil},
		{"postgres array subscript", "postgres", "SELECT a[1] FROM t", nil},
		{"tsql bracket identifier", "tsql", "SELECT [order (old]] x] FROM [dbo].[t]", nil},
		{"bigquery backticks", "bigquery", "SELECT * FROM `proj.ds.t(1`", nil},

		{"empty", "ansi", "  \n", []string{"no code: the value is empty"}},
		{"only comments", "ansi", "-- nothing\n;", []string{"no SQL statement: the value holds only comments and semicolons"}},
		{"prose", "ansi", "Here is the query:\nSELECT 1", []string{`line 1: statement does not start with a SQL keyword (found "Here")`}},
		{"markdown fence", "ansi", "```sql\nSELECT 1\n```", []string{`line 1: statement does not start with a SQL keyword (found "` + "`" + `")`}},
		{"second statement", "ansi", "SELECT 1;\nfoo bar;", []string{`line 2: statement does not start with a SQL keyword (found "foo")`}},
		{"unclosed paren", "ansi", "SELECT COUNT(\nFROM t", []string{`line 1: unbalanced brackets: "(" is never closed`}},
		{"extra close", "ansi", "SELECT 1)\n", []string{`line 1: unbalanced brackets: ")" has no matching "("`}},
		{"crossed", "postgres", "SELECT a[1) ]", []string{
			`line 1: unbalanced brackets: ")" closes "[" opened at line 1`,
			`line 1: unbalanced brackets: "]" has no matching "["`,
		}},
		{"unclosed string", "ansi", "SELECT 1\nWHERE name = 'bob", []string{"line 2: unclosed string literal (')"}},
		{"unclosed identifier", "ansi", `SELECT "name FROM t`, []string{`line 1: unclosed quoted identifier (")`}},
		{"backslash is not an escape in ansi", "ansi", `SELECT 'a\', 'b' FROM t`, nil},
		{"backslash escape in mysql", "mysql", `SELECT 'a\', 'b' FROM t`, []string{"line 1: unclosed string literal (')"}},
		{"unclosed comment", "ansi", "SELECT 1\n/* note", []string{"line 2: unclosed block comment"}},
		{"unclosed dollar quote", "postgres", "DO $$ BEGIN", []string{"line 1: unclosed dollar-quoted string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkSQL(tt.give, tt.dialect)
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkSQL(%q, %s)\n got %q\nwant %q", tt.give, tt.dialect, got, tt.want)
			}
		})
	}
}

func TestSQLValidatorColumn(t *testing.T) {
	_, g := buildOne(t, newBC(t), codeCol("sql_ok", "sql:postgres", "query"))
	got, errs := generateAll(t, g, codeRows("query", "SELECT 1", "SELECT (", nil))
	mustSucceed(t, errs)
	want := []string{
		`{"is_valid": true, "messages": []}`,
		`{"is_valid": false, "messages": ["line 1: unbalanced brackets: \"(\" is never closed"]}`,
		`{"is_valid": false, "messages": ["no code: the value is null"]}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
