package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// evaluate computes an arithmetic expression of numbers, + - * /, unary
// signs and parentheses. It is a recursive-descent parser, never an eval:
//
//	expr   = term { ("+" | "-") term }
//	term   = factor { ("*" | "/") factor }
//	factor = ("+" | "-") factor | number | "(" expr ")"
func evaluate(expression string) (float64, error) {
	p := &parser{src: expression}
	if strings.TrimSpace(expression) == "" {
		return 0, errors.New("empty expression")
	}
	v, err := p.expr(0)
	if err != nil {
		return 0, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return 0, fmt.Errorf("unexpected %q at position %d", p.src[p.pos], p.pos+1)
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New("the result is too large")
	}
	return v, nil
}

// maxDepth bounds nesting so a hostile expression cannot exhaust the stack.
const maxDepth = 100

type parser struct {
	src string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *parser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) expr(depth int) (float64, error) {
	v, err := p.term(depth)
	if err != nil {
		return 0, err
	}
	for {
		switch p.peek() {
		case '+':
			p.pos++
			w, err := p.term(depth)
			if err != nil {
				return 0, err
			}
			v += w
		case '-':
			p.pos++
			w, err := p.term(depth)
			if err != nil {
				return 0, err
			}
			v -= w
		default:
			return v, nil
		}
	}
}

func (p *parser) term(depth int) (float64, error) {
	v, err := p.factor(depth)
	if err != nil {
		return 0, err
	}
	for {
		switch p.peek() {
		case '*':
			p.pos++
			w, err := p.factor(depth)
			if err != nil {
				return 0, err
			}
			v *= w
		case '/':
			p.pos++
			w, err := p.factor(depth)
			if err != nil {
				return 0, err
			}
			if w == 0 {
				return 0, errors.New("division by zero")
			}
			v /= w
		default:
			return v, nil
		}
	}
}

func (p *parser) factor(depth int) (float64, error) {
	if depth > maxDepth {
		return 0, errors.New("the expression is nested too deeply")
	}
	switch c := p.peek(); {
	case c == 0:
		return 0, errors.New("unexpected end of expression")
	case c == '+' || c == '-':
		p.pos++
		v, err := p.factor(depth + 1)
		if c == '-' {
			v = -v
		}
		return v, err
	case c == '(':
		p.pos++
		v, err := p.expr(depth + 1)
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, fmt.Errorf("missing ')' at position %d", p.pos+1)
		}
		p.pos++
		return v, nil
	case c == '.' || (c >= '0' && c <= '9'):
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] == '.' || (p.src[p.pos] >= '0' && p.src[p.pos] <= '9')) {
			p.pos++
		}
		v, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid number %q", p.src[start:p.pos])
		}
		return v, nil
	default:
		return 0, fmt.Errorf("unexpected %q at position %d", c, p.pos+1)
	}
}

// formatNumber writes v without float noise: 0.1+0.2 is "0.3", 5 is "5".
func formatNumber(v float64) string {
	if v == 0 {
		return "0" // also for -0
	}
	if math.Abs(v) < 1e15 && math.Abs(v) >= 1e-6 {
		r := math.Round(v*1e10) / 1e10
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 12, 64)
}
