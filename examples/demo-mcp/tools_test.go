package main

import (
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		give    string
		want    string
		wantErr string
	}{
		{give: "2+3", want: "5"},
		{give: "(2 + 3) * 4.5", want: "22.5"},
		{give: "0.1 + 0.2", want: "0.3"},
		{give: "-2 * -(3 - 1)", want: "4"},
		{give: "10 / 4 - 1", want: "1.5"},
		{give: "2 * 3 + 4 * 5", want: "26"},
		{give: "1 / 0", wantErr: "division by zero"},
		{give: "2 +", wantErr: "unexpected end"},
		{give: "(1 + 2", wantErr: "missing ')'"},
		{give: "os.exit(1)", wantErr: "unexpected 'o'"},
		{give: "", wantErr: "empty expression"},
		{give: strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500), wantErr: "nested too deeply"},
	}
	for _, tt := range tests {
		v, err := evaluate(tt.give)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("evaluate(%.20q) error = %v, want %q", tt.give, err, tt.wantErr)
			}
			continue
		}
		if err != nil || formatNumber(v) != tt.want {
			t.Errorf("evaluate(%q) = %s, %v; want %s", tt.give, formatNumber(v), err, tt.want)
		}
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		value    float64
		from, to string
		want     string
	}{
		{5, "km", "mi", "5 km = 3.1068559612 mi"},
		{100, "C", "F", "100 °C = 212 °F"},
		{32, "fahrenheit", "kelvin", "32 °F = 273.15 K"},
		{1, "lb", "g", "1 lb = 453.59237 g"},
		{12, "inches", "ft", "12 in = 1 ft"},
		{1, "kg", "m", "error: cannot convert kg (mass) to m (length)"},
		{-300, "C", "K", "error: -300 °C is below absolute zero"},
		{1, "parsec", "m", "error: unknown unit \"parsec\""},
	}
	for _, tt := range tests {
		got, err := convert(tt.value, tt.from, tt.to)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("convert(%v, %q, %q) = %q, want %q", tt.value, tt.from, tt.to, got, tt.want)
		}
	}
}

func TestDocuments(t *testing.T) {
	if d, err := lookupDocument("return POLICY"); err != nil || d.ID != "returns" {
		t.Errorf("lookup by title = %v, %v", d.ID, err)
	}
	if _, err := lookupDocument("pricing"); err == nil || !strings.Contains(err.Error(), "Return policy") {
		t.Errorf("lookup miss error = %v, want the list of entries", err)
	}
	hits := searchDocuments("How long does express shipping take?", 3)
	if len(hits) == 0 || hits[0].ID != "shipping" {
		t.Errorf("search first hit = %v, want shipping", hits)
	}
	if hits := searchDocuments("zzz", 3); len(hits) != 0 {
		t.Errorf("search zzz = %v, want none", hits)
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:0": true, "localhost:8931": true, "[::1]:80": true,
		"0.0.0.0:8931": false, ":8931": false, "192.168.1.2:80": false, "example.com:80": false} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
